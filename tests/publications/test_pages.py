"""The public pages of papers and venues: who can see them, what they show, what they cost."""

import re

import pytest

from publications import views
from publications.enums import PaperStatus, ServiceKind, VenueKind
from tests.conftest import assert_no_private_data
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    KeywordFactory,
    PaperAwardFactory,
    PaperFactory,
    PersonFactory,
    ServiceFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["visitor", "member", "lab_admin"])
def any_client(request, client):
    if request.param != "visitor":
        client.force_login(request.getfixturevalue(request.param))
    return client


@pytest.fixture
def records(private_person):
    """One paper by the private person and a co-author at a venue they both serve."""
    publisher = InstitutionFactory(name="USENIX Association", short_name="USENIX", slug="usenix")
    venue = VenueFactory(
        name="Networked Systems Design and Implementation",
        short_name="NSDI",
        slug="nsdi",
        publisher=publisher,
        url="https://www.usenix.org/conference/nsdi24",
        dblp="https://dblp.org/db/conf/nsdi/",
    )
    paper = PaperFactory(
        title="Fast Collectives",
        slug="fast-collectives",
        venue=venue,
        year=2024,
        month=4,
        abstract="We make collectives fast.",
        doi="10.5555/fast.2024",
        arxiv_id="2403.07648",
        url="https://example.org/fast",
        pdf_url="https://example.org/fast.pdf",
        code_url="https://github.com/example/fast",
        note="Invited to ;login:",
        selected=True,
    )
    coauthor = PersonFactory(name="Alice Chen", slug="alice-chen")
    AuthorshipFactory(paper=paper, person=coauthor, position=1, equal_contribution=True)
    AuthorshipFactory(paper=paper, person=private_person, position=2, corresponding=True)
    PaperAwardFactory(paper=paper, title="Best Paper Award")
    ServiceFactory(person=private_person, venue=venue, kind=ServiceKind.PROGRAM_COMMITTEE)
    return {"paper": paper, "venue": venue, "person": private_person, "coauthor": coauthor}


def h1s(content: str) -> list[str]:
    return re.findall(r"<h1[^>]*>(.*?)</h1>", content, re.S)


def breadcrumbs(content: str) -> list[str]:
    nav = re.search(r'<nav class="breadcrumbs".*?</nav>', content, re.S).group(0)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li.*?</li>", nav, re.S)]


PAGES = [
    "/publications/",
    "/publications/selected/",
    "/papers/fast-collectives/",
    "/venues/",
    "/venues/nsdi/",
]
DOWNLOADS = [
    "/publications/download.csv",
    "/publications/download.bib",
    "/papers/fast-collectives.bib",
    "/venues/nsdi/papers.xlsx",
    "/people/pat-private/papers.json",
]


# Every user ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_page_shows_its_records_without_private_data_to_every_user(any_client, records, url):
    response = any_client.get(url)

    content = response.content.decode()
    assert response.status_code == 200
    assert len(h1s(content)) == 1
    # Every page but the venue table names the private person (byline or service).
    assert ("Pat Private" in content) == (url != "/venues/")
    assert "NSDI" in content
    assert_no_private_data(content)
    # Email is for members' eyes on the profile only, never on these pages.
    assert "pat@example.org" not in content


@pytest.mark.parametrize("url", DOWNLOADS)
def test_download_has_the_paper_without_private_data_for_every_user(any_client, records, url):
    response = any_client.get(url)

    content = response.content
    assert response.status_code == 200
    if not url.endswith(".xlsx"):
        assert "Fast Collectives" in content.decode()
        assert_no_private_data(content)
        assert b"pat@example.org" not in content


@pytest.mark.parametrize("url", PAGES + DOWNLOADS)
def test_page_rejects_post(client, records, url):
    assert client.post(url).status_code == 405


@pytest.mark.parametrize(
    "url",
    [
        "/papers/no-such-paper/",
        "/papers/no-such-paper.bib",
        "/venues/no-such-venue/",
        "/venues/no-such-venue/papers.csv",
        "/people/no-such-person/papers.csv",
    ],
)
def test_page_of_a_missing_record_is_not_found(any_client, url):
    assert any_client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    ["/publications/download.pdf", "/venues/nsdi/papers.doc", "/people/pat-private/papers.txt"],
)
def test_download_in_an_unknown_format_is_not_found(client, records, url):
    assert client.get(url).status_code == 404


