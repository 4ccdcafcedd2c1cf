"""The al-folio export (publications.alfolio): a ``_bibliography/papers.bib`` per person and for
the lab, written as al-folio reads it, that the lab's import reads back without a change."""

import bibtexparser
import pytest
from django.test import RequestFactory

from people.models import Person
from publications.bibtex_import import bibtex_import, bibtex_plan
from publications.enums import PaperStatus, VenueKind
from publications.exports import papers_response
from publications.models import Keyword, Paper, Venue
from tests.conftest import CITATION_QUERIES
from tests.factories import AuthorshipFactory, PaperFactory, PersonFactory, VenueFactory
from tests.publications.exported import HOST, counts, records

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_host")]


def line(name: str, value: str, comma: str = ",") -> str:
    return f"  {name:<17} = {value}{comma}\n"


FEATURED_ENTRY = (
    "@inproceedings{hu2024characterization,\n"
    + line("abbr", "{NSDI}")
    + line("bibtex_show", "{true}")
    + line("selected", "{true}")
    + line("title", "{Characterization of Large Language Model Development in the Datacenter}")
    + line("author", "{Hu*, Qinghao and Sánchez Pérez*†, Ixeia and Sun✉, Peng}")
    + line("booktitle", "{USENIX Symposium on Networked Systems Design and Implementation}")
    + line("year", "{2024}")
    + line("month", "apr")
    + line("doi", "{10.5555/llm-dev}")
    + line("url", "{https://www.usenix.org/conference/nsdi24/presentation/hu}")
    + line("eprint", "{2403.07648}")
    + line("archiveprefix", "{arXiv}")
    + line("keywords", r"{LLM training \& serving}")
    + line("pdf", "{hu-nsdi24.pdf}")
    + line("code", "{https://github.com/example/acme}")
    + line("slides", "{https://example.org/slides.pdf}")
    + line("poster", "{https://example.org/poster.pdf}")
    + line("video", "{https://example.org/talk}")
    + line("website", "{https://acme.example.org/}")
    + line("html", "{https://www.usenix.org/conference/nsdi24/presentation/hu}")
    + line("arxiv", "{2403.07648}")
    + line("google_scholar_id", "{qyhmnyLat1gC}")
    + line("additional_info", "{, Invited Submission to USENIX ;login:}")
    + line("award", "{Distinguished Paper Award}")
    + line("award_name", "{Distinguished Paper Award}")
    + line(
        "annotation",
        "{* equal contribution<br>† system/project lead<br>✉ corresponding author}",
        comma="",
    )
    + "}\n"
)


def alfolio(client, url: str) -> str:
    response = client.get(url, HTTP_HOST=HOST)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    return response.content.decode()


def test_person_export_is_an_alfolio_papers_bib(client, lab_papers):
    response = client.get("/people/qinghao-hu/papers.alfolio.bib", HTTP_HOST=HOST)

    assert response["Content-Disposition"] == (
        'attachment; filename="qinghao-hu-papers.alfolio.bib"'
    )
    text = response.content.decode()
    assert text.startswith("---\n---\n\n" + FEATURED_ENTRY + "\n\n@article{sun2023fast,\n")
    assert text.count("\n@") == 3


def test_lab_export_follows_the_list_filters(client, lab_papers):
    text = alfolio(client, "/publications/download.alfolio.bib?venue=nsdi&sort=oldest")

    keys = [entry.key for entry in bibtexparser.parse_string(text).entries]
    assert keys == ["hu2022paper", "hu2024characterization"]


