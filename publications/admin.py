from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from lab.core.admin import (
    PrefetchedAutocompleteInlineMixin,
    SafeImportExportMixin,
    boolean_column,
)
from lab.core.changelists import CachedRelatedListFilter, DistinctValuesListFilter
from lab.core.curation_admin import CurationAdmin, CurationChangeList
from people.admin import PersonAdmin
from people.matching import PersonMatcher
from people.models import Person
from people.services import apply_same_as, same_as_choices
from publications.admin_bibtex import BibtexImportAdminMixin
from publications.byline import MARK_SUMMARY, BylineError, coauthors_of, parse_byline
from publications.duplicates import paper_suggestions, venue_suggestions
from publications.models import Authorship, Keyword, Paper, PaperAward, Service, Venue
from publications.resources import (
    AuthorshipResource,
    KeywordResource,
    PaperAdminResource,
    PaperAwardResource,
    ServiceResource,
    VenueResource,
)
from publications.rows import can_stream, paper_rows
from publications.services import (
    AuthorSpec,
    authorship_put,
    authorships_delete,
    entries_matcher,
    paper_byline,
    paper_byline_at,
    paper_bylines_at,
    paper_merge,
    paper_merge_plan,
    paper_restore,
    paper_revert,
    paper_set_authorships,
    paper_set_byline,
    printed_bylines,
    resolve_entries,
    venue_merge,
    venue_merge_plan,
)


@admin.register(Venue)
class VenueAdmin(SafeImportExportMixin, CurationAdmin):
    merge_service = staticmethod(venue_merge)
    merge_plan = staticmethod(venue_merge_plan)
    duplicates_of = staticmethod(venue_suggestions)
    resource_classes = [VenueResource]
    list_display = ["__str__", "name", "kind", "publisher", "paper_count"]
    list_filter = ["kind", "publisher"]
    list_select_related = ["publisher"]
    search_fields = ["name", "short_name", "slug"]
    autocomplete_fields = ["publisher", "kept_apart"]
    prepopulated_fields = {"slug": ["short_name"]}
    readonly_fields = ["created", "modified"]

    def get_queryset(self, request):
        # A grouped query loses the model's default ordering; keep it so the autocomplete
        # paginates a stable order.
        return (
            super()
            .get_queryset(request)
            .annotate(paper_count=Count("papers"))
            .order_by(*Venue._meta.ordering)
        )

    @admin.display(description="papers", ordering="paper_count")
    def paper_count(self, obj):
        return obj.paper_count


@admin.register(Keyword)
class KeywordAdmin(SafeImportExportMixin, CurationAdmin):
    """Keywords are mostly made by imports (a name nobody has becomes one); here a lab admin
    renames one (its slug, so its links, stay) or deletes one (its papers lose the tag)."""

    resource_classes = [KeywordResource]
    list_display = ["name", "slug", "paper_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created", "modified"]

    def get_queryset(self, request):
        # A grouped query loses the model's default ordering; keep it so the autocomplete
        # paginates a stable order.
        return (
            super()
            .get_queryset(request)
            .annotate(paper_count=Count("papers"))
            .order_by(*Keyword._meta.ordering)
        )

    @admin.display(description="papers", ordering="paper_count")
    def paper_count(self, obj):
        return obj.paper_count


class AuthorshipFormSet(forms.BaseInlineFormSet):
    """Saves the author rows through ``paper_set_authorships``, so reordering or swapping
    authors never trips the unique constraints half-way through."""

    def clean(self):
        # Name the row at fault before Django's generic "duplicate data" check runs.
        positions, people = {}, {}
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue
            if self.can_delete and self._should_delete_form(form):
                continue
            position, person = form.cleaned_data.get("position"), form.cleaned_data.get("person")
            if position in positions:
                form.add_error("position", f"Position {position} is used twice.")
            if person is not None and person.pk in people:
                form.add_error("person", f"{person} is listed twice.")
            positions[position] = form
            if person is not None:
                people[person.pk] = form
        if not any(form.errors for form in self.forms):
            super().clean()

    def save(self, commit=True):
        instances = super().save(commit=False)  # fills new/changed/deleted_objects for the log
        if commit:
            kept = [
                form
                for form in self.forms
                if form.cleaned_data and not (self.can_delete and self._should_delete_form(form))
            ]
            kept.sort(key=lambda form: form.cleaned_data["position"])
            paper_set_authorships(
                paper=self.instance,
                authors=[
                    AuthorSpec(
                        person=form.cleaned_data["person"],
                        printed_name=form.cleaned_data.get("printed_name", ""),
                        equal_contribution=form.cleaned_data.get("equal_contribution", False),
                        lead=form.cleaned_data.get("lead", False),
                        mentee=form.cleaned_data.get("mentee", False),
                        corresponding=form.cleaned_data.get("corresponding", False),
                        affiliations=form.cleaned_data.get("affiliations"),
                    )
                    for form in kept
                ],
            )
        return instances


