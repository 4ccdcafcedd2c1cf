"""Admin building blocks shared by the lab's apps."""

import functools
from collections.abc import Iterable, Iterator

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from import_export.admin import ExportActionMixin, ImportMixin
from import_export.formats import base_formats
from import_export.forms import ConfirmImportForm, ExportForm, ImportForm
from import_export.signals import post_export, post_import

from lab.core.importing import import_dataset, outcome_of
from lab.core.spreadsheets import (
    attachment,
    attachment_or_stream,
    csv_bytes,
    csv_chunks,
    xlsx_bytes,
)
from lab.core.uploads import SafeCSV, SafeXLSX, UploadError, check_upload_size


@functools.cache
def boolean_icon(value: bool | None) -> str:
    """Django admin's yes/no/unknown icon for a boolean cell, as its change lists write it,
    built once per process: ``static()`` looks the icon up in the static files' manifest and
    joins its URL for every cell (200 times on a page of papers with two such columns)."""
    name = {True: "yes", False: "no", None: "unknown"}[value]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{name}.svg"), value)


@receiver(setting_changed)
def _forget_icons(*, setting, **kwargs):
    if setting in ("STATIC_URL", "STORAGES"):
        boolean_icon.cache_clear()


def boolean_column(model: type[models.Model], field: str):
    """A ``list_display`` column of a boolean ``field`` as the admin shows one (its icon, its
    header, sortable), with the icon from ``boolean_icon``."""
    verbose_name = model._meta.get_field(field).verbose_name

    @admin.display(description=verbose_name, ordering=field)
    def column(obj):
        return boolean_icon(getattr(obj, field))

    column.__name__ = field  # the column's CSS class: column-<field>, as for the field itself
    return column


class _PrefetchedChoicesMixin:
    """An autocomplete widget that labels its selected values from a per-request cache.

    Django's autocomplete widgets run one query per rendered widget to label the selected
    value, so an inline with n rows costs n queries. The inline fills ``prefetched`` with one
    query for all rows; values not in it (a re-rendered form after a failed POST) fall back to
    Django's own query.
    """

    prefetched: dict[str, object] | None = None

    def optgroups(self, name, value, attr=None):
        selected = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        cache = self.prefetched
        if cache is None or not selected <= cache.keys():
            return super().optgroups(name, value, attr)
        options = (
            []
            if self.is_required or self.allow_multiple_selected
            else [self.create_option(name, "", "", False, 0)]
        )
        for pk in sorted(selected, key=lambda pk: str(cache[pk])):
            label = self.choices.field.label_from_instance(cache[pk])
            options.append(self.create_option(name, pk, label, selected, len(options)))
        return [(None, options, 0)]


class PrefetchedAutocompleteSelect(_PrefetchedChoicesMixin, AutocompleteSelect):
    pass


class PrefetchedAutocompleteSelectMultiple(_PrefetchedChoicesMixin, AutocompleteSelectMultiple):
    pass


