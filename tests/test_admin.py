"""The admin as lab admins, members and visitors meet it: access, query counts, bylines."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lab.core.cache import invalidate_pages
from people.models import Person
from publications.models import Paper
from tests.factories import (
    AuthorshipFactory,
    AwardFactory,
    InstitutionFactory,
    PaperAwardFactory,
    PaperFactory,
    PersonFactory,
    RoleFactory,
    ServiceFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

LAB_MODELS = [
    "people/institution",
    "people/person",
    "people/role",
    "people/award",
    "publications/venue",
    "publications/paper",
    "publications/authorship",
    "publications/paperaward",
    "publications/service",
]


def test_visitor_is_sent_to_the_login_page(client):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/"


@pytest.mark.parametrize("path", ["/admin/", "/admin/publications/paper/"])
def test_member_cannot_open_the_admin(member_client, path):
    response = member_client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize(
    "path", ["/admin/auth/user/", "/admin/auth/group/", "/admin/auth/user/add/"]
)
def test_lab_admin_cannot_reach_user_management(lab_admin_client, path):
    assert lab_admin_client.get(path).status_code == 403


def test_lab_admin_index_lists_lab_models_only(lab_admin_client):
    response = lab_admin_client.get("/admin/")

    app_labels = [app["app_label"] for app in response.context["app_list"]]
    # axes: the log-in lockouts, which lab admins see and clear (lab.groups.grant_lockout_review).
    assert app_labels == ["axes", "people", "publications"]


@pytest.mark.parametrize("model", LAB_MODELS)
@pytest.mark.parametrize("view", ["", "add/"])
def test_lab_admin_opens_every_lab_changelist_and_add_page(lab_admin_client, model, view):
    assert lab_admin_client.get(f"/admin/{model}/{view}").status_code == 200


def test_superuser_manages_users(client, superuser):
    client.force_login(superuser)

    assert client.get("/admin/auth/user/").status_code == 200


def test_lab_admin_cannot_link_logins_to_people(lab_admin_client):
    person = PersonFactory()

    response = lab_admin_client.get(f"/admin/people/person/{person.pk}/change/")

    assert "user" not in response.context["adminform"].form.fields


# Query counts: each page is measured with one item and again with five; the counts match.


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def full_paper(paper=None):
    paper = paper or PaperFactory()
    authorship = AuthorshipFactory(paper=paper, position=paper.authorships.count() + 1)
    authorship.affiliations.add(InstitutionFactory())
    PaperAwardFactory(paper=paper)
    return paper


def full_person(person=None):
    person = person or PersonFactory()
    role = RoleFactory(person=person)
    role.advisors.add(PersonFactory())
    AwardFactory(person=person, issuer=InstitutionFactory())
    ServiceFactory(person=person)
    AuthorshipFactory(person=person, position=1)
    return person


CHANGELISTS = {
    "people/institution": lambda: InstitutionFactory(parent=InstitutionFactory()),
    "people/person": full_person,
    "people/role": lambda: RoleFactory(),
    "people/award": lambda: AwardFactory(issuer=InstitutionFactory()),
    "publications/venue": lambda: full_paper().venue,
    "publications/paper": full_paper,
    "publications/authorship": lambda: AuthorshipFactory(),
    "publications/paperaward": lambda: PaperAwardFactory(),
    "publications/service": lambda: ServiceFactory(),
}


@pytest.mark.parametrize("model", list(CHANGELISTS))
def test_changelist_query_count_does_not_grow_with_rows(lab_admin_client, model):
    make = CHANGELISTS[model]
    url = f"/admin/{model}/"
    make()
    lab_admin_client.get(url)  # warm per-process caches (content types, session)

    invalidate_pages()  # as a write does: nothing kept of the list (its count, its filters)
    with_one = count_queries(lab_admin_client, url)
    for _ in range(4):
        make()
    with_five = count_queries(lab_admin_client, url)

    assert with_five == with_one


def with_one(obj, grow):
    grow(obj)
    return obj


def grow_paper(paper):
    full_paper(paper)


def grow_person(person):
    full_person(person)


def grow_role(role):
    role.advisors.add(PersonFactory())


def grow_authorship(authorship):
    authorship.affiliations.add(InstitutionFactory())


def grow_institution(institution):
    InstitutionFactory(parent=institution)


def grow_venue(venue):
    full_paper(PaperFactory(venue=venue))


CHANGE_PAGES = {
    "publications/paper": (lambda: full_paper(), grow_paper),
    "people/person": (lambda: full_person(), grow_person),
    "people/role": (lambda: with_one(RoleFactory(), grow_role), grow_role),
    "publications/authorship": (
        lambda: with_one(AuthorshipFactory(), grow_authorship),
        grow_authorship,
    ),
    "people/institution": (lambda: InstitutionFactory(), grow_institution),
    "publications/venue": (lambda: VenueFactory(), grow_venue),
    "people/award": (lambda: AwardFactory(), lambda award: None),
    "publications/paperaward": (lambda: PaperAwardFactory(), lambda award: None),
    "publications/service": (lambda: ServiceFactory(), lambda service: None),
}


@pytest.mark.parametrize("model", list(CHANGE_PAGES))
def test_change_page_query_count_does_not_grow_with_related_rows(lab_admin_client, model):
    make, grow = CHANGE_PAGES[model]
    obj = make()
    url = f"/admin/{model}/{obj.pk}/change/"
    lab_admin_client.get(url)

    with_one = count_queries(lab_admin_client, url)
    for _ in range(4):
        grow(obj)
    with_five = count_queries(lab_admin_client, url)

    assert with_five == with_one


def test_paper_change_page_lists_the_people_in_every_row(lab_admin_client):
    paper = PaperFactory()
    for position in range(1, 6):
        AuthorshipFactory(paper=paper, position=position)

    response = lab_admin_client.get(f"/admin/publications/paper/{paper.pk}/change/")

    names = [a.person.name for a in paper.authorships.order_by("position")]
    content = response.content.decode()
    assert all(f">{name}</option>" in content for name in names)


def test_person_change_page_shows_their_papers(lab_admin_client):
    authorship = AuthorshipFactory(paper__title="Hydro: Surrogate-Based Hyperparameter Tuning")

    response = lab_admin_client.get(f"/admin/people/person/{authorship.person.pk}/change/")

    assert "Hydro: Surrogate-Based Hyperparameter Tuning" in response.content.decode()


def test_paper_changelist_shows_the_byline(lab_admin_client):
    paper = PaperFactory()
    AuthorshipFactory(paper=paper, position=1, person__name="Qinghao Hu", equal_contribution=True)
    AuthorshipFactory(paper=paper, position=2, person__name="Meng Zhang", equal_contribution=True)

    response = lab_admin_client.get("/admin/publications/paper/")

    assert "Qinghao Hu*; Meng Zhang*" in response.content.decode()


# Writing through the admin.


def inline_management(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def paper_form(venue, **fields):
    return {
        "title": "Lucid: A Non-Intrusive, Scalable and Interpretable Scheduler",
        "slug": "lucid-2023",
        "system_name": "Lucid",
        "venue": str(venue.pk),
        "year": "2023",
        "status": "published",
        "authors_complete": "on",
        **inline_management("authorships"),
        **inline_management("awards"),
        **fields,
    }


def test_lab_admin_adds_a_paper_with_a_byline(lab_admin_client):
    venue = VenueFactory(short_name="ASPLOS")
    peng = PersonFactory(name="Peng Sun", slug="peng-sun")

    response = lab_admin_client.post(
        "/admin/publications/paper/add/",
        paper_form(venue, byline="Qinghao Hu*; Meng Zhang*; Peng Sun"),
        follow=True,
    )

    assert response.status_code == 200
    paper = Paper.objects.get(slug="lucid-2023")
    assert [(a.person.name, a.marks) for a in paper.authorships.order_by("position")] == [
        ("Qinghao Hu", "*"),
        ("Meng Zhang", "*"),
        ("Peng Sun", ""),
    ]
    assert paper.authorships.get(position=3).person == peng
    messages = [str(m) for m in response.context["messages"]]
    assert any("New people created from the byline" in m and "Meng Zhang" in m for m in messages)


def test_bad_byline_is_a_form_error_and_nothing_is_written(lab_admin_client):
    venue = VenueFactory()
    PersonFactory(name="Hao Wang", slug="hao-wang")
    PersonFactory(name="Hao Wang", slug="hao-wang-2")

    response = lab_admin_client.post(
        "/admin/publications/paper/add/", paper_form(venue, byline="Kai Chen; Hao Wang")
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["byline"]
    assert errors == [
        "Author 2: “Hao Wang” matches more than one person (hao-wang, hao-wang-2); "
        "pick one by writing “Hao Wang <hao-wang>”."
    ]
    assert not Paper.objects.exists()
    assert not Person.objects.filter(name="Kai Chen").exists()


def test_overlong_author_name_is_a_form_error_not_a_crash(lab_admin_client):
    venue = VenueFactory()
    run_on = "Kaiqiang Xu Decang Sun Han Tian " * 10

    response = lab_admin_client.post(
        "/admin/publications/paper/add/", paper_form(venue, byline=f"Kai Chen; {run_on}")
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["byline"] == [
        "Author 2 (“Kaiqiang Xu Decang Sun Han Tian Kaiqiang…”) is longer than 200 characters: "
        "is a “;” missing between two authors?"
    ]
    assert not Paper.objects.exists()
    assert not Person.objects.exists()


def authorship_rows(paper, order):
    """Inline form data for the paper's existing rows with new positions."""
    data = inline_management("authorships", total=len(order), initial=len(order))
    for index, (authorship, position) in enumerate(order):
        data |= {
            f"authorships-{index}-id": str(authorship.pk),
            f"authorships-{index}-paper": str(paper.pk),
            f"authorships-{index}-position": str(position),
            f"authorships-{index}-person": str(authorship.person_id),
            f"authorships-{index}-printed_name": authorship.printed_name,
        }
    return data


