"""Papers as CSL-JSON items (Citation Style Language 1.0.2), for Zotero, pandoc, citeproc.

``id`` is the paper's slug (unique and stable); ``citation-key`` is the key the BibTeX download
gives the same paper, so a document can switch between the two. Text is plain Unicode: CSL-JSON
has no markup to escape. Author names follow the same rules as the BibTeX export.

The citation details map to CSL's variables: ``volume``, ``issue``, ``page`` (``123-135``),
``number`` (the article number; else ``arXiv:<id>`` for a paper with one), ``publisher`` (the
paper's own publisher, which replaces a preprint server's name there), ``collection-title``
(the series), ``ISBN``, ``ISSN``, ``event-place``, ``event-date`` (as written, a literal) and
``keyword`` (the names joined by ", ", as Zotero writes it). CSL-JSON has one ``URL``: the
paper's page (or its arXiv abstract); its other links are not citation data and are left out.

``csl_export(papers)`` writes the file as ``json.dumps(items, ensure_ascii=False, indent=2)``
would, item by item, from the plain rows of publications.bibtex (``cited_export`` with the
abstracts): a constant number of queries and constant memory.
"""

import json
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet

from publications.bibtex import (
    CitedPaper,
    Export,
    KeyPass,
    batched,
    cited_export,
    cited_paper,
    record_key,
    records_key_pass,
)
from publications.enums import PaperStatus, VenueKind
from publications.models import Paper
from publications.validators import PAGE_DASH

CSL_STATUS = {
    PaperStatus.ACCEPTED: "forthcoming",
    PaperStatus.UNDER_REVIEW: "under review",
    PaperStatus.PREPRINT: "preprint",
}


def csl_type(p: CitedPaper) -> str:
    if p.venue_kind is not None and p.status in (PaperStatus.PUBLISHED, PaperStatus.ACCEPTED):
        if p.venue_kind in (VenueKind.CONFERENCE, VenueKind.WORKSHOP):
            return "paper-conference"
        if p.venue_kind == VenueKind.JOURNAL:
            return "article-journal"
    # CSL 1.0.2 files preprints and other stand-alone works as "article".
    return "article"


def csl_item(p: CitedPaper, *, key: str) -> dict:
    item = {
        "id": p.slug,
        "citation-key": key,
        "type": csl_type(p),
        "title": p.title,
        "author": [
            {"family": a.family, "given": a.given} if a.given else {"literal": a.family}
            for a in p.authors
        ],
    }
    if p.year:
        date = [p.year, p.month] if p.month else [p.year]
        item["issued"] = {"date-parts": [date]}
    if p.venue_kind is not None and p.status != PaperStatus.UNDER_REVIEW:
        if p.venue_kind == VenueKind.PREPRINT:
            item["publisher"] = p.venue_name
        else:
            item["container-title"] = p.venue_name
            if p.venue_short_name:
                item["container-title-short"] = p.venue_short_name
    item.update(_citation_details(p))
    if p.article_number:
        item["number"] = p.article_number
    elif p.arxiv_id:
        item["number"] = f"arXiv:{p.arxiv_id}"
    if p.doi:
        item["DOI"] = p.doi
    if p.url:
        item["URL"] = p.url
    elif p.arxiv_id:
        item["URL"] = f"https://arxiv.org/abs/{p.arxiv_id}"
    if p.keywords:
        item["keyword"] = ", ".join(p.keywords)
    if p.abstract:
        item["abstract"] = p.abstract
    if p.status in CSL_STATUS:
        item["status"] = CSL_STATUS[p.status]
    return item


def _citation_details(p: CitedPaper) -> dict:
    """volume, issue, page (first-last with a hyphen, as Zotero and Crossref write it),
    publisher (the paper's own), collection-title (the series), ISBN, ISSN, event-place and
    event-date (as written: a CSL "literal" date)."""
    details = {}
    for key, value in (
        ("volume", p.volume),
        ("issue", p.number),
        ("page", p.pages.replace(PAGE_DASH, "-")),
        ("publisher", p.publisher),
        ("collection-title", p.series),
        ("ISBN", p.isbn),
        ("ISSN", p.issn),
        ("event-place", p.event_place),
    ):
        if value:
            details[key] = value
    if p.event_dates:
        details["event-date"] = {"literal": p.event_dates}
    return details


def paper_to_csl(paper: Paper, *, key: str) -> dict:
    """One model instance's item."""
    return csl_item(cited_paper(paper), key=key)


def _items_text(records: Iterable[CitedPaper], passed: KeyPass) -> Iterator[str]:
    """The JSON array of the records' items, one item at a time, byte for byte what
    ``json.dumps([...], ensure_ascii=False, indent=2)`` writes: each item dumped with the same
    indent and shifted one level in (JSON strings never hold a raw newline)."""
    empty = True
    for p in records:
        text = json.dumps(csl_item(p, key=record_key(p, passed.keys)), ensure_ascii=False, indent=2)
        yield ("[\n  " if empty else ",\n  ") + text.replace("\n", "\n  ")
        empty = False
    yield "[]" if empty else "\n]"


def csl_export(papers: QuerySet) -> Export:
    """The CSL-JSON file of ``papers`` in their order (``cited_export``: a short list read
    now, a long one keyed now and written as ``chunks`` is consumed, in constant memory)."""
    passed, records = cited_export(papers, abstracts=True)
    items = _items_text(records, passed)
    return Export(len(passed.keys), batched(items))


def papers_to_csl(papers: Iterable[Paper]) -> list[dict]:
    """CSL-JSON items of ``papers`` (model instances, best loaded with for_list()) in order."""
    records = [cited_paper(paper) for paper in papers]
    passed = records_key_pass(records)
    return [csl_item(p, key=record_key(p, passed.keys)) for p in records]
