"""The data-health report: where the lab's records are weak (``/admin/data-health/``).

Each check is a ``Section``: a title, what it means, how many records it finds, and a row per
problem linking to the record's admin page (and, for suspected duplicates, to the merge page).
Every check runs a fixed number of queries whatever the size of the data: rows are read as
plain values, the duplicate suggestions come from the detectors of ``people.duplicates`` and
``publications.duplicates``, and printed names are compared with rapidfuzz in memory.
The page shows the first ``SHOWN`` rows of each section; the CSV download has them all.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from lab.core.spreadsheets import csv_bytes
from people import duplicates as people_duplicates
from people.models import Award, Institution, Person, Role
from people.names import split_lines
from publications import duplicates as publication_duplicates
from publications.enums import PaperStatus
from publications.models import Authorship, Paper, Service, Venue

#: Rows of a section shown on the page (the CSV has every row).
SHOWN = 100
#: A printed name scoring below this against every spelling of its person's name is flagged.
PRINTED_NAME_SCORE = 60


@dataclass(frozen=True)
class Row:
    label: str
    url: str
    detail: str = ""
    merge_url: str = ""


@dataclass
class Section:
    key: str
    title: str
    help: str
    rows: list[Row] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def shown(self) -> list[Row]:
        return self.rows[:SHOWN]

    @property
    def hidden(self) -> int:
        return max(0, self.count - SHOWN)


@functools.cache
def _change_url_parts(label: str) -> tuple[str, str]:
    app_label, model_name = label.split(".")
    url = reverse(f"admin:{app_label}_{model_name}_change", args=[987654321])
    before, _, after = url.partition("987654321")
    return before, after


def _change_url(model, pk) -> str:
    """The record's admin change page; the URL pattern is reversed once per model (a section
    can hold thousands of rows)."""
    before, after = _change_url_parts(model._meta.label_lower)
    return f"{before}{pk}{after}"


def _merge_url(model, first, second) -> str:
    base = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_merge")
    return f"{base}?ids={min(first, second)},{max(first, second)}"


# --- suspected duplicates -----------------------------------------------------------------------

_DUPLICATES = {
    "person": (Person, people_duplicates.suggest_people, "people"),
    "institution": (Institution, people_duplicates.suggest_institutions, "institutions"),
    "venue": (Venue, publication_duplicates.suggest_venues, "venues"),
    "paper": (Paper, publication_duplicates.suggest_papers, "papers"),
}


def _duplicates(kind: str) -> Section:
    model, suggest, plural = _DUPLICATES[kind]
    section = Section(
        f"duplicate-{kind}s",
        f"Suspected duplicate {plural}",
        "Pairs that may be one record entered twice, with the evidence; merge them, or mark "
        "them as not the same (kept apart) on either record's page so they are not suggested "
        "again.",
    )
    for suggestion in suggest():
        first, second = suggestion.first, suggestion.second
        section.rows.append(
            Row(
                label=f"{first} / {second}",
                url=_change_url(model, first.pk),
                detail=f"score {suggestion.score:.0f}: " + "; ".join(suggestion.evidence),
                merge_url=_merge_url(model, first.pk, second.pk),
            )
        )
    return section


def _versions() -> Section:
    section = Section(
        "versions",
        "A preprint and its published paper, not linked",
        "Pairs that look like two versions of one work: set the preprint's published version "
        "so lists show the work once.",
    )
    for suggestion in publication_duplicates.suggest_versions():
        preprint, published = suggestion.first, suggestion.second
        section.rows.append(
            Row(
                label=f"{preprint} → {published}",
                url=_change_url(Paper, preprint.pk),
                detail=f"score {suggestion.score:.0f}: " + "; ".join(suggestion.evidence),
            )
        )
    return section


# --- weak records -------------------------------------------------------------------------------


def _incomplete_papers() -> Section:
    section = Section(
        "incomplete-bylines",
        "Papers whose author list is incomplete",
        "The sources list only some of the authors (“et al.”): complete the byline when a "
        "source gives it.",
    )
    papers = Paper.objects.filter(authors_complete=False).order_by("title", "pk")
    for pk, title, year in papers.values_list("pk", "title", "year"):
        section.rows.append(Row(title, _change_url(Paper, pk), str(year or "")))
    return section


def _published_without() -> Section:
    section = Section(
        "published-missing",
        "Published papers without a venue, a year or a DOI",
        "A published paper is found and cited by these.",
    )
    papers = Paper.objects.filter(status=PaperStatus.PUBLISHED).filter(
        Q(venue__isnull=True) | Q(year__isnull=True) | Q(doi="")
    )
    rows = papers.order_by("title", "pk").values_list("pk", "title", "venue_id", "year", "doi")
    for pk, title, venue_id, year, doi in rows:
        missing = [
            name
            for name, value in (("venue", venue_id), ("year", year), ("DOI", doi))
            if not value
        ]
        section.rows.append(Row(title, _change_url(Paper, pk), "no " + ", no ".join(missing)))
    return section


def _far_printed_names() -> Section:
    section = Section(
        "printed-names",
        "Printed names far from their person's name",
        "A byline place printed under a name that reads unlike the person's name and aliases: "
        "it may be linked to the wrong person.",
    )
    rows = (
        Authorship.objects.exclude(printed_name="")
        .order_by("paper__title", "position")
        .values_list(
            "paper_id", "paper__title", "position", "printed_name", "person__name",
            "person__aliases",
        )
    )  # fmt: skip
    for paper_id, title, position, printed, name, aliases in rows:
        spellings = [name, *split_lines(aliases)]
        best = max(
            fuzz.token_sort_ratio(printed, spelling, processor=default_process)
            for spelling in spellings
        )
        if best < PRINTED_NAME_SCORE:
            section.rows.append(
                Row(
                    f"{title}, author {position}",
                    _change_url(Paper, paper_id),
                    f"printed “{printed}”, linked to {name}",
                )
            )
    return section


def _people_without_anything() -> Section:
    section = Section(
        "lonely-people",
        "People with nothing on record",
        "No paper, role, award or service, and they advise no one: nothing on the site "
        "leads to them. Delete them, or add what they did.",
    )
    people = Person.objects.filter(
        ~Exists(Authorship.objects.filter(person=OuterRef("pk"))),
        ~Exists(Role.objects.filter(person=OuterRef("pk"))),
        ~Exists(Role.advisors.through.objects.filter(person=OuterRef("pk"))),
        ~Exists(Award.objects.filter(person=OuterRef("pk"))),
        ~Exists(Service.objects.filter(person=OuterRef("pk"))),
    ).order_by("name", "slug")
    for pk, name, slug in people.values_list("pk", "name", "slug"):
        section.rows.append(Row(name, _change_url(Person, pk), slug))
    return section


def _venues_without(what: str) -> Section:
    if what == "papers":
        section = Section(
            "venues-without-papers",
            "Venues nothing uses",
            "No paper appeared there and no one served it: delete them, or add what "
            "happened there.",
        )
        venues = Venue.objects.filter(
            ~Exists(Paper.objects.filter(venue=OuterRef("pk"))),
            ~Exists(Service.objects.filter(venue=OuterRef("pk"))),
        )
    else:
        section = Section(
            "venues-without-short-name",
            "Venues without a short name",
            "Lists show the short name (NSDI, CIKM); imports match venues by it.",
        )
        venues = Venue.objects.filter(short_name="")
    for pk, name in venues.order_by("name", "pk").values_list("pk", "name"):
        section.rows.append(Row(name, _change_url(Venue, pk)))
    return section


def _institutions_without_country() -> Section:
    section = Section(
        "institutions-without-country",
        "Institutions without a country",
        "Pages and exports show where an institution is.",
    )
    institutions = Institution.objects.filter(country="").order_by("name", "pk")
    for pk, name in institutions.values_list("pk", "name"):
        section.rows.append(Row(name, _change_url(Institution, pk)))
    return section


def _roles_without_start() -> Section:
    section = Section(
        "roles-without-start",
        "Roles without a start year",
        "Timelines are ordered by year: a role without one sorts last.",
    )
    roles = Role.objects.filter(start_year__isnull=True).order_by("person__name", "title", "pk")
    for pk, person, title in roles.values_list("pk", "person__name", "title"):
        section.rows.append(Row(f"{person}: {title}", _change_url(Role, pk)))
    return section


#: Every check of the report, in the order the page shows them.
CHECKS: tuple[Callable[[], Section], ...] = (
    lambda: _duplicates("person"),
    lambda: _duplicates("institution"),
    lambda: _duplicates("venue"),
    lambda: _duplicates("paper"),
    _versions,
    _incomplete_papers,
    _published_without,
    _far_printed_names,
    _people_without_anything,
    lambda: _venues_without("papers"),
    lambda: _venues_without("short name"),
    _institutions_without_country,
    _roles_without_start,
)


def health_report() -> list[Section]:
    return [check() for check in CHECKS]


def report_csv(sections: list[Section]) -> bytes:
    """The whole report as CSV (written like every download: cells escaped), a row per
    problem, every row of every section."""
    rows = (
        (section.title, row.label, row.detail, row.url, row.merge_url)
        for section in sections
        for row in section.rows
    )
    return csv_bytes(["section", "record", "detail", "admin page", "merge"], rows)
