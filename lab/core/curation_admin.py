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

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

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


class CurationAdmin(SimpleHistoryAdmin):
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
