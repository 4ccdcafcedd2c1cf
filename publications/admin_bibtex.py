"""Paper import in the paper admin: upload a file (BibTeX, or another format of
``publications.bibtex_import.formats.FORMATS``) or paste BibTeX, preview, confirm.

The preview writes nothing and shows every entry's result: to be created, a duplicate of a
paper (or of an earlier entry), or an error with its reasons, each with the fields that would
not be imported. The confirm form carries the text back in a hidden field signed with
django.core.signing (with the digest of the previewed plan and the file's format), so what is
confirmed is exactly what was previewed: a changed payload is refused, and if the records
changed in the meantime a fresh preview is shown instead of importing something else.

All or nothing by default. When some entries have errors and others would be imported, the
preview offers a second button, "Import all but the entries with errors" (a ``skip_errors``
field of the post, honoured only when the signed payload says the preview offered it); the
result page then lists the entries left out with their reasons, and a button posts their .bib
back, signed, to be downloaded (``skipped_bibtex``): nothing is kept on the server.
"""

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from people.services import same_as_choices
from publications.bibtex_import import (
    FORMATS,
    MAX_BIBTEX_BYTES,
    BibtexError,
    BibtexPlanError,
    bibtex_import,
    bibtex_plan,
    check_bibtex_text,
    format_for,
    may_import_bibtex,
    read_bibtex_bytes,
    skipped_file,
)

SIGNING_SALT = "publications.admin_bibtex.import"
SKIPPED_SALT = "publications.admin_bibtex.skipped"
PAYLOAD_MAX_AGE = 12 * 60 * 60  # seconds a preview can be confirmed, or its skipped entries had
SKIPPED_FILENAME = "skipped-entries"


def _formats_help() -> str:
    named = [f"{fmt.label} ({', '.join(fmt.extensions)})" for fmt in FORMATS.values()]
    return (
        f"{'; '.join(named)}: the format is told by the file's extension (anything else is read "
        f"as BibTeX). UTF-8, at most {MAX_BIBTEX_BYTES // (1024 * 1024)} MB."
    )


class BibtexImportForm(forms.Form):
    bibtex_file = forms.FileField(label="BibTeX file", required=False)
    bibtex_text = forms.CharField(
        label="Or paste BibTeX",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 100, "spellcheck": "false"}),
        help_text="Entries as exported by DBLP, Google Scholar, the ACM DL or arXiv.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The formats registered when the page is shown (other readers add theirs).
        field = self.fields["bibtex_file"]
        field.help_text = _formats_help()
        if len(FORMATS) > 1:
            field.label = "File (" + ", ".join(fmt.label for fmt in FORMATS.values()) + ")"

    def clean(self):
        cleaned = super().clean()
        upload, pasted = cleaned.get("bibtex_file"), cleaned.get("bibtex_text", "")
        if upload and pasted.strip():
            raise forms.ValidationError("Upload a file or paste text, not both.")
        if not upload and not pasted.strip():
            raise forms.ValidationError("Upload a .bib file or paste BibTeX entries.")
        try:
            if upload:
                if upload.size > MAX_BIBTEX_BYTES:
                    # Refused before reading it into memory.
                    raise BibtexError(
                        f"The file is larger than {MAX_BIBTEX_BYTES // (1024 * 1024)} MB: "
                        "split it and import the parts one by one."
                    )
                cleaned["format"] = format_for(upload.name or "").name
                cleaned["text"] = read_bibtex_bytes(upload.read())
            else:
                cleaned["format"] = "bibtex"  # pasted text is BibTeX
                cleaned["text"] = check_bibtex_text(pasted)
        except BibtexError as error:
            raise forms.ValidationError(str(error)) from None
        return cleaned


