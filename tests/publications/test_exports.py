import csv
import io
import json

import bibtexparser
import openpyxl
import pytest
from django.http import Http404
from django.test import RequestFactory

from publications.enums import PaperStatus, VenueKind
from publications.exports import papers_response
from publications.models import Paper
from publications.resources import PaperResource
from tests.conftest import CITATION_QUERIES, assert_no_private_data
from tests.factories import (
    AuthorshipFactory,
    KeywordFactory,
    PaperAwardFactory,
    PaperFactory,
    PersonFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

HEADERS = [
    "slug",
    "title",
    "authors",
    "venue",
    "year",
    "month",
    "status",
    "volume",
    "number",
    "pages",
    "article_number",
    "publisher",
    "series",
    "isbn",
    "issn",
    "event_place",
    "event_dates",
    "doi",
    "arxiv_id",
    "url",
    "pdf_url",
    "code_url",
    "slides_url",
    "poster_url",
    "video_url",
    "website_url",
    "keywords",
    "awards",
    "selected",
    "authors_complete",
    "note",
    "abstract",
]
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "bib": "application/x-bibtex; charset=utf-8",
    "json": "application/vnd.citationstyles.csl+json; charset=utf-8",
}



def read_csv(response) -> list[list[str]]:
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def xlsx_cells(response) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows()]


def xlsx_rows(response) -> list[list]:
    return [[cell.value for cell in row] for row in xlsx_cells(response)]


@pytest.fixture
def lucid():
    """A paper with marks, a namesake, two awards, keywords, every citation field and link."""
    venue = VenueFactory(name="ASPLOS Conference", short_name="ASPLOS", slug="asplos")
    paper = PaperFactory(
        title="Lucid: A Non-Intrusive Scheduler",
        slug="lucid-2023",
        venue=venue,
        year=2023,
        month=3,
        doi="10.1145/3575693.3575705",
        arxiv_id="2301.00001",
        volume="12",
        number="3",
        pages="123–135",
        publisher="ACM Press",
        series="ASPLOS '23",
        isbn="978-1-4503-9916-6",
        issn="1234-5679",
        event_place="Vancouver, BC, Canada",
        event_dates="March 25–29, 2023",
        url="https://example.org/lucid",
        pdf_url="https://example.org/lucid.pdf",
        code_url="https://github.com/example/lucid",
        slides_url="https://example.org/lucid-slides.pdf",
        poster_url="https://example.org/lucid-poster.pdf",
        video_url="https://example.org/lucid-talk",
        website_url="https://lucid.example.org/",
        google_scholar_id="qyhmnyLat1gC",
        selected=True,
        note="Invited",
        abstract="We schedule.",
    )
    paper.keywords.add(
        KeywordFactory(name="scheduling", slug="scheduling"),
        KeywordFactory(name="GPU clusters", slug="gpu-clusters"),
    )
    PersonFactory(name="Hao Wang", slug="hao-wang")
    namesake = PersonFactory(name="Hao Wang", slug="hao-wang-2")
    hu = PersonFactory(name="Qinghao Hu", slug="qinghao-hu")
    sun = PersonFactory(name="Peng Sun", slug="peng-sun")
    AuthorshipFactory(paper=paper, person=hu, position=1, equal_contribution=True)
    AuthorshipFactory(paper=paper, person=namesake, position=2, equal_contribution=True)
    AuthorshipFactory(paper=paper, person=sun, position=3, corresponding=True, lead=True)
    PaperAwardFactory(paper=paper, title="Distinguished Paper Award")
    PaperAwardFactory(paper=paper, title="Artifact Badge")
    return paper


LUCID_BYLINE = "Qinghao Hu*; Hao Wang* <hao-wang-2>; Peng Sun†✉"


def test_csv_download_has_one_exact_row_per_paper(client, lucid):
    response = client.get("/publications/download.csv")

    assert response["Content-Type"] == CONTENT_TYPES["csv"]
    assert response["Content-Disposition"] == 'attachment; filename="publications.csv"'
    assert read_csv(response) == [
        HEADERS,
        [
            "lucid-2023",
            "Lucid: A Non-Intrusive Scheduler",
            LUCID_BYLINE,
            "asplos",
            "2023",
            "3",
            "published",
            "12",
            "3",
            "123–135",
            "",
            "ACM Press",
            "ASPLOS '23",
            "978-1-4503-9916-6",
            "1234-5679",
            "Vancouver, BC, Canada",
            "March 25–29, 2023",
            "10.1145/3575693.3575705",
            "2301.00001",
            "https://example.org/lucid",
            "https://example.org/lucid.pdf",
            "https://github.com/example/lucid",
            "https://example.org/lucid-slides.pdf",
            "https://example.org/lucid-poster.pdf",
            "https://example.org/lucid-talk",
            "https://lucid.example.org/",
            "GPU clusters; scheduling",
            "Artifact Badge; Distinguished Paper Award",
            "1",
            "1",
            "Invited",
            "We schedule.",
        ],
    ]


