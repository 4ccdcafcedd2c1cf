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

from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from rispy import RisWriter
from rispy.config import LIST_TYPE_TAGS

from publications.bibtex import (
    CitedPaper,
    Export,
    KeyPass,
    batched,
    cited_export,
    cited_paper,
    record_key,
    record_type,
    records_key_pass,
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


def _pages(pages: str) -> dict:
    first, dash, last = pages.partition(PAGE_DASH)
    if dash and "," not in pages:
        return {"start_page": first.strip(), "end_page": last.strip()}
    return {"start_page": pages.replace(PAGE_DASH, "-")}


def ris_record(p: CitedPaper, *, key: str) -> dict:
    """The rispy record of ``p`` (keys of rispy's TAG_KEY_MAPPING, in the order written)."""
    record: dict = {"type_of_reference": RIS_TYPES[record_type(p)], "id": key}
    record["title"] = p.title
    authors = [f"{a.family}, {a.given}" if a.given else a.family for a in p.authors]
    if authors:
        record["authors"] = authors
    if p.venue_name is not None and p.status != PaperStatus.UNDER_REVIEW:
        record["secondary_title"] = p.venue_name
        if p.venue_short_name:
            record["alternate_title1"] = p.venue_short_name
    if p.year:
        record["year"] = str(p.year)
        if p.month:
            record["date"] = f"{p.year}/{p.month:02d}//"
    for name, value in (("volume", p.volume), ("number", p.number)):
        if value:
            record[name] = value
    if p.pages:
        record.update(_pages(p.pages))
    if p.article_number:
        record["custom7"] = p.article_number
    if p.publisher:
        record["publisher"] = p.publisher
    if p.series:
        record["tertiary_title"] = p.series
    identifiers = [value for value in (p.isbn, p.issn) if value]
    if identifiers:
        record["issn"] = identifiers
    if p.event_place and record["type_of_reference"] == "CONF":
        record["custom1"] = p.event_place
    if p.doi:
        record["doi"] = p.doi
    urls = [p.url] if p.url else []
    if p.arxiv_id:
        urls.append(f"https://arxiv.org/abs/{p.arxiv_id}")
    if urls:
        record["urls"] = urls
    if p.pdf_url:
        record["file_attachments1"] = p.pdf_url
    if p.keywords:
        record["keywords"] = list(p.keywords)
    if p.abstract:
        record["abstract"] = p.abstract
    note = status_note(p)
    if note:
        record["notes"] = [note]
    return {
        name: [_line(item) for item in value] if isinstance(value, list) else _line(value)
        for name, value in record.items()
    }


def paper_to_ris(paper: Paper, *, key: str) -> dict:
    """One model instance's record."""
    return ris_record(cited_paper(paper), key=key)


def _records_text(records: Iterable[CitedPaper], passed: KeyPass) -> Iterator[str]:
    """The .ris text of the records, one record at a time, byte for byte what
    ``rispy.dumps([...], implementation=LabRisWriter)`` writes: each record's lines, the
    writer's separator line between records, a line end after the last."""
    writer = LabRisWriter()
    between = "" if writer.SEPARATOR is None else writer.SEPARATOR + writer.NEWLINE
    first = True
    for p in records:
        text = writer.formats([ris_record(p, key=record_key(p, passed.keys))])
        yield text if first else between + text
        first = False


def ris_export(papers: QuerySet) -> Export:
    """The .ris file of ``papers`` in their order (``cited_export``: a short list read now, a
    long one keyed now and written as ``chunks`` is consumed, in constant memory)."""
    passed, cited = cited_export(papers, abstracts=True)
    records = _records_text(cited, passed)
    return Export(len(passed.keys), batched(records))


def papers_to_ris(papers: QuerySet | Iterable[Paper]) -> str:
    """A .ris file of ``papers``, in the order given: a queryset is read as plain rows
    (``ris_export``); model instances (best loaded with Paper.objects.for_list()) are written
    the same way."""
    if isinstance(papers, QuerySet):
        return "".join(ris_export(papers).chunks)
    records = [cited_paper(paper) for paper in papers]
    return "".join(_records_text(records, records_key_pass(records)))