def post_new_positions(client, positions):
    """Save a two-author paper's change form with the authors at ``positions``."""
    paper = PaperFactory(slug="lucid-2023")
    rows = [AuthorshipFactory(paper=paper, position=p) for p in (1, 2)]
    url = f"/admin/publications/paper/{paper.pk}/change/"
    unchanged_byline = client.get(url).context["adminform"].form.initial["byline"]
    data = paper_form(paper.venue, byline=unchanged_byline)
    data |= authorship_rows(paper, list(zip(rows, positions, strict=True)))
    return paper, rows, client.post(url, data)


def test_lab_admin_swaps_authors_in_the_inline(lab_admin_client):
    paper, (first, second), response = post_new_positions(lab_admin_client, [2, 1])

    assert response.status_code == 302
    assert [a.person for a in paper.authorships.order_by("position")] == [
        second.person,
        first.person,
    ]


def test_inline_refuses_a_position_used_twice(lab_admin_client):
    paper, _, response = post_new_positions(lab_admin_client, [1, 1])

    assert response.status_code == 200
    assert "Position 1 is used twice." in response.content.decode()
    assert list(paper.authorships.order_by("position").values_list("position", flat=True)) == [
        1,
        2,
    ]


def test_changelist_search_finds_people_by_alias(lab_admin_client):
    PersonFactory(name="Yingtong Xiong", aliases="Yingdong Xiong")
    PersonFactory(name="Somebody Else")

    response = lab_admin_client.get(reverse("admin:people_person_changelist"), {"q": "Yingdong"})

    assert [p.name for p in response.context["cl"].result_list] == ["Yingtong Xiong"]