# Query counts ----------------------------------------------------------------------------------


def make_papers(count: int, *, venue=None, authors: int = 2) -> list:
    venue = venue or VenueFactory()
    papers = []
    for number in range(count):
        paper = PaperFactory(venue=venue, year=2020 + number)
        for position in range(1, authors + 1):
            AuthorshipFactory(paper=paper, position=position, lead=position == 1)
        PaperAwardFactory(paper=paper)
        paper.keywords.add(KeywordFactory())
        papers.append(paper)
    return papers


@pytest.mark.parametrize("item_count", [1, 5])
@pytest.mark.parametrize("url", ["/publications/", "/publications/selected/"])
def test_paper_list_query_count_is_constant(client, django_assert_num_queries, item_count, url):
    for paper in make_papers(item_count):
        paper.selected = True
        paper.save()

    # choices of author, institution, venue and keyword; count; papers; bylines; awards;
    # keywords; earlier versions (the prefetch of Paper.objects.with_versions(), one query
    # whatever the number of papers)
    with django_assert_num_queries(10):
        response = client.get(url)

    assert len(response.context["page"].object_list) == item_count


@pytest.mark.parametrize("item_count", [1, 5])
def test_filtered_paper_list_query_count_is_constant(client, django_assert_num_queries, item_count):
    venue = VenueFactory(slug="nsdi")
    make_papers(item_count, venue=venue)
    person = PersonFactory(slug="alice")
    institution = InstitutionFactory(slug="hkust")
    for paper in venue.papers.all():
        AuthorshipFactory(paper=paper, person=person, position=9).affiliations.add(institution)

    # the 10 above, and checking the venue, person and institution slugs
    with django_assert_num_queries(13):
        response = client.get(
            "/publications/",
            {"venue": "nsdi", "person": "alice", "institution": "hkust", "q": "Study"},
        )

    assert response.context["page"].paginator.count == item_count


@pytest.mark.parametrize("item_count", [1, 5])
def test_paper_detail_query_count_is_constant(
    client, django_assert_num_queries, item_count, paper_page_compiled
):
    (paper,) = make_papers(1, authors=item_count)
    paper.keywords.add(*(KeywordFactory() for _ in range(item_count)))
    for n in range(item_count):
        PaperAwardFactory(paper=paper, title=f"Award {n}")  # besides make_papers' one
        PaperFactory(published_version=paper, status=PaperStatus.PREPRINT)

    # The paper with its venue, published version, byline and keywords, and whether it has
    # awards and earlier versions (publications.paper_page); its awards; its earlier versions.
    with django_assert_num_queries(3):
        response = client.get(f"/papers/{paper.slug}/")

    html = response.content.decode()
    assert len(response.context["paper"].authorships.all()) == item_count
    assert html.count('<span class="badge">') == item_count + 1
    (keywords,) = re.findall(r'<p class="paper-keywords">.*?</p>', html)
    assert keywords.count("<a href=") == item_count + 1  # besides make_papers' one
    assert html.count("Earlier version") == 1


@pytest.mark.parametrize("item_count", [1, 5])
def test_paper_detail_asks_only_for_the_relations_it_has(
    client, django_assert_num_queries, item_count, paper_page_compiled
):
    paper = PaperFactory()
    for position in range(1, item_count + 1):
        AuthorshipFactory(paper=paper, position=position)

    # The paper with its byline, and that it has no keywords, awards or earlier versions.
    with django_assert_num_queries(1):
        response = client.get(f"/papers/{paper.slug}/")

    html = response.content.decode()
    assert len(response.context["paper"].authorships.all()) == item_count
    assert [m for m in ('<span class="badge">', "Keywords:", "Earlier version") if m in html] == []


@pytest.mark.parametrize("item_count", [1, 5])
def test_venue_list_query_count_is_constant(client, django_assert_num_queries, item_count):
    for _ in range(item_count):
        make_papers(2, venue=VenueFactory(publisher=InstitutionFactory()))

    with django_assert_num_queries(1):
        response = client.get("/venues/")

    assert [venue.paper_count for venue in response.context["venues"]] == [2] * item_count


