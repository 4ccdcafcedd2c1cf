"""Papers as RIS (the tagged format of EndNote, Zotero, Mendeley and the citation databases),
written with rispy 0.10.0.

One record per paper, in the order given, as Zotero writes its RIS export (and reads it back):
``TY`` is ``CONF`` for a conference or workshop paper, ``JOUR`` for a journal paper and ``GEN``
for anything else (preprints, work under review, venue-less records), as the BibTeX export's
``@inproceedings``/``@article``/``@misc``; ``ID`` the key the BibTeX download gives the same
paper; ``TI``; ``AU`` one line per author in byline order, ``Family, Given`` by the BibTeX
export's rules (the name printed on the paper when it differs; a name that does not split
whole); ``T2`` the venue's full name (not for work under review, as in the BibTeX export),
``J2`` its short name; ``PY`` the year and ``DA`` ``YYYY/MM//`` when the month is known;
``VL``, ``IS``, ``SP``/``EP`` (the stored en dash split), ``C7`` the article number (Scopus'
tag for it), ``PB`` the paper's own publisher, ``T3`` the series, ``SN`` the ISBN and the ISSN,
``C1`` the event's place (Zotero's tag for a conference paper's place), ``DO``, ``UR`` the
paper's page and then its arXiv abstract, ``L1`` the PDF (a relative al-folio file name as it
is, as the BibTeX export does), ``KW`` one line per keyword, ``AB``, and ``N1`` the status
("To appear", "Under review", "Preprint") only, as the BibTeX export's note.

Left out, because RIS has no tag for them (docs/imports.md, "RIS and CSL-JSON"): the author
marks, "et al." of an incomplete byline, the event's dates, the code, slides, poster, video and
website links, awards, the public note, and ``selected``. rispy's writer numbers the records
("1." before each) unless ``set_header`` says otherwise: ``LabRisWriter`` writes no header, so
the file is what every reader expects. A value is written on one line: RIS has no line breaks
inside a value (a line that starts with a tag would start a field).
"""

from collections.abc import Iterable

import rispy
from rispy import RisWriter
from rispy.config import LIST_TYPE_TAGS

from publications.bibtex import (
    author_name_parts,
    citation_keys,
    entry_type,
    paper_authorships,
    paper_keywords,
    status_note,
)
from publications.enums import PaperStatus
from publications.models import Paper
from publications.validators import PAGE_DASH

RIS_TYPES = {"inproceedings": "CONF", "article": "JOUR", "misc": "GEN"}


class LabRisWriter(RisWriter):
    """rispy's writer without its "1." line before each record; SN may repeat (an ISBN and an
    ISSN)."""

    DEFAULT_LIST_TAGS = [*LIST_TYPE_TAGS, "SN"]

    def set_header(self, count: int) -> str:
        return ""


def _line(value: str) -> str:
    return " ".join(str(value).split())


def _author(authorship) -> str:
    given, family = author_name_parts(authorship)
    return f"{family}, {given}" if given else family


def _pages(pages: str) -> dict:
    first, dash, last = pages.partition(PAGE_DASH)
    if dash and "," not in pages:
        return {"start_page": first.strip(), "end_page": last.strip()}
    return {"start_page": pages.replace(PAGE_DASH, "-")}


def paper_to_ris(paper: Paper, *, key: str) -> dict:
    """The rispy record of ``paper`` (keys of rispy's TAG_KEY_MAPPING, in the order written)."""
    record: dict = {"type_of_reference": RIS_TYPES[entry_type(paper)], "id": key}
    record["title"] = paper.title
    authors = [_author(authorship) for authorship in paper_authorships(paper)]
    if authors:
        record["authors"] = authors
    if paper.venue is not None and paper.status != PaperStatus.UNDER_REVIEW:
        record["secondary_title"] = paper.venue.name
        if paper.venue.short_name:
            record["alternate_title1"] = paper.venue.short_name
    if paper.year:
        record["year"] = str(paper.year)
        if paper.month:
            record["date"] = f"{paper.year}/{paper.month:02d}//"
    for name, value in (("volume", paper.volume), ("number", paper.number)):
        if value:
            record[name] = value
    if paper.pages:
        record.update(_pages(paper.pages))
    if paper.article_number:
        record["custom7"] = paper.article_number
    if paper.publisher:
        record["publisher"] = paper.publisher
    if paper.series:
        record["tertiary_title"] = paper.series
    identifiers = [value for value in (paper.isbn, paper.issn) if value]
    if identifiers:
        record["issn"] = identifiers
    if paper.event_place and record["type_of_reference"] == "CONF":
        record["custom1"] = paper.event_place
    if paper.doi:
        record["doi"] = paper.doi
    urls = [paper.url] if paper.url else []
    if paper.arxiv_id:
        urls.append(f"https://arxiv.org/abs/{paper.arxiv_id}")
    if urls:
        record["urls"] = urls
    if paper.pdf_url:
        record["file_attachments1"] = paper.pdf_url
    keywords = [keyword.name for keyword in paper_keywords(paper)]
    if keywords:
        record["keywords"] = keywords
    if paper.abstract:
        record["abstract"] = paper.abstract
    note = status_note(paper)
    if note:
        record["notes"] = [note]
    return {
        name: [_line(item) for item in value] if isinstance(value, list) else _line(value)
        for name, value in record.items()
    }


def papers_to_ris(papers: Iterable[Paper]) -> str:
    """A .ris file of ``papers``, in the order given. Load them with Paper.objects.for_list()
    to keep the queries constant."""
    papers = list(papers)
    keys = citation_keys(papers)
    records = [paper_to_ris(paper, key=keys[paper.pk]) for paper in papers]
    return rispy.dumps(records, implementation=LabRisWriter)
