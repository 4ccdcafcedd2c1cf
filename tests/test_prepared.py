"""lab.core.prepared: a query compiled once and run again, and the paper page built on it."""

import re

import pytest
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import JSONObject

from lab.core.prepared import JSONRows, PreparedQuery
from publications.enums import PaperStatus
from publications.models import Authorship, Paper
from publications.paper_page import paper_for_page
from tests.factories import (
    AuthorshipFactory,
    KeywordFactory,
    PaperFactory,
    PersonFactory,
    VenueFactory,
)


def _byline_rows(slug):
    rows = Subquery(
        Authorship.objects.filter(paper=OuterRef("pk"))
        .order_by()
        .values("paper")
        .annotate(rows=JSONRows(JSONObject(position="position", lead="lead", name="person__name")))
        .values("rows")
    )
    return Paper.objects.filter(slug=slug).order_by().values_list("slug", "selected", rows)


def test_prepared_query_gives_the_querysets_rows_for_each_value(db, django_assert_num_queries):
    first = PaperFactory(slug="first", selected=True)
    PaperFactory(slug="second")
    AuthorshipFactory(paper=first, position=2, person=PersonFactory(name="B"))
    AuthorshipFactory(paper=first, position=1, person=PersonFactory(name="A"), lead=True)
    built = []

    def build(slug):
        built.append(slug)
        return _byline_rows(slug)

    query = PreparedQuery(build)

    assert query.rows("none") == []
    with django_assert_num_queries(1):
        (row,) = query.rows("first")
    with django_assert_num_queries(1):
        assert query.rows("second") == [("second", False, None)]

    assert len(built) == 1  # compiled once, run three times
    assert row == tuple(_byline_rows("first").get())
    slug, selected, byline = row
    assert slug == "first"
    assert selected is True  # a boolean, also on SQLite (the ORM's converters)
    assert sorted(byline, key=lambda entry: entry["position"]) == [
        {"position": 1, "lead": True, "name": "A"},
        {"position": 2, "lead": False, "name": "B"},
    ]


def test_prepared_query_puts_each_value_in_every_place_it_is_used(db):
    PaperFactory(slug="same", title="same")
    PaperFactory(slug="other", title="same")
    query = PreparedQuery(
        lambda slug, title: Paper.objects.filter(slug=slug, title=title)
        .exclude(slug=F("title"), pk__in=Paper.objects.filter(slug=slug).values("pk"))
        .values_list("slug"),
        kinds=(str, str),
    )

    assert query.rows("other", "same") == [("other",)]
    assert query.rows("same", "same") == []


def test_a_lookup_that_rewrites_its_value_cannot_be_prepared(db):
    query = PreparedQuery(lambda word: Paper.objects.filter(title__icontains=word).values("pk"))

    with pytest.raises(ValueError, match="icontains"):
        query.rows("graph")


def test_prepared_query_takes_as_many_values_as_it_has_markers(db):
    query = PreparedQuery(lambda slug: Paper.objects.filter(slug=slug).values("pk"))

    with pytest.raises(TypeError, match="1 value"):
        query.rows("a", "b")


# --- The paper's page -------------------------------------------------------------------------