class BibtexConfirmForm(forms.Form):
    payload = forms.CharField(widget=forms.HiddenInput)
    #: The second button: "Import all but the entries with errors".
    skip_errors = forms.BooleanField(required=False)

    @staticmethod
    def sign(text: str, fingerprint: str, *, format: str = "bibtex", may_skip: bool = False):
        return signing.dumps(
            {"text": text, "fingerprint": fingerprint, "format": format, "may_skip": may_skip},
            salt=SIGNING_SALT,
            compress=True,
        )

    def clean_payload(self):
        try:
            data = signing.loads(
                self.cleaned_data["payload"], salt=SIGNING_SALT, max_age=PAYLOAD_MAX_AGE
            )
        except signing.SignatureExpired:
            raise forms.ValidationError(
                "This preview is too old to confirm: upload the file again."
            ) from None
        except signing.BadSignature:
            raise forms.ValidationError(
                "The confirmation does not match the preview: upload the file again."
            ) from None
        if data.get("format", "bibtex") not in FORMATS:
            raise forms.ValidationError(
                f"The file's format ({data['format']}) can no longer be read: upload it again."
            )
        return data

    def clean(self):
        cleaned = super().clean()
        data = cleaned.get("payload")
        if cleaned.get("skip_errors") and data is not None and not data.get("may_skip"):
            # The preview offered no such choice (nothing had errors, or nothing would remain).
            raise forms.ValidationError(
                "This preview did not offer to import all but the entries with errors: "
                "upload the file again."
            )
        return cleaned


class SkippedDownloadForm(forms.Form):
    """The skipped entries' .bib, signed into the result page and posted back to download."""

    skipped = forms.CharField(widget=forms.HiddenInput)

    @staticmethod
    def sign(text: str, extension: str) -> str:
        return signing.dumps(
            {"text": text, "extension": extension}, salt=SKIPPED_SALT, compress=True
        )

    def clean_skipped(self):
        try:
            return signing.loads(
                self.cleaned_data["skipped"], salt=SKIPPED_SALT, max_age=PAYLOAD_MAX_AGE
            )
        except signing.SignatureExpired:
            raise forms.ValidationError(
                "This list of skipped entries is too old to download: import the file again "
                "for a fresh one, or fix the entries in the original file."
            ) from None
        except signing.BadSignature:
            raise forms.ValidationError(
                "The skipped entries do not match what was imported: download them from the "
                "result page again."
            ) from None


def _new_names_with_coauthors(plan) -> dict[str, set[str]]:
    """Each name the plan would create a person for, with the names listed beside it."""
    found: dict[str, set[str]] = {}
    for entry in plan.new_papers:
        names = [author.name for author in entry.authors]
        for author in entry.authors:
            if author.is_new:
                found.setdefault(author.name, set()).update(n for n in names if n != author.name)
    return found


def _summary(result) -> str:
    parts = [f"{len(result.papers)} paper{'s' if len(result.papers) != 1 else ''}"]
    if result.people:
        parts.append(f"{len(result.people)} new people")
    if result.venues:
        parts.append(f"{len(result.venues)} new venue{'s' if len(result.venues) != 1 else ''}")
    label = FORMATS[result.format].label
    summary = f"Imported {', '.join(parts)} from {label}."
    if result.plan.duplicates:
        summary += f" {len(result.plan.duplicates)} duplicate entries were not imported."
    if result.skipped:
        count = len(result.skipped)
        summary += (
            f" {count} entr{'y' if count == 1 else 'ies'} with errors "
            f"{'was' if count == 1 else 'were'} left out."
        )
    return summary


