"""Papers as CSL-JSON items (Citation Style Language 1.0.2), for Zotero, pandoc, citeproc.

``id`` is the paper's slug (unique and stable); ``citation-key`` is the key the BibTeX download
gives the same paper, so a document can switch between the two. Text is plain Unicode: CSL-JSON
has no markup to escape. Author names follow the same rules as the BibTeX export.
"""

from collections.abc import Iterable

from publications.bibtex import author_name_parts, citation_keys, paper_authorships
from publications.enums import PaperStatus, VenueKind
from publications.models import Paper

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
    if paper.arxiv_id:
        item["number"] = f"arXiv:{paper.arxiv_id}"
    if paper.doi:
        item["DOI"] = paper.doi
    if paper.url:
        item["URL"] = paper.url
    elif paper.arxiv_id:
        item["URL"] = f"https://arxiv.org/abs/{paper.arxiv_id}"
    if paper.abstract:
        item["abstract"] = paper.abstract
    if paper.status in CSL_STATUS:
        item["status"] = CSL_STATUS[paper.status]
    return item


def papers_to_csl(papers: Iterable[Paper]) -> list[dict]:
    """CSL-JSON items of ``papers`` in the order given (load them with for_list())."""
    papers = list(papers)
    keys = citation_keys(papers)
    return [paper_to_csl(paper, key=keys[paper.pk]) for paper in papers]
