"""What the load test asks for, drawn from the lab in the database before the run.

- ``Lab``: the slugs and sizes the pages are drawn from (read once, so no client queries the
  database while the server is measured).
- ``PAGE_KINDS``: the mix of a visitor's or member's requests, each kind with its share and a
  function that draws one address of it.
- ``Edit``: a lab admin's edit of one paper, with the values the paper must hold afterwards.
- ``ImportFile``: a BibTeX file of new papers, with what each must be after its import.

Everything is drawn from one ``random.Random(seed)``, so two runs with the same seed ask for
the same things in the same order per user (their timing, so which answers come from the page
cache, still differs).
"""

from __future__ import annotations

import math
import random
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count

from devtools.synthetic.vocabulary import FAMILY_NAMES, GIVEN_NAMES
from people.matching import PersonMatcher
from people.models import Institution, Person
from publications.enums import PaperStatus, VenueKind
from publications.models import Authorship, Paper, Venue
from publications.views import PAPERS_PER_PAGE

PEOPLE_PER_PAGE = 60  # people.views.PEOPLE_PER_PAGE
PAPER_FORMATS = ("csv", "xlsx", "bib")
PEOPLE_FORMATS = ("csv", "xlsx")
#: Papers per BibTeX import, and the new people their bylines may name (each file mixes them
#: with people already in the lab, so an import both matches and creates people).
IMPORT_ENTRIES = 100
NEW_NAMES = 40


@dataclass(frozen=True)
class Lab:
    """The records pages are drawn from."""

    people: tuple[str, ...]
    lab_people: tuple[str, ...]  # current members and alumni: what most visitors look up
    papers: tuple[str, ...]
    venues: tuple[str, ...]
    years: tuple[int, int]
    list_pages: int  # pages of the publication list
    people_pages: int  # pages of the people list's "everyone" tab


def read_lab() -> Lab:
    lab = Institution.objects.filter(slug=settings.LAB_INSTITUTION).first()
    people = tuple(Person.objects.order_by("pk").values_list("slug", flat=True))
    lab_people = (
        tuple(Person.objects.lab_members(lab).order_by("pk").values_list("slug", flat=True))
        if lab is not None
        else ()
    )
    papers = tuple(Paper.objects.order_by("pk").values_list("slug", flat=True))
    years = sorted(y for y in Paper.objects.values_list("year", flat=True).distinct() if y)
    return Lab(
        people=people,
        lab_people=lab_people or people,
        papers=papers,
        venues=tuple(Venue.objects.order_by("pk").values_list("slug", flat=True)),
        years=(years[0], years[-1]) if years else (2000, 2025),
        list_pages=max(1, math.ceil(len(papers) / PAPERS_PER_PAGE)),
        people_pages=max(1, math.ceil(len(people) / PEOPLE_PER_PAGE)),
    )


# -- The pages ---------------------------------------------------------------------------------


def _query(path: str, **params) -> str:
    return f"{path}?{urllib.parse.urlencode(params)}" if params else path


def _person(lab: Lab, rng: random.Random) -> str:
    # Half the profiles asked for are the lab's own people, half anyone (a co-author found
    # through a paper or a search engine).
    return rng.choice(lab.lab_people if rng.random() < 0.5 else lab.people)


def _filters(lab: Lab, rng: random.Random) -> dict[str, str]:
    """One of the filters a visitor sets on the publication list."""
    choice = rng.randrange(6)
    year = str(rng.randint(*lab.years))
    if choice == 0:
        return {"venue": rng.choice(lab.venues), "year_min": year}
    if choice == 1:
        return {"kind": rng.choice(VenueKind.values)}
    if choice == 2:
        return {"status": rng.choice(PaperStatus.values)}
    if choice == 3:
        return {"person": _person(lab, rng)}
    if choice == 4:
        return {"year_min": year, "year_max": year, "sort": rng.choice(["title", "oldest"])}
    return {"q": rng.choice(GIVEN_NAMES + FAMILY_NAMES)}