class PrefetchedAutocompleteInlineMixin:
    """For inlines with ``autocomplete_fields``: label every row's choices from one query per
    field, so a change page costs the same number of queries with 1 or 500 inline rows."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in self.autocomplete_fields:
            widget_class = (
                PrefetchedAutocompleteSelectMultiple
                if db_field.many_to_many
                else PrefetchedAutocompleteSelect
            )
            kwargs["widget"] = widget_class(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        for name in self.autocomplete_fields:
            form_field = formset.form.base_fields.get(name)
            if form_field is None:
                continue
            widget = form_field.widget
            inner = getattr(widget, "widget", widget)  # unwrap RelatedFieldWidgetWrapper
            if not isinstance(inner, _PrefetchedChoicesMixin):
                continue
            # Widgets are shallow-copied into each form, so all rows share this dict.
            inner.prefetched = self._selected_choices(name, obj, form_field)
        return formset

    def _selected_choices(self, name, obj, form_field) -> dict[str, object]:
        if obj is None or obj.pk is None:
            return {}
        fk_name = self.fk_name or next(
            f.name
            for f in self.model._meta.get_fields()
            if f.many_to_one and f.related_model is type(obj)
        )
        used = self.model._default_manager.filter(**{fk_name: obj}).values(name)
        queryset = form_field.queryset.filter(pk__in=used)
        return {str(item.pk): item for item in queryset}


# --- spreadsheet import and export ---------------------------------------------------------------


#: Rows of an admin CSV export per piece sent; a longer export streams (as the site's do).
ROWS_PER_CHUNK = 1000


def _resource_rows(resource, queryset, fields, kwargs) -> Iterator[list]:
    """``resource.export()``'s rows as it makes them (import-export 4.4: before_export,
    filter_export, then export_resource per record of ``iter_queryset``: a chunk of records at
    a time, ``LabResource``), without gathering them into a Dataset. ``after_export`` gets no
    Dataset, so no resource of the project may define one (tested)."""
    resource.before_export(queryset, **kwargs)
    queryset = resource.filter_export(queryset, **kwargs)
    for record in resource.iter_queryset(queryset):
        yield resource.export_resource(record, selected_fields=fields, **kwargs)


class LabCSV(base_formats.CSV):
    """Admin CSV export written like the site's downloads (lab.core.spreadsheets): UTF-8 with a
    byte order mark for Excel, CRLF rows, every formula-like cell escaped."""

    def can_import(self):
        return False

    def is_binary(self):
        return True  # export_data returns bytes

    def export_data(self, dataset, **kwargs):
        return self.export_rows(dataset.headers or [], dataset)

    def export_rows(self, headers, rows, *, title: str = "") -> bytes:
        return csv_bytes(headers, rows)

    def export_response(self, headers, rows, *, title: str = "", filename: str):
        """The export as the admin sends it: written as it is read once longer than
        ``ROWS_PER_CHUNK`` rows (a StreamingHttpResponse), whole below that."""
        return attachment_or_stream(
            csv_chunks(headers, rows, rows_per_chunk=ROWS_PER_CHUNK),
            content_type=self.get_content_type(),
            filename=filename,
        )


class LabXLSX(base_formats.XLSX):
    """Admin XLSX export through openpyxl's write-only mode (memory stays flat), cells escaped,
    numbers and booleans native."""

    def can_import(self):
        return False

    def export_data(self, dataset, **kwargs):
        return self.export_rows(dataset.headers or [], dataset, title=dataset.title or "")

    def export_rows(self, headers, rows, *, title: str = "") -> bytes:
        return xlsx_bytes(headers, rows, title=title or "Export")

    def export_response(self, headers, rows, *, title: str = "", filename: str):
        """The workbook whole: XLSX is a zip, finished only at its end (openpyxl streams the
        rows to a temporary file meanwhile), as the site's downloads send it."""
        return attachment(
            self.export_rows(headers, rows, title=title),
            content_type=self.get_content_type(),
            filename=filename,
        )