class BibtexImportAdminMixin:
    """Adds ``import-bibtex/`` to a Paper ModelAdmin, and an "Import BibTeX" button to its
    change list. Put it first among the admin's bases so its change_list_template is used;
    django-import-export's mixin then extends this template (it keeps a preset
    change_list_template as its base)."""

    change_list_template = "admin/publications/paper/change_list.html"
    import_bibtex_template = "admin/publications/paper/import_bibtex.html"
    import_bibtex_result_template = "admin/publications/paper/import_bibtex_result.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "import-bibtex/",
                self.admin_site.admin_view(self.import_bibtex_view),
                name="{}_{}_import_bibtex".format(*info),
            ),
            *super().get_urls(),
        ]

    def has_bibtex_import_permission(self, request) -> bool:
        return may_import_bibtex(request.user)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "has_bibtex_import_permission": self.has_bibtex_import_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def import_bibtex_view(self, request):
        if not self.has_bibtex_import_permission(request):
            raise PermissionDenied
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        if request.method == "POST" and "skipped" in request.POST:
            return self._import_bibtex_skipped_download(request)
        if request.method == "POST" and "payload" in request.POST:
            return self._import_bibtex_confirm(request)

        if request.method == "GET":
            return self._import_bibtex_render(request, form=BibtexImportForm())
        form = BibtexImportForm(request.POST, request.FILES)
        if form.is_valid():
            fmt = form.cleaned_data["format"]
            try:
                plan = bibtex_plan(form.cleaned_data["text"], format=fmt)
            except BibtexError as error:
                form.add_error(None, str(error))
                return self._import_bibtex_render(request, form=form)
            return self._import_bibtex_preview(request, plan, fmt)
        return self._import_bibtex_render(request, form=form)

    def _import_bibtex_confirm(self, request):
        confirm = BibtexConfirmForm(request.POST)
        if not confirm.is_valid():
            errors = [
                str(message) for messages_ in confirm.errors.values() for message in messages_
            ]
            return self._import_bibtex_render(
                request, form=BibtexImportForm(), confirm_errors=errors, status=400
            )
        data = confirm.cleaned_data["payload"]
        fmt = data.get("format", "bibtex")
        skip_errors = confirm.cleaned_data["skip_errors"]
        same_as = [value for value in request.POST.getlist("same_as") if value]
        try:
            result = bibtex_import(
                text=data["text"],
                user=request.user,
                fingerprint=data["fingerprint"],
                same_as=same_as,
                skip_errors=skip_errors,
                format=fmt,
            )
        except BibtexPlanError as error:
            if error.plan.ok or skip_errors:
                messages.warning(request, str(error))
            elif error.plan.with_errors:
                count = len(error.plan.with_errors)
                messages.warning(
                    request,
                    f"Nothing was imported: {count} entr{'y has' if count == 1 else 'ies have'} "
                    "errors. Fix them and upload the file again"
                    + (", or import all but them." if error.plan.can_skip_errors else "."),
                )
            return self._import_bibtex_preview(request, error.plan, fmt)
        summary = _summary(result)
        if result.skipped:
            return self._import_bibtex_render(
                request,
                template=self.import_bibtex_result_template,
                title="Papers imported, entries with errors left out",
                result=result,
                summary=summary,
                skipped_payload=SkippedDownloadForm.sign(
                    skipped_file(result.plan, result.skipped, fmt), FORMATS[fmt].extensions[0]
                ),
            )
        messages.success(request, summary)
        info = self.opts.app_label, self.opts.model_name
        return HttpResponseRedirect(reverse("admin:{}_{}_changelist".format(*info)))

    def _import_bibtex_skipped_download(self, request):
        download = SkippedDownloadForm(request.POST)
        if not download.is_valid():
            return self._import_bibtex_render(
                request,
                form=BibtexImportForm(),
                confirm_errors=download.errors["skipped"],
                status=400,
            )
        data = download.cleaned_data["skipped"]
        response = HttpResponse(data["text"], content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{SKIPPED_FILENAME}{data["extension"]}"'
        )
        return response

    def _import_bibtex_preview(self, request, plan, fmt: str = "bibtex"):
        payload = None
        can_confirm = plan.ok and bool(plan.new_papers)
        can_skip = plan.can_skip_errors
        if can_confirm or can_skip:
            payload = BibtexConfirmForm.sign(
                plan.text, plan.fingerprint(), format=fmt, may_skip=can_skip
            )
        return self._import_bibtex_render(
            request,
            form=BibtexImportForm(),
            plan=plan,
            format_label=FORMATS[fmt].label,
            confirm_payload=payload,
            can_confirm=can_confirm,
            can_skip_errors=can_skip,
            same_as=same_as_choices(_new_names_with_coauthors(plan)) if payload else [],
        )

    def _import_bibtex_render(self, request, *, status=200, template=None, **context):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import papers from BibTeX",
            "max_megabytes": MAX_BIBTEX_BYTES // (1024 * 1024),
            **context,
        }
        return TemplateResponse(
            request, template or self.import_bibtex_template, context, status=status
        )