def test_paper_page_reads_what_the_orm_reads(django_assert_num_queries, paper_page_compiled):
    venue = VenueFactory(name="Networked Systems", short_name="NSDI")
    published = PaperFactory(slug="journal", title="The Journal Version", year=2025, venue=venue)
    paper = PaperFactory(
        slug="preprint", venue=None, published_version=published, status=PaperStatus.PREPRINT
    )
    for position, name, marks in ((3, "Carla Diaz", {}), (1, "Ann Berg", {"lead": True})):
        AuthorshipFactory(
            paper=paper,
            position=position,
            person=PersonFactory(name=name, given_name=name.split()[0]),
            **marks,
        )
    AuthorshipFactory(paper=paper, position=2, printed_name="B. Chen", equal_contribution=True)
    for name in ("zeta", "Alpha", "beta"):
        paper.keywords.add(KeywordFactory(name=name))

    with django_assert_num_queries(1):
        page = paper_for_page("preprint")
        authors = [
            (a.position, a.person.name, a.person.given_name, a.printed_name, a.lead)
            for a in page.authorships.all()
        ]
        keywords = [keyword.name for keyword in page.keywords.all()]
        assert (page.venue, list(page.awards.all()), list(page.earlier_versions.all())) == (
            None,
            [],
            [],
        )
        version = page.published_version
        assert (version.title, version.year, version.venue.short_name) == (
            "The Journal Version",
            2025,
            "NSDI",
        )

    orm = Paper.objects.get(slug="preprint")
    assert authors == [
        (a.position, a.person.name, a.person.given_name, a.printed_name, a.lead)
        for a in orm.authorships.order_by("position")
    ]
    # Booleans, also from SQLite's JSON (0 and 1 there).
    assert [a.equal_contribution for a in page.authorships.all()] == [False, True, False]
    assert {type(a.lead) for a in page.authorships.all()} == {bool}
    assert keywords == [keyword.name for keyword in orm.keywords.all()] == ["Alpha", "beta", "zeta"]
    assert (page.title, page.status, page.abstract, page.doi) == (
        orm.title,
        orm.status,
        orm.abstract,
        orm.doi,
    )
    assert paper_for_page("no-such-paper") is None


def test_paper_page_leaves_unread_columns_deferred(django_assert_num_queries, paper_page_compiled):
    """A column the page does not read is deferred, as with only(): a template that came to
    print one would be one query more, which the page's query-count tests see."""
    PaperFactory(slug="paper", curator_note="For lab admins only")

    page = paper_for_page("paper")

    assert "curator_note" in page.get_deferred_fields()
    with django_assert_num_queries(1):
        assert page.curator_note == "For lab admins only"


def test_paper_page_html_is_what_it_was(client, paper_page_compiled):
    venue = VenueFactory(name="Operating Systems Design", short_name="OSDI")
    paper = PaperFactory(slug="paper", title="Fast Things", venue=venue, year=2024)
    AuthorshipFactory(paper=paper, position=1, person=PersonFactory(name="Ann Berg", slug="ann"))
    paper.keywords.add(KeywordFactory(name="Systems", slug="systems"))

    html = client.get("/papers/paper/").content.decode()

    assert '<p class="byline"><a href="/people/ann/">Ann Berg</a></p>' in html
    assert re.search(
        r'<p class="paper-keywords">Keywords: <a href="/publications/\?keyword=systems">'
        r"Systems</a></p>",
        html,
    )
    assert '<a class="venue" href="/venues/' in html
    assert re.search(r"author *= \{Berg, Ann\}", html)


def test_prepared_instances_are_the_querysets_with_select_related(db, django_assert_num_queries):
    venue = VenueFactory(short_name="NSDI")
    PaperFactory(slug="with", venue=venue, published_version=PaperFactory(slug="journal"))
    PaperFactory(slug="without", venue=None)
    query = PreparedQuery(
        lambda pk: Paper.objects.select_related("venue", "published_version")
        .filter(pk=pk)
        .annotate(double=F("pk") * 2),
        kinds=(int,),
    )

    for slug in ("with", "without"):
        expected = Paper.objects.select_related("venue", "published_version").get(slug=slug)
        with django_assert_num_queries(1):
            (paper,) = query.instances(expected.pk)
            assert (paper.venue, paper.published_version) == (
                expected.venue,
                expected.published_version,
            )
            assert paper.double == 2 * expected.pk
        assert paper.title == expected.title and paper._state.adding is False
    assert query.instances(10**9) == []


def test_rows_of_models_are_refused_as_instances_of_values(db):
    query = PreparedQuery(lambda slug: Paper.objects.filter(slug=slug).values_list("pk"))

    with pytest.raises(TypeError, match="rows"):
        query.instances("a")
