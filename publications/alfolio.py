"""Papers as an al-folio ``_bibliography/papers.bib``: the lab's website fed from the records.

al-folio (github.com/alshedivat/al-folio) renders its publication list with jekyll-scholar from
one BibTeX file and its ``_layouts/bib.liquid``, which reads fields of its own beside the
citation. Each entry here is the site's BibTeX entry (publications.bibtex: the same key, type,
title, venue, citation details, links ``pdf``, ``code``, ``slides``, ``poster``, ``video``,
``website``, and ``note`` for the status) with:

- the authors' marks after their family names, as al-folio's own example writes them
  (``Einstein*†, A.``) and as bib.liquid renders them (it strips ``[*∗†‡§¶‖&^]`` from the
  family name to recognise the site's owner and raises them as superscripts): ``Hu*, Qinghao``.
  The corresponding author's ✉ is not in that set: it is shown after the name, not raised;
- ``abbr``: the venue's short name (the badge beside the entry; the import matches venues by
  it), when the venue has one;
- ``bibtex_show = {true}`` (the "Bib" button) on every entry; ``selected = {true}`` on the
  papers the lab features (al-folio's selected publications);
- ``html``: the paper's own page (its URL), or its page on this site when it has none;
- ``arxiv``: the arXiv id (al-folio's arXiv button), beside BibTeX's ``eprint``;
- ``google_scholar_id`` (al-folio's citation badge), when the paper has one;
- ``additional_info``: the public note, after ", " (al-folio prints it right after the venue);
- ``award`` and ``award_name``: the paper's awards (several joined by "; ");
- ``annotation``: what the entry's marks mean, from publications.byline.MARK_TABLE
  (``* equal contribution<br>† system/project lead``), al-folio's pop-over beside the authors.

The file starts with an empty Jekyll front matter (``---`` twice), as al-folio's own
papers.bib does. The values are aligned one column past ``google_scholar_id``, the longest
field name written, in every file. Importing the file back (publications.bibtex_import) finds
every entry already there; into an empty database it gives the same papers (docs/exports.md).
"""

from collections.abc import Callable, Iterable, Iterator

from django.db.models import QuerySet

from publications.bibtex import (
    Author,
    CitedPaper,
    Export,
    KeyPass,
    batched,
    bibtex_fields,
    bibtex_name,
    cited_export,
    entry_text,
    latex_escape,
    record_key,
    record_type,
    text_field,
    verbatim,
    verbatim_field,
)
from publications.byline import MARK_TABLE

FRONT_MATTER = "---\n---\n\n"
#: The longest field name the export writes: every file aligns its values past it.
WIDEST = len("google_scholar_id")
_LEGEND = {mark.sign: f"{mark.sign} {mark.label}" for mark in MARK_TABLE}


def alfolio_fields(
    p: CitedPaper, kind: str, names: list[str], page_url: Callable[[str], str]
) -> list[tuple[str, str]]:
    """al-folio's fields around the BibTeX entry's (``bibtex_fields``), in the order al-folio's
    example writes them: its display switches first, its links and notes last."""
    fields = []
    fields += text_field("abbr", p.venue_short_name)
    fields.append(("bibtex_show", "{true}"))
    if p.selected:
        fields.append(("selected", "{true}"))
    fields += bibtex_fields(p, kind, names)
    fields.append(("html", "{" + verbatim(p.url or page_url(p.slug)) + "}"))
    fields += verbatim_field("arxiv", p.arxiv_id)
    fields += verbatim_field("google_scholar_id", p.google_scholar_id)
    if p.note:
        fields.append(("additional_info", "{, " + latex_escape(p.note) + "}"))
    if p.awards:
        awards = "{" + latex_escape("; ".join(p.awards)) + "}"
        fields += [("award", awards), ("award_name", awards)]
    signs = "".join(author.marks for author in p.authors)
    legend = [text for sign, text in _LEGEND.items() if sign in signs]
    if legend:
        fields.append(("annotation", "{" + "<br>".join(legend) + "}"))
    return fields


def alfolio_entries(
    records: Iterable[CitedPaper], passed: KeyPass, page_url: Callable[[str], str]
) -> Iterator[str]:
    names: dict[Author, str] = {}
    for p in records:
        written = []
        for author in p.authors:
            name = names.get(author)
            if name is None:
                name = names[author] = bibtex_name(author, marks=True)
            written.append(name)
        kind = record_type(p)
        fields = alfolio_fields(p, kind, written, page_url)
        yield entry_text(kind, record_key(p, passed.keys), fields, WIDEST)


def alfolio_export(papers: QuerySet, *, page_url: Callable[[str], str]) -> Export:
    """The papers.bib of ``papers`` in their order; ``page_url(slug)``: the address of a
    paper's page on this site (for ``html``). ``cited_export`` with the awards: a short list
    read now, a long one keyed now and written as ``chunks`` is consumed."""
    passed, records = cited_export(papers, awards=True)
    entries = alfolio_entries(records, passed, page_url)
    return Export(len(passed.keys), _with_front_matter(batched(entries, "\n\n")))


def _with_front_matter(chunks: Iterator[str]) -> Iterator[str]:
    yield FRONT_MATTER
    yield from chunks
