"""Curation in the admin: history with diffs, revert, deleted records and restore, merging two
records. Mixed into the model admins of the lab's apps (``CurationAdmin``).

- Every write made through the admin's forms, deletes and actions is recorded in history as
  "admin edit" by the user (lab.core.history.recorded).
- History (django-simple-history's page): each version with its field-by-field changes. Its
  "revert" page is replaced by a confirmation listing what would change; confirming calls
  ``revert`` (a model admin may override it: a paper reverts with its byline).
- ``deleted/``: the records of the model that were deleted, each with "Restore" (``restore``).
- "Merge two selected …": an action on the change list, for two records, leading to a
  confirmation page where the lab admin chooses the record that stays and sees what will move
  and what stands in the way; confirming calls the model admin's ``merge_service``.

Permissions: history needs view; revert needs change; restore needs add; merge needs change
and delete (the dropped record is deleted). Members and visitors never reach the admin.
"""

import datetime

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    _coerce_field_name,
    items_for_result,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    lookup_field,
    quote,
    unquote,
)
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.functional import cached_property
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from lab.core.changelists import GenerationCountPaginator
from lab.core.history import recorded, restore_record, revert_record
from lab.core.merging import MergeError

ADMIN_EDIT = "admin edit"
DELETED_PER_PAGE = 50

#: Stands for a row's pk in its change form's URL (CurationChangeList.url_for_result).
_PK_MARK = "__pk__"


class CurationChangeList(ChangeList):
    """Django's change list, but for the link of each row to its change form: one ``reverse()``
    per page with a mark for the pk, instead of one per row (100 URL resolutions a page)."""

    @cached_property
    def _change_url(self) -> str:
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
            args=(_PK_MARK,),
            current_app=self.model_admin.admin_site.name,
        )

    def url_for_result(self, result):
        return self._change_url.replace(_PK_MARK, str(quote(getattr(result, self.pk_attname))))

    def result_rows(self) -> list[ResultList]:
        """The page's rows as Django's ``items_for_result`` writes them, cell for cell, with
        what does not change from row to row worked out once per column (``_Column``) instead
        of once per cell: the field or callable a column shows (Django finds a method's column
        by failing to find it as a field, an exception per cell), its classes, its link and the
        link's preserved filters (a URL resolution per row). A column that shows an attribute
        or property of the model is looked up per row by Django's own ``lookup_field``. Lists
        with editable columns (a form per row), popups and a subclass's own row links are left
        to Django."""
        own_links = type(self).url_for_result is not CurationChangeList.url_for_result
        if getattr(self, "formset", None) or self.is_popup or own_links:
            return [ResultList(None, items_for_result(self, row, None)) for row in self.result_list]
        columns = _columns(self)
        return [
            ResultList(None, [column.cell(row) for column in columns]) for row in self.result_list
        ]


class _Column:
    """One column of a change list, as ``items_for_result`` treats it."""

    def __init__(self, changelist: ChangeList, index: int, name, linked: bool, first: bool):
        admin = changelist.model_admin
        self.name, self.admin = name, admin
        self.empty = admin.get_empty_value_display()
        self.field = self.attr = None
        self.by_lookup = False
        try:
            self.field = _get_non_gfk_field(changelist.lookup_opts, name)
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            if callable(name):
                self.attr = name
            elif hasattr(admin, name) and name != "__str__":
                self.attr = getattr(admin, name)
            else:
                self.by_lookup = True  # an attribute, property or __str__ of the model
        if self.attr is not None:
            self.empty = getattr(self.attr, "empty_value_display", self.empty)
        self.classes = [f"field-{_coerce_field_name(name, index)}"]
        if self.field is None or self.field.auto_created:
            if name == "action_checkbox":
                self.classes = ["action-checkbox"]
        elif isinstance(self.field, (models.DateField, models.TimeField, models.ForeignKey)):
            self.classes.append("nowrap")
        self.linked, self.tag = linked, ("th" if first else "td")
        self.link = None
        if linked:
            try:
                url = changelist._change_url
            except NoReverseMatch:
                url = None  # no change form: the cell is its text
            if url is not None:
                context = {"preserved_filters": changelist.preserved_filters}
                self.link = add_preserved_filters({**context, "opts": changelist.opts}, url)
        self.row_class = _class_attribute(self.classes)
        self.pk_attname = changelist.pk_attname

    def cell(self, row) -> str:
        row_class, field, empty = self.row_class, self.field, self.empty
        try:
            if self.by_lookup:
                field, attr, value = lookup_field(self.name, row, self.admin)
                empty = getattr(attr, "empty_value_display", empty)
            elif field is None:
                attr, value = self.attr, self.attr(row)
            else:
                attr, value = None, getattr(row, self.name)
        except ObjectDoesNotExist:
            shown = empty
        else:
            if isinstance(value, str) and value.strip() == "":
                value = ""
            if field is None or field.auto_created:
                boolean = getattr(attr, "boolean", False)
                if isinstance(attr, property) and hasattr(attr, "fget"):
                    boolean = getattr(attr.fget, "boolean", False)
                shown = display_for_value(value, empty, boolean)
                if isinstance(value, (datetime.date, datetime.time)):
                    row_class = _class_attribute([*self.classes, "nowrap"])
            elif isinstance(field.remote_field, models.ManyToOneRel):
                related = getattr(row, field.name)
                shown = empty if related is None else related
            else:
                shown = display_for_field(value, field, empty, avoid_link=self.linked)
        # What format_html does, as Django writes the cell: every value escaped (the class
        # attribute and the tag are the column's own).
        shown = conditional_escape(shown)
        if not self.linked:
            return mark_safe(f"<td{row_class}>{shown}</td>")  # noqa: S308 (escaped above)
        if self.link is not None:
            pk = str(quote(getattr(row, self.pk_attname)))
            url = conditional_escape(self.link.replace(_PK_MARK, pk))
            shown = f'<a href="{url}">{shown}</a>'
        return mark_safe(f"<{self.tag}{row_class}>{shown}</{self.tag}>")  # noqa: S308 (escaped)


