"""Curators' notes stay with the curators: the `note` of a person, role, institution and venue
and a paper's `curator_note` are on no public page, feed or download, for any user; a paper's
public `note` is on its page. (The admin and the whole-lab workbook carry the curators' notes:
they are for lab admins, and tested with them.)"""

import csv
import io
import re
import zipfile
from urllib.parse import urlsplit

import pytest

from lab.workbook import write_workbook
from publications.enums import PaperStatus, VenueKind
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    PaperAwardFactory,
    PaperFactory,
    PersonFactory,
    RoleFactory,
    ServiceFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

# One distinctive text per curators' note; any of them in a response is a leak.
NOTES = {
    "lab": "qzxnote-lab",
    "university": "qzxnote-university",
    "publisher": "qzxnote-publisher",
    "venue": "qzxnote-venue",
    "member": "qzxnote-member",
    "advisor": "qzxnote-advisor",
    "coauthor": "qzxnote-coauthor",
    "role": "qzxnote-role",
    "advised-role": "qzxnote-advised-role",
    "paper": "qzxnote-paper",
    "preprint": "qzxnote-preprint",
}
LEAK = re.compile(r"qzxnote-[a-z-]+")
PUBLIC_NOTE = "Invited to ;login:"


@pytest.fixture
def curated(settings):
    """A lab whose every record has a curators' note: the lab and its university, a venue and
    its publisher, a current member with a role advised by a professor, a co-author, a paper
    (with a public note too) and its preprint."""
    university = InstitutionFactory(slug="hkust", short_name="HKUST", note=NOTES["university"])
    lab = InstitutionFactory(
        slug="the-lab", short_name="The Lab", kind="lab", parent=university, note=NOTES["lab"]
    )
    settings.LAB_INSTITUTION = lab.slug
    publisher = InstitutionFactory(slug="usenix", short_name="USENIX", note=NOTES["publisher"])
    venue = VenueFactory(
        slug="nsdi",
        short_name="NSDI",
        name="Networked Systems",
        publisher=publisher,
        note=NOTES["venue"],
    )
    arxiv = VenueFactory(slug="arxiv", short_name="arXiv", kind=VenueKind.PREPRINT)
    member = PersonFactory(name="Alice Chen", slug="alice", note=NOTES["member"])
    advisor = PersonFactory(name="Kai Prof", slug="kai", note=NOTES["advisor"])
    coauthor = PersonFactory(name="Bob Li", slug="bob", note=NOTES["coauthor"])
    RoleFactory(person=member, institution=lab, end_year=None, note=NOTES["role"])
    RoleFactory(
        person=member,
        institution=university,
        kind="education",
        title="Ph.D. student",
        end_year=None,
        note=NOTES["advised-role"],
    ).advisors.add(advisor)
    RoleFactory(person=advisor, institution=lab, title="Professor", end_year=None)
    paper = PaperFactory(
        title="Fast Collectives",
        slug="fast",
        venue=venue,
        year=2024,
        abstract="We make collectives fast.",
        note=PUBLIC_NOTE,
        curator_note=NOTES["paper"],
        selected=True,
    )
    preprint = PaperFactory(
        title="Fast Collectives Preprint",
        slug="fast-arxiv",
        venue=arxiv,
        year=2023,
        status=PaperStatus.PREPRINT,
        curator_note=NOTES["preprint"],
        published_version=paper,
    )
    for version in (paper, preprint):
        AuthorshipFactory(paper=version, person=member, position=1).affiliations.add(lab)
        AuthorshipFactory(paper=version, person=coauthor, position=2)
    PaperAwardFactory(paper=paper, title="Best Paper Award")
    ServiceFactory(person=member, venue=venue, note="Artifact evaluation")
    return {"member": member}


@pytest.fixture(params=["visitor", "member", "lab_admin"])
def viewer(request, client):
    if request.param != "visitor":
        client.force_login(request.getfixturevalue(request.param))
    return client


