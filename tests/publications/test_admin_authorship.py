"""The standalone Authorship admin writes through the paper's author list (one write path for
byline rows): a place is added, moved or taken off and the rest renumbered 1..n."""

import pytest

from publications.models import Authorship
from publications.services import paper_set_byline
from tests.factories import InstitutionFactory, PaperFactory, PersonFactory

pytestmark = pytest.mark.django_db

ADMIN = "/admin/publications/authorship/"


@pytest.fixture
def paper():
    paper = PaperFactory(slug="lucid")
    paper_set_byline(paper=paper, byline="Alice Ang; Bob Bai; Carol Cao")
    return paper


def places(paper) -> list[tuple[int, str]]:
    return [(a.position, a.person.slug) for a in paper.authorships.order_by("position")]


def form_data(authorship, **changes) -> dict:
    data = {
        "paper": authorship.paper_id,
        "position": authorship.position,
        "person": authorship.person_id,
        "printed_name": authorship.printed_name,
        "affiliations": [i.pk for i in authorship.affiliations.all()],
    }
    return {**data, **changes}


def test_adding_a_place_past_the_end_appends_it(lab_admin_client, paper):
    dan = PersonFactory(slug="dan-du")
    hkust = InstitutionFactory()
    data = {"paper": paper.pk, "position": 9, "person": dan.pk, "affiliations": [hkust.pk]}

    response = lab_admin_client.post(f"{ADMIN}add/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert places(paper)[-1] == (4, "dan-du")
    assert list(Authorship.objects.get(paper=paper, person=dan).affiliations.all()) == [hkust]


def test_moving_a_place_renumbers_and_keeps_every_row(lab_admin_client, paper):
    carol = paper.authorships.get(position=3)
    ids = set(paper.authorships.values_list("pk", flat=True))

    response = lab_admin_client.post(f"{ADMIN}{carol.pk}/change/", form_data(carol, position=1))

    assert response.status_code == 302
    assert places(paper) == [(1, "carol-cao"), (2, "alice-ang"), (3, "bob-bai")]
    assert set(paper.authorships.values_list("pk", flat=True)) == ids


def test_deleting_a_place_renumbers_the_rest(lab_admin_client, paper):
    alice = paper.authorships.get(position=1)

    response = lab_admin_client.post(f"{ADMIN}{alice.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert places(paper) == [(1, "bob-bai"), (2, "carol-cao")]


def test_deleting_selected_places_renumbers_each_paper(lab_admin_client, paper):
    other = PaperFactory()
    paper_set_byline(paper=other, byline="Alice Ang; Dan Du")
    chosen = [paper.authorships.get(position=2).pk, other.authorships.get(position=1).pk]

    response = lab_admin_client.post(
        ADMIN, {"action": "delete_selected", "_selected_action": chosen, "post": "yes"}
    )

    assert response.status_code == 302
    assert places(paper) == [(1, "alice-ang"), (2, "carol-cao")]
    assert places(other) == [(1, "dan-du")]


def test_a_person_already_on_the_paper_is_refused_by_the_form(lab_admin_client, paper):
    bob = paper.authorships.get(position=2)
    alice = paper.authorships.get(position=1).person

    response = lab_admin_client.post(f"{ADMIN}{bob.pk}/change/", form_data(bob, person=alice.pk))

    assert response.status_code == 200
    assert "Authorship with this Paper and Person already exists." in response.content.decode()
    assert places(paper) == [(1, "alice-ang"), (2, "bob-bai"), (3, "carol-cao")]


@pytest.mark.parametrize("who", ["visitor", "member"])
def test_only_staff_reach_the_authorship_admin(client, request, paper, who):
    if who == "member":
        client.force_login(request.getfixturevalue("member"))
    row = paper.authorships.get(position=1)

    response = client.post(f"{ADMIN}{row.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert places(paper) == [(1, "alice-ang"), (2, "bob-bai"), (3, "carol-cao")]
