"""Recent changes: every version of every record of the lab, newest first, for lab admins
(``/admin/recent-changes/``, linked from the admin index).

One UNION ALL query over the history tables of the lab's models gives a page of changes (and
one its count), whatever the number of changes or models; the users' names come with it.
Filters: who made the change, which kind of record, from and to a date. Each row links to the
record's history page, or, for a deleted record, to the deleted records of its kind.
"""


from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import CharField, F, IntegerField, Value
from django.db.models.functions import Cast, Coalesce, Concat, NullIf
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_safe

from lab.core.records import ordered_models
from lab.groups import may_curate

CHANGES_PER_PAGE = 50

#: How a record of each model is named in the list (fields of its history table).
LABELS = {
    "people.Institution": Coalesce(NullIf(F("short_name"), Value("")), F("name")),
    "people.Person": F("name"),
    "people.Role": F("title"),
    "people.Award": F("title"),
    "publications.Venue": Coalesce(NullIf(F("short_name"), Value("")), F("name")),
    "publications.Keyword": F("name"),
    "publications.Paper": F("title"),
    "publications.Authorship": Concat(
        Cast("position", CharField()),
        Value(". "),
        Coalesce(NullIf(F("printed_name"), Value("")), F("person__name")),
    ),
    "publications.PaperAward": F("title"),
    "publications.Service": F("kind"),
}
TYPES = {"+": "added", "~": "changed", "-": "deleted"}


class ChangesFilter(forms.Form):
    user = forms.ModelChoiceField(queryset=None, required=False, empty_label="Anyone")
    kind = forms.ChoiceField(required=False, label="Record")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput({"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput({"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = get_user_model().objects.filter(
            pk__in=_editors()
        ).order_by("username")
        self.fields["kind"].choices = [("", "Any"), *_kinds()]


def _kinds() -> list[tuple[str, str]]:
    return [
        (model._meta.label, str(model._meta.verbose_name_plural).capitalize())
        for model in ordered_models()
    ]


def _editors():
    """The ids of the users who made a change, as a subquery over every history table."""
    parts = [
        model.history.exclude(history_user=None).order_by().values("history_user")
        for model in ordered_models()
    ]
    first, *rest = parts
    return first.union(*rest)


def _changes(*, user=None, kind: str = "", since=None, until=None):
    """The versions of the lab's records as rows of plain values, newest first (one query)."""
    parts = []
    for number, model in enumerate(ordered_models()):
        if kind and model._meta.label != kind:
            continue
        versions = model.history.all()
        if user is not None:
            versions = versions.filter(history_user=user)
        if since is not None:
            versions = versions.filter(history_date__date__gte=since)
        if until is not None:
            versions = versions.filter(history_date__date__lte=until)
        parts.append(
            versions.order_by()
            .annotate(
                model_number=Value(number, output_field=IntegerField()),
                label=Cast(LABELS[model._meta.label], CharField()),
                username=F("history_user__username"),
            )
            .values(
                "history_id",
                "history_date",
                "history_type",
                "history_change_reason",
                "id",
                "model_number",
                "label",
                "username",
            )
        )
    if not parts:
        return []
    first, *rest = parts
    # Within one operation (one time), the records in the order they depend on each other.
    return first.union(*rest, all=True).order_by("-history_date", "model_number", "history_id")


def _row(values: dict, models: list) -> dict:
    model = models[values["model_number"]]
    opts = model._meta
    deleted = values["history_type"] == "-"
    name = "deleted" if deleted else "history"
    args = [] if deleted else [values["id"]]
    try:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}", args=args)
    except NoReverseMatch:
        url = ""
    return {
        **values,
        "kind": str(opts.verbose_name).capitalize(),
        "change": TYPES.get(values["history_type"], values["history_type"]),
        "url": url,
    }


@require_safe
def recent_changes(request):
    if not may_curate(request.user):
        raise PermissionDenied
    form = ChangesFilter(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    changes = _changes(
        user=filters.get("user"),
        kind=filters.get("kind") or "",
        since=filters.get("since"),
        until=filters.get("until"),
    )
    page = Paginator(changes, CHANGES_PER_PAGE).get_page(request.GET.get("page"))
    models = ordered_models()
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        **admin.site.each_context(request),
        "title": "Recent changes",
        "form": form,
        "page": page,
        "rows": [_row(values, models) for values in page.object_list],
        "query": query.urlencode(),
    }
    return TemplateResponse(request, "admin/lab/recent_changes.html", context)


urlpatterns = [
    path("", admin.site.admin_view(recent_changes), name="recent-changes"),
]
