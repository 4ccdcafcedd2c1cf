"""The institution list (/institutions/) and institution page (/institutions/<slug>/)."""

import re

import pytest

from people.enums import InstitutionKind
from tests.conftest import assert_no_private_data
from tests.factories import InstitutionFactory, PersonFactory, RoleFactory

pytestmark = pytest.mark.django_db



@pytest.fixture
def hkust():
    university = InstitutionFactory(
        name="Hong Kong UST",
        short_name="HKUST",
        slug="hkust",
        country="HK",
        city="Hong Kong",
        url="https://hkust.edu.hk",
    )
    lab = InstitutionFactory(
        name="iSING Lab",
        short_name="",
        slug="ising-lab",
        kind=InstitutionKind.LAB,
        parent=university,
    )
    kai = PersonFactory(name="Kai Chen", slug="kai-chen")
    RoleFactory(person=kai, title="Professor", institution=lab, start_year=None)
    RoleFactory(
        person=kai, title="Lecturer", institution=university, start_year=2010, end_year=2012
    )
    hao = PersonFactory(name="Hao Wang", slug="hao-wang")
    RoleFactory(
        person=hao,
        title="Ph.D. Candidate",
        institution=university,
        unit="CSE",
        start_year=2019,
        start_month=8,
    )
    RoleFactory(
        person=PersonFactory(name="Xu Kaiqiang", slug="kaiqiang-xu"),
        title="Ph.D.",
        institution=university,
        start_year=2020,
        end_year=2025,
    )
    return university


def h1s(content):
    return re.findall(r"<h1[ >].*?</h1>", content, flags=re.S)


def rows(response):
    return [(i.name, i.people_count) for i in response.context["page"].object_list]


def test_institution_list_table(client, hkust):
    InstitutionFactory(
        name="ACM", short_name="ACM", slug="acm", kind=InstitutionKind.PUBLISHER, country="US"
    )

    response = client.get("/institutions/")
    content = response.content.decode()

    assert rows(response) == [("ACM", 0), ("Hong Kong UST", 3), ("iSING Lab", 1)]
    assert h1s(content) == ["<h1>Institutions</h1>"]
    assert '<li aria-current="page">Institutions</li>' in content
    assert (
        '<td><a href="/institutions/ising-lab/">iSING Lab</a></td>\n'
        "                <td></td>\n"
        "                <td>Lab or research group</td>\n"
        "                <td>Hong Kong</td>\n"
        '                <td><a href="/institutions/hkust/">HKUST</a></td>\n'
        '                <td class="num">1</td>'
    ) in content
    assert "<td>United States of America</td>" in content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?kind=lab", ["iSING Lab"]),
        ("?q=hkust", ["Hong Kong UST"]),
        ("?q=sing", ["iSING Lab"]),
        ("?q=kong&kind=university", ["Hong Kong UST"]),
        ("?kind=company", []),
    ],
)
def test_institution_list_filters(client, hkust, query, expected):
    response = client.get(f"/institutions/{query}")

    assert [name for name, _count in rows(response)] == expected


def test_institution_list_has_labelled_filters(client, hkust):
    content = client.get("/institutions/").content.decode()

    assert '<label for="id_q">Name</label>' in content
    assert '<label for="id_kind">Kind</label>' in content


def test_institution_list_rejects_post(client):
    assert client.post("/institutions/").status_code == 405


@pytest.mark.parametrize("who", ["visitor", "member", "lab_admin"])
def test_institution_pages_never_show_private_data(client, hkust, private_person, who, request):
    if who != "visitor":
        client.force_login(request.getfixturevalue(who))
    RoleFactory(person=private_person, institution=hkust, start_year=2020)

    for url in ("/institutions/", "/institutions/hkust/"):
        response = client.get(url)
        assert response.status_code == 200
        assert len(h1s(response.content.decode())) == 1
        assert_no_private_data(response.content)
    assert '<a href="/people/pat-private/">Pat Private</a>' in response.content.decode()


@pytest.mark.parametrize("item_count", [1, 5])
def test_institution_list_query_count_is_constant(client, django_assert_num_queries, item_count):
    for _ in range(item_count):
        institution = InstitutionFactory(parent=InstitutionFactory())
        RoleFactory(institution=institution)
        RoleFactory(institution=institution)

    # count, page
    with django_assert_num_queries(2):
        response = client.get("/institutions/")
    assert len(rows(response)) == 2 * item_count


def test_institution_detail_facts_and_units(client, hkust):
    response = client.get("/institutions/hkust/")
    content = response.content.decode()

    assert h1s(content) == ['<h1>Hong Kong UST <span class="muted">(HKUST)</span></h1>']
    assert "<title>Hong Kong UST · " in content
    assert (
        '<li><a href="/institutions/">Institutions</a></li><li aria-current="page">HKUST</li>'
    ) in content
    assert "<dt>Kind</dt><dd>University</dd>" in content
    assert "<dt>Country</dt><dd>Hong Kong</dd>" in content
    assert "<dt>City</dt><dd>Hong Kong</dd>" in content
    assert '<a href="https://hkust.edu.hk" rel="noopener">https://hkust.edu.hk</a>' in content
    assert '<li><a href="/institutions/ising-lab/">iSING Lab</a></li>' in content


def test_institution_detail_links_its_parent(client, hkust):
    content = client.get("/institutions/ising-lab/").content.decode()

    assert '<dt>Part of</dt><dd><a href="/institutions/hkust/">Hong Kong UST</a></dd>' in content


def test_institution_detail_people_over_time(client, hkust):
    response = client.get("/institutions/hkust/")
    content = response.content.decode()

    current = [(r.person.name, r.title, r.dates) for r in response.context["current_roles"]]
    past = [(r.person.name, r.title, r.dates) for r in response.context["past_roles"]]
    # Latest first; an undated role goes after the dated ones.
    assert current == [
        ("Hao Wang", "Ph.D. Candidate", "Aug 2019 – present"),
        ("Kai Chen", "Professor", ""),
    ]
    assert past == [
        ("Xu Kaiqiang", "Ph.D.", "2020 – 2025"),
        ("Kai Chen", "Lecturer", "2010 – 2012"),
    ]
    assert (
        '<td><a href="/people/hao-wang/">Hao Wang</a></td>\n'
        "          <td>Ph.D. Candidate</td>\n"
        "          <td>CSE</td>\n"
        "          <td>Aug 2019 – present</td>"
    ) in content
    # A role at a unit names the unit.
    assert '<td><a href="/institutions/ising-lab/">iSING Lab</a></td>' in content


def test_institution_detail_without_people(client):
    InstitutionFactory(name="Empty Place", slug="empty")

    content = client.get("/institutions/empty/").content.decode()

    assert "<p>No one in the database has a role here.</p>" in content


def test_institution_detail_missing_is_404(client):
    assert client.get("/institutions/atlantis/").status_code == 404


def test_institution_detail_rejects_post(client, hkust):
    assert client.post("/institutions/hkust/").status_code == 405


@pytest.mark.parametrize("item_count", [1, 5])
def test_institution_detail_query_count_is_constant(client, django_assert_num_queries, item_count):
    institution = InstitutionFactory(slug="busy")
    for number in range(item_count):
        RoleFactory(institution=institution, start_year=2000 + number)
        RoleFactory(institution=InstitutionFactory(parent=institution), end_year=2021)

    # institution, units, roles; then the publications section (its papers)
    with django_assert_num_queries(4):
        response = client.get("/institutions/busy/")
    assert len(response.context["current_roles"]) == item_count
    assert len(response.context["past_roles"]) == item_count
