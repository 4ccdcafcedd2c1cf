"""After the run: is every write the lab admin made in the database, whole?

Read from the database once the server has stopped. An edit the admin confirmed ("saved")
must be there with its exact title, public note and byline (the first two authors swapped), and
in the paper's history in the admin's name; an edit that was refused or never sent must have
left the paper exactly as it was; one whose answer was lost must be there whole or not at all.
The same for each BibTeX file: all its papers with their titles, years and bylines, or none.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from devtools.loadtest.plan import Edit, ImportFile
from publications.models import Authorship, Paper

#: Problems listed in full; the rest are counted.
SHOWN = 10


@dataclass
class Check:
    summary: str = ""
    problems: list[str] = field(default_factory=list)


def _bylines(paper_ids) -> dict[int, list[Authorship]]:
    rows = (
        Authorship.objects.filter(paper_id__in=paper_ids)
        .select_related("person")
        .order_by("paper_id", "position")
    )
    bylines = defaultdict(list)
    for row in rows:
        bylines[row.paper_id].append(row)
    return bylines


def check_edits(edits: list[Edit], *, admin) -> Check:
    check = Check()
    sent = [edit for edit in edits if edit.outcome]
    papers = Paper.objects.in_bulk([edit.paper_id for edit in edits])
    bylines = _bylines([edit.paper_id for edit in edits])
    versions = set(
        Paper.history.filter(id__in=[e.paper_id for e in sent], history_user=admin).values_list(
            "id", "title"
        )
    )
    for edit in edits:
        paper = papers.get(edit.paper_id)
        if paper is None:
            check.problems.append(f"paper {edit.paper_id}: gone")
            continue
        now = (paper.title, paper.note, [row.person_id for row in bylines[edit.paper_id]])
        before = (edit.title, edit.note, edit.authors)
        after = (edit.new_title, edit.new_note, edit.new_authors)
        if edit.outcome == "saved":
            wanted = [after]
        elif edit.outcome == "unknown":
            wanted = [before, after]
        else:
            wanted = [before]
        if now not in wanted:
            check.problems.append(
                f"paper {edit.paper_id} (edit {edit.outcome or 'not sent'}): title {now[0]!r}, "
                f"note {now[1]!r}, authors {now[2]}; expected {' or '.join(map(str, wanted))}"
            )
        elif edit.outcome == "saved" and (edit.paper_id, edit.new_title) not in versions:
            check.problems.append(f"paper {edit.paper_id}: saved, but no version in history")
    saved = sum(edit.outcome == "saved" for edit in edits)
    check.summary = (
        f"{saved} edits saved, {len(sent) - saved} refused or unanswered; each saved one in the "
        "database with its exact title, note and byline, and in history"
        if not check.problems
        else f"{saved} edits saved; {len(check.problems)} papers not as the edits left them"
    )
    return check


def check_imports(files: list[ImportFile]) -> Check:
    check = Check()
    imported_papers = 0
    for upload in files:
        entries = {entry.doi.lower(): entry for entry in upload.entries}
        papers = {p.doi.lower(): p for p in Paper.objects.filter(doi__in=list(entries))}
        bylines = _bylines([paper.pk for paper in papers.values()])
        whole = True
        for doi, entry in entries.items():
            paper = papers.get(doi)
            names = [row.display_name for row in bylines[paper.pk]] if paper else None
            if paper is None or (paper.title, paper.year, names) != (
                entry.title,
                entry.year,
                entry.authors,
            ):
                whole = False
                if paper is not None:
                    check.problems.append(
                        f"file {upload.number}, {doi}: {paper.title!r}, {paper.year}, {names}; "
                        f"expected {entry.title!r}, {entry.year}, {entry.authors}"
                    )
        if upload.outcome == "imported" and not whole:
            check.problems.append(f"file {upload.number}: imported, but not all of it is here")
        elif upload.outcome == "" and papers:
            check.problems.append(f"file {upload.number}: never confirmed, yet {len(papers)} here")
        elif upload.outcome == "unknown" and papers and not whole:
            check.problems.append(f"file {upload.number}: half imported ({len(papers)} papers)")
        imported_papers += len(papers) if whole else 0
    confirmed = sum(upload.outcome == "imported" for upload in files)
    check.summary = (
        f"{confirmed} BibTeX files imported, {imported_papers} papers; each file whole in the "
        "database (titles, years, bylines)"
        if not check.problems
        else f"{confirmed} BibTeX files imported; {len(check.problems)} problems"
    )
    return check
