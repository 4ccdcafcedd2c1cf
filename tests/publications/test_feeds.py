import datetime

import pytest
from defusedxml import ElementTree
from django.utils import timezone

from publications.enums import PaperStatus
from publications.feeds import FEED_LENGTH
from publications.models import Paper
from tests.conftest import assert_no_private_data
from tests.factories import (
    AuthorshipFactory,
    KeywordFactory,
    PaperFactory,
    PersonFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
FEED_URL = "/publications/feed/"



def recorded(paper: Paper, days_ago: int) -> Paper:
    """Backdate when the paper was recorded (``created`` is set automatically)."""
    when = timezone.now() - datetime.timedelta(days=days_ago)
    Paper.objects.filter(pk=paper.pk).update(created=when, modified=when)
    return paper


def entries(response) -> list:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    return ElementTree.fromstring(response.content).findall(f"{ATOM}entry")


def titles(response) -> list[str]:
    return [entry.findtext(f"{ATOM}title") for entry in entries(response)]


def test_latest_feed_lists_papers_newest_recorded_first(client):
    recorded(PaperFactory(title="Old", year=2025), days_ago=30)
    recorded(PaperFactory(title="Newest", year=2019), days_ago=1)
    recorded(PaperFactory(title="Middle", year=2024), days_ago=10)

    assert titles(client.get(FEED_URL)) == ["Newest", "Middle", "Old"]


def test_latest_feed_stops_at_its_length(client):
    for days in range(FEED_LENGTH + 2):
        recorded(PaperFactory(title=f"Paper {days}"), days_ago=days)

    assert titles(client.get(FEED_URL)) == [f"Paper {days}" for days in range(FEED_LENGTH)]


def test_feed_entry_carries_link_byline_venue_authors_and_dates(client):
    venue = VenueFactory(short_name="NSDI")
    paper = PaperFactory(
        title="Characterization & Study", slug="char-study", venue=venue, year=2024
    )
    AuthorshipFactory(
        paper=paper, person=PersonFactory(name="Qinghao Hu"), position=1, equal_contribution=True
    )
    AuthorshipFactory(
        paper=paper, person=PersonFactory(name="Meng Zhang"), position=2, equal_contribution=True
    )
    recorded(paper, days_ago=2)
    paper.refresh_from_db()

    (entry,) = entries(client.get(FEED_URL))

    assert entry.findtext(f"{ATOM}title") == "Characterization & Study"
    assert entry.find(f"{ATOM}link").get("href") == "http://testserver/papers/char-study/"
    assert entry.findtext(f"{ATOM}summary") == "Qinghao Hu*; Meng Zhang*. NSDI 2024."
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Qinghao Hu, Meng Zhang"
    assert entry.findtext(f"{ATOM}published") == paper.created.isoformat()
    assert entry.findtext(f"{ATOM}updated") == paper.modified.isoformat()
    assert entry.findtext(f"{ATOM}id") == (
        f"tag:testserver,{paper.created:%Y-%m-%d}:/papers/char-study/"
    )


def test_feed_summary_names_the_status_of_unpublished_work(client):
    PaperFactory(venue=None, year=None, status=PaperStatus.PREPRINT)

    (entry,) = entries(client.get(FEED_URL))

    assert entry.findtext(f"{ATOM}summary") == "Preprint."


def test_person_feed_lists_only_their_papers(client):
    hu = PersonFactory(name="Qinghao Hu", slug="qinghao-hu")
    theirs_old = recorded(PaperFactory(title="Theirs, old"), days_ago=5)
    theirs_new = recorded(PaperFactory(title="Theirs, new"), days_ago=1)
    AuthorshipFactory(paper=theirs_old, person=hu, position=2)
    AuthorshipFactory(paper=theirs_new, person=hu, position=1)
    AuthorshipFactory(paper=PaperFactory(title="Someone else's"))

    response = client.get("/people/qinghao-hu/feed/")

    assert titles(response) == ["Theirs, new", "Theirs, old"]
    feed = ElementTree.fromstring(response.content)
    assert feed.findtext(f"{ATOM}title") == "Qinghao Hu: new papers (Lab Records)"


def test_person_feed_is_404_for_a_missing_person(client):
    assert client.get("/people/nobody/feed/").status_code == 404


@pytest.mark.parametrize("url", [FEED_URL, "/people/pat-private/feed/"])
def test_feeds_refuse_post(client, private_person, url):
    assert client.post(url).status_code == 405


@pytest.mark.parametrize("user", [None, "member", "lab_admin"])
def test_feeds_are_the_same_for_visitors_members_and_lab_admins(client, request, user):
    paper = PaperFactory(title="Shared")
    AuthorshipFactory(paper=paper, person=PersonFactory(slug="alice"))
    if user:
        client.force_login(request.getfixturevalue(user))

    assert titles(client.get(FEED_URL)) == ["Shared"]
    assert titles(client.get("/people/alice/feed/")) == ["Shared"]


def test_feeds_never_show_private_data(client, private_person):
    AuthorshipFactory(paper=PaperFactory(), person=private_person)

    assert_no_private_data(client.get(FEED_URL).content)
    assert_no_private_data(client.get("/people/pat-private/feed/").content)


def test_feed_is_served_from_the_cache_to_visitors(client, django_assert_num_queries):
    PaperFactory(title="Cached")
    first = client.get(FEED_URL)

    with django_assert_num_queries(0):
        second = client.get(FEED_URL)

    assert second.content == first.content


@pytest.mark.parametrize("item_count", [1, 5])
def test_latest_feed_runs_constant_queries(client, django_assert_num_queries, item_count):
    for _ in range(item_count):
        paper = PaperFactory()
        AuthorshipFactory(paper=paper)
        AuthorshipFactory(paper=paper)
        paper.keywords.add(KeywordFactory())

    # Papers with venues, authorships with people, awards, keywords (the entries' categories).
    with django_assert_num_queries(4):
        assert len(entries(client.get(FEED_URL))) == item_count


@pytest.mark.parametrize("item_count", [1, 5])
def test_person_feed_runs_constant_queries(client, django_assert_num_queries, item_count):
    person = PersonFactory(slug="alice")
    for _ in range(item_count):
        paper = PaperFactory()
        AuthorshipFactory(paper=paper, person=person)
        AuthorshipFactory(paper=paper)

    # The person, then the four queries of the site-wide feed.
    with django_assert_num_queries(5):
        assert len(entries(client.get("/people/alice/feed/"))) == item_count
