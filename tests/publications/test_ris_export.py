"""The RIS download of paper lists (publications.ris, publications.exports)."""

import re

import pytest
import rispy

from publications.enums import PaperStatus, VenueKind
from publications.exports import RIS_CONTENT_TYPE
from publications.models import Paper
from publications.ris import papers_to_ris
from tests.conftest import CITATION_QUERIES, assert_no_private_data
from tests.factories import (
    AuthorshipFactory,
    KeywordFactory,
    PaperFactory,
    PersonFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db


def full_paper() -> Paper:
    nsdi = VenueFactory(
        name="USENIX Symposium on Networked Systems Design and Implementation",
        short_name="NSDI",
        slug="nsdi",
        kind=VenueKind.CONFERENCE,
    )
    paper = PaperFactory(
        title="Characterization of Large Language Model Development in the Datacenter",
        slug="llm-development-2024",
        venue=nsdi,
        year=2024,
        month=4,
        doi="10.5555/3691825.3691864",
        arxiv_id="2403.07648",
        url="https://www.usenix.org/conference/nsdi24/presentation/hu",
        pdf_url="https://www.usenix.org/system/files/nsdi24-hu.pdf",
        code_url="https://github.com/InternLM/AcmeTrace",
        abstract="Large Language Models (LLMs) have presented\nimpressive performance.",
        note="Invited to ;login:",
        volume="1",
        number="2",
        pages="709–729",
        publisher="USENIX Association",
        series="NSDI '24",
        isbn="978-1-939133-39-7",
        event_place="Santa Clara, CA",
        event_dates="April 16–18, 2024",
    )
    AuthorshipFactory(
        paper=paper,
        person=PersonFactory(name="Qinghao Hu", given_name="Qinghao", family_name="Hu"),
        position=1,
        equal_contribution=True,
    )
    AuthorshipFactory(
        paper=paper,
        person=PersonFactory(
            name="Ixeia Sánchez Pérez", given_name="Ixeia", family_name="Sánchez Pérez"
        ),
        position=2,
        printed_name="I. Sánchez Pérez",
    )
    AuthorshipFactory(paper=paper, person=PersonFactory(name="Plato"), position=3)
    paper.keywords.add(KeywordFactory(name="GPU clusters"), KeywordFactory(name="LLM"))
    return paper


def test_papers_to_ris_writes_every_citation_field_without_record_numbers():
    full_paper()

    text = papers_to_ris(Paper.objects.for_list())

    assert text == (
        "TY  - CONF\n"
        "ID  - hu2024characterization\n"
        "TI  - Characterization of Large Language Model Development in the Datacenter\n"
        "AU  - Hu, Qinghao\n"
        "AU  - Pérez, I. Sánchez\n"
        "AU  - Plato\n"
        "T2  - USENIX Symposium on Networked Systems Design and Implementation\n"
        "J2  - NSDI\n"
        "PY  - 2024\n"
        "DA  - 2024/04//\n"
        "VL  - 1\n"
        "IS  - 2\n"
        "SP  - 709\n"
        "EP  - 729\n"
        "PB  - USENIX Association\n"
        "T3  - NSDI '24\n"
        "SN  - 978-1-939133-39-7\n"
        "C1  - Santa Clara, CA\n"
        "DO  - 10.5555/3691825.3691864\n"
        "UR  - https://www.usenix.org/conference/nsdi24/presentation/hu\n"
        "UR  - https://arxiv.org/abs/2403.07648\n"
        "L1  - https://www.usenix.org/system/files/nsdi24-hu.pdf\n"
        "KW  - GPU clusters\n"
        "KW  - LLM\n"
        "AB  - Large Language Models (LLMs) have presented impressive performance.\n"
        "ER  - \n"
    )
    # What every RIS reader sees: rispy reads the one record back.
    (record,) = rispy.loads(text)
    assert record["authors"] == ["Hu, Qinghao", "Pérez, I. Sánchez", "Plato"]
    assert record["urls"] == [
        "https://www.usenix.org/conference/nsdi24/presentation/hu",
        "https://arxiv.org/abs/2403.07648",
    ]


def test_ris_types_status_and_venue_follow_the_bibtex_export():
    arxiv = VenueFactory(name="arXiv", short_name="arXiv", kind=VenueKind.PREPRINT)
    journal = VenueFactory(
        name="Proceedings of the VLDB Endowment", short_name="PVLDB", kind=VenueKind.JOURNAL
    )
    PaperFactory(
        title="A Preprint",
        slug="a",
        venue=arxiv,
        year=None,
        status=PaperStatus.PREPRINT,
        arxiv_id="2406.18485",
    )
    PaperFactory(
        title="B Under Review", slug="b", venue=journal, year=2025, status=PaperStatus.UNDER_REVIEW
    )
    PaperFactory(
        title="C Accepted",
        slug="c",
        venue=journal,
        year=2025,
        month=11,
        status=PaperStatus.ACCEPTED,
        pages="12",
        article_number="e7",
        issn="2150-8097",
    )

    records = rispy.loads(papers_to_ris(Paper.objects.for_list().order_by("slug")))

    assert [
        (r["type_of_reference"], r["title"], r.get("secondary_title"), r.get("notes"))
        for r in records
    ] == [
        ("GEN", "A Preprint", "arXiv", None),
        ("GEN", "B Under Review", None, ["Under review"]),
        ("JOUR", "C Accepted", "Proceedings of the VLDB Endowment", ["To appear"]),
    ]
    assert records[0]["urls"] == ["https://arxiv.org/abs/2406.18485"]
    assert "year" not in records[0]
    assert (records[2]["start_page"], records[2]["custom7"], records[2]["issn"]) == (
        "12",
        "e7",
        "2150-8097",
    )


def test_ris_download_of_the_publication_list(client):
    full_paper()
    PaperFactory(title="Other Paper", slug="other", year=2023)

    response = client.get("/publications/download.ris", {"year_min": "2024"})

    assert response.status_code == 200
    assert response["Content-Type"] == RIS_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="publications.ris"'
    text = response.content.decode()
    assert [r["title"] for r in rispy.loads(text)] == [
        "Characterization of Large Language Model Development in the Datacenter"
    ]
    assert not re.search(r"^[0-9]+\.$", text, re.M)


def test_ris_downloads_of_a_person_and_a_venue(client):
    person = PersonFactory(slug="qinghao-hu")
    venue = VenueFactory(slug="osdi")
    theirs = PaperFactory(slug="theirs", title="Theirs")
    AuthorshipFactory(paper=theirs, person=person)
    PaperFactory(slug="at-venue", title="At Venue", venue=venue)

    by_person = client.get("/people/qinghao-hu/papers.ris")
    at_venue = client.get("/venues/osdi/papers.ris")

    assert [r["title"] for r in rispy.loads(by_person.content.decode())] == ["Theirs"]
    assert [r["title"] for r in rispy.loads(at_venue.content.decode())] == ["At Venue"]


def test_ris_download_never_holds_private_fields(client, private_person):
    paper = PaperFactory(title="Private Author Paper", year=2024)
    AuthorshipFactory(paper=paper, person=private_person)

    response = client.get("/people/pat-private/papers.ris")

    assert response.status_code == 200
    assert "AU  - Private, Pat" in response.content.decode()
    assert_no_private_data(response.content)


@pytest.mark.parametrize("item_count", [1, 20])
def test_ris_download_runs_a_constant_number_of_queries(
    client, item_count, list_length, django_assert_num_queries
):
    venue = VenueFactory()
    for n in range(item_count):
        paper = PaperFactory(venue=venue, doi=f"10.9999/q.{n}")
        AuthorshipFactory(paper=paper, person=PersonFactory())
        AuthorshipFactory(paper=paper, person=PersonFactory())
        paper.keywords.add(KeywordFactory())

    # tests.conftest.CITATION_QUERIES.
    with django_assert_num_queries(CITATION_QUERIES[list_length]):
        response = client.get("/publications/download.ris")

    assert len(rispy.loads(response.content.decode())) == item_count


def test_list_pages_link_the_ris_download(client):
    venue = VenueFactory(slug="nsdi")
    person = PersonFactory(slug="qinghao-hu")
    AuthorshipFactory(paper=PaperFactory(venue=venue), person=person)

    pages = {
        "/publications/": "/publications/download.ris",
        "/venues/nsdi/": "/venues/nsdi/papers.ris",
        "/people/qinghao-hu/": "/people/qinghao-hu/papers.ris",
    }
    for page, link in pages.items():
        content = client.get(page).content.decode()
        assert re.findall(rf'<a href="({re.escape(link)}[^"]*)" download>RIS</a>', content) == [
            link
        ], page


def test_the_streamed_file_is_what_rispy_writes_of_the_records(
    django_assert_num_queries, list_length
):
    """ris_export writes record by record what rispy.dumps writes of the whole list, in a
    constant number of queries, read whole or streamed; model instances give the same file."""
    from publications.bibtex import cited_paper, records_key_pass
    from publications.ris import LabRisWriter, ris_export, ris_record

    full_paper()
    venue = VenueFactory(kind=VenueKind.JOURNAL)
    for n in range(5):
        paper = PaperFactory(title=f"Streamed {n}", venue=venue, year=2020 + n, pages="1–9")
        AuthorshipFactory(paper=paper, position=1)
    papers = Paper.objects.order_by("slug")
    records = [cited_paper(p) for p in papers.for_list()]
    keys = records_key_pass(records).keys
    expected = rispy.dumps(
        [ris_record(p, key=keys[p.pk]) for p in records], implementation=LabRisWriter
    )

    with django_assert_num_queries(CITATION_QUERIES[list_length]):
        count, chunks = ris_export(papers)
        text = "".join(chunks)

    assert count == 6 and text == expected
    assert text.count("ER  - ") == 6 and text.endswith("ER  - \n")
    assert papers_to_ris(list(papers.for_list())) == text
    assert papers_to_ris(Paper.objects.none()) == rispy.dumps([]) == ""