@pytest.mark.parametrize("item_count", [1, 5])
def test_venue_detail_query_count_is_constant(client, django_assert_num_queries, item_count):
    venue = VenueFactory(slug="nsdi", publisher=InstitutionFactory())
    make_papers(item_count, venue=venue)
    for _ in range(item_count):
        ServiceFactory(venue=venue)

    # venue and publisher; count; papers; bylines; awards; keywords; earlier versions
    # (with_versions()); service
    with django_assert_num_queries(8):
        response = client.get("/venues/nsdi/")

    assert len(response.context["page"].object_list) == item_count


# The publication list --------------------------------------------------------------------------


def test_paper_list_groups_papers_under_year_headings(client):
    PaperFactory(slug="old", year=2021)
    PaperFactory(slug="new-a", year=2024)
    PaperFactory(slug="new-b", year=2024)
    PaperFactory(slug="undated", year=None, status=PaperStatus.PREPRINT)

    content = client.get("/publications/").content.decode()

    headings = re.findall(r'<h2 class="year-heading">(.*?)</h2>', content)
    assert headings == ["Undated", "2024", "2021"]


def test_paper_list_sorted_by_title_has_no_year_headings(client):
    PaperFactory(title="Beta", year=2021)
    PaperFactory(title="Alpha", year=2024)

    content = client.get("/publications/", {"sort": "title"}).content.decode()

    assert 'class="year-heading"' not in content
    assert content.index(">Alpha</a>") < content.index(">Beta</a>")


def test_paper_list_shows_the_count_legend_and_downloads_as_filtered(client):
    nsdi = VenueFactory(slug="nsdi")
    PaperFactory(venue=nsdi, year=2022)
    PaperFactory(venue=nsdi, year=2019)
    PaperFactory(year=2022)

    content = client.get(
        "/publications/", {"venue": "nsdi", "year_min": "2020", "page": "1"}
    ).content.decode()

    assert '<p class="result-count" role="status"><strong>1</strong> paper</p>' in content
    assert '<div class="legend">' in content
    downloads = re.findall(
        r'<a href="(/publications/download\.[a-z]+[^"]*)" download>([^<]+)', content
    )
    assert downloads == [
        ("/publications/download.csv?venue=nsdi&amp;year_min=2020", "CSV"),
        ("/publications/download.xlsx?venue=nsdi&amp;year_min=2020", "XLSX"),
        ("/publications/download.bib?venue=nsdi&amp;year_min=2020", "BibTeX"),
        ("/publications/download.json?venue=nsdi&amp;year_min=2020", "CSL-JSON"),
        ("/publications/download.ris?venue=nsdi&amp;year_min=2020", "RIS"),
        ("/publications/download.alfolio.bib?venue=nsdi&amp;year_min=2020", "al-folio"),
        ("/publications/download.hugoblox.zip?venue=nsdi&amp;year_min=2020", "Hugo Blox"),
    ]


def test_paper_list_download_has_the_filtered_papers_only(client):
    nsdi = VenueFactory(slug="nsdi")
    PaperFactory(title="Kept Paper", venue=nsdi)
    PaperFactory(title="Dropped Paper")

    response = client.get("/publications/download.bib", {"venue": "nsdi"})

    content = response.content.decode()
    assert "Kept Paper" in content
    assert "Dropped Paper" not in content
    assert 'filename="publications.bib"' in response["Content-Disposition"]


def test_selected_papers_list_and_download_only_the_selected(client):
    PaperFactory(title="Featured Paper", selected=True)
    PaperFactory(title="Ordinary Paper", selected=False)

    content = client.get("/publications/selected/").content.decode()
    download = client.get("/publications/download.csv", {"selected": "on"}).content.decode()

    assert h1s(content) == ["Selected publications"]
    assert breadcrumbs(content) == ["Home", "Publications", "Selected"]
    assert "Featured Paper" in content
    assert "Ordinary Paper" not in content
    assert 'href="/publications/download.csv?selected=on"' in content
    assert 'name="selected"' not in content
    assert "Featured Paper" in download
    assert "Ordinary Paper" not in download


