"""The whole-lab workbook in the admin: export it, upload it, preview, confirm (docs/workbook.md).

URLs under ``admin/workbook/`` (included by lab/urls.py before the admin's own URLs), each
wrapped in ``admin.site.admin_view``: members and visitors are sent to the admin login page.
Staff need view permission on every model to export, and add and change permission on every
model to import (403 otherwise).

Preview and confirm: the preview reads the upload (``lab.core.uploads.read_workbook``) and
imports it as a dry run. The uploaded bytes are kept server-side in django-import-export's temporary
storage (``IMPORT_EXPORT_TMP_STORAGE_CLASS``: the cache when Redis is configured, so any app
server can read them); the confirm form carries only a signed token naming that stored file and
the user, valid for an hour. The confirm re-reads the stored file and imports it for real: a
changed or forged token, or someone else's, is refused, and the file is read again and judged
again, so nothing the browser sends is trusted.
"""

import tempfile

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from import_export.tmp_storages import TempFolderStorage

from lab.core.spreadsheets import XLSX_CONTENT_TYPE
from lab.core.uploads import UploadError, read_workbook
from lab.workbook import (
    SHEET_NAMES,
    WorkbookError,
    import_workbook,
    may_export_private,
    missing_export_permissions,
    missing_import_permissions,
    write_workbook,
)
from people.services import apply_same_as, same_as_choices
from publications.byline import coauthors_of

app_name = "workbook"
TOKEN_SALT = "lab.admin_workbook.confirm"  # noqa: S105 (a signing salt, not a secret)
TOKEN_MAX_AGE = 3600
ODS_CONTENT_TYPE = "application/vnd.oasis.opendocument.spreadsheet"
FORMATS = {"xlsx": XLSX_CONTENT_TYPE, "ods": ODS_CONTENT_TYPE}

class WorkbookUploadForm(forms.Form):
    workbook = forms.FileField(
        label="Workbook (.xlsx)",
        help_text="A workbook exported from this page, edited in Excel or LibreOffice.",
    )


class ConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)


def _tmp_storage(**kwargs):
    storage_class = getattr(settings, "IMPORT_EXPORT_TMP_STORAGE_CLASS", TempFolderStorage)
    if isinstance(storage_class, str):
        storage_class = import_string(storage_class)
    return storage_class(read_mode="rb", encoding=None, **kwargs)


def _context(request, title, **extra):
    return {
        **admin.site.each_context(request),
        "title": title,
        "sheet_names": SHEET_NAMES,
        "may_import": not missing_import_permissions(request.user),
        **extra,
    }


def _require_export(request):
    if missing_export_permissions(request.user):
        raise PermissionDenied


def _require_import(request):
    if missing_import_permissions(request.user):
        raise PermissionDenied


@require_safe
def index(request):
    _require_export(request)
    context = _context(request, "Whole-lab workbook", form=WorkbookUploadForm())
    return TemplateResponse(request, "admin/lab/workbook.html", context)


@require_safe
def export(request, fmt):
    _require_export(request)
    if fmt not in FORMATS:
        raise Http404("No workbook in that format.")
    # Written to a temporary file (openpyxl's write-only mode streams rows to disk), then sent;
    # FileResponse closes (and so deletes) it.
    file = tempfile.TemporaryFile()  # noqa: SIM115
    write_workbook(file, fmt=fmt, include_private=may_export_private(request.user))
    file.seek(0)
    stamp = timezone.localdate().isoformat()
    return FileResponse(
        file,
        as_attachment=True,
        filename=f"lab-{stamp}.{fmt}",
        content_type=FORMATS[fmt],
    )