def test_article_marks_links_and_a_paper_without_a_url(client, lab_papers):
    text = alfolio(client, "/publications/download.alfolio.bib")

    entries = {e.key: e for e in bibtexparser.parse_string(text).entries}
    article, unlinked = entries["sun2023fast"], entries["hu2022paper"]
    assert (article["abbr"], article["author"], article["annotation"]) == (
        "PVLDB",
        "Sun‡, Peng and Hu, Qinghao",
        "‡ mentee",
    )
    assert (article["title"], article["pages"], article["pdf"], article["html"]) == (
        r"Fast Joins \& 100\% Recall",
        "1234--1246",
        "https://vldb.org/fast-joins.pdf",
        "https://vldb.org/fast-joins",
    )
    assert "selected" not in article.fields_dict and "award" not in article.fields_dict
    # Without a URL of its own, a paper's al-folio button leads to its page on this site.
    assert unlinked["html"] == f"http://{HOST}/papers/unlinked/"
    assert "url" not in unlinked.fields_dict and "annotation" not in unlinked.fields_dict


def test_importing_the_export_back_changes_nothing(client, lab_papers, lab_admin):
    text = alfolio(client, "/publications/download.alfolio.bib")
    before, records_before = counts(), records()

    plan = bibtex_plan(text)
    result = bibtex_import(text=text, user=lab_admin)

    assert plan.errors == []
    assert [(e.key, e.action, e.duplicate_of) for e in plan.entries] == [
        ("hu2024characterization", "duplicate", lab_papers["featured"]),
        ("sun2023fast", "duplicate", lab_papers["article"]),
        ("hu2022paper", "duplicate", lab_papers["unlinked"]),
    ]
    assert (result.papers, result.people, result.venues, result.keywords) == ([], [], [], [])
    assert counts() == before
    assert records() == records_before
    # al-folio's own switches are named in the preview, not read.
    assert {(n.field, n.kind) for e in plan.entries for n in e.not_kept} == {
        ("bibtex_show", "ignored"),
        ("annotation", "ignored"),
    }


def test_importing_the_export_into_an_empty_database_gives_the_same_papers(
    client, lab_papers, lab_admin
):
    text = alfolio(client, "/publications/download.alfolio.bib")
    expected = records()
    for model in (Paper, Venue, Person, Keyword):
        model.objects.all().delete()

    result = bibtex_import(text=text, user=lab_admin)

    assert len(result.papers) == 3
    imported = records()
    # The one documented difference: a paper without a URL gets its page on this site.
    unlinked = next(r for r in expected if r["title"] == "A Paper Without Links")
    unlinked["links"]["url"] = f"http://{HOST}/papers/unlinked/"
    assert imported == expected


def test_alfolio_download_runs_constant_queries(django_assert_num_queries, list_length, lab_papers):
    request = RequestFactory().get("/")

    # tests.conftest.CITATION_QUERIES, and the awards.
    with django_assert_num_queries(CITATION_QUERIES[list_length] + 1):
        response = papers_response(
            Paper.objects.all(), "alfolio.bib", filename="all", request=request
        )

    assert response.content.decode().count("\n@") == 3


def test_download_links_offer_alfolio(client, lab_papers):
    person = client.get("/people/qinghao-hu/").content.decode()
    listing = client.get("/publications/").content.decode()

    assert '<a href="/people/qinghao-hu/papers.alfolio.bib" download>al-folio</a>' in person
    assert '<a href="/publications/download.alfolio.bib" download>al-folio</a>' in listing


def test_preprint_and_work_under_review(client):
    preprint = PaperFactory(
        title="LoongTrain",
        slug="loongtrain",
        venue=VenueFactory(name="arXiv", short_name="arXiv", kind=VenueKind.PREPRINT),
        year=None,
        status=PaperStatus.PREPRINT,
        arxiv_id="2406.18485",
    )
    AuthorshipFactory(paper=preprint, person=PersonFactory(name="Plato"))

    (entry,) = bibtexparser.parse_string(
        alfolio(client, "/publications/download.alfolio.bib")
    ).entries

    assert entry.entry_type == "misc"
    assert {name: entry[name] for name in ("abbr", "author", "howpublished", "arxiv")} == {
        "abbr": "arXiv",
        "author": "{Plato}",
        "howpublished": "arXiv",
        "arxiv": "2406.18485",
    }