def test_paper_list_has_labelled_filters_and_breadcrumbs(client):
    content = client.get("/publications/").content.decode()

    assert h1s(content) == ["Publications"]
    assert breadcrumbs(content) == ["Home", "Publications"]
    form = re.search(r'<section class="filters".*?</section>', content, re.S).group(0)
    field_ids = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', form)
    label_targets = re.findall(r'<label for="([^"]+)"', form)
    assert field_ids == [
        "id_q",
        "id_year_min",
        "id_year_max",
        "id_person",
        "id_institution",
        "id_venue",
        "id_keyword",
        "id_kind",
        "id_status",
        "id_selected",
        "id_sort",
    ]
    assert sorted(label_targets) == sorted(field_ids)
    assert '<form method="get" action="/publications/">' in form


def test_paper_list_with_an_unknown_venue_lists_nothing_and_says_so(client):
    PaperFactory()

    response = client.get("/publications/", {"venue": "no-such-venue"})

    content = response.content.decode()
    assert response.status_code == 400  # a bad request, said in words on the page
    assert response.context["page"].paginator.count == 0
    assert "Select a valid choice" in content


def test_paper_list_paginates_keeping_the_query_string(client, monkeypatch):
    monkeypatch.setattr(views, "PAPERS_PER_PAGE", 2)
    for year in (2020, 2021, 2022, 2023, 2024):
        PaperFactory(slug=f"p{year}", year=year)

    response = client.get("/publications/", {"year_min": "2021", "page": "2"})

    content = response.content.decode()
    assert [p.slug for p in response.context["page"].object_list] == ["p2022", "p2021"]
    pagination = re.search(r'<ul class="pagination">.*?</ul>', content, re.S).group(0)
    links = re.findall(r'<a href="([^"]+)"', pagination)
    assert links == [
        "?year_min=2021&amp;page=1",
        "?year_min=2021&amp;page=1",
    ]
    assert '<span aria-current="page">2</span>' in pagination


def test_paper_list_page_past_the_end_shows_the_last_page(client, monkeypatch):
    monkeypatch.setattr(views, "PAPERS_PER_PAGE", 2)
    for year in (2020, 2021, 2022):
        PaperFactory(slug=f"p{year}", year=year)

    response = client.get("/publications/", {"page": "9"})

    assert response.status_code == 200
    assert [p.slug for p in response.context["page"].object_list] == ["p2020"]


def test_paper_list_is_served_from_the_cache_to_visitors(client, django_assert_num_queries):
    PaperFactory(title="Cached Paper")
    first = client.get("/publications/")

    with django_assert_num_queries(0):
        response = client.get("/publications/")

    assert response.status_code == 200
    assert response.content == first.content
    assert "Cached Paper" in response.content.decode()


# The paper page --------------------------------------------------------------------------------


def test_paper_detail_shows_the_paper_with_its_links(client, records):
    content = client.get("/papers/fast-collectives/").content.decode()

    assert h1s(content) == ["Fast Collectives"]
    assert breadcrumbs(content) == ["Home", "Publications", "Fast Collectives"]
    assert (
        '<p class="byline"><a href="/people/alice-chen/">Alice Chen</a>'
        '<span class="mark" title="equal contribution">*</span>, '
        '<a href="/people/pat-private/">Pat Private</a>'
        '<span class="mark" title="corresponding author">✉</span></p>'
    ) in content
    assert (
        '<a class="venue" href="/venues/nsdi/">Networked Systems Design and Implementation</a>'
        " (NSDI), Apr 2024"
    ) in content
    assert '<span class="badge">Best Paper Award</span>' in content
    links = re.search(r'<ul class="paper-links links-column">.*?</ul>', content, re.S).group(0)
    assert re.findall(r'<a href="([^"]+)">([^<]+)</a>', links) == [
        ("https://doi.org/10.5555/fast.2024", "DOI: 10.5555/fast.2024"),
        ("https://arxiv.org/abs/2403.07648", "arXiv: 2403.07648"),
        ("https://example.org/fast", "Web page"),
        ("https://example.org/fast.pdf", "PDF"),
        ("https://github.com/example/fast", "Code"),
    ]
    assert "<p>We make collectives fast.</p>" in content
    assert "<p>Invited to ;login:</p>" in content
    assert '<meta name="description" content="Alice Chen, Pat Private. NSDI 2024.">' in content
    assert 'class="tag"' not in content
    assert "The author list is incomplete." not in content
    assert '<div class="legend">' in content


