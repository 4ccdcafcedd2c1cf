"""The people list (/people/) and its downloads."""

import csv
import io
import re

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from people.enums import InstitutionKind, RoleKind
from tests.conftest import assert_no_private_data
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    PaperFactory,
    PersonFactory,
    RoleFactory,
)

pytestmark = pytest.mark.django_db



@pytest.fixture
def hkust():
    return InstitutionFactory(name="Hong Kong UST", short_name="HKUST", slug="hkust")


@pytest.fixture
def lab(settings, hkust):
    settings.LAB_INSTITUTION = "ising-lab"
    return InstitutionFactory(
        name="iSING Lab",
        short_name="iSING Lab",
        slug="ising-lab",
        kind=InstitutionKind.LAB,
        parent=hkust,
    )


@pytest.fixture
def people(lab, hkust):
    """A professor and a student (current), an alumna, a co-author and a stranger."""
    professor = PersonFactory(name="Kai Chen", slug="kai-chen")
    RoleFactory(person=professor, title="Professor", institution=lab, start_year=None)
    student = PersonFactory(name="Hao Wang", slug="hao-wang", aliases="H. Wang\nWang Hao")
    phd = RoleFactory(
        person=student,
        kind=RoleKind.EDUCATION,
        title="Ph.D. Candidate",
        institution=hkust,
        start_year=2019,
        start_month=8,
    )
    phd.advisors.add(professor)
    alumna = PersonFactory(name="Xu Kaiqiang", slug="kaiqiang-xu")
    RoleFactory(
        person=alumna,
        kind=RoleKind.MEMBERSHIP,
        title="Ph.D. student",
        institution=lab,
        start_year=2020,
        end_year=2025,
        end_month=6,
    )
    RoleFactory(
        person=alumna,
        title="Student Researcher",
        institution=InstitutionFactory(name="Google", short_name="", slug="google"),
        start_year=2025,
    )
    coauthor = PersonFactory(name="Song Han", slug="song-han")
    RoleFactory(person=coauthor, title="Professor", institution__short_name="MIT")
    paper = PaperFactory()
    AuthorshipFactory(paper=paper, person=student, position=1)
    AuthorshipFactory(paper=paper, person=coauthor, position=2)
    PersonFactory(name="Zed Stranger", slug="zed")
    return {"professor": professor, "student": student, "alumna": alumna, "coauthor": coauthor}


def names(response):
    return [person.name for person in response.context["page"].object_list]


def h1s(response):
    return re.findall(r"<h1[ >].*?</h1>", response.content.decode(), flags=re.S)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Hao Wang", "Kai Chen"]),
        ("?group=current", ["Hao Wang", "Kai Chen"]),
        ("?group=alumni", ["Xu Kaiqiang"]),
        ("?group=coauthors", ["Song Han"]),
        ("?group=all", ["Hao Wang", "Kai Chen", "Song Han", "Xu Kaiqiang", "Zed Stranger"]),
        ("?group=nonsense", ["Hao Wang", "Kai Chen"]),
    ],
)
def test_people_list_groups_by_lab_membership(client, people, query, expected):
    response = client.get(f"/people/{query}")

    assert response.status_code == 200
    assert names(response) == expected


def test_people_list_tabs_mark_the_current_group_and_keep_filters(client, people):
    content = client.get("/people/?group=alumni&q=xu&page=1").content.decode()

    assert '<a href="?group=alumni&amp;q=xu" aria-current="page">Alumni</a>' in content
    assert '<a href="?group=current&amp;q=xu">Current members</a>' in content
    assert '<a href="?group=coauthors&amp;q=xu">Co-authors</a>' in content


def test_people_list_card_shows_current_roles(client, people):
    content = client.get("/people/").content.decode()

    assert '<a class="name" href="/people/kai-chen/">Kai Chen</a>' in content
    assert '<div class="role">Professor, iSING Lab</div>' in content
    assert '<div class="role">Ph.D. Candidate, HKUST</div>' in content


def test_people_list_alumni_card_shows_the_last_lab_role_and_its_end(client, people):
    content = client.get("/people/?group=alumni").content.decode()

    assert '<div class="role">Student Researcher, Google</div>' in content
    assert '<div class="role muted">Ph.D. student, iSING Lab (until Jun 2025)</div>' in content


