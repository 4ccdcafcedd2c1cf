"""BibTeX import in the paper admin: upload or paste a .bib, preview, confirm.

The preview writes nothing. The confirm form carries the text back in a hidden field signed
with django.core.signing (with the digest of the previewed plan), so what is confirmed is
exactly what was previewed: a changed payload is refused, and if the records changed in the
meantime a fresh preview is shown instead of importing something else.
"""

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from people.services import same_as_choices
from publications.bibtex_import import (
    MAX_BIBTEX_BYTES,
    BibtexError,
    BibtexPlanError,
    bibtex_import,
    bibtex_plan,
    check_bibtex_text,
    may_import_bibtex,
    read_bibtex_bytes,
)

SIGNING_SALT = "publications.admin_bibtex.import"
PAYLOAD_MAX_AGE = 12 * 60 * 60  # seconds a preview can be confirmed


class BibtexImportForm(forms.Form):
    bibtex_file = forms.FileField(
        label="BibTeX file",
        required=False,
        help_text=f"A .bib file in UTF-8, at most {MAX_BIBTEX_BYTES // (1024 * 1024)} MB.",
    )
    bibtex_text = forms.CharField(
        label="Or paste BibTeX",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 100, "spellcheck": "false"}),
        help_text="Entries as exported by DBLP, Google Scholar, the ACM DL or arXiv.",
    )

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
                cleaned["text"] = read_bibtex_bytes(upload.read())
            else:
                cleaned["text"] = check_bibtex_text(pasted)
        except BibtexError as error:
            raise forms.ValidationError(str(error)) from None
        return cleaned


class BibtexConfirmForm(forms.Form):
    payload = forms.CharField(widget=forms.HiddenInput)

    @staticmethod
    def sign(text: str, fingerprint: str) -> str:
        return signing.dumps(
            {"text": text, "fingerprint": fingerprint}, salt=SIGNING_SALT, compress=True
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
        return data


def _new_names_with_coauthors(plan) -> dict[str, set[str]]:
    """Each name the plan would create a person for, with the names listed beside it."""
    found: dict[str, set[str]] = {}
    for entry in plan.new_papers:
        names = [author.name for author in entry.authors]
        for author in entry.authors:
            if author.is_new:
                found.setdefault(author.name, set()).update(n for n in names if n != author.name)
    return found


class BibtexImportAdminMixin:
    """Adds ``import-bibtex/`` to a Paper ModelAdmin, and an "Import BibTeX" button to its
    change list. Put it first among the admin's bases so its change_list_template is used;
    django-import-export's mixin then extends this template (it keeps a preset
    change_list_template as its base)."""

    change_list_template = "admin/publications/paper/change_list.html"
    import_bibtex_template = "admin/publications/paper/import_bibtex.html"

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
        if request.method == "POST" and "payload" in request.POST:
            return self._import_bibtex_confirm(request)

        if request.method == "GET":
            return self._import_bibtex_render(request, form=BibtexImportForm())
        form = BibtexImportForm(request.POST, request.FILES)
        if form.is_valid():
            return self._import_bibtex_preview(request, bibtex_plan(form.cleaned_data["text"]))
        return self._import_bibtex_render(request, form=form)

    def _import_bibtex_confirm(self, request):
        confirm = BibtexConfirmForm(request.POST)
        if not confirm.is_valid():
            return self._import_bibtex_render(
                request,
                form=BibtexImportForm(),
                confirm_errors=confirm.errors["payload"],
                status=400,
            )
        data = confirm.cleaned_data["payload"]
        same_as = [value for value in request.POST.getlist("same_as") if value]
        try:
            result = bibtex_import(
                text=data["text"],
                user=request.user,
                fingerprint=data["fingerprint"],
                same_as=same_as,
            )
        except BibtexPlanError as error:
            if error.plan.ok:
                messages.warning(request, str(error))
            return self._import_bibtex_preview(request, error.plan)

        parts = [f"{len(result.papers)} paper{'s' if len(result.papers) != 1 else ''}"]
        if result.people:
            parts.append(f"{len(result.people)} new people")
        if result.venues:
            parts.append(f"{len(result.venues)} new venue{'s' if len(result.venues) != 1 else ''}")
        summary = f"Imported {', '.join(parts)} from BibTeX."
        if result.plan.duplicates:
            summary += f" {len(result.plan.duplicates)} duplicate entries were not imported."
        messages.success(request, summary)
        info = self.opts.app_label, self.opts.model_name
        return HttpResponseRedirect(reverse("admin:{}_{}_changelist".format(*info)))

    def _import_bibtex_preview(self, request, plan):
        payload = None
        if plan.ok and plan.new_papers:
            payload = BibtexConfirmForm.sign(plan.text, plan.fingerprint())
        return self._import_bibtex_render(
            request,
            form=BibtexImportForm(),
            plan=plan,
            confirm_payload=payload,
            same_as=same_as_choices(_new_names_with_coauthors(plan)) if payload else [],
        )

    def _import_bibtex_render(self, request, *, status=200, **context):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import papers from BibTeX",
            "max_megabytes": MAX_BIBTEX_BYTES // (1024 * 1024),
            **context,
        }
        return TemplateResponse(request, self.import_bibtex_template, context, status=status)