@require_POST
def preview(request):
    _require_import(request)
    form = WorkbookUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return TemplateResponse(
            request, "admin/lab/workbook.html", _context(request, "Whole-lab workbook", form=form)
        )
    upload = form.cleaned_data["workbook"]
    try:
        sheets = read_workbook(upload, filename=upload.name)
        outcome = import_workbook(
            sheets, user=request.user, dry_run=True, file_name=upload.name
        )
    except (UploadError, WorkbookError) as error:
        form.add_error("workbook", str(error))
        return TemplateResponse(
            request, "admin/lab/workbook.html", _context(request, "Whole-lab workbook", form=form)
        )
    token = None
    if outcome.ok:
        upload.seek(0)
        storage = _tmp_storage()
        storage.save(upload.read())
        token = signing.dumps(
            {"name": storage.name, "user": request.user.pk, "file_name": upload.name},
            salt=TOKEN_SALT,
        )
    context = _context(
        request,
        "Preview of the workbook import",
        outcome=outcome,
        file_name=upload.name,
        confirm_form=ConfirmForm(initial={"token": token}) if token else None,
        same_as=_same_as(sheets, outcome) if token else [],
    )
    return TemplateResponse(request, "admin/lab/workbook_preview.html", context)


@require_http_methods(["POST"])
def confirm(request):
    _require_import(request)
    form = ConfirmForm(request.POST)
    try:
        if not form.is_valid():
            raise signing.BadSignature("no token")
        data = signing.loads(form.cleaned_data["token"], salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
        if data["user"] != request.user.pk:
            raise signing.BadSignature("another user's upload")
        storage = _tmp_storage(name=data["name"])
        content = storage.read()
    except (signing.BadSignature, KeyError, TypeError, OSError):
        content = None
    if not content:
        messages.error(
            request, "The upload has expired or cannot be found: upload the workbook again."
        )
        return HttpResponseRedirect(reverse("workbook:index"))
    file_name = data["file_name"]
    try:
        sheets = read_workbook(content, filename=file_name)
        with transaction.atomic():  # the chosen aliases stay only if the workbook imports
            applied = apply_same_as(request.POST.getlist("same_as"), user=request.user)
            _keep_aliases(sheets, applied)
            outcome = import_workbook(
                sheets, user=request.user, dry_run=False, file_name=file_name
            )
            if not outcome.ok:
                transaction.set_rollback(True)
    except (UploadError, WorkbookError) as error:
        messages.error(request, f"Nothing was imported: {error}")
        return HttpResponseRedirect(reverse("workbook:index"))
    if not outcome.ok:
        # The records changed between the preview and the confirm.
        messages.error(request, "Nothing was imported: the workbook has problems (see below).")
        context = _context(
            request, "Preview of the workbook import", outcome=outcome, file_name=file_name
        )
        return TemplateResponse(request, "admin/lab/workbook_preview.html", context)
    storage.remove()
    messages.success(
        request, "Workbook imported. " + " ".join(f"{line}." for line in outcome.summary_lines())
    )
    return HttpResponseRedirect(reverse("workbook:index"))


def _same_as(sheets, outcome) -> list:
    """The existing people each person the papers' bylines would create may be."""
    created = [p for sheet in outcome.sheets if sheet.outcome for p in sheet.outcome.created]
    names = {person.name for person in created}
    papers = sheets.get("papers")
    if not names or papers is None or "authors" not in (papers.headers or []):
        return []
    bylines = [str(cell or "") for cell in papers["authors"]]
    return same_as_choices(coauthors_of(bylines, names))


def _keep_aliases(sheets, applied) -> None:
    """The people sheet is imported before the papers: a chosen person's row there must carry
    the alias just added, or the sheet would take it away again."""
    people = sheets.get("people")
    if not applied or people is None or not {"slug", "aliases"} <= set(people.headers or []):
        return
    slug, aliases = people.headers.index("slug"), people.headers.index("aliases")
    added: dict[str, list[str]] = {}
    for name, person in applied:
        added.setdefault(person.slug, []).append(name)
    for position, row in enumerate(people):
        names = added.get(str(row[slug] or "").strip())
        if names:
            cells = list(row)
            lines = [line for line in str(cells[aliases] or "").splitlines() if line.strip()]
            cells[aliases] = "\n".join([*lines, *(n for n in names if n not in lines)])
            people[position] = cells


def _admin(view):
    return admin.site.admin_view(view)


urlpatterns = [
    path("", _admin(index), name="index"),
    path("export.<str:fmt>", _admin(export), name="export"),
    path("preview/", _admin(preview), name="preview"),
    path("confirm/", _admin(confirm), name="confirm"),
]
