"""The Hugo Blox export (publications.hugoblox): a zip of ``content/publication/<slug>/`` page
bundles (index.md and cite.bib) per person and for the lab, that the lab's import reads back
without a change."""

import datetime
import io
import zipfile

import bibtexparser
import pytest
import yaml

from publications.bibtex_import import bibtex_import, bibtex_plan
from publications.enums import PaperStatus, VenueKind
from publications.models import Paper
from tests.conftest import CITATION_QUERIES
from tests.factories import AuthorshipFactory, PaperFactory, PersonFactory, VenueFactory
from tests.publications.exported import HOST, counts, records

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_host")]


def bundles(client, url: str) -> dict[str, dict[str, str]]:
    """folder -> {file name: text} of the zip at ``url``, in the zip's order."""
    response = client.get(url, HTTP_HOST=HOST)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    # Read to its end through the test client, which then closes the response (and its file).
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    found: dict[str, dict[str, str]] = {}
    for name in archive.namelist():
        folder, _, file = name.rpartition("/")
        found.setdefault(folder, {})[file] = archive.read(name).decode()
    return found


def front_matter(index: str) -> tuple[dict, str]:
    assert index.startswith("---\n")
    matter, _, body = index[4:].partition("\n---\n")
    return yaml.safe_load(matter), body


def test_person_download_is_a_zip_of_page_bundles(client, lab_papers):
    response = client.get("/people/qinghao-hu/papers.hugoblox.zip", HTTP_HOST=HOST)
    b"".join(response.streaming_content)

    assert response["Content-Disposition"] == (
        'attachment; filename="qinghao-hu-papers.hugoblox.zip"'
    )
    found = bundles(client, "/people/qinghao-hu/papers.hugoblox.zip")
    # The person's page order, newest first; two files in each bundle.
    assert list(found) == [
        "content/publication/llm-characterization",
        "content/publication/fast-joins",
        "content/publication/unlinked",
    ]
    assert all(set(files) == {"index.md", "cite.bib"} for files in found.values())


def test_front_matter_of_a_featured_conference_paper(client, lab_papers):
    found = bundles(client, "/publications/download.hugoblox.zip")

    matter, body = front_matter(found["content/publication/llm-characterization"]["index.md"])

    assert matter == {
        "title": "Characterization of Large Language Model Development in the Datacenter",
        "authors": ["Qinghao Hu", "Ixeia Sánchez Pérez", "Peng Sun"],
        "author_notes": [
            "Equal contribution",
            "Equal contribution; System/project lead",
            "Corresponding author",
        ],
        "date": "2024-04-01T00:00:00Z",
        "doi": "10.5555/llm-dev",
        "publication_types": ["paper-conference"],
        "publication": "In *USENIX Symposium on Networked Systems Design and Implementation*",
        "publication_short": "In *NSDI*",
        "tags": ["LLM training & serving"],
        "featured": True,
        "url_pdf": "hu-nsdi24.pdf",
        "url_code": "https://github.com/example/acme",
        "url_slides": "https://example.org/slides.pdf",
        "url_poster": "https://example.org/poster.pdf",
        "url_video": "https://example.org/talk",
        "links": [
            {"name": "Paper", "url": "https://www.usenix.org/conference/nsdi24/presentation/hu"},
            {"name": "Website", "url": "https://acme.example.org/"},
            {"name": "arXiv", "url": "https://arxiv.org/abs/2403.07648"},
        ],
    }
    # The public note and the award, as the page's text (Markdown's specials escaped).
    assert body == "\nInvited Submission to USENIX ;login:\n\n**Distinguished Paper Award**\n"


def test_a_journal_article_and_a_paper_without_links(client, lab_papers):
    found = bundles(client, "/publications/download.hugoblox.zip")

    article, _ = front_matter(found["content/publication/fast-joins"]["index.md"])
    unlinked, body = front_matter(found["content/publication/unlinked"]["index.md"])

    assert (article["authors"], article["author_notes"]) == (
        ["Peng Sun", "Qinghao Hu"],
        ["Mentee", ""],
    )
    assert (article["publication_types"], article["publication"]) == (
        ["article-journal"],
        "*Proceedings of the VLDB Endowment*",
    )
    # A year without a month is dated its first of January (Hugo wants a whole date).
    assert (article["featured"], article["date"]) == (False, "2023-01-01T00:00:00Z")
    assert "tags" not in article
    # No marks: no notes; no URL of its own: its page on this site.
    assert "author_notes" not in unlinked
    assert unlinked["links"] == [{"name": "Paper", "url": f"http://{HOST}/papers/unlinked/"}]
    assert body == ""


