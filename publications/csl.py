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
"""

from collections.abc import Iterable

from publications.bibtex import (
    author_name_parts,
    citation_keys,
    paper_authorships,
    paper_keywords,
)
from publications.enums import PaperStatus, VenueKind
from publications.models import Paper
from publications.validators import PAGE_DASH

CSL_STATUS = {
    PaperStatus.ACCEPTED: "forthcoming",
    PaperStatus.UNDER_REVIEW: "under review",
    PaperStatus.PREPRINT: "preprint",
}


def csl_type(paper: Paper) -> str:
    if paper.venue is not None and paper.status in (PaperStatus.PUBLISHED, PaperStatus.ACCEPTED):
        if paper.venue.kind in (VenueKind.CONFERENCE, VenueKind.WORKSHOP):
            return "paper-conference"
        if paper.venue.kind == VenueKind.JOURNAL:
            return "article-journal"
    # CSL 1.0.2 files preprints and other stand-alone works as "article".
    return "article"


def _csl_author(authorship) -> dict:
    given, family = author_name_parts(authorship)
    return {"family": family, "given": given} if given else {"literal": family}


def paper_to_csl(paper: Paper, *, key: str) -> dict:
    item = {
        "id": paper.slug,
        "citation-key": key,
        "type": csl_type(paper),
        "title": paper.title,
        "author": [_csl_author(a) for a in paper_authorships(paper)],
    }
    if paper.year:
        date = [paper.year, paper.month] if paper.month else [paper.year]
        item["issued"] = {"date-parts": [date]}
    if paper.venue is not None and paper.status != PaperStatus.UNDER_REVIEW:
        if paper.venue.kind == VenueKind.PREPRINT:
            item["publisher"] = paper.venue.name
        else:
            item["container-title"] = paper.venue.name
            if paper.venue.short_name:
                item["container-title-short"] = paper.venue.short_name
    item.update(_citation_details(paper))
    if paper.article_number:
        item["number"] = paper.article_number
    elif paper.arxiv_id:
        item["number"] = f"arXiv:{paper.arxiv_id}"
    if paper.doi:
        item["DOI"] = paper.doi
    if paper.url:
        item["URL"] = paper.url
    elif paper.arxiv_id:
        item["URL"] = f"https://arxiv.org/abs/{paper.arxiv_id}"
    keywords = [keyword.name for keyword in paper_keywords(paper)]
    if keywords:
        item["keyword"] = ", ".join(keywords)
    if paper.abstract:
        item["abstract"] = paper.abstract
    if paper.status in CSL_STATUS:
        item["status"] = CSL_STATUS[paper.status]
    return item


def _citation_details(paper: Paper) -> dict:
    """volume, issue, page (first-last with a hyphen, as Zotero and Crossref write it),
    publisher (the paper's own), collection-title (the series), ISBN, ISSN, event-place and
    event-date (as written: a CSL "literal" date)."""
    details = {}
    for key, value in (
        ("volume", paper.volume),
        ("issue", paper.number),
        ("page", paper.pages.replace(PAGE_DASH, "-")),
        ("publisher", paper.publisher),
        ("collection-title", paper.series),
        ("ISBN", paper.isbn),
        ("ISSN", paper.issn),
        ("event-place", paper.event_place),
    ):
        if value:
            details[key] = value
    if paper.event_dates:
        details["event-date"] = {"literal": paper.event_dates}
    return details


def papers_to_csl(papers: Iterable[Paper]) -> list[dict]:
    """CSL-JSON items of ``papers`` in the order given (load them with for_list())."""
    papers = list(papers)
    keys = citation_keys(papers)
    return [paper_to_csl(paper, key=keys[paper.pk]) for paper in papers]