def test_paper_detail_shows_the_bibtex_entry_and_its_download(client, records):
    content = client.get("/papers/fast-collectives/").content.decode()

    entry = re.search(r'<pre class="bibtex" id="bibtex">(.*?)</pre>', content, re.S).group(1)
    fields = dict(re.findall(r"^  (\w+) += \{(.*)\},?$", entry, re.M))
    assert entry.startswith("@inproceedings{chen2024fast,")
    assert fields["title"] == "Fast Collectives"
    assert fields["author"] == "Chen, Alice and Private, Pat"
    assert fields["booktitle"] == "Networked Systems Design and Implementation"
    assert '<a href="/papers/fast-collectives.bib" download>Download BibTeX</a>' in content
    assert '<script src="/static/publications/copy-bibtex.js" defer></script>' in content


def test_paper_bibtex_downloads_the_entry_named_by_slug(client, records):
    response = client.get("/papers/fast-collectives.bib")

    assert response.content.decode().startswith("@inproceedings{")
    assert 'filename="fast-collectives.bib"' in response["Content-Disposition"]


def test_paper_detail_of_an_incomplete_preprint_says_so(client):
    paper = PaperFactory(
        slug="draft", status=PaperStatus.UNDER_REVIEW, authors_complete=False, venue=None
    )
    AuthorshipFactory(paper=paper, person=PersonFactory(name="Alice Chen", slug="alice-chen"))

    content = client.get("/papers/draft/").content.decode()

    assert '<p class="notice">The author list is incomplete.</p>' in content
    assert '<span class="tag">Under review</span>' in content
    assert (
        '<a href="/people/alice-chen/">Alice Chen</a>, '
        '<span title="The author list is incomplete.">et al.</span>'
    ) in content
    assert '<p class="muted">No links recorded.</p>' in content


# Venues ----------------------------------------------------------------------------------------


