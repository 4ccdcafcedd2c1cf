from django.contrib import admin
from django.db.models import Count

from lab.core.admin import (
    PrefetchedAutocompleteInlineMixin,
    SafeImportExportMixin,
    boolean_column,
)
from lab.core.curation_admin import CurationAdmin
from people.admin_accounts import PersonLoginAdminMixin
from people.duplicates import institution_suggestions, person_suggestions
from people.forms import PersonAdminForm
from people.models import Award, Institution, Person, Role
from people.resources import (
    AwardResource,
    InstitutionResource,
    PersonAdminResource,
    RoleResource,
)
from people.services import (
    institution_merge,
    institution_merge_plan,
    person_merge,
    person_merge_plan,
    person_restore,
)


@admin.register(Institution)
class InstitutionAdmin(SafeImportExportMixin, CurationAdmin):
    merge_service = staticmethod(institution_merge)
    merge_plan = staticmethod(institution_merge_plan)
    duplicates_of = staticmethod(institution_suggestions)
    resource_classes = [InstitutionResource]
    list_display = ["name", "short_name", "kind", "parent", "country", "city", "people_count"]
    list_filter = ["kind", "country"]
    list_select_related = ["parent"]
    search_fields = ["name", "short_name", "slug", "city"]
    autocomplete_fields = ["parent", "kept_apart"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created", "modified"]
    fieldsets = [
        (None, {"fields": ["name", "short_name", "slug", "kind", "parent"]}),
        ("Where", {"fields": ["country", "city", "url"]}),
        ("Curation", {"fields": ["note", "former_slugs", "kept_apart", "created", "modified"]}),
    ]

    def get_queryset(self, request):
        # A grouped query loses the model's default ordering; keep it so the autocomplete
        # paginates a stable order.
        return (
            super()
            .get_queryset(request)
            .annotate(people_count=Count("roles__person", distinct=True))
            .order_by(*Institution._meta.ordering)
        )

    @admin.display(description="people", ordering="people_count")
    def people_count(self, obj):
        return obj.people_count


class RoleInline(PrefetchedAutocompleteInlineMixin, admin.StackedInline):
    model = Role
    fk_name = "person"
    extra = 0
    autocomplete_fields = ["institution", "advisors"]
    fields = [
        ("kind", "title"),
        ("institution", "unit"),
        ("start_year", "start_month", "end_year", "end_month", "end_unknown", "term"),
        "advisors",
        ("thesis_title", "location"),
        "description",
        "note",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("advisors")


class AwardInline(PrefetchedAutocompleteInlineMixin, admin.TabularInline):
    model = Award
    extra = 0
    autocomplete_fields = ["issuer"]
    fields = ["title", "year", "end_year", "ongoing", "issuer", "description"]


@admin.register(Person)
class PersonAdmin(PersonLoginAdminMixin, SafeImportExportMixin, CurationAdmin):
    merge_service = staticmethod(person_merge)
    merge_plan = staticmethod(person_merge_plan)
    duplicates_of = staticmethod(person_suggestions)
    resource_classes = [PersonAdminResource]
    form = PersonAdminForm  # the photo is checked and re-encoded on upload (lab/core/images.py)
    list_display = [
        "name",
        "slug",
        "email",
        "orcid",
        "paper_count",
        boolean_column(Person, "match_by_name"),
        "user",
    ]
    list_filter = ["match_by_name", "roles__kind", "roles__institution"]
    list_select_related = ["user"]
    search_fields = ["name", "aliases", "slug", "email", "orcid"]
    raw_id_fields = ["user"]
    autocomplete_fields = ["kept_apart"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created", "modified"]
    # No date hierarchy (it scanned every row for its dates) and no count of the whole table
    # beside the filtered one: the change list costs the same for 300 or 3,000 people
    # (docs/benchmarks.md, "Admin change lists").
    show_full_result_count = False
    inlines = [RoleInline, AwardInline]
    fieldsets = [
        (
            None,
            {"fields": ["name", ("given_name", "family_name"), "slug", "aliases", "match_by_name"]},
        ),
        (
            "Links",
            {
                "fields": [
                    "email",
                    "homepage",
                    "orcid",
                    "google_scholar",
                    "dblp",
                    "github",
                    "linkedin",
                ]
            },
        ),
        ("Profile", {"fields": ["photo", "bio", "research_interests", "user"]}),
        (
            "Private (lab admins only)",
            {"fields": ["phone", "birth_date", "address"], "classes": ["collapse"]},
        ),
        ("Curation", {"fields": ["note", "former_slugs", "kept_apart", "created", "modified"]}),
    ]

    def get_queryset(self, request):
        # Ordered again for the autocomplete, as the institutions' (a grouped query).
        return super().get_queryset(request).with_paper_count().order_by(*Person._meta.ordering)

    def get_readonly_fields(self, request, obj=None):
        # Linking a login to a person is user management: superusers only.
        readonly = super().get_readonly_fields(request, obj)
        return readonly if request.user.is_superuser else [*readonly, "user"]

    @admin.display(description="papers", ordering="paper_count")
    def paper_count(self, obj):
        return obj.paper_count

    def restore(self, request, version):
        return person_restore(version=version, user=request.user)

    def get_resource_kwargs(self, request, *args, **kwargs):
        # Private fields (phone, birth date, address) are exported only to users who may
        # change people, i.e. lab admins; a view-only user's export has none of them.
        return {**kwargs, "include_private": request.user.has_perm("people.change_person")}


@admin.register(Role)
class RoleAdmin(SafeImportExportMixin, CurationAdmin):
    resource_classes = [RoleResource]
    list_display = ["person", "kind", "title", "institution", "unit", "dates"]
    list_filter = ["kind", "institution"]
    list_select_related = ["person", "institution"]
    search_fields = [
        "person__name",
        "title",
        "unit",
        "institution__name",
        "institution__short_name",
    ]
    autocomplete_fields = ["person", "institution", "advisors"]
    readonly_fields = ["created", "modified"]


@admin.register(Award)
class AwardAdmin(SafeImportExportMixin, CurationAdmin):
    resource_classes = [AwardResource]
    list_display = ["title", "person", "years", "issuer"]
    list_filter = ["year", "issuer"]
    list_select_related = ["person", "issuer"]
    search_fields = ["title", "person__name", "description"]
    autocomplete_fields = ["person", "issuer"]
    readonly_fields = ["created", "modified"]