def _people_list(lab: Lab, rng: random.Random) -> str:
    group = rng.choice(["", "all", "alumni", "coauthors"])
    if group == "all" and rng.random() < 0.5:
        return _query("/people/", group="all", page=rng.randint(2, max(2, lab.people_pages)))
    return _query("/people/", group=group) if group else "/people/"


def _deep_page(lab: Lab, rng: random.Random) -> str:
    return _query("/publications/", page=rng.randint(2, max(2, lab.list_pages)))


#: Every whole-list download: the publication list's (the heaviest) and everyone's.
WHOLE_LISTS = (
    *(f"/publications/download.{fmt}" for fmt in PAPER_FORMATS),
    *(_query(f"/people/download.{fmt}", group="all") for fmt in PEOPLE_FORMATS),
)


def _whole_list_download(lab: Lab, rng: random.Random) -> str:
    return rng.choice(WHOLE_LISTS)


def _filtered_download(lab: Lab, rng: random.Random) -> str:
    choice = rng.randrange(3)
    fmt = rng.choice(PAPER_FORMATS)
    if choice == 0:
        return _query(f"/publications/download.{fmt}", **_filters(lab, rng))
    if choice == 1:
        return f"/people/{_person(lab, rng)}/papers.{fmt}"
    return f"/venues/{rng.choice(lab.venues)}/papers.{fmt}"


@dataclass(frozen=True)
class PageKind:
    name: str
    share: int  # requests of this kind per 1,000 of a visitor's or member's
    draw: Callable[[Lab, random.Random], str]
    download: bool = False  # an attachment, not a page (and limited for visitors)


#: A visitor's and a member's mix. Most requests are for papers and profiles (links from search
#: engines and from other pages); whole-list downloads are rare: a visitor may make only
#: DOWNLOAD_RATE_LIMIT of them in DOWNLOAD_RATE_WINDOW seconds, and each costs seconds.
PAGE_KINDS = (
    PageKind("home", 80, lambda lab, rng: "/"),
    PageKind("people list", 80, _people_list),
    PageKind("publications, page 1", 80, lambda lab, rng: "/publications/"),
    PageKind(
        "publications, filtered",
        120,
        lambda lab, rng: _query("/publications/", **_filters(lab, rng)),
    ),
    PageKind("publications, deep page", 80, _deep_page),
    PageKind("profile", 220, lambda lab, rng: f"/people/{_person(lab, rng)}/"),
    PageKind("paper", 328, lambda lab, rng: f"/papers/{rng.choice(lab.papers)}/"),
    PageKind("download, filtered list", 10, _filtered_download, download=True),
    PageKind("download, whole list", 2, _whole_list_download, download=True),
)
assert sum(kind.share for kind in PAGE_KINDS) == 1000  # noqa: S101 - a table kept whole


def burst_paths(kind: PageKind, lab: Lab, rng: random.Random, count: int) -> list[str]:
    """``count`` addresses of ``kind`` to ask for at once; the whole-list downloads in turn
    (each once before any twice), not the heaviest of them ``count`` times."""
    if kind.draw is _whole_list_download:
        return [WHOLE_LISTS[number % len(WHOLE_LISTS)] for number in range(count)]
    return [kind.draw(lab, rng) for _number in range(count)]


def draw_page(lab: Lab, rng: random.Random) -> tuple[PageKind, str]:
    kind = rng.choices(PAGE_KINDS, weights=[k.share for k in PAGE_KINDS])[0]
    return kind, kind.draw(lab, rng)


# -- The lab admin's edits ---------------------------------------------------------------------


@dataclass
class Edit:
    """One edit of a paper through its admin change form: a new title and public note, and the
    first two authors swapped (so the byline service rewrites the author rows). ``authors`` are
    the person ids in byline order before the edit."""

    paper_id: int
    title: str
    note: str
    authors: list[int]
    new_title: str = ""
    new_note: str = ""
    #: "" (not sent), "saved" (302), "refused" (the form again, with errors: nothing saved) or
    #: "unknown" (no answer, or a 5xx: saved whole or not at all)
    outcome: str = ""

    @property
    def form_path(self) -> str:
        return f"/admin/publications/paper/{self.paper_id}/change/"

    @property
    def new_authors(self) -> list[int]:
        return [self.authors[1], self.authors[0], *self.authors[2:]]


