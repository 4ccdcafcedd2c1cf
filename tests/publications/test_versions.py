"""Versions of one work (Paper.published_version): every list, count, feed and download shows
the work once, as the published paper with links to its earlier versions; a list that holds an
earlier version without the paper it was published as shows the earlier version."""

import csv
import io
import json
import re

import bibtexparser
import openpyxl
import pytest
from defusedxml import ElementTree
from django.template.loader import render_to_string

from publications import sections
from publications.enums import PaperStatus, VenueKind
from publications.models import Paper
from tests.conftest import CITATION_QUERIES
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    PaperFactory,
    PersonFactory,
    RoleFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
FORMATS = ["csv", "xlsx", "bib", "json"]
PREPRINT_LINK = '<li>Preprint: <a href="/papers/fast-arxiv/">arXiv 2023</a></li>'
PUBLISHED_LINK = '<li>Published as: <a href="/papers/fast/">NSDI 2024</a></li>'


def with_authors(paper, *people):
    for position, person in enumerate(people, start=1):
        AuthorshipFactory(paper=paper, person=person, position=position)
    return paper


@pytest.fixture
def work():
    """A preprint on arXiv (2023) published at NSDI (2024), both by Alice and Bob, and another
    paper of Alice's at NSDI. Alice works at HKUST."""
    arxiv = VenueFactory(name="arXiv", short_name="arXiv", slug="arxiv", kind=VenueKind.PREPRINT)
    nsdi = VenueFactory(name="Networked Systems", short_name="NSDI", slug="nsdi")
    alice = PersonFactory(name="Alice Chen", slug="alice")
    bob = PersonFactory(name="Bob Li", slug="bob")
    RoleFactory(person=alice, institution=InstitutionFactory(slug="hkust"))
    published = with_authors(
        PaperFactory(
            title="Fast Collectives", slug="fast", venue=nsdi, year=2024, doi="10.5555/fast"
        ),
        alice,
        bob,
    )
    preprint = with_authors(
        PaperFactory(
            title="Fast Collectives (preprint)",
            slug="fast-arxiv",
            venue=arxiv,
            year=2023,
            status=PaperStatus.PREPRINT,
            arxiv_id="2303.00001",
            published_version=published,
        ),
        alice,
        bob,
    )
    other = with_authors(
        PaperFactory(title="Other Work", slug="other", venue=nsdi, year=2022), alice
    )
    return {"published": published, "preprint": preprint, "other": other, "alice": alice}


def listed_slugs(html: str) -> list[str]:
    """The papers a page lists, by slug, in order (the title link of each item)."""
    return re.findall(r'<div class="paper-title"><a href="/papers/([^/"]+)/">', html)


def item_links(html: str, title: str) -> list[str]:
    """The links beside one listed paper."""
    start = f'<ul class="paper-links" aria-label="Links for {title}">'
    links = re.search(rf"{start}(.*?)</ul>", html, re.S)
    return re.findall(r"<li>.*?</li>", links.group(1)) if links else []