def test_xlsx_download_keeps_numbers_and_booleans_native(client, lucid):
    response = client.get("/publications/download.xlsx")

    assert response["Content-Type"] == CONTENT_TYPES["xlsx"]
    assert response["Content-Disposition"] == 'attachment; filename="publications.xlsx"'
    rows = xlsx_rows(response)
    assert rows[0] == HEADERS
    assert dict(zip(HEADERS, rows[1], strict=True)) | {"abstract": None} == {
        "slug": "lucid-2023",
        "title": "Lucid: A Non-Intrusive Scheduler",
        "authors": LUCID_BYLINE,
        "venue": "asplos",
        "year": 2023,
        "month": 3,
        "status": "published",
        "volume": "12",
        "number": "3",
        "pages": "123–135",
        "article_number": None,
        "publisher": "ACM Press",
        "series": "ASPLOS '23",
        "isbn": "978-1-4503-9916-6",
        "issn": "1234-5679",
        "event_place": "Vancouver, BC, Canada",
        "event_dates": "March 25–29, 2023",
        "doi": "10.1145/3575693.3575705",
        "arxiv_id": "2301.00001",
        "url": "https://example.org/lucid",
        "pdf_url": "https://example.org/lucid.pdf",
        "code_url": "https://github.com/example/lucid",
        "slides_url": "https://example.org/lucid-slides.pdf",
        "poster_url": "https://example.org/lucid-poster.pdf",
        "video_url": "https://example.org/lucid-talk",
        "website_url": "https://lucid.example.org/",
        "keywords": "GPU clusters; scheduling",
        "awards": "Artifact Badge; Distinguished Paper Award",
        "selected": True,
        "authors_complete": True,
        "note": "Invited",
        "abstract": None,
    }


def test_spreadsheets_leave_empty_cells_for_missing_venue_year_and_month(client):
    PaperFactory(slug="undated", venue=None, year=None, month=None, status=PaperStatus.PREPRINT)

    row = dict(zip(HEADERS, read_csv(client.get("/publications/download.csv"))[1], strict=True))
    cells = dict(zip(HEADERS, xlsx_rows(client.get("/publications/download.xlsx"))[1], strict=True))

    assert (row["venue"], row["year"], row["month"], row["status"]) == ("", "", "", "preprint")
    assert (cells["venue"], cells["year"], cells["month"]) == (None, None, None)


DANGEROUS_TITLES = ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def test_every_dangerous_leading_character_is_escaped_in_csv_and_xlsx(client):
    for number, title in enumerate(DANGEROUS_TITLES):
        paper = PaperFactory(
            title=title, slug=f"p{number}", year=2000 + number, note="=HYPERLINK()"
        )
        AuthorshipFactory(paper=paper, person=PersonFactory(name=f"@Evil{number}"))

    csv_rows = read_csv(client.get("/publications/download.csv?sort=title"))[1:]
    xlsx = xlsx_cells(client.get("/publications/download.xlsx?sort=title"))[1:]

    escaped = {"'" + title for title in DANGEROUS_TITLES}
    assert {row[1] for row in csv_rows} == escaped
    assert {row[2][:6] for row in csv_rows} == {"'@Evil"}
    assert {row[HEADERS.index("note")] for row in csv_rows} == {"'=HYPERLINK()"}
    assert [cell.coordinate for row in xlsx for cell in row if cell.data_type == "f"] == []
    # XML stores CR as LF; the apostrophe is what matters.
    assert {row[1].value.replace("\n", "\r") for row in xlsx} == escaped
    assert {row[4].value for row in xlsx} == {2000 + n for n in range(len(DANGEROUS_TITLES))}


def test_resource_escapes_cells_on_every_export_path(lucid):
    Paper.objects.filter(pk=lucid.pk).update(title="=cmd|' /C calc'!A0")

    dataset = PaperResource().export()

    assert dataset.dict[0]["title"] == "'=cmd|' /C calc'!A0"


