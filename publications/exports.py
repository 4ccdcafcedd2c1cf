"""Downloads of paper lists, as filtered on the page: CSV, XLSX, BibTeX and CSL-JSON.

Papers have no members-only fields, so every format is public. Each format loads the list with
Paper.objects.for_list() itself, in a fixed number of queries whatever its length.
"""

import json

from django.db.models import QuerySet
from django.http import Http404, HttpResponse

from lab.core.spreadsheets import (
    SPREADSHEET_FORMATS,
    attachment,
    csv_bytes,
    dataset_response,
    xlsx_bytes,
)
from publications.bibtex import papers_to_bibtex
from publications.csl import papers_to_csl
from publications.models import Paper
from publications.resources import PaperResource
from publications.rows import can_stream, paper_rows

BIBTEX_CONTENT_TYPE = "application/x-bibtex; charset=utf-8"
CSL_JSON_CONTENT_TYPE = "application/vnd.citationstyles.csl+json; charset=utf-8"
FORMATS = (*SPREADSHEET_FORMATS, "bib", "json")


def papers_response(papers: QuerySet[Paper], fmt: str, *, filename: str, request) -> HttpResponse:
    """``papers`` as the attachment ``<filename>.<fmt>``; 404 for a format not in FORMATS.
    The callers pass each work once (PaperQuerySet.works), as their pages list them."""
    if fmt not in FORMATS:
        raise Http404(f"No download in the format “{fmt}”.")
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
            content = csv_bytes(headers, rows)
        else:
            content = xlsx_bytes(headers, rows, title="Papers")
        return attachment(
            content, content_type=SPREADSHEET_FORMATS[fmt], filename=f"{filename}.{fmt}"
        )
    if fmt in SPREADSHEET_FORMATS:
        # Native numbers and booleans in XLSX; text in CSV (as the admin's export does).
        dataset = PaperResource().export(papers, force_native_type=fmt == "xlsx")
        dataset.title = "Papers"
        return dataset_response(dataset, fmt, filename=filename)
    if fmt == "bib":
        content, content_type = papers_to_bibtex(papers), BIBTEX_CONTENT_TYPE
    else:
        items = papers_to_csl(papers)
        content = json.dumps(items, ensure_ascii=False, indent=2)
        content_type = CSL_JSON_CONTENT_TYPE
    return attachment(content, content_type=content_type, filename=f"{filename}.{fmt}")