def test_cite_bib_is_the_entry_of_the_bibtex_export(client, lab_papers):
    found = bundles(client, "/publications/download.hugoblox.zip")
    listed = client.get("/publications/download.bib", HTTP_HOST=HOST).content.decode()

    exported = {e.key: e.fields_dict for e in bibtexparser.parse_string(listed).entries}
    for files in found.values():
        (entry,) = bibtexparser.parse_string(files["cite.bib"]).entries
        assert {name: f.value for name, f in entry.fields_dict.items()} == {
            name: f.value for name, f in exported[entry.key].items()
        }
    assert len(found) == len(exported) == 3


def test_importing_the_cite_bib_files_back_changes_nothing(client, lab_papers, lab_admin):
    found = bundles(client, "/publications/download.hugoblox.zip")
    text = "\n".join(files["cite.bib"] for files in found.values())
    before, records_before = counts(), records()

    plan = bibtex_plan(text)
    result = bibtex_import(text=text, user=lab_admin)

    assert plan.errors == []
    assert [(e.action, e.duplicate_of) for e in plan.entries] == [
        ("duplicate", lab_papers["featured"]),
        ("duplicate", lab_papers["article"]),
        ("duplicate", lab_papers["unlinked"]),
    ]
    assert (result.papers, result.people, result.venues) == ([], [], [])
    assert counts() == before
    assert records() == records_before


def test_a_preprint_and_work_under_review(client):
    arxiv = VenueFactory(name="arXiv", short_name="arXiv", kind=VenueKind.PREPRINT)
    preprint = PaperFactory(
        title="LoongTrain: *Long* Sequences",
        slug="loongtrain",
        venue=arxiv,
        year=None,
        status=PaperStatus.PREPRINT,
        arxiv_id="2406.18485",
    )
    AuthorshipFactory(paper=preprint, person=PersonFactory(name="Plato"))
    review = PaperFactory(
        title="Under Review", slug="under-review", venue=None, status=PaperStatus.UNDER_REVIEW
    )
    AuthorshipFactory(paper=review, person=PersonFactory(name="Ada Lovelace"))

    found = bundles(client, "/publications/download.hugoblox.zip")

    matter, _ = front_matter(found["content/publication/loongtrain"]["index.md"])
    assert {key: matter[key] for key in ("title", "authors", "publication_types")} == {
        "title": "LoongTrain: *Long* Sequences",
        "authors": ["Plato"],
        "publication_types": ["article"],
    }
    assert "date" not in matter
    assert matter["publication"] == "*arXiv*"
    assert matter["links"][-1] == {"name": "arXiv", "url": "https://arxiv.org/abs/2406.18485"}
    matter, body = front_matter(found["content/publication/under-review"]["index.md"])
    assert "publication" not in matter and body == "\nUnder review.\n"


def test_private_fields_and_curators_notes_stay_out(client, lab_papers):
    hu = lab_papers["hu"]
    hu.phone, hu.address, hu.birth_date = (
        "+41 44 555 01 99",
        "Rämistrasse 101",
        datetime.date(1990, 5, 17),
    )
    hu.save()
    Paper.objects.filter(pk=lab_papers["featured"].pk).update(curator_note="ask Peng first")

    found = bundles(client, "/people/qinghao-hu/papers.hugoblox.zip")

    every = "".join(text for files in found.values() for text in files.values())
    for private in ("+41 44 555 01 99", "Rämistrasse", "1990-05-17", "ask Peng first"):
        assert private not in every


@pytest.mark.parametrize("more", [0, 4])
def test_hugoblox_download_runs_constant_queries(
    client, django_assert_num_queries, list_length, lab_papers, more
):
    for _ in range(more):
        AuthorshipFactory(paper=PaperFactory(), person=lab_papers["hu"], position=1)

    # The person; tests.conftest.CITATION_QUERIES and the awards, however many papers.
    with django_assert_num_queries(1 + CITATION_QUERIES[list_length] + 1):
        response = client.get("/people/qinghao-hu/papers.hugoblox.zip", HTTP_HOST=HOST)
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))

    assert len(archive.namelist()) == 2 * (3 + more)


def test_the_same_records_give_the_same_bytes(client, lab_papers):
    made = [
        b"".join(client.get("/publications/download.hugoblox.zip").streaming_content)
        for _ in range(2)
    ]

    assert made[0] == made[1]


def test_download_links_offer_hugoblox(client, lab_papers):
    person = client.get("/people/qinghao-hu/").content.decode()
    listing = client.get("/publications/").content.decode()

    assert '<a href="/people/qinghao-hu/papers.hugoblox.zip" download>Hugo Blox</a>' in person
    assert '<a href="/publications/download.hugoblox.zip" download>Hugo Blox</a>' in listing