def test_bibtex_download_parses_back(client, lucid):
    response = client.get("/publications/download.bib")

    assert response["Content-Type"] == CONTENT_TYPES["bib"]
    assert response["Content-Disposition"] == 'attachment; filename="publications.bib"'
    library = bibtexparser.parse_string(response.content.decode())
    assert [(e.key, e["year"], e["booktitle"]) for e in library.entries] == [
        ("hu2023lucid", "2023", "ASPLOS Conference")
    ]
    assert library.entries[0]["author"] == "Hu, Qinghao and Wang, Hao and Sun, Peng"


def test_csl_json_download_has_the_csl_shape(client, lucid):
    preprint = PaperFactory(
        title="LoongTrain",
        slug="loongtrain",
        venue=VenueFactory(name="arXiv", short_name="arXiv", kind=VenueKind.PREPRINT),
        year=None,
        status=PaperStatus.PREPRINT,
        arxiv_id="2406.18485",
        abstract="",
        note="",
    )
    AuthorshipFactory(paper=preprint, person=PersonFactory(name="Plato"))

    response = client.get("/publications/download.json?sort=title")

    assert response["Content-Type"] == CONTENT_TYPES["json"]
    assert response["Content-Disposition"] == 'attachment; filename="publications.json"'
    assert json.loads(response.content) == [
        {
            "id": "loongtrain",
            "citation-key": "platoloongtrain",
            "type": "article",
            "title": "LoongTrain",
            "author": [{"literal": "Plato"}],
            "publisher": "arXiv",
            "number": "arXiv:2406.18485",
            "URL": "https://arxiv.org/abs/2406.18485",
            "status": "preprint",
        },
        {
            "id": "lucid-2023",
            "citation-key": "hu2023lucid",
            "type": "paper-conference",
            "title": "Lucid: A Non-Intrusive Scheduler",
            "author": [
                {"family": "Hu", "given": "Qinghao"},
                {"family": "Wang", "given": "Hao"},
                {"family": "Sun", "given": "Peng"},
            ],
            "issued": {"date-parts": [[2023, 3]]},
            "container-title": "ASPLOS Conference",
            "container-title-short": "ASPLOS",
            "volume": "12",
            "issue": "3",
            "page": "123-135",
            "publisher": "ACM Press",
            "collection-title": "ASPLOS '23",
            "ISBN": "978-1-4503-9916-6",
            "ISSN": "1234-5679",
            "event-place": "Vancouver, BC, Canada",
            "event-date": {"literal": "March 25–29, 2023"},
            "number": "arXiv:2301.00001",
            "DOI": "10.1145/3575693.3575705",
            "URL": "https://example.org/lucid",
            "keyword": "GPU clusters, scheduling",
            "abstract": "We schedule.",
        },
    ]


def test_csl_json_article_number_is_the_number_and_a_publisher_replaces_the_server(client):
    PaperFactory(
        slug="with-article",
        venue=VenueFactory(kind=VenueKind.JOURNAL),
        volume="2",
        number="3",
        article_number="142",
        arxiv_id="2401.00001",
    )
    PaperFactory(
        slug="preprint",
        venue=VenueFactory(name="arXiv", kind=VenueKind.PREPRINT),
        status=PaperStatus.PREPRINT,
        publisher="Cornell University",
    )

    items = json.loads(client.get("/publications/download.json?sort=title").content)

    by_id = {item["id"]: item for item in items}
    assert (by_id["with-article"]["number"], by_id["with-article"]["issue"]) == ("142", "3")
    assert "page" not in by_id["with-article"]
    assert by_id["preprint"]["publisher"] == "Cornell University"


@pytest.mark.parametrize(
    ("status", "kind", "csl_type", "csl_status"),
    [
        (PaperStatus.PUBLISHED, VenueKind.JOURNAL, "article-journal", None),
        (PaperStatus.ACCEPTED, VenueKind.WORKSHOP, "paper-conference", "forthcoming"),
        (PaperStatus.UNDER_REVIEW, VenueKind.CONFERENCE, "article", "under review"),
    ],
)
def test_csl_type_and_status_follow_the_paper(client, status, kind, csl_type, csl_status):
    PaperFactory(status=status, venue=VenueFactory(kind=kind))

    (item,) = json.loads(client.get("/publications/download.json").content)

    assert (item["type"], item.get("status")) == (csl_type, csl_status)
    # Work under review is not in the venue yet.
    assert ("container-title" in item) == (status != PaperStatus.UNDER_REVIEW)


def test_unknown_format_is_404(client, lucid):
    assert client.get("/publications/download.ods").status_code == 404
    request = RequestFactory().get("/")
    with pytest.raises(Http404):
        papers_response(Paper.objects.all(), "pdf", filename="x", request=request)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "bib", "json"])