class AuthorshipInline(PrefetchedAutocompleteInlineMixin, admin.TabularInline):
    model = Authorship
    formset = AuthorshipFormSet
    extra = 0
    ordering = ["position"]
    autocomplete_fields = ["person", "affiliations"]
    fields = [
        "position",
        "person",
        "printed_name",
        "equal_contribution",
        "lead",
        "mentee",
        "corresponding",
        "affiliations",
    ]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("person").prefetch_related("affiliations")
        )


class PaperAwardInline(admin.TabularInline):
    model = PaperAward
    extra = 0
    fields = ["title"]


class PaperAdminForm(forms.ModelForm):
    byline = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 100}),
        help_text=(
            "All authors in order, separated by “;”, marks right after the name "
            f"({MARK_SUMMARY}), e.g. “Qinghao Hu*; Meng Zhang*; Peng Sun”. A namesake is "
            "picked by slug: “Hao Wang <hao-wang-2>”. New names become new people. "
            "Changing this line replaces the author rows below."
        ),
    )

    class Meta:
        model = Paper
        fields = "__all__"  # noqa: DJ007 - the admin narrows the fields to its fieldsets

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: The people the byline's names may mean (entries_matcher: not everyone), made by
        #: clean_byline and used again to write the byline.
        self.matcher = None
        if self.instance.pk:
            authorships = self.instance.authorships.all()  # prefetched (for_list)
            names = {authorship.display_name for authorship in authorships}
            matcher = PersonMatcher.for_names(names)
            self.initial["byline"] = paper_byline(self.instance, matcher=matcher)

    def clean_byline(self):
        byline = self.cleaned_data["byline"].strip()
        if "byline" not in self.changed_data:
            return byline
        if not byline:
            if self.instance.pk:
                raise forms.ValidationError("A paper keeps at least one author.")
            return byline
        try:
            entries = parse_byline(byline)
            self.matcher = entries_matcher([entries])
            resolve_entries(entries, matcher=self.matcher)
        except BylineError as error:
            raise forms.ValidationError(str(error)) from None
        return byline


class PaperChangeList(CurationChangeList):
    """The change list's rows load what its columns show: the paper with its venue (no awards,
    keywords or versions; the change form keeps get_queryset's for_list()), and the byline
    column from one query of the page's byline rows as plain values (``printed_bylines``).
    Actions get this queryset too: each reads what it needs itself."""

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        return queryset.prefetch_related(None).select_related("venue")

    #: What the rows print: the columns of list_display, the venue's name for its column.
    ROW_COLUMNS = (
        "title",
        "venue__name",
        "venue__short_name",
        "year",
        "status",
        "selected",
        "authors_complete",
    )

    def get_results(self, request):
        # Only the page's rows are read narrowly: the actions and the count use the queryset
        # whole (an action gets get_queryset()'s, and may read any field).
        whole = self.queryset
        self.queryset = whole.only(*self.ROW_COLUMNS)
        try:
            super().get_results(request)
        finally:
            self.queryset = whole
        papers = list(self.result_list)  # the page's rows: the queryset keeps them
        bylines = printed_bylines([paper.pk for paper in papers])
        for paper in papers:
            paper.printed_byline = bylines.get(paper.pk, "")


