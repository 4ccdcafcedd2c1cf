"""Downloads of paper lists, as filtered on the page: CSV, XLSX, BibTeX, CSL-JSON, RIS,
al-folio's papers.bib and Hugo Blox's publication pages (docs/exports.md).

Papers have no members-only fields, so every format is public. Each format loads the list
itself, in a fixed number of queries whatever its length. BibTeX, CSL-JSON, RIS and al-folio
are written from plain rows (publications.bibtex); a long list of them streams, and so does a
long CSV.
"""

from collections.abc import Callable

from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.urls import reverse

from lab.core.spreadsheets import (
    SPREADSHEET_FORMATS,
    attachment,
    attachment_or_stream,
    csv_chunks,
    dataset_response,
    xlsx_bytes,
)
from publications.alfolio import alfolio_export
from publications.bibtex import Export, bibtex_export
from publications.csl import csl_export
from publications.hugoblox import hugoblox_zip
from publications.models import Paper
from publications.resources import PaperResource
from publications.ris import ris_export
from publications.rows import can_stream, paper_rows

BIBTEX_CONTENT_TYPE = "application/x-bibtex; charset=utf-8"
CSL_JSON_CONTENT_TYPE = "application/vnd.citationstyles.csl+json; charset=utf-8"
RIS_CONTENT_TYPE = "application/x-research-info-systems; charset=utf-8"
ALFOLIO = "alfolio.bib"
HUGOBLOX = "hugoblox.zip"
FORMATS = (*SPREADSHEET_FORMATS, "bib", "json", "ris", ALFOLIO, HUGOBLOX)
#: A citation file or CSV of fewer papers is sent whole (an HttpResponse, which the page cache
#: keeps for visitors and which has a Content-Length); a longer one streams as it is written.
STREAM_FROM_PAPERS = 1000


def papers_response(papers: QuerySet[Paper], fmt: str, *, filename: str, request) -> HttpResponse:
    """``papers`` as the attachment ``<filename>.<fmt>``; 404 for a format not in FORMATS.
    The callers pass each work once (PaperQuerySet.works), as their pages list them."""
    if fmt not in FORMATS:
        raise Http404(f"No download in the format “{fmt}”.")
    if fmt in CITATION_EXPORTS:
        return _citations_response(papers, fmt, filename=f"{filename}.{fmt}", request=request)
    if fmt == HUGOBLOX:
        # Written to a spooled file (memory, then disk) from the streamed rows, then sent.
        return FileResponse(
            hugoblox_zip(papers, page_url=_page_url(request)),
            as_attachment=True,
            filename=f"{filename}.{fmt}",
            content_type="application/zip",
        )
    # Drop whatever the caller prefetched: for_list() brings exactly what every format needs,
    # and a second Prefetch of the same relation would clash.
    papers = papers.prefetch_related(None).for_list()
    if fmt in SPREADSHEET_FORMATS and can_stream(papers):
        # Big lists: rows made one at a time from five streamed queries (publications.rows),
        # never a whole tablib Dataset in memory. Same cells as the branch below.
        resource = PaperResource()
        rows = paper_rows(resource, papers, native=fmt == "xlsx")
        headers = resource.get_export_headers()
        if fmt == "csv":
            # Written as it is read when long (a 20,000-paper CSV whole in memory was tens
            # of MB at its peak, which a worker then kept); XLSX is zipped at the end, so it is
            # written whole (openpyxl keeps the sheet in a temporary file meanwhile).
            return attachment_or_stream(
                csv_chunks(headers, rows, rows_per_chunk=STREAM_FROM_PAPERS),
                content_type=SPREADSHEET_FORMATS[fmt],
                filename=f"{filename}.{fmt}",
            )
        content = xlsx_bytes(headers, rows, title="Papers")
        return attachment(
            content, content_type=SPREADSHEET_FORMATS[fmt], filename=f"{filename}.{fmt}"
        )
    # A spreadsheet of a list paper_rows cannot follow: native numbers and booleans in XLSX,
    # text in CSV (as the admin's export does).
    dataset = PaperResource().export(papers, force_native_type=fmt == "xlsx")
    dataset.title = "Papers"
    return dataset_response(dataset, fmt, filename=filename)


def _page_url(request) -> Callable[[str], str]:
    """slug -> the address of that paper's page on this site, absolute (for al-folio's html)."""
    placeholder = "paper-slug"
    head, tail = request.build_absolute_uri(
        reverse("publications:paper", args=[placeholder])
    ).split(placeholder)
    return lambda slug: f"{head}{slug}{tail}"


#: The citation formats written from plain rows: content type, and the export of a queryset.
CITATION_EXPORTS: dict[str, tuple[str, Callable[[QuerySet, object], Export]]] = {
    "bib": (BIBTEX_CONTENT_TYPE, lambda papers, request: bibtex_export(papers)),
    "json": (CSL_JSON_CONTENT_TYPE, lambda papers, request: csl_export(papers)),
    "ris": (RIS_CONTENT_TYPE, lambda papers, request: ris_export(papers)),
    ALFOLIO: (
        BIBTEX_CONTENT_TYPE,
        lambda papers, request: alfolio_export(papers, page_url=_page_url(request)),
    ),
}


def _citations_response(papers: QuerySet[Paper], fmt: str, *, filename: str, request):
    """The file whole when it has fewer than STREAM_FROM_PAPERS papers, else a stream; the
    same bytes and queries either way (publications.bibtex.cited_export: a short list is read
    here, a long one keyed here and read as the file is sent)."""
    content_type, export = CITATION_EXPORTS[fmt]
    count, chunks = export(papers, request)
    if count < STREAM_FROM_PAPERS:
        return attachment("".join(chunks), content_type=content_type, filename=filename)
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
