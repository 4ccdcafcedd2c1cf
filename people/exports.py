"""Downloads of the people list, as filtered on the page: CSV and XLSX.

Email addresses are for members: the column is there only when the request's user is logged in.
Private fields are never part of these downloads (see people.resources).
"""

from django.db.models import QuerySet
from django.http import Http404, HttpResponse

from lab.core.spreadsheets import SPREADSHEET_FORMATS, dataset_response
from people.models import Person
from people.resources import PersonResource, with_roles

FORMATS = tuple(SPREADSHEET_FORMATS)


def people_response(people: QuerySet[Person], fmt: str, *, filename: str, request) -> HttpResponse:
    """``people`` as the attachment ``<filename>.<fmt>``; 404 for a format not in FORMATS."""
    if fmt not in FORMATS:
        raise Http404(f"No download in the format “{fmt}”.")
    resource = PersonResource(include_email=request.user.is_authenticated)
    # Replace the caller's prefetches (a page's may differ) with exactly what the rows need.
    dataset = resource.export(
        with_roles(people.prefetch_related(None)), force_native_type=fmt == "xlsx"
    )
    dataset.title = "People"
    return dataset_response(dataset, fmt, filename=filename)