@admin.register(Paper)
class PaperAdmin(BibtexImportAdminMixin, SafeImportExportMixin, CurationAdmin):
    merge_service = staticmethod(paper_merge)
    merge_plan = staticmethod(paper_merge_plan)
    duplicates_of = staticmethod(paper_suggestions)
    resource_classes = [PaperAdminResource]
    form = PaperAdminForm
    list_display = [
        "title",
        "byline",
        "venue",
        "year",
        "status",
        boolean_column(Paper, "selected"),
        boolean_column(Paper, "authors_complete"),
    ]
    # The years by a skip scan of the list's index, the venues kept until the next write
    # (lab.core.changelists): the sidebar reads no whole table.
    list_filter = [
        "status",
        ("year", DistinctValuesListFilter),
        "venue__kind",
        ("venue", CachedRelatedListFilter),
        "selected",
        "authors_complete",
    ]
    list_select_related = ["venue"]
    search_fields = [
        "title",
        "system_name",
        "doi",
        "arxiv_id",
        "authorships__person__name",
        "authorships__printed_name",
        "keywords__name",
    ]
    autocomplete_fields = ["venue", "published_version", "kept_apart", "keywords"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["created", "modified"]
    # No date hierarchy (two queries over every paper for its dates: Recent changes shows what
    # changed when) and no count of the whole table beside the filtered one
    # (docs/benchmarks.md, "Admin change lists").
    show_full_result_count = False
    inlines = [AuthorshipInline, PaperAwardInline]
    fieldsets = [
        (None, {"fields": ["title", "system_name", "slug", "byline", "authors_complete"]}),
        ("Where and when", {"fields": ["venue", ("year", "month"), "status", "selected"]}),
        (
            "Citation",
            {
                "description": "What a citation prints after the venue's name, as the paper "
                "gives it; leave empty what the source does not give.",
                "fields": [
                    ("volume", "number"),
                    ("pages", "article_number"),
                    "publisher",
                    "series",
                    ("isbn", "issn"),
                    ("event_place", "event_dates"),
                ],
            },
        ),
        (
            "Content and links",
            {
                "fields": [
                    "abstract",
                    "keywords",
                    "doi",
                    "arxiv_id",
                    "url",
                    "pdf_url",
                    "code_url",
                    "slides_url",
                    "poster_url",
                    "video_url",
                    "website_url",
                    "google_scholar_id",
                ]
            },
        ),
        (
            "Versions and curation",
            {
                "fields": [
                    "published_version",
                    "note",
                    "curator_note",
                    "former_slugs",
                    "kept_apart",
                    "created",
                    "modified",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).for_list()

    def get_changelist(self, request, **kwargs):
        return PaperChangeList

    # -- imports: a new name may be someone already here ---------------------------------------

    def import_action(self, request, *args, **kwargs):
        """The preview offers, for each person the bylines would create, the existing people
        they may be (people.services.same_as_choices)."""
        response = super().import_action(request, *args, **kwargs)
        context = getattr(response, "context_data", None) or {}
        result = context.get("result")
        if result is not None and context.get("confirm_form") is not None:
            names = {person.name for person in getattr(result, "lab_created", [])}
            bylines = [
                str(getattr(row, "cells", {}).get("authors") or "") for row in result.valid_rows()
            ]
            context["same_as"] = same_as_choices(coauthors_of(bylines, names)) if names else []
        return response

    def process_dataset(self, dataset, form, request, **kwargs):
        """The confirmed choices make their names aliases first, in the import's transaction:
        nothing stays if the import then fails."""
        with transaction.atomic():
            apply_same_as(request.POST.getlist("same_as"), user=request.user)
            result = super().process_dataset(dataset, form, request, **kwargs)
            if getattr(result, "lab_problems", None):
                transaction.set_rollback(True)
        return result

    # -- history: a paper's byline is part of each of its versions -----------------------------

    def revert(self, request, obj, version):
        return paper_revert(paper=obj, version=version, user=request.user)

    def restore(self, request, version):
        return paper_restore(version=version, user=request.user)

    def revert_preview(self, obj, version):
        then = paper_byline_at(version)
        return [("byline", paper_byline(obj), then)]

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """The history page shows, beside each version's changes, its byline as it was."""
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        records = list(historical_records)
        for record, byline in zip(records, paper_bylines_at(records), strict=True):
            record.byline_at_version = byline

    history_list_display = ["byline_at_version"]

    def export_resource_rows(self, resource, queryset, *, fields, **kwargs):
        """Papers are exported from plain tuples in five streamed queries (``paper_rows``: the
        same cells as the resource's Dataset, several times faster), unless the change list is
        sorted by something ``paper_rows`` cannot follow."""
        if not can_stream(queryset):
            return super().export_resource_rows(resource, queryset, fields=fields, **kwargs)
        native = kwargs["force_native_type"]
        return paper_rows(resource, queryset, native=native, selected_fields=fields)

    @admin.display(description="authors")
    def byline(self, obj):
        printed = getattr(obj, "printed_byline", None)  # set by PaperChangeList
        return paper_byline(obj) if printed is None else printed

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "byline" not in form.changed_data or not form.cleaned_data["byline"]:
            return
        if any(formset.model is Authorship and formset.has_changed() for formset in formsets):
            messages.warning(request, "The byline replaced the author rows you edited below.")
        result = paper_set_byline(
            paper=form.instance, byline=form.cleaned_data["byline"], matcher=form.matcher
        )
        if result.created:
            messages.info(
                request,
                format_html(
                    "New people created from the byline: {}",
                    format_html_join(
                        ", ",
                        '<a href="{}">{}</a>',
                        (
                            (reverse("admin:people_person_change", args=[p.pk]), p.name)
                            for p in result.created
                        ),
                    ),
                ),
            )


class AuthorshipAdminForm(forms.ModelForm):
    class Meta:
        model = Authorship
        fields = "__all__"  # noqa: DJ007 - the admin lists its fields

    def _get_validation_exclusions(self):
        # The byline service renumbers the paper's list: a position in use is a move, not a
        # clash, so the unique (paper, position) rule is the service's to keep.
        return {*super()._get_validation_exclusions(), "position"}


@admin.register(Authorship)
class AuthorshipAdmin(SafeImportExportMixin, CurationAdmin):
    """One byline place at a time. Saves and deletes go through the paper's author list
    (``authorship_put``, ``authorships_delete``), as every write of byline rows does."""

    resource_classes = [AuthorshipResource]
    form = AuthorshipAdminForm
    list_display = ["paper", "position", "person", "printed_name", "marks"]
    list_select_related = ["paper", "person"]
    list_filter = ["equal_contribution", "lead", "mentee", "corresponding"]
    search_fields = ["paper__title", "person__name", "printed_name"]
    autocomplete_fields = ["paper", "person", "affiliations"]
    readonly_fields = ["created", "modified"]
    show_full_result_count = False  # 120,000 rows: count the filtered list only

    def save_model(self, request, obj, form, change):
        authorship_put(authorship=obj, affiliations=form.cleaned_data.get("affiliations"))

    def save_related(self, request, form, formsets, change):
        """The affiliations were written with the row (save_model)."""

    def delete_model(self, request, obj):
        authorships_delete(authorships=[obj])

    def delete_queryset(self, request, queryset):
        authorships_delete(authorships=queryset)


@admin.register(PaperAward)
class PaperAwardAdmin(SafeImportExportMixin, CurationAdmin):
    resource_classes = [PaperAwardResource]
    list_display = ["title", "paper"]
    list_select_related = ["paper"]
    search_fields = ["title", "paper__title"]
    autocomplete_fields = ["paper"]
    readonly_fields = ["created", "modified"]


@admin.register(Service)
class ServiceAdmin(SafeImportExportMixin, CurationAdmin):
    resource_classes = [ServiceResource]
    list_display = ["person", "kind", "venue", "years", "note"]
    list_filter = ["kind", "venue"]
    list_select_related = ["person", "venue"]
    search_fields = ["person__name", "venue__name", "venue__short_name", "note"]
    autocomplete_fields = ["person", "venue"]
    readonly_fields = ["created", "modified"]


class ServiceInline(PrefetchedAutocompleteInlineMixin, admin.TabularInline):
    model = Service
    extra = 0
    autocomplete_fields = ["venue"]
    fields = ["kind", "venue", "start_year", "end_year", "note"]


class PaperOfPersonInline(admin.TabularInline):
    """The person's papers, read-only: bylines are edited on the paper."""

    model = Authorship
    fk_name = "person"
    verbose_name = "paper"
    verbose_name_plural = "papers"
    extra = 0
    can_delete = False
    fields = ["paper_link", "venue_year", "position", "marks"]
    readonly_fields = fields
    ordering = ["-paper__year", "paper__title"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("paper__venue", "person")

    @admin.display(description="paper")
    def paper_link(self, obj):
        url = reverse("admin:publications_paper_change", args=[obj.paper_id])
        return format_html('<a href="{}">{}</a>', url, obj.paper.title)

    @admin.display(description="venue, year")
    def venue_year(self, obj):
        venue = obj.paper.venue
        return f"{venue}, {obj.paper.year}" if venue else str(obj.paper.year)


class PersonWithPublicationsAdmin(PersonAdmin):
    """The people app's PersonAdmin plus what publications adds to a person: service and
    papers (people never imports publications, so the inlines are attached here)."""

    inlines = [*PersonAdmin.inlines, ServiceInline, PaperOfPersonInline]


admin.site.unregister(Person)
admin.site.register(Person, PersonWithPublicationsAdmin)