def xlsx_text(content: bytes) -> str:
    """Every XML part of an XLSX file (the sheets and the shared strings), unzipped."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        parts = [name for name in archive.namelist() if name.endswith(".xml")]
        assert any(name.startswith("xl/worksheets/") for name in parts)
        return "".join(archive.read(name).decode() for name in parts)


def body_text(response, url: str) -> str:
    """What a response carries, as text (an XLSX unzipped)."""
    assert response.status_code == 200, url
    if urlsplit(url).path.endswith(".xlsx"):
        return xlsx_text(response.content)
    return response.content.decode("utf-8-sig")


def test_the_lab_admins_workbook_carries_every_curators_note(curated):
    """The control of the tests below: every note is recorded, and found by the same reader
    where it belongs (the whole-lab workbook is for lab admins)."""
    buffer = io.BytesIO()
    write_workbook(buffer, fmt="xlsx")

    assert sorted(set(LEAK.findall(xlsx_text(buffer.getvalue())))) == sorted(NOTES.values())


# Each URL with a text it must show, so that a test reading the wrong thing fails.
PAGES = {
    "/": "Alice Chen",
    "/publications/": "Fast Collectives",
    "/publications/selected/": "Fast Collectives",
    "/publications/?year_max=2023": "Fast Collectives Preprint",
    "/people/": "Alice Chen",
    "/people/?group=all": "Bob Li",
    "/people/alice/": "Alice Chen",
    "/people/kai/": "Kai Prof",
    "/people/bob/": "Bob Li",
    "/papers/fast/": PUBLIC_NOTE,
    "/papers/fast-arxiv/": "Fast Collectives Preprint",
    "/venues/": "Networked Systems",
    "/venues/nsdi/": "Fast Collectives",
    "/venues/arxiv/": "Fast Collectives Preprint",
    "/institutions/": "HKUST",
    "/institutions/hkust/": "Fast Collectives",
    "/institutions/the-lab/": "Alice Chen",
    "/institutions/usenix/": "USENIX",
    "/search/?q=fast": "Fast Collectives",
    "/search/?q=alice": "Alice Chen",
    "/search/?q=hkust": "HKUST",
    "/search/?q=nsdi": '<a href="/venues/nsdi/">NSDI</a>',
}
FEEDS = {
    "/publications/feed/": "Fast Collectives",
    "/people/alice/feed/": "Fast Collectives",
}
PAPER_FORMATS = ("csv", "xlsx", "bib", "json")
DOWNLOADS = {
    **{f"/publications/download.{fmt}": "Fast Collectives" for fmt in PAPER_FORMATS},
    **{f"/publications/download.{fmt}?year_max=2023": "Preprint" for fmt in PAPER_FORMATS},
    **{f"/people/alice/papers.{fmt}": "Fast Collectives" for fmt in PAPER_FORMATS},
    **{f"/venues/nsdi/papers.{fmt}": "Fast Collectives" for fmt in PAPER_FORMATS},
    **{f"/venues/arxiv/papers.{fmt}": "Preprint" for fmt in PAPER_FORMATS},
    "/papers/fast.bib": "Fast Collectives",
    "/papers/fast-arxiv.bib": "Preprint",
    "/people/download.csv": "Alice Chen",
    "/people/download.xlsx": "Alice Chen",
    "/people/download.csv?group=all": "Kai Prof",
    "/people/download.xlsx?group=all": "Bob Li",
}


@pytest.mark.parametrize(("url", "shown"), [*PAGES.items(), *FEEDS.items(), *DOWNLOADS.items()])
def test_no_curators_note_on_any_public_page_feed_or_download(viewer, curated, url, shown):
    text = body_text(viewer.get(url), url)

    assert shown in text
    assert LEAK.findall(text) == []


def test_the_members_own_profile_and_its_edit_page_show_no_curators_note(client, member, curated):
    curated["member"].user = member
    curated["member"].save()
    client.force_login(member)

    profile = body_text(client.get("/people/alice/"), "/people/alice/")
    edit = body_text(client.get("/people/alice/edit/"), "/people/alice/edit/")

    assert 'href="/people/alice/edit/"' in profile
    assert "Alice Chen" in edit
    assert LEAK.findall(profile) == []
    assert LEAK.findall(edit) == []


def test_the_paper_page_shows_the_public_note_under_note(client, curated):
    content = client.get("/papers/fast/").content.decode()

    note = re.search(r'<section aria-labelledby="note-heading">(.*?)</section>', content, re.S)
    assert " ".join(note.group(1).split()) == (
        f'<h2 id="note-heading">Note</h2> <div class="prose"><p>{PUBLIC_NOTE}</p></div>'
    )
    assert LEAK.findall(content) == []


def test_a_paper_with_only_a_curators_note_has_no_note_section(client, curated):
    content = client.get("/papers/fast-arxiv/").content.decode()

    assert 'id="note-heading"' not in content
    assert LEAK.findall(content) == []


def test_paper_spreadsheets_carry_the_public_note_not_the_curators_note(client, curated):
    response = client.get("/publications/download.csv?year_min=2000")

    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert [(row["slug"], row["note"]) for row in rows] == [("fast", PUBLIC_NOTE)]
    assert "curator_note" not in rows[0]


@pytest.mark.parametrize(
    ("url", "found"),
    [
        ("/publications/", lambda r: r.context["page"].paginator.count),
        ("/people/", lambda r: r.context["page"].paginator.count),
        ("/venues/", lambda r: len(r.context["venues"])),
        ("/institutions/", lambda r: r.context["page"].paginator.count),
    ],
)
def test_list_searches_do_not_match_curators_notes(client, curated, url, found):
    for note in NOTES.values():
        response = client.get(url, {"q": note, "group": "all"})
        assert response.status_code == 200
        assert found(response) == 0, note


def test_site_search_does_not_match_curators_notes(client, curated):
    for note in NOTES.values():
        response = client.get("/search/", {"q": note})
        assert response.context["total"] == 0, note
        assert f"<p>Nothing matches “{note}”.</p>" in response.content.decode()