class LabImportForm(ImportForm):
    """The library's import form, refusing a file over the upload cap before anything reads
    it: ``ImportMixin.import_action`` copies the whole upload into memory first."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        try:
            check_upload_size(upload)
        except UploadError as error:
            raise forms.ValidationError(str(error)) from None
        return upload


CONFIRM_SALT = "lab.core.admin.confirm-import"
CONFIRM_MAX_AGE = 3600  # seconds a preview can be confirmed


class SignedConfirmImportForm(ConfirmImportForm):
    """The confirm step of a spreadsheet import, signed. django-import-export posts the
    stored upload's name, the format and the resource back from hidden fields; taken as they
    come, a forged name reads (and then deletes) another temporary file, and a forged format
    index fails with a 500. Here the preview signs them with the user's id, and the confirm
    uses only the signed values: a changed, expired or someone else's confirmation is refused
    with a message, never a 500."""

    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user_pk=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user_pk = user_pk
        for name in ("import_file_name", "original_file_name", "format"):
            self.fields[name].required = False  # the token carries them

    @staticmethod
    def sign(*, user_pk, name: str, original: str, fmt, resource) -> str:
        values = {"user": user_pk, "name": name, "original": original, "format": fmt}
        values["resource"] = resource
        return signing.dumps(values, salt=CONFIRM_SALT)

    def clean(self):
        cleaned = super().clean()
        try:
            data = signing.loads(
                cleaned.get("token") or "", salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE
            )
            if data["user"] != self.user_pk:
                raise signing.BadSignature("another user's upload")
            int(data["format"])
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise forms.ValidationError(
                "This confirmation has expired or was changed: upload the file again."
            ) from None
        cleaned.update(
            import_file_name=data["name"],
            original_file_name=data["original"],
            format=data["format"],
            resource=data["resource"],
        )
        return cleaned


class SafeImportExportMixin(ImportMixin, ExportActionMixin):
    """django-import-export in the admin, with the lab's rules (docs/spreadsheets.md):

    - import needs both add and change permission on the model, export needs view (Django's
      view-or-change); members and visitors never reach the admin at all;
    - uploads are read by ``lab.core.uploads`` (SafeCSV, SafeXLSX), whose errors are shown as they
      are; exports are written by ``lab.core.spreadsheets`` with every cell escaped;
    - the preview is a dry run, the confirm imports through ``lab.core.importing.import_dataset``:
      all or nothing, problems named by row and column, one admin log entry per record added or
      changed, in the user's name (``import_dataset`` writes them, so the library's own log
      entries are switched off here to avoid doubles);
    - "Export selected" is an action of the change list (ExportActionMixin);
    - the export queryset gets what the resource reads (``resource.with_related``), so an
      export runs a fixed number of queries.
    """

    import_formats = [SafeCSV, SafeXLSX]
    import_form_class = LabImportForm
    confirm_form_class = SignedConfirmImportForm
    export_formats = [LabCSV, LabXLSX]
    import_template_name = "admin/lab/spreadsheet_import.html"
    import_export_change_list_template = "admin/import_export/change_list_import_export.html"
    # Every column, always: the selectable-fields form builds its checkboxes from a resource
    # made without the request's options, so it would drop the private columns lab admins get.
    export_form_class = ExportForm

    def has_import_permission(self, request):
        """Add and change on the model, and on every model its import writes besides (a
        paper's byline rows, awards and new people: ``LabResource.also_writes``)."""
        return (
            self.has_add_permission(request)
            and self.has_change_permission(request)
            and all(
                request.user.has_perms(resource.import_permissions())
                for resource in self.get_import_resource_classes(request)
            )
        )

    def get_confirm_form_kwargs(self, request, import_form=None):
        return {**super().get_confirm_form_kwargs(request, import_form), "user_pk": request.user.pk}

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["token"] = SignedConfirmImportForm.sign(
                user_pk=request.user.pk,
                name=initial["import_file_name"],
                original=initial["original_file_name"],
                fmt=initial["format"],
                resource=initial["resource"],
            )
        return initial

    def process_import(self, request, **kwargs):
        try:
            return super().process_import(request, **kwargs)
        except OSError:  # the stored upload is gone (expired, or already imported)
            messages.error(request, "The upload has expired or cannot be found: upload it again.")
            info = self.opts.app_label, self.opts.model_name
            return HttpResponseRedirect(reverse("admin:{}_{}_import".format(*info)))

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        # The preview (import_action's dry run) judges the file the way the confirm will.
        kwargs.update(use_transactions=True, rollback_on_validation_errors=True)
        return kwargs

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, UploadError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def process_dataset(self, dataset, form, request, **kwargs):
        file_name = kwargs.pop("file_name", None) or form.cleaned_data.get("original_file_name")
        resource_kwargs = self.get_import_resource_kwargs(request, form=form, **kwargs)
        resource = self.choose_import_resource_class(form, request)(**resource_kwargs)
        outcome = import_dataset(
            resource, dataset, user=request.user, dry_run=False, file_name=file_name
        )
        return outcome.result

    def process_result(self, result, request):
        outcome = outcome_of(result, dry_run=False)
        if not outcome.ok:
            # The records changed between the preview and the confirm: nothing was written.
            messages.error(request, "Nothing was imported: the file has problems (see below).")
            form_class = self.get_import_form_class(request)
            form = form_class(self.get_import_formats(), self.get_import_resource_classes(request))
            context = {
                **self.get_import_context_data(),
                **self.admin_site.each_context(request),
                "title": "Import",
                "form": form,
                "opts": self.model._meta,
                "media": self.media + form.media,
                "result": result,
                "import_error_display": self.import_error_display,
            }
            request.current_app = self.admin_site.name
            return TemplateResponse(request, [self.import_template_name], context)
        messages.success(request, f"Import finished: {outcome.summary()}.")
        post_import.send(sender=None, model=self.model)
        url = reverse(
            "admin:{}_{}_changelist".format(*self.get_model_info()),
            current_app=self.admin_site.name,
        )
        return HttpResponseRedirect(url)

    def generate_log_entries(self, result, request):
        """import_dataset already logged the import, in the same transaction."""

    def get_valid_export_item_pks(self, request):
        # "Export selected" may export what the user may see; overriding the library's
        # deprecated default also keeps its DeprecationWarning away.
        return self.get_queryset(request).values_list("pk", flat=True)

    def get_export_data(self, file_format, request, queryset, **kwargs):
        headers, rows = self._export_rows_for(file_format, request, queryset, **kwargs)
        return file_format.export_rows(headers, rows, title=self._export_title())

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        """The library's export view's last step (import-export 4.4), with the file written as
        it is sent: a long CSV streams from the rows as they are read (the papers' rows come
        from streamed queries, ``PaperAdmin.export_resource_rows``), so a 20,000-paper export
        is never whole in memory; XLSX is sent whole, as the site sends it."""
        headers, rows = self._export_rows_for(
            file_format, request, queryset, encoding=self.to_encoding, export_form=export_form
        )
        response = file_format.export_response(
            headers,
            rows,
            title=self._export_title(),
            filename=self.get_export_filename(request, queryset, file_format),
        )
        post_export.send(sender=None, model=self.model)
        return response

    def _export_rows_for(self, file_format, request, queryset, **kwargs):
        if not self.has_export_permission(request):
            raise PermissionDenied
        # Numbers and booleans stay native in XLSX (the library decides by exact class, which
        # would miss LabXLSX); CSV is text anyway.
        kwargs["force_native_type"] = isinstance(file_format, base_formats.XLSX)
        return self.get_export_rows(request, queryset, **kwargs)

    def _export_title(self) -> str:
        return str(self.opts.verbose_name_plural).capitalize()

    def get_export_rows(self, request, queryset, **kwargs) -> tuple[list, Iterable]:
        """(headers, rows) of the export, from the resource the export form chose."""
        form = kwargs.get("export_form")
        resource_class = self.choose_export_resource_class(form, request)
        resource = resource_class(**self.get_export_resource_kwargs(request, **kwargs))
        fields = self.get_export_resource_fields_from_form(form)
        rows = self.export_resource_rows(resource, queryset, fields=fields, **kwargs)
        return resource.get_export_headers(selected_fields=fields), rows

    def export_resource_rows(self, resource, queryset, *, fields, **kwargs) -> Iterable:
        """The rows, made by the resource one record at a time as the file is written, its
        related records fetched with the queryset (``resource.with_related``): what the
        resource's ``export()`` puts in a tablib Dataset, without the Dataset (a 120,000-row
        export is never whole in memory). PaperAdmin has a faster path."""
        with_related = getattr(resource, "with_related", None)
        if with_related is not None:
            queryset = with_related(queryset)
        return _resource_rows(resource, queryset, fields, kwargs)