def test_people_list_avatar_is_initials_without_a_photo_and_alt_text_with_one(client, people):
    PersonFactory(name="Ana Klimovic", slug="ana", photo="people/ana.png")

    content = client.get("/people/?group=all").content.decode()

    assert '<span class="avatar" aria-hidden="true">KC</span>' in content
    assert '<img class="avatar" src="/media/people/ana.png" alt="Ana Klimovic"' in content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?group=all&q=wang+hao", ["Hao Wang"]),  # an alias
        ("?group=all&q=KAI", ["Kai Chen", "Xu Kaiqiang"]),  # case-insensitive
        ("?group=all&kind=education", ["Hao Wang"]),
        ("?group=all&kind=membership", ["Xu Kaiqiang"]),
        ("?group=all&institution=hkust", ["Hao Wang", "Kai Chen", "Xu Kaiqiang"]),  # and units
        ("?group=all&institution=google", ["Xu Kaiqiang"]),
        ("?group=current&kind=position", ["Kai Chen"]),
        ("?group=alumni&kind=position", ["Xu Kaiqiang"]),
    ],
)
def test_people_list_filters(client, people, query, expected):
    response = client.get(f"/people/{query}")

    assert names(response) == expected


def test_people_list_unknown_filter_value_is_a_form_error(client, people):
    response = client.get("/people/?group=all&institution=atlantis")

    assert names(response) == ["Hao Wang", "Kai Chen", "Song Han", "Xu Kaiqiang", "Zed Stranger"]
    assert "Select a valid choice" in response.content.decode()


def test_people_list_another_lab_by_slug(client, people):
    other = InstitutionFactory(name="Other Lab", slug="other-lab", kind=InstitutionKind.LAB)
    RoleFactory(person__name="Olga Other", institution=other)

    response = client.get("/people/?lab=other-lab")

    assert names(response) == ["Olga Other"]
    assert response.context["lab"] == other
    content = response.content.decode()
    assert '<label for="id_lab">Lab</label>' in content
    assert '<option value="other-lab" selected>Other Lab (U' in content


def test_people_list_unknown_or_non_lab_slug_is_404(client, people):
    assert client.get("/people/?lab=atlantis").status_code == 404
    assert client.get("/people/?lab=hkust").status_code == 404


def test_people_list_without_the_configured_lab_lists_everyone(client, settings):
    settings.LAB_INSTITUTION = "no-such-lab"
    PersonFactory(name="Solo Person")

    response = client.get("/people/")

    assert names(response) == ["Solo Person"]
    assert response.context["group"] == "all"
    assert 'class="tabs"' not in response.content.decode()


def test_people_list_paginates_by_60_and_keeps_the_query(client, lab):
    for number in range(61):
        PersonFactory(name=f"Person {number:02d}")

    first = client.get("/people/?group=all&q=person")
    second = client.get("/people/?group=all&q=person&page=2")

    assert len(names(first)) == 60
    assert names(second) == ["Person 60"]
    content = first.content.decode()
    assert '<a href="?group=all&amp;q=person&amp;page=2" rel="next">Next</a>' in content
    assert "61 people, page 1 of 2" in content


def test_people_list_download_links_carry_the_filters(client, people):
    content = client.get("/people/?group=alumni&q=xu&page=1").content.decode()

    assert '<a href="/people/download.csv?group=alumni&amp;q=xu" download>CSV</a>' in content
    assert '<a href="/people/download.xlsx?group=alumni&amp;q=xu" download>XLSX</a>' in content


def test_people_list_has_one_h1_and_labelled_filters(client, people):
    response = client.get("/people/")
    content = response.content.decode()

    assert h1s(response) == ["<h1>People</h1>"]
    for field in ("q", "kind", "institution"):
        assert f'<label for="id_{field}">' in content
        assert f'id="id_{field}"' in content
    assert "<title>Current members · People · " in content
    assert '<li aria-current="page">People</li>' in content


@pytest.mark.parametrize("who", ["visitor", "member", "lab_admin"])
def test_people_list_for_each_user_hides_private_data(
    client, lab, people, private_person, who, request
):
    if who != "visitor":
        client.force_login(request.getfixturevalue(who))
    RoleFactory(person=private_person, institution=lab)

    for group in ("current", "alumni", "all", "coauthors"):
        response = client.get(f"/people/?group={group}")
        assert response.status_code == 200
        assert_no_private_data(response.content)
    assert "Pat Private" in client.get("/people/").content.decode()


def test_people_list_rejects_post(client, people):
    assert client.post("/people/").status_code == 405