def _class_attribute(classes: list[str]) -> str:
    return format_html(' class="{}"', " ".join(classes))


def _columns(changelist: ChangeList) -> list[_Column]:
    links = changelist.list_display_links
    columns, first = [], True
    for index, name in enumerate(changelist.list_display):
        linked = links is not None and ((first and not links) or name in links)
        columns.append(_Column(changelist, index, name, linked, first and linked))
        if linked:
            first = False
    return columns


class CurationAdmin(SimpleHistoryAdmin):
    #: The change list's count kept until the next write (lab.core.changelists).
    paginator = GenerationCountPaginator
    #: The merge service of the model (keyword-only: keep, drop, user) and its plan (keep,
    #: drop): a model admin that can merge sets both (staticmethod).
    merge_service = None
    merge_plan = None
    #: The duplicate suggestions involving one record (people.duplicates.person_suggestions
    #: and the like): shown on its change page, read only, with links to merge.
    duplicates_of = None

    def get_changelist(self, request, **kwargs):
        return CurationChangeList

    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle">'))
    def action_checkbox(self, obj):
        """The change list's checkbox of a row: the markup of Django's own (the admin's
        actions.js selects by its class and name), written directly. Django renders it through
        the CheckboxInput widget's template, a third of a 100-row change list's time."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(_("Select this object for an action - {}"), obj),
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self.duplicates_of is not None and obj is not None:
            readonly.append("suspected_duplicates")
        return readonly

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.duplicates_of is None or obj is None:
            return fieldsets
        shown = [name for _, options in fieldsets for name in options["fields"]]
        if "suspected_duplicates" in shown:
            return fieldsets
        return [*fieldsets, ("Suspected duplicates", {"fields": ["suspected_duplicates"]})]

    @admin.display(description="may be the same as")
    def suspected_duplicates(self, obj):
        suggestions = type(self).duplicates_of(obj) if obj is not None and obj.pk else []
        if not suggestions:
            return "No suspected duplicates."
        items = []
        for suggestion in suggestions:
            other = suggestion.second if suggestion.first.pk == obj.pk else suggestion.first
            if not isinstance(other, self.model):
                continue
            ids = f"{min(obj.pk, other.pk)},{max(obj.pk, other.pk)}"
            if suggestion.kind == "version":  # two versions of one work: linked, not merged
                action = format_html("{}", "another version of this work: link them")
            else:
                url = f"{self._curation_url('merge')}?ids={ids}"
                action = format_html('<a href="{}">Merge</a>', url)
            items.append(
                format_html(
                    '<li><a href="{}">{}</a> (score {}): {} &middot; {}</li>',
                    self._curation_url("change", other.pk),
                    other,
                    f"{suggestion.score:.0f}",
                    "; ".join(suggestion.evidence),
                    action,
                )
            )
        return format_html("<ul>{}</ul>", format_html_join("", "{}", ((item,) for item in items)))

    # -- every admin write is recorded -------------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with recorded(ADMIN_EDIT, user=request.user):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        with recorded(ADMIN_EDIT, user=request.user):
            return super().delete_view(request, object_id, extra_context)

    def changelist_view(self, request, extra_context=None):
        with recorded(ADMIN_EDIT, user=request.user):
            return super().changelist_view(request, extra_context)

    # -- urls ----------------------------------------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path("deleted/", wrap(self.deleted_view), name="{}_{}_deleted".format(*info)),
            path(
                "deleted/<int:version_id>/restore/",
                wrap(self.restore_view),
                name="{}_{}_restore".format(*info),
            ),
            path("merge/", wrap(self.merge_view), name="{}_{}_merge".format(*info)),
            *super().get_urls(),
        ]

    def _curation_url(self, name: str, *args) -> str:
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}",
            args=args,
            current_app=self.admin_site.name,
        )

    def _render_curation(self, request, template: str, title: str, **context):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            **context,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, template, context)

    # -- revert --------------------------------------------------------------------------------

    def revert(self, request, obj, version):
        """Give ``obj`` the fields and links of ``version``; a model admin may do more."""
        return revert_record(obj, version)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("No such record.")
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        version = get_object_or_404(self.model.history.model, id=obj.pk, history_id=version_id)
        if request.method == "POST":
            when = f"{version.history_date:%Y-%m-%d %H:%M:%S}"
            try:
                with recorded(f"revert to the version of {when}", user=request.user):
                    self.revert(request, obj, version)
            except (MergeError, ValueError) as error:
                messages.error(request, f"Not reverted: {error}")
            else:
                messages.success(request, f"“{obj}” is back as it was on {when}.")
            return HttpResponseRedirect(self._curation_url("history", obj.pk))
        current = self.model.history.filter(id=obj.pk).order_by("-history_date").first()
        changes = current.diff_against(version).changes if current is not None else []
        return self._render_curation(
            request,
            "admin/lab/curation/revert.html",
            f"Revert {self.opts.verbose_name} “{obj}”",
            original=obj,
            version=version,
            changes=changes,
            extra=self.revert_preview(obj, version),
        )

    def revert_preview(self, obj, version) -> list[tuple[str, str, str]]:
        """More lines for the revert page: (what, now, then). A paper shows its byline."""
        return []

    # -- deleted records -----------------------------------------------------------------------

    def restore(self, request, version):
        """Bring back the record ``version`` deleted; a model admin may bring back more."""
        return restore_record(self.model, version)

    def deleted_versions(self):
        history = self.model.history.model
        live = self.model._default_manager.values("pk")
        return (
            history.objects.filter(history_type="-")
            .exclude(id__in=live)
            .select_related("history_user")
            .order_by("-history_date", "-history_id")
        )

    def deleted_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        seen, rows = set(), []
        page = Paginator(self.deleted_versions(), DELETED_PER_PAGE).get_page(request.GET.get("p"))
        for version in page.object_list:
            if version.id not in seen:  # the latest deletion of a record deleted twice
                seen.add(version.id)
                rows.append(version)
        return self._render_curation(
            request,
            "admin/lab/curation/deleted.html",
            f"Deleted {self.opts.verbose_name_plural}",
            page=page,
            rows=rows,
            may_restore=self.has_add_permission(request),
        )

    def restore_view(self, request, version_id):
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseRedirect(self._curation_url("deleted"))
        version = get_object_or_404(self.deleted_versions(), history_id=version_id)
        try:
            with recorded(f"restore of {version.instance}", user=request.user):
                record = self.restore(request, version)
        except ValueError as error:
            messages.error(request, f"Not restored: {error}")
            return HttpResponseRedirect(self._curation_url("deleted"))
        messages.success(request, f"“{record}” is back.")
        return HttpResponseRedirect(self._curation_url("change", record.pk))

    # -- merging -------------------------------------------------------------------------------

    def has_merge_permission(self, request) -> bool:
        return (
            self.merge_service is not None
            and self.has_change_permission(request)
            and self.has_delete_permission(request)
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.has_merge_permission(request):
            description = f"Merge two selected {self.opts.verbose_name_plural}"
            action = CurationAdmin.merge_selected
            actions["merge_selected"] = (action, "merge_selected", description)
        return actions

    @admin.action(description="Merge two selected records")
    def merge_selected(self, request, queryset):
        pks = sorted(queryset.values_list("pk", flat=True))
        if len(pks) != 2:
            messages.error(request, "Select exactly two records to merge.")
            return None
        return HttpResponseRedirect(f"{self._curation_url('merge')}?ids={pks[0]},{pks[1]}")

    def merge_view(self, request):
        if not self.has_merge_permission(request):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else request.GET
        try:
            first, second = (int(pk) for pk in data.get("ids", "").split(","))
            records = self.model._default_manager.in_bulk([first, second])
            a, b = records[first], records[second]
        except (ValueError, KeyError):
            raise Http404("Two records to merge, by id: ?ids=1,2") from None
        keep, drop = (b, a) if data.get("keep") == str(b.pk) else (a, b)
        try:
            plan = type(self).merge_plan(keep=keep, drop=drop)
        except MergeError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(self._curation_url("changelist"))
        if request.method == "POST" and "confirm" in request.POST and not plan.conflicts:
            try:
                kept = type(self).merge_service(keep=keep, drop=drop, user=request.user)
            except MergeError as error:
                messages.error(request, f"Not merged: {error}")
            else:
                messages.success(request, f"“{drop}” is merged into “{kept}”.")
                return HttpResponseRedirect(self._curation_url("change", kept.pk))
        return self._render_curation(
            request,
            "admin/lab/curation/merge.html",
            f"Merge two {self.opts.verbose_name_plural}",
            records=(a, b),
            keep=keep,
            drop=drop,
            plan=plan,
            ids=f"{a.pk},{b.pk}",
        )