def test_downloads_follow_the_list_filters(client, fmt):
    nsdi = VenueFactory(slug="nsdi")
    PaperFactory(title="Kept", slug="kept", venue=nsdi, year=2024)
    PaperFactory(title="Wrong Year", slug="wrong-year", venue=nsdi, year=2019)
    PaperFactory(title="Wrong Venue", slug="wrong-venue", year=2024)

    response = client.get(f"/publications/download.{fmt}?venue=nsdi&year_min=2020")

    assert response.status_code == 200
    assert exported_slugs_or_titles(response, fmt) == ["kept"]


def exported_slugs_or_titles(response, fmt) -> list[str]:
    if fmt == "csv":
        return [row[0] for row in read_csv(response)[1:]]
    if fmt == "xlsx":
        return [row[0] for row in xlsx_rows(response)[1:]]
    if fmt == "json":
        return [item["id"] for item in json.loads(response.content)]
    titles = [e["title"] for e in bibtexparser.parse_string(response.content.decode()).entries]
    return [Paper.objects.get(title=title).slug for title in titles]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "bib", "json"])
def test_person_and_venue_downloads_hold_only_their_papers(client, fmt):
    person = PersonFactory(slug="qinghao-hu")
    venue = VenueFactory(slug="osdi")
    theirs = PaperFactory(slug="theirs", title="Theirs")
    AuthorshipFactory(paper=theirs, person=person)
    PaperFactory(slug="at-venue", title="At Venue", venue=venue)
    AuthorshipFactory(paper=PaperFactory(slug="other", title="Other"))

    by_person = client.get(f"/people/qinghao-hu/papers.{fmt}")
    at_venue = client.get(f"/venues/osdi/papers.{fmt}")

    assert by_person["Content-Disposition"] == (f'attachment; filename="qinghao-hu-papers.{fmt}"')
    assert exported_slugs_or_titles(by_person, fmt) == ["theirs"]
    assert at_venue["Content-Disposition"] == f'attachment; filename="osdi.{fmt}"'
    assert exported_slugs_or_titles(at_venue, fmt) == ["at-venue"]


@pytest.mark.parametrize(
    "url", ["/people/nobody/papers.csv", "/venues/nowhere/papers.bib", "/papers/none.bib"]
)
def test_downloads_of_missing_objects_are_404(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "bib", "json"])
def test_downloads_refuse_post(client, fmt):
    assert client.post(f"/publications/download.{fmt}").status_code == 405


@pytest.mark.parametrize("user", [None, "member", "lab_admin"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "bib", "json"])
def test_paper_downloads_are_the_same_for_everyone(client, request, lucid, user, fmt):
    """Papers have no members-only fields: everyone gets the same file."""
    anonymous = client.get(f"/publications/download.{fmt}").content
    if user:
        client.force_login(request.getfixturevalue(user))

    response = client.get(f"/publications/download.{fmt}")

    if fmt == "xlsx":  # the zip's timestamps differ between two writes
        assert xlsx_rows(response) == xlsx_rows(client.get(f"/publications/download.{fmt}"))
        assert xlsx_rows(response)[1][0] == "lucid-2023"
    else:
        assert response.content == anonymous


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "bib", "json"])
def test_paper_downloads_never_contain_private_data(client, private_person, fmt):
    paper = PaperFactory(title="Shared Work")
    AuthorshipFactory(paper=paper, person=private_person)

    response = client.get(f"/publications/download.{fmt}")

    if fmt == "xlsx":
        text = " ".join(str(v) for row in xlsx_rows(response) for v in row)
        assert "Pat Private" in text
    else:
        text = response.content.decode("utf-8-sig")
        assert "Pat" in text
    assert_no_private_data(text)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "bib", "json"])
@pytest.mark.parametrize("item_count", [1, 5])
def test_downloads_run_constant_queries(
    client, django_assert_num_queries, list_length, fmt, item_count
):
    for _ in range(item_count):
        paper = PaperFactory()
        AuthorshipFactory(paper=paper)
        AuthorshipFactory(paper=paper)
        PaperAwardFactory(paper=paper)
        paper.keywords.add(KeywordFactory(), KeywordFactory())
    request = RequestFactory().get("/")

    # Spreadsheets: papers with venues, authorships with people, awards, keywords and the one
    # query of the person matcher (namesakes need a slug in the byline). Citations:
    # tests.conftest.CITATION_QUERIES (no awards).
    expected = 5 if fmt in ("csv", "xlsx") else CITATION_QUERIES[list_length]
    with django_assert_num_queries(expected):
        response = papers_response(Paper.objects.all(), fmt, filename="all", request=request)

    assert response.status_code == 200