def edits(count: int, *, token: str, rng: random.Random) -> list[Edit]:
    """``count`` papers with at least two authors, each to be edited once, in random order."""
    eligible = list(
        Paper.objects.annotate(author_total=Count("authorships"))
        .filter(author_total__gte=2)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chosen = rng.sample(eligible, min(count, len(eligible)))
    papers = Paper.objects.in_bulk(chosen)
    authors: dict[int, list[int]] = {pk: [] for pk in chosen}
    rows = Authorship.objects.filter(paper_id__in=chosen).order_by("paper_id", "position")
    for paper_id, person_id in rows.values_list("paper_id", "person_id"):
        authors[paper_id].append(person_id)
    planned = []
    for number, pk in enumerate(chosen, start=1):
        paper = papers[pk]
        planned.append(
            Edit(
                paper_id=pk,
                title=paper.title,
                note=paper.note,
                authors=authors[pk],
                new_title=f"{paper.title[:440]} (load test {token}, edit {number})",
                new_note=f"Edited by the load test {token} (edit {number}).",
            )
        )
    return planned


# -- The lab admin's imports -------------------------------------------------------------------


@dataclass
class ImportEntry:
    doi: str
    title: str
    year: int
    authors: list[str]  # the names, in byline order


@dataclass
class ImportFile:
    number: int
    venue: str  # the booktitle of every entry: an existing venue's name
    entries: list[ImportEntry] = field(default_factory=list)
    #: "" (never confirmed), "imported" (302) or "unknown" (a confirmation without a redirect
    #: back: imported whole or not at all)
    outcome: str = ""

    def bibtex(self) -> str:
        return "\n".join(
            f"@inproceedings{{load{self.number}x{n},\n"
            f"  author = {{{' and '.join(entry.authors)}}},\n"
            f"  title = {{{entry.title}}},\n"
            f"  booktitle = {{{self.venue}}},\n"
            f"  year = {{{entry.year}}},\n"
            f"  doi = {{{entry.doi}}},\n}}\n"
            for n, entry in enumerate(self.entries)
        )


def unique_names(rng: random.Random, count: int) -> list[str]:
    """Names of ``count`` people of the lab that a byline resolves to exactly one person (no
    namesake, no alias in common), so an import matches them without asking."""
    matcher = PersonMatcher.from_database()
    people = list(Person.objects.filter(match_by_name=True).only("id", "name", "slug", "aliases"))
    rng.shuffle(people)
    names = []
    for person in people:
        if matcher.is_unambiguous(person.name, person) and ";" not in person.name:
            names.append(person.name)
            if len(names) == count:
                break
    return names


def import_files(count: int, *, token: str, rng: random.Random) -> list[ImportFile]:
    """``count`` BibTeX files of IMPORT_ENTRIES new papers each (titles and DOIs of this run),
    bylines of three to five people: some of the lab, some new to it (the same new names recur
    across files, so later files match people the earlier ones created)."""
    known = unique_names(rng, 200)
    new = [
        f"{rng.choice(GIVEN_NAMES)} Loadtest{token.capitalize()}{number}"
        for number in range(NEW_NAMES)
    ]
    venues = list(Venue.objects.order_by("pk").values_list("name", flat=True)) or ["Workshop"]
    low, high = 2000, 2025
    files = []
    for number in range(1, count + 1):
        upload = ImportFile(number=number, venue=rng.choice(venues))
        for n in range(IMPORT_ENTRIES):
            names = rng.sample(known, rng.randint(1, 3)) + rng.sample(new, rng.randint(1, 2))
            rng.shuffle(names)
            upload.entries.append(
                ImportEntry(
                    doi=f"10.5555/load.{token}.{number}.{n}",
                    title=f"Load Test {token.upper()} File {number} Paper {n}: "
                    f"{rng.choice(FAMILY_NAMES)} Scheduling at Scale",
                    year=rng.randint(low, high),
                    authors=names,
                )
            )
        files.append(upload)
    return files
