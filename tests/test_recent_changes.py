"""Recent changes (/admin/recent-changes/): every change across the lab's models, newest
first, filtered by user, model and date, paginated, in a fixed number of queries; lab admins
only."""

import datetime

import pytest

from lab import admin_history
from lab.core.history import recorded
from people.models import Person
from publications.services import paper_set_byline
from tests.factories import PaperFactory, PersonFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db

URL = "/admin/recent-changes/"


def rows(response) -> list[tuple[str, str, str, str, str]]:
    return [
        (row["kind"], row["label"], row["change"], row["username"], row["history_change_reason"])
        for row in response.context["rows"]
    ]


def test_recent_changes_lists_every_kind_of_record_newest_first(lab_admin_client, lab_admin):
    with recorded("first edit", user=lab_admin):
        venue = VenueFactory(name="Systems Conference", short_name="SYS")
    with recorded("second edit", user=lab_admin):
        paper = PaperFactory(title="Fast Paths", venue=venue)
        paper_set_byline(paper=paper, byline="Alice Ang*")
    with recorded("cleanup"):
        Person.objects.get(name="Alice Ang").save()

    response = lab_admin_client.get(URL)

    assert response.status_code == 200
    assert rows(response) == [
        ("Person", "Alice Ang", "changed", None, "cleanup"),
        ("Person", "Alice Ang", "added", "curator", "second edit"),
        ("Paper", "Fast Paths", "added", "curator", "second edit"),
        ("Authorship", "1. Alice Ang", "added", "curator", "second edit"),
        ("Venue", "SYS", "added", "curator", "first edit"),
    ]
    assert response.context["rows"][2]["url"] == f"/admin/publications/paper/{paper.pk}/history/"


def test_recent_changes_filters_by_user_kind_and_date(lab_admin_client, lab_admin):
    other = UserFactory(username="other")
    with recorded("mine", user=lab_admin):
        VenueFactory(short_name="MINE")
    with recorded("theirs", user=other):
        VenueFactory(short_name="THEIRS")
        PersonFactory(name="Theirs Person")
    today = datetime.date.today()

    by_user = lab_admin_client.get(URL, {"user": other.pk})
    by_kind = lab_admin_client.get(URL, {"user": other.pk, "kind": "people.Person"})
    future = lab_admin_client.get(URL, {"since": (today + datetime.timedelta(days=1)).isoformat()})
    today_only = lab_admin_client.get(URL, {"since": today.isoformat(), "until": today.isoformat()})

    assert [row[1] for row in rows(by_user)] == ["Theirs Person", "THEIRS"]
    assert [row[1] for row in rows(by_kind)] == ["Theirs Person"]
    assert rows(future) == []
    assert len(rows(today_only)) == 3


def test_recent_changes_marks_deletions_and_links_to_the_deleted_records(lab_admin_client):
    venue = VenueFactory(short_name="GONE")
    venue.delete()

    response = lab_admin_client.get(URL)

    deleted = response.context["rows"][0]
    assert (deleted["change"], deleted["label"]) == ("deleted", "GONE")
    assert deleted["url"] == "/admin/publications/venue/deleted/"


@pytest.mark.parametrize("item_count", [1, 5])
def test_recent_changes_runs_a_fixed_number_of_queries(
    lab_admin_client, lab_admin, django_assert_num_queries, item_count, monkeypatch
):
    monkeypatch.setattr(admin_history, "CHANGES_PER_PAGE", 3)
    for number in range(item_count):
        with recorded(f"edit {number}", user=UserFactory()):
            paper = PaperFactory()
            paper_set_byline(paper=paper, byline=f"Author {number}")
    lab_admin_client.get(URL)  # the session and the content types, once

    # The session's user and their permissions (their own, their groups'); the union's count
    # and page; the users who made changes, for the filter.
    with django_assert_num_queries(6):
        response = lab_admin_client.get(URL, {"page": "2"})

    assert response.context["page"].paginator.count == item_count * 4  # venue, paper, person, row


@pytest.mark.parametrize("who", ["visitor", "member"])
def test_recent_changes_are_for_lab_admins_only(client, request, who):
    if who == "member":
        client.force_login(request.getfixturevalue("member"))

    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_without_the_lab_admins_permissions_are_refused(client):
    client.force_login(UserFactory(username="staffer", is_staff=True))

    assert client.get(URL).status_code == 403


def test_admin_index_links_to_recent_changes(lab_admin_client):
    assert f'href="{URL}"' in lab_admin_client.get("/admin/").content.decode()


def test_every_lab_model_has_a_label_in_recent_changes():
    from lab.admin_history import LABELS
    from lab.core.records import MODEL_ORDER

    assert set(LABELS) == set(MODEL_ORDER)