@pytest.mark.parametrize("item_count", [1, 5])
@pytest.mark.parametrize("group", ["current", "alumni", "all", "coauthors"])
def test_people_list_query_count_is_constant(
    client, django_assert_num_queries, lab, hkust, item_count, group
):
    professor = RoleFactory(institution=lab, start_year=None).person
    for number in range(item_count):
        student = RoleFactory(
            institution=hkust, kind=RoleKind.EDUCATION, start_year=2010, end_year=2015
        )
        student.advisors.add(professor)
        RoleFactory(person=student.person, institution=InstitutionFactory(), start_year=2016)
        RoleFactory(institution=lab, start_year=2020 + number)
        paper = PaperFactory()
        AuthorshipFactory(paper=paper, person=student.person, position=1)
        AuthorshipFactory(paper=paper, position=2)

    # lab, labs for the select, institutions for the filter, count, page, roles
    with django_assert_num_queries(6):
        response = client.get(f"/people/?group={group}")
    expected = {
        "current": 1 + item_count,
        "alumni": item_count,
        "coauthors": item_count,
        "all": 1 + 3 * item_count,
    }
    assert len(names(response)) == expected[group]


def csv_rows(response):
    return list(csv.DictReader(io.StringIO(b"".join(response).decode("utf-8-sig"))))


def test_people_download_csv_is_the_filtered_list_on_every_page(client, lab, people):
    for number in range(61):
        RoleFactory(person__name=f"Member {number:02d}", institution=lab)

    response = client.get("/people/download.csv?group=current&q=member&page=1")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="people.csv"'
    assert [row["name"] for row in csv_rows(response)] == [f"Member {n:02d}" for n in range(61)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Hao Wang", "Kai Chen"]),
        ("?group=alumni", ["Xu Kaiqiang"]),
        ("?group=coauthors", ["Song Han"]),
        ("?group=all&kind=education", ["Hao Wang"]),
    ],
)
def test_people_download_follows_the_group_and_filters(client, people, query, expected):
    response = client.get(f"/people/download.csv{query}")

    assert [row["name"] for row in csv_rows(response)] == expected


def test_people_download_email_only_for_members(client, member, people):
    people["professor"].email = "kai@example.org"
    people["professor"].save()

    visitor_rows = csv_rows(client.get("/people/download.csv?q=kai"))
    client.force_login(member)
    member_rows = csv_rows(client.get("/people/download.csv?q=kai"))

    assert "email" not in visitor_rows[0]
    assert member_rows[0]["email"] == "kai@example.org"


def test_people_download_xlsx(client, people):
    response = client.get("/people/download.xlsx?group=alumni")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="people.xlsx"'
    assert b"".join(response)[:2] == b"PK"  # a zip container, as XLSX is


def test_people_download_unknown_format_or_lab_is_404(client, people):
    assert client.get("/people/download.pdf").status_code == 404
    assert client.get("/people/download.csv?lab=atlantis").status_code == 404


def test_people_download_rejects_post(client, people):
    assert client.post("/people/download.csv").status_code == 405


@pytest.mark.parametrize("who", ["visitor", "member", "lab_admin"])
def test_people_download_hides_private_data(client, lab, private_person, who, request):
    if who != "visitor":
        client.force_login(request.getfixturevalue(who))
    RoleFactory(person=private_person, institution=lab)

    workbook = load_workbook(io.BytesIO(b"".join(client.get("/people/download.xlsx?group=all"))))
    cells = [cell for row in workbook.active.iter_rows(values_only=True) for cell in row]
    assert "Pat Private" in cells
    assert_no_private_data(" ".join(str(cell) for cell in cells))
    rows = csv_rows(client.get("/people/download.csv?group=all"))
    assert [row["name"] for row in rows] == ["Pat Private"]
    assert_no_private_data(",".join(f"{k}={v}" for k, v in rows[0].items()))


@pytest.mark.parametrize("item_count", [1, 5])
def test_people_download_query_count_is_constant(
    client, django_assert_num_queries, lab, item_count
):
    for _ in range(item_count):
        RoleFactory(institution=lab)

    with django_assert_num_queries(3):
        response = client.get("/people/download.csv")
    assert len(csv_rows(response)) == item_count


def test_people_list_on_the_seed_data(client):
    call_command("loaddata", "lab", verbosity=0)

    current = client.get("/people/")
    alumni = client.get("/people/?group=alumni")
    coauthors = client.get("/people/?group=coauthors")

    assert names(current) == ["Hao Wang", "Kai Chen"]
    assert names(alumni) == ["Kaiqiang Xu", "Xudong Liao"]
    assert coauthors.context["page"].paginator.count == 52
    assert "Qinghao Hu" not in names(client.get("/people/?group=coauthors&q=hu"))
    assert names(client.get("/people/?group=all&q=qinghao")) == ["Qinghao Hu"]
    content = alumni.content.decode()
    assert '<div class="role">Founding Engineer, Netpreme</div>' in content
    assert '<div class="role muted">Ph.D., HKUST (until Sep 2025)</div>' in content