def exported_slugs(response, fmt: str) -> list[str]:
    assert response.status_code == 200
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
        return [row[0] for row in rows[1:]]
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        return [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    if fmt == "json":
        return [item["id"] for item in json.loads(response.content)]
    entries = bibtexparser.parse_string(response.content.decode()).entries
    return [Paper.objects.get(title=entry["title"].strip("{}")).slug for entry in entries]


def feed_titles(response) -> list[str]:
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    return [entry.findtext(f"{ATOM}title") for entry in root.findall(f"{ATOM}entry")]


# The queryset ----------------------------------------------------------------------------------


def test_works_leaves_out_earlier_versions_of_papers_in_the_queryset(work):
    assert list(Paper.objects.works()) == [work["published"], work["other"]]
    assert list(Paper.objects.by(work["alice"]).works()) == [work["published"], work["other"]]


def test_works_keeps_an_earlier_version_whose_published_paper_is_filtered_out(work):
    assert list(Paper.objects.in_year(2023).works()) == [work["preprint"]]
    assert list(Paper.objects.preprints().works()) == [work["preprint"]]
    assert list(Paper.objects.filter(venue__slug="nsdi").works()) == [
        work["published"],
        work["other"],
    ]


def test_works_follows_a_chain_of_versions_through_the_queryset():
    journal = PaperFactory(slug="journal", year=2025)
    conference = PaperFactory(slug="conference", year=2024, published_version=journal)
    workshop = PaperFactory(slug="workshop", year=2023, published_version=conference)

    assert list(Paper.objects.works()) == [journal]
    assert list(Paper.objects.exclude(pk=journal.pk).works()) == [conference]
    assert list(Paper.objects.filter(pk__in=[workshop.pk, journal.pk]).works()) == [
        journal,
        workshop,
    ]


def test_works_counts_each_work_once(work):
    assert Paper.objects.count() == 3
    assert Paper.objects.works().count() == 2


def test_with_versions_loads_both_directions_in_one_more_query(work, django_assert_num_queries):
    with django_assert_num_queries(2):  # papers with the published version joined; earlier ones
        papers = {p.slug: p for p in Paper.objects.with_versions()}
        published_as = papers["fast-arxiv"].published_version
        earlier = {slug: list(p.earlier_versions.all()) for slug, p in papers.items()}
        where = (str(published_as.venue), [str(e.venue) for e in earlier["fast"]])

    assert published_as == work["published"]
    assert earlier == {"fast": [work["preprint"]], "fast-arxiv": [], "other": []}
    assert where == ("NSDI", ["arXiv"])


# The publication lists -------------------------------------------------------------------------


def test_paper_list_shows_the_published_paper_once_with_a_link_to_the_preprint(client, work):
    response = client.get("/publications/")

    content = response.content.decode()
    assert listed_slugs(content) == ["fast", "other"]
    assert response.context["page"].paginator.count == 2
    assert '<p class="result-count" role="status"><strong>2</strong> papers</p>' in content
    assert item_links(content, "Fast Collectives") == [
        '<li><a href="https://doi.org/10.5555/fast">DOI</a></li>',
        PREPRINT_LINK,
    ]
    assert item_links(content, "Other Work") == []


@pytest.mark.parametrize(
    ("query", "slugs"),
    [
        # The published paper passes the filter: the work once, as the published paper.
        ({"person": "bob"}, ["fast"]),
        ({"q": "collectives"}, ["fast"]),
        ({"year_min": "2023"}, ["fast"]),
        # Only the preprint passes: the preprint, since the published paper was not asked for.
        ({"year_max": "2023"}, ["fast-arxiv", "other"]),
        ({"venue": "arxiv"}, ["fast-arxiv"]),
        ({"kind": "preprint"}, ["fast-arxiv"]),
        ({"status": "preprint"}, ["fast-arxiv"]),
        ({"q": "preprint"}, ["fast-arxiv"]),
    ],
)
def test_filtered_paper_list_shows_the_preprint_only_without_its_published_paper(
    client, work, query, slugs
):
    response = client.get("/publications/", query)

    assert listed_slugs(response.content.decode()) == slugs
    assert response.context["page"].paginator.count == len(slugs)


def test_filtered_paper_list_links_the_preprint_to_its_published_paper(client, work):
    content = client.get("/publications/", {"venue": "arxiv"}).content.decode()

    assert item_links(content, r"Fast Collectives \(preprint\)") == [PUBLISHED_LINK]


def select(paper: Paper, selected: bool = True) -> None:
    paper.selected = selected
    paper.save()  # a save, not update(): it invalidates the cached pages


def test_selected_list_shows_the_work_once_or_the_selected_preprint_alone(client, work):
    select(work["published"])
    select(work["preprint"])
    both = listed_slugs(client.get("/publications/selected/").content.decode())
    select(work["published"], selected=False)
    preprint_only = listed_slugs(client.get("/publications/selected/").content.decode())

    assert both == ["fast"]
    assert preprint_only == ["fast-arxiv"]


def test_earlier_version_that_is_not_a_preprint_is_linked_as_an_earlier_version(client, work):
    workshop = VenueFactory(short_name="HotNets", slug="hotnets", kind=VenueKind.WORKSHOP)
    PaperFactory(
        title="Fast Collectives, Early",
        slug="fast-early",
        venue=workshop,
        year=2022,
        published_version=work["published"],
    )

    content = client.get("/publications/").content.decode()

    assert listed_slugs(content) == ["fast", "other"]
    assert item_links(content, "Fast Collectives") == [
        '<li><a href="https://doi.org/10.5555/fast">DOI</a></li>',
        PREPRINT_LINK,
        '<li>Earlier version: <a href="/papers/fast-early/">HotNets 2022</a></li>',
    ]


def test_link_to_a_version_without_venue_or_year_is_named_by_its_title(client, work):
    Paper.objects.filter(slug="fast-arxiv").update(venue=None, year=None)

    content = client.get("/publications/").content.decode()

    assert PREPRINT_LINK not in content
    assert (
        '<li>Preprint: <a href="/papers/fast-arxiv/">Fast Collectives (preprint)</a></li>'
    ) in content


@pytest.mark.parametrize("fmt", FORMATS)
def test_paper_list_downloads_hold_the_work_once(client, work, fmt):
    assert exported_slugs(client.get(f"/publications/download.{fmt}"), fmt) == ["fast", "other"]
    assert exported_slugs(client.get(f"/publications/download.{fmt}?year_max=2023"), fmt) == [
        "fast-arxiv",
        "other",
    ]
    assert exported_slugs(client.get(f"/publications/download.{fmt}?selected=on"), fmt) == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_paper_list_spreadsheets_hold_the_work_once_on_the_dataset_path_too(client, work, fmt):
    # Sorted by venue, a Coalesce paper_rows cannot stream: the tablib Dataset path.
    response = client.get(f"/publications/download.{fmt}?sort=venue")

    assert exported_slugs(response, fmt) == ["fast", "other"]


# Venues and institutions -----------------------------------------------------------------------


def test_venue_page_of_the_published_paper_links_the_preprint(client, work):
    response = client.get("/venues/nsdi/")

    content = response.content.decode()
    assert listed_slugs(content) == ["fast", "other"]
    assert response.context["page"].paginator.count == 2
    assert item_links(content, "Fast Collectives") == [
        '<li><a href="https://doi.org/10.5555/fast">DOI</a></li>',
        PREPRINT_LINK,
    ]


def test_venue_page_of_the_preprint_shows_it_with_its_published_paper(client, work):
    content = client.get("/venues/arxiv/").content.decode()

    assert listed_slugs(content) == ["fast-arxiv"]
    assert item_links(content, r"Fast Collectives \(preprint\)") == [PUBLISHED_LINK]


@pytest.mark.parametrize("fmt", FORMATS)
def test_venue_downloads_hold_the_work_once(client, work, fmt):
    PaperFactory(slug="nsdi-preprint", venue=work["other"].venue, published_version=work["other"])

    assert exported_slugs(client.get(f"/venues/nsdi/papers.{fmt}"), fmt) == ["fast", "other"]
    assert exported_slugs(client.get(f"/venues/arxiv/papers.{fmt}"), fmt) == ["fast-arxiv"]


def test_venue_list_counts_a_work_once_when_both_versions_are_at_the_venue(client, work):
    PaperFactory(slug="nsdi-preprint", venue=work["other"].venue, published_version=work["other"])

    venues = client.get("/venues/").context["venues"]
    nsdi_page = client.get("/venues/nsdi/")

    assert {venue.slug: venue.paper_count for venue in venues} == {"arxiv": 1, "nsdi": 2}
    assert nsdi_page.context["page"].paginator.count == 2
    assert listed_slugs(nsdi_page.content.decode()) == ["fast", "other"]


def test_institution_section_shows_the_work_once_and_counts_it_once(work):
    section = sections.institution_papers_section(work["alice"].roles.get().institution)
    html = render_to_string(section.template, {"section": section})

    assert [paper.pk for paper in section.context["papers"]] == [
        work["published"].pk,
        work["other"].pk,
    ]
    assert section.context["total"] == 2
    assert listed_slugs(html) == ["fast", "other"]
    assert item_links(html, "Fast Collectives")[-1] == PREPRINT_LINK


# A person's page -------------------------------------------------------------------------------


def test_person_page_lists_the_work_once_and_counts_co_authors_by_works(client, work):
    content = client.get("/people/alice/").content.decode()

    papers = re.search(r'<section class="person-papers".*?</section>', content, re.S).group(0)
    assert listed_slugs(papers) == ["fast", "other"]
    assert '<p class="result-count"><strong>2</strong> papers</p>' in papers
    assert item_links(papers, "Fast Collectives")[-1] == PREPRINT_LINK
    assert (
        '<li><a href="/people/bob/">Bob Li</a> <span class="muted">(1 paper)</span></li>'
    ) in content


def test_coauthors_count_shared_works_not_records(work):
    section = sections.coauthors_section(work["alice"])

    assert [(coauthor.slug, count) for coauthor, count in section.context["coauthors"]] == [
        ("bob", 1)
    ]


def test_person_only_on_the_preprint_keeps_it_on_their_page(client, work):
    carol = PersonFactory(name="Carol Wu", slug="carol")
    AuthorshipFactory(paper=work["preprint"], person=carol, position=3)

    content = client.get("/people/carol/").content.decode()

    assert listed_slugs(content) == ["fast-arxiv"]
    assert item_links(content, r"Fast Collectives \(preprint\)") == [PUBLISHED_LINK]


@pytest.mark.parametrize("fmt", FORMATS)
def test_person_downloads_hold_the_work_once(client, work, fmt):
    assert exported_slugs(client.get(f"/people/alice/papers.{fmt}"), fmt) == ["fast", "other"]
    assert exported_slugs(client.get(f"/people/bob/papers.{fmt}"), fmt) == ["fast"]


# Feeds, home and search ------------------------------------------------------------------------


def test_feeds_hold_the_work_once(client, work):
    assert feed_titles(client.get("/publications/feed/")) == ["Other Work", "Fast Collectives"]
    assert feed_titles(client.get("/people/bob/feed/")) == ["Fast Collectives"]


def test_home_counts_and_lists_the_work_once(client, work):
    response = client.get("/")

    content = response.content.decode()
    assert dict(response.context["counts"])["papers"] == 2
    assert "<li><strong>2</strong> papers</li>" in content
    assert [p.slug for p in response.context["recent_papers"]] == ["fast", "other"]
    assert item_links(content, "Fast Collectives")[-1] == PREPRINT_LINK


def test_search_finds_the_work_once(client, work):
    response = client.get("/search/", {"q": "fast collectives"})

    (papers,) = [group for group in response.context["results"] if group["key"] == "papers"]
    content = response.content.decode()
    assert [p.slug for p in papers["items"]] == ["fast"]
    assert papers["count"] == 1
    assert '<h2 id="results-papers">Papers <span class="muted">(1)</span></h2>' in content
    assert item_links(content, "Fast Collectives")[-1] == PREPRINT_LINK


def test_search_finds_the_preprint_by_words_only_it_has(client, work):
    response = client.get("/search/", {"q": "preprint"})

    (papers,) = [group for group in response.context["results"] if group["key"] == "papers"]
    assert [p.slug for p in papers["items"]] == ["fast-arxiv"]


# The paper pages -------------------------------------------------------------------------------


def test_published_paper_page_links_its_earlier_versions(client, work):
    PaperFactory(
        title="Fast Collectives, Early",
        slug="fast-early",
        venue=VenueFactory(short_name="HotNets"),
        year=2022,
        published_version=work["published"],
    )

    content = client.get("/papers/fast/").content.decode()

    assert (
        '<p class="paper-meta">Earlier versions: '
        '<a href="/papers/fast-arxiv/">Fast Collectives (preprint)</a> (arXiv 2023); '
        '<a href="/papers/fast-early/">Fast Collectives, Early</a> (HotNets 2022).</p>'
    ) in content
    assert "Published as" not in content


def test_preprint_page_links_the_paper_it_was_published_as(client, work):
    content = client.get("/papers/fast-arxiv/").content.decode()

    assert (
        '<p class="notice">Published as <a href="/papers/fast/">Fast Collectives</a>'
        " (NSDI 2024).</p>"
    ) in content
    assert "Earlier version" not in content


def test_paper_page_of_a_single_version_names_no_versions(client, work):
    content = client.get("/papers/other/").content.decode()

    assert "Published as" not in content
    assert "Earlier version" not in content


def test_published_paper_page_names_one_earlier_version_in_the_singular(client, work):
    content = client.get("/papers/fast/").content.decode()

    assert (
        '<p class="paper-meta">Earlier version: '
        '<a href="/papers/fast-arxiv/">Fast Collectives (preprint)</a> (arXiv 2023).</p>'
    ) in content


# Query counts ----------------------------------------------------------------------------------


def make_works(count: int, *, venue=None, author=None) -> list[Paper]:
    """``count`` published papers, each with a preprint on arXiv and two authors."""
    venue = venue or VenueFactory()
    arxiv = VenueFactory(kind=VenueKind.PREPRINT)
    published = []
    for number in range(count):
        paper = PaperFactory(venue=venue, year=2020 + number, selected=True)
        preprint = PaperFactory(
            venue=arxiv,
            year=2019 + number,
            status=PaperStatus.PREPRINT,
            published_version=paper,
            selected=True,
        )
        for version in (paper, preprint):
            with_authors(version, author or PersonFactory(), PersonFactory())
        published.append(paper)
    return published


@pytest.mark.parametrize("item_count", [1, 5])
@pytest.mark.parametrize("url", ["/publications/", "/publications/selected/"])
def test_paper_list_with_versions_query_count_is_constant(
    client, django_assert_num_queries, item_count, url
):
    make_works(item_count)

    # choices of author, institution, venue and keyword; count; papers; bylines; awards;
    # keywords; earlier versions
    with django_assert_num_queries(10):
        response = client.get(url)

    assert response.context["page"].paginator.count == item_count
    assert response.content.decode().count("<li>Preprint: <a") == item_count


@pytest.mark.parametrize("item_count", [1, 5])
def test_venue_page_with_versions_query_count_is_constant(
    client, django_assert_num_queries, item_count
):
    make_works(item_count, venue=VenueFactory(slug="nsdi"))

    # venue; count; papers; bylines; awards; keywords; earlier versions; service
    with django_assert_num_queries(8):
        response = client.get("/venues/nsdi/")

    assert response.context["page"].paginator.count == item_count
    assert response.content.decode().count("<li>Preprint: <a") == item_count


@pytest.mark.parametrize("item_count", [1, 5])
def test_person_page_with_versions_query_count_is_constant(
    client, django_assert_num_queries, item_count
):
    alice = PersonFactory(slug="alice")
    RoleFactory(person=alice).advisors.add(PersonFactory())
    make_works(item_count, author=alice)

    # person, roles, advisors, awards; papers, bylines, awards, keywords, earlier versions;
    # service
    with django_assert_num_queries(10):
        response = client.get("/people/alice/")

    assert response.content.decode().count("<li>Preprint: <a") == item_count


@pytest.mark.parametrize("item_count", [1, 5])
def test_paper_page_with_versions_query_count_is_constant(
    client, django_assert_num_queries, item_count, paper_page_compiled
):
    published = PaperFactory(slug="fast")
    for _ in range(item_count):
        PaperFactory(published_version=published)
    preprint = PaperFactory(slug="fast-arxiv", published_version=published)

    # The paper with its venue, published version, byline and keywords, and whether it has
    # awards and earlier versions (publications.paper_page); its earlier versions. The preprint
    # has none of them.
    with django_assert_num_queries(2):
        published_page = client.get("/papers/fast/")
    with django_assert_num_queries(1):
        preprint_page = client.get(f"/papers/{preprint.slug}/")

    earlier = published_page.context["paper"].earlier_versions.all()
    assert len(earlier) == item_count + 1
    assert preprint_page.context["paper"].published_version == published


@pytest.mark.parametrize("item_count", [1, 5])
def test_home_and_search_with_versions_query_count_is_constant(
    client, django_assert_num_queries, item_count
):
    for paper in make_works(item_count):
        paper.title = f"Match {paper.title}"
        paper.save()

    # papers, bylines, awards, keywords, earlier versions; four counts (no lab configured: no
    # members)
    with django_assert_num_queries(10):
        home = client.get("/")
    # people, papers, bylines, awards, keywords, earlier versions, venues, institutions
    with django_assert_num_queries(8):
        search = client.get("/search/", {"q": "match"})

    assert home.content.decode().count("<li>Preprint: <a") == item_count
    assert search.content.decode().count("<li>Preprint: <a") == item_count


@pytest.mark.parametrize("item_count", [1, 5])
def test_institution_section_with_versions_query_count_is_constant(
    django_assert_num_queries, item_count
):
    hkust = InstitutionFactory()
    alice = PersonFactory()
    RoleFactory(person=alice, institution=hkust)
    make_works(item_count, author=alice)

    # papers; bylines; awards; keywords; earlier versions; the count
    with django_assert_num_queries(6):
        section = sections.institution_papers_section(hkust)
        html = render_to_string(section.template, {"section": section})

    assert section.context["total"] == item_count
    assert html.count("<li>Preprint: <a") == item_count


@pytest.mark.parametrize("item_count", [1, 5])
def test_feeds_with_versions_query_count_is_constant(client, django_assert_num_queries, item_count):
    alice = PersonFactory(slug="alice")
    make_works(item_count, author=alice)

    with django_assert_num_queries(4):  # papers; bylines; awards; keywords
        latest = feed_titles(client.get("/publications/feed/"))
    with django_assert_num_queries(5):  # the person; papers; bylines; awards; keywords
        theirs = feed_titles(client.get("/people/alice/feed/"))

    assert len(latest) == len(theirs) == item_count


@pytest.mark.parametrize("item_count", [1, 5])
@pytest.mark.parametrize("fmt", FORMATS)
def test_downloads_with_versions_query_count_is_constant(
    client, django_assert_num_queries, list_length, item_count, fmt
):
    make_works(item_count, venue=VenueFactory(slug="nsdi"))

    # the venue; then people, papers, bylines, awards, keywords (csv, xlsx: paper_rows) or
    # tests.conftest.CITATION_QUERIES (bib, json)
    spreadsheet = fmt in ("csv", "xlsx")
    with django_assert_num_queries(1 + (5 if spreadsheet else CITATION_QUERIES[list_length])):
        response = client.get(f"/venues/nsdi/papers.{fmt}")

    assert len(exported_slugs(response, fmt)) == item_count