def test_venue_list_is_a_table_with_paper_counts(client, records):
    PaperFactory(venue=records["venue"])
    VenueFactory(
        slug="tpds",
        short_name="TPDS",
        name="Parallel and Distributed Systems",
        kind=VenueKind.JOURNAL,
    )

    content = client.get("/venues/").content.decode()

    assert h1s(content) == ["Venues"]
    assert breadcrumbs(content) == ["Home", "Venues"]
    body = re.search(r"<tbody>.*?</tbody>", content, re.S).group(0)
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    cells = [[c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows]
    assert cells == [
        [
            "NSDI",
            '<a href="/venues/nsdi/">Networked Systems Design and Implementation</a>',
            "Conference",
            '<a href="/institutions/usenix/">USENIX</a>',
            "2",
        ],
        [
            "TPDS",
            '<a href="/venues/tpds/">Parallel and Distributed Systems</a>',
            "Journal",
            "",
            "0",
        ],
    ]


def test_venue_list_filters_by_kind_and_text(client):
    VenueFactory(slug="nsdi", short_name="NSDI", name="Networked Systems")
    VenueFactory(slug="tpds", short_name="TPDS", name="Parallel Systems", kind=VenueKind.JOURNAL)

    by_kind = client.get("/venues/", {"kind": "journal"}).context["venues"]
    by_text = client.get("/venues/", {"q": "networked"}).context["venues"]

    assert [venue.slug for venue in by_kind] == ["tpds"]
    assert [venue.slug for venue in by_text] == ["nsdi"]


def test_venue_detail_shows_facts_papers_and_service(client, records):
    content = client.get("/venues/nsdi/").content.decode()

    assert h1s(content) == ["Networked Systems Design and Implementation"]
    assert breadcrumbs(content) == ["Home", "Venues", "NSDI"]
    facts = re.search(r'<dl class="facts">(.*?)</dl>', content, re.S).group(1)
    assert re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", facts) == [
        ("Kind", "Conference"),
        ("Publisher", '<a href="/institutions/usenix/">USENIX Association</a>'),
        (
            "Website",
            '<a href="https://www.usenix.org/conference/nsdi24">'
            "https://www.usenix.org/conference/nsdi24</a>",
        ),
        ("DBLP", '<a href="https://dblp.org/db/conf/nsdi/">DBLP page</a>'),
    ]
    assert re.findall(r'<h3 class="year-heading">(.*?)</h3>', content) == ["2024"]
    assert '<a href="/papers/fast-collectives/">Fast Collectives</a>' in content
    service = re.search(r"Service by lab people.*?<tbody>(.*?)</tbody>", content, re.S).group(1)
    assert [
        [c.strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", service, re.S)
    ] == [['<a href="/people/pat-private/">Pat Private</a>', "Program committee", "2024", ""]]
    downloads = re.findall(r'<a href="(/venues/nsdi/papers\.[a-z]+)" download>', content)
    assert downloads == [
        "/venues/nsdi/papers.csv",
        "/venues/nsdi/papers.xlsx",
        "/venues/nsdi/papers.bib",
        "/venues/nsdi/papers.json",
        "/venues/nsdi/papers.ris",
    ]


def test_venue_papers_download_has_only_that_venues_papers(client, records):
    PaperFactory(title="Elsewhere Paper")

    response = client.get("/venues/nsdi/papers.bib")

    content = response.content.decode()
    assert "Fast Collectives" in content
    assert "Elsewhere Paper" not in content
    assert 'filename="nsdi.bib"' in response["Content-Disposition"]


def test_person_papers_download_has_only_their_papers(client, records):
    PaperFactory(title="Someone Else's Paper")

    response = client.get("/people/alice-chen/papers.csv")

    content = response.content.decode()
    assert "Fast Collectives" in content
    assert "Someone Else" not in content
    assert 'filename="alice-chen-papers.csv"' in response["Content-Disposition"]


def test_a_deep_list_page_shows_its_papers_in_the_lists_order(client):
    papers = make_papers(55)  # two pages of 50, years 2020 to 2074

    response = client.get("/publications/?page=2")

    html = response.content.decode()
    listed = re.findall(r'<div class="paper-title"><a href="/papers/([^/"]+)/"', html)
    # The oldest five, newest first, each with its byline, award and keyword.
    assert listed == [paper.slug for paper in papers[4::-1]]
    assert html.count('<span class="badge">') == 5
    assert html.count('<div class="paper-keywords">') == 5


def list_page_ids():
    """The first query of a publication list's page 3: its papers' ids, in the list's order."""
    from django.http import QueryDict

    from publications.filters import PaperFilter
    from publications.models import Paper

    return PaperFilter(QueryDict(""), queryset=Paper.objects.all()).papers.values_list(
        "pk", flat=True
    )[100:150]


@pytest.mark.postgres_only
def test_a_list_page_is_picked_from_the_covering_index_alone():
    from django.db import connection

    make_papers(3)
    ids = list_page_ids()
    sql, params = ids.query.sql_with_params()
    with connection.cursor() as cursor:
        # Tiny tables are read whole otherwise; what matters is that the index can answer.
        cursor.execute("SET enable_seqscan = off")
        try:
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan")

    assert "Index Only Scan using publications_paper_list_order on publications_paper" in plan
    assert "Sort" not in plan


@pytest.mark.sqlite_only
def test_on_sqlite_the_lists_and_the_change_list_read_the_order_index():
    from django.db import connection

    from publications.models import Paper

    make_papers(3)
    ids = list_page_ids()
    change_list = Paper.objects.order_by(*Paper._meta.ordering, "-pk").values_list("pk")[:100]
    years = Paper.objects.values_list("year", flat=True).distinct().order_by("year")
    plans = {}
    for name, query in (("list", ids), ("change list", change_list), ("years", years)):
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plans[name] = "\n".join(str(row[-1]) for row in cursor.fetchall())

    assert "USING COVERING INDEX publications_paper_list_order" in plans["list"]
    assert "USE TEMP B-TREE FOR ORDER BY" not in plans["list"]
    assert "USING COVERING INDEX publications_paper_list_order" in plans["change list"]
    assert "USE TEMP B-TREE FOR ORDER BY" not in plans["change list"]
    assert "USING COVERING INDEX publications_paper_list_order" in plans["years"]
