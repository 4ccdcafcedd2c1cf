import pytest

from publications.models import Paper
from tests.conftest import assert_no_private_data
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    KeywordFactory,
    PaperFactory,
    PersonFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db



def test_search_finds_people_papers_venues_and_institutions(client):
    alice = PersonFactory(name="Alice Lovelace", aliases="A. Lovelace")
    paper = PaperFactory(title="Lovelace Engines at Scale")
    AuthorshipFactory(paper=paper, person=PersonFactory(name="Bob"), position=1)
    VenueFactory(name="Lovelace Symposium", short_name="LOVE")
    InstitutionFactory(name="Lovelace Institute", short_name="LI")
    PersonFactory(name="Unrelated")

    response = client.get("/search/", {"q": "lovelace"})

    groups = {group["key"]: group for group in response.context["results"]}
    assert [p.slug for p in groups["people"]["items"]] == [alice.slug]
    assert [p.title for p in groups["papers"]["items"]] == ["Lovelace Engines at Scale"]
    assert [str(v) for v in groups["venues"]["items"]] == ["LOVE"]
    assert [i.name for i in groups["institutions"]["items"]] == ["Lovelace Institute"]
    assert response.context["total"] == 4


def test_search_matches_aliases_and_author_names(client):
    PersonFactory(name="Wang Hao", aliases="Hao Wang\nH. Wang")
    paper = PaperFactory(title="Transport for Training")
    AuthorshipFactory(paper=paper, person=PersonFactory(name="Zed Quux"), position=1)

    response = client.get("/search/", {"q": "H. Wang"})
    by_author = client.get("/search/", {"q": "Quux"})

    assert [p.name for p in response.context["results"][0]["items"]] == ["Wang Hao"]
    assert [p.title for p in by_author.context["results"][1]["items"]] == [
        "Transport for Training"
    ]


def test_search_without_a_query_shows_the_form_only(client):
    response = client.get("/search/")

    assert response.status_code == 200
    assert response.context["results"] == []
    assert 'id="search-q"' in response.content.decode()


def test_search_says_when_nothing_matches(client):
    content = client.get("/search/", {"q": "zzz"}).content.decode()

    assert "Nothing matches “zzz”." in content


def test_search_links_to_the_full_list_when_there_are_more_matches(client):
    for n in range(12):
        PersonFactory(name=f"Common Name {n}")

    response = client.get("/search/", {"q": "common"})

    people = response.context["results"][0]
    assert (len(people["items"]), people["count"]) == (10, 12)
    assert "/people/?group=all&amp;q=common" in response.content.decode()


@pytest.mark.parametrize("item_count", [1, 5])
def test_search_query_count_is_constant(client, django_assert_num_queries, item_count):
    for n in range(item_count):
        person = PersonFactory(name=f"Match {n}")
        paper = PaperFactory(title=f"Match paper {n}")
        AuthorshipFactory(paper=paper, person=person, position=1)
        paper.keywords.add(KeywordFactory())
        VenueFactory(name=f"Match venue {n}")
        InstitutionFactory(name=f"Match institute {n}")

    # people, papers + their authors, awards, keywords and earlier versions (the prefetch of
    # Paper.objects.with_versions(), one query whatever the number), venues, institutions
    with django_assert_num_queries(8):
        client.get("/search/", {"q": "match"})


def test_search_never_shows_private_fields(client, lab_admin_client, private_person):
    for browser in (client, lab_admin_client):
        assert_no_private_data(browser.get("/search/", {"q": "Pat"}).content)


def test_search_rejects_post(client):
    assert client.post("/search/", {"q": "x"}).status_code == 405


def all_linked(client, group) -> int:
    """The number of records the list behind a group's "All N" link shows."""
    response = client.get(group["more_url"])
    if group["key"] == "papers":
        return response.context["page"].paginator.count
    if group["key"] == "people":
        return response.context["page"].paginator.count
    if group["key"] == "venues":
        return len(response.context["venues"])
    return response.context["page"].paginator.count


def test_search_counts_what_each_all_link_lists(client, monkeypatch):
    """The count on /search/ and the list its link opens match the same records: one
    definition of matching per kind (words in any order, the abstract, aliases...)."""
    from lab import views

    monkeypatch.setattr(views, "SEARCH_LIMIT", 1)
    kai = PersonFactory(name="Kai Chen", aliases="Kai Fast Networks")
    PersonFactory(name="Fast Networks Person")
    by_words = PaperFactory(title="Networks for Fast Systems")  # both words, not the phrase
    PaperFactory(title="Plain", abstract="Fast networks, explained.")  # only the abstract
    AuthorshipFactory(paper=PaperFactory(title="Other"), person=kai, position=1)  # an alias
    PaperFactory(title="Fast networks", system_name="Quick")
    VenueFactory(name="Networks Conference", short_name="FAST")  # a word in each name
    VenueFactory(name="Fast Networks Symposium", short_name="FNS")
    InstitutionFactory(name="Fast Networks Institute", short_name="FNI")
    InstitutionFactory(name="Fast Networks Lab", short_name="FNL")

    response = client.get("/search/", {"q": "fast networks"})

    groups = {group["key"]: group for group in response.context["results"]}
    counts = {key: group["count"] for key, group in groups.items()}
    assert counts == {"people": 2, "papers": 4, "venues": 2, "institutions": 2}
    assert by_words in Paper.objects.matching("fast networks")
    for group in groups.values():
        assert all_linked(client, group) == group["count"], group["key"]
