"""People, institutions, roles and awards as spreadsheet rows (django-import-export).

Every resource is keyed by natural keys, never database ids (see docs/spreadsheets.md):
institutions and people by slug; a role by (person, kind, title, institution, unit, start year,
start month, term); an award by (person, title, year). References are slugs: ``parent``,
``institution``, ``issuer``, ``person``. Imports run through ``lab.core.importing.import_dataset``:
all or nothing, each error naming its row and column.

``PersonResource`` is the public download: everything a visitor can read on a profile, plus
the email address when built with ``include_email=True`` (members only: the caller decides).
The private fields (Person.PRIVATE_FIELDS: phone, birth date, address) are not columns of it at
all, so no option of it can leak them. ``PersonAdminResource`` is the lab admins' complete
record (import and export in the admin, the whole-lab workbook); it has the private columns
only when built with ``include_private=True``, which the admin passes for users who may change
people.

Multi-line fields (aliases, research interests) keep one item per line in their cell, as stored.
``current_roles`` is read-only text: "Postdoc, HKUST; Teaching Assistant, COMP 3511, HKUST".
A role's ``advisors`` cell lists people by name or alias, "; "-separated, a namesake with their
slug: "Kai Chen; Hao Wang <hao-wang-2>". Unlike a byline, an advisor must already exist: a name
nobody has is a row error (a typo must not create a professor).
"""

import re

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from import_export import fields

from lab.core.importing import LIST_SEPARATOR, LabResource, SlugWidget, split_list
from lab.core.records import in_model_order
from people.matching import NameMatchError, PersonMatcher
from people.models import Award, Institution, Person, Role

PUBLIC_FIELDS = (
    "name",
    "slug",
    "given_name",
    "family_name",
    "aliases",
    "homepage",
    "orcid",
    "google_scholar",
    "dblp",
    "github",
    "linkedin",
    "research_interests",
    "current_roles",
)
ADMIN_FIELDS = (
    "name",
    "slug",
    "given_name",
    "family_name",
    "aliases",
    "match_by_name",
    "email",
    "homepage",
    "orcid",
    "google_scholar",
    "dblp",
    "github",
    "linkedin",
    "research_interests",
    "bio",
    "note",
    "former_slugs",
    *Person.PRIVATE_FIELDS,
    "current_roles",
)
ROLE_SEPARATOR = "; "
_NAME_AND_SLUG = re.compile(r"^(?P<name>[^<>]*?)\s*(?:<\s*(?P<slug>[^<>]*?)\s*>)?$")


def with_roles(people):
    """``people`` with their roles and institutions, in two more queries whatever the count."""
    return people.prefetch_related(
        Prefetch("roles", queryset=Role.objects.select_related("institution"))
    )


def role_text(role: Role) -> str:
    institution = role.institution.short_name or role.institution.name if role.institution else ""
    return ", ".join(part for part in (role.title, role.unit, institution) if part)


class InstitutionResource(LabResource):
    parent = fields.Field(attribute="parent", column_name="parent", widget=SlugWidget(Institution))

    class Meta(LabResource.Meta):
        model = Institution
        import_id_fields = ("slug",)
        fields = (
            "slug",
            "name",
            "short_name",
            "kind",
            "parent",
            "country",
            "city",
            "url",
            "note",
            "former_slugs",
        )
        export_order = fields

    def get_queryset(self):
        return Institution.objects.select_related("parent")

    def iter_queryset(self, queryset):
        # Parents before their units, so that the file imports into an empty database.
        institutions = list(queryset)
        parents = {i.pk: i.parent_id for i in institutions}

        def depth(institution) -> int:
            level, parent, seen = 0, institution.parent_id, set()
            while parent is not None and parent in parents and parent not in seen:
                seen.add(parent)
                level, parent = level + 1, parents[parent]
            return level

        yield from sorted(institutions, key=depth)


class PersonResource(LabResource):
    current_roles = fields.Field(column_name="current_roles", readonly=True)

    class Meta(LabResource.Meta):
        model = Person
        import_id_fields = ("slug",)
        fields = (*PUBLIC_FIELDS, "email")
        export_order = fields

    def __init__(self, *, include_email: bool = False, **kwargs):
        super().__init__(**kwargs)
        if not include_email:
            del self.fields["email"]

    def get_queryset(self):
        return with_roles(Person.objects.all())

    def with_related(self, queryset):
        """The admin's export queryset with what the rows read, in a fixed number of queries."""
        return with_roles(queryset.prefetch_related(None))

    def dehydrate_current_roles(self, person: Person) -> str:
        # .all() reads the prefetch; filtering in Python keeps it a single query for everyone.
        return ROLE_SEPARATOR.join(role_text(r) for r in person.roles.all() if r.is_current)


class PersonAdminResource(PersonResource):
    """Every curated field of a person; the private ones only with ``include_private=True``.
    The photo (a file) and the login (user management) are not spreadsheet columns."""

    class Meta(PersonResource.Meta):
        fields = ADMIN_FIELDS
        export_order = ADMIN_FIELDS

    def __init__(self, *, include_private: bool = False, **kwargs):
        kwargs.setdefault("include_email", True)
        super().__init__(**kwargs)
        if not include_private:
            for name in Person.PRIVATE_FIELDS:
                del self.fields[name]


def parse_people_cell(text, matcher: PersonMatcher, *, column: str) -> list[Person]:
    """The people a "; "-separated cell names ("Kai Chen; Hao Wang <hao-wang-2>"), each an
    existing person; ValidationError({column: ...}) naming the first one that is not."""
    people = []
    for item in split_list(text):
        match = _NAME_AND_SLUG.match(item)
        if match is None:
            raise ValidationError(
                {column: f"“{item}” is not “Name” or “Name <slug>” (one pair of angle brackets)."}
            )
        name, slug = match.group("name").strip(), (match.group("slug") or "").strip()
        try:
            person = matcher.match(name, slug=slug)
        except NameMatchError as error:
            raise ValidationError({column: f"{error}."}) from None
        if person is None:
            raise ValidationError(
                {
                    column: f"no person is named “{name}”: add them in the admin first, "
                    "or check the spelling (a namesake is written “Name <slug>”)."
                }
            )
        if person in people:
            raise ValidationError({column: f"{person.name} is listed twice."})
        people.append(person)
    return people


def people_cell(people, matcher: PersonMatcher) -> str:
    """The cell text of ``people``: names, with the slug when the name alone is ambiguous."""
    return LIST_SEPARATOR.join(
        p.name if matcher.is_unambiguous(p.name, p) else f"{p.name} <{p.slug}>" for p in people
    )


class RoleResource(LabResource):
    person = fields.Field(attribute="person", column_name="person", widget=SlugWidget(Person))
    institution = fields.Field(
        attribute="institution", column_name="institution", widget=SlugWidget(Institution)
    )
    advisors = fields.Field(column_name="advisors")

    relation_columns = ("advisors",)
    links_written = ("advisors",)

    class Meta(LabResource.Meta):
        model = Role
        import_id_fields = (
            "person",
            "kind",
            "title",
            "institution",
            "unit",
            "start_year",
            "start_month",
            "term",
        )
        fields = (
            *import_id_fields,
            "end_year",
            "end_month",
            "end_unknown",
            "advisors",
            "thesis_title",
            "location",
            "description",
            "note",
        )
        export_order = fields

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._matcher = None

    @property
    def matcher(self) -> PersonMatcher:
        # Everyone for an export; an import's is made of the people its file names.
        if self._matcher is None:
            self._matcher = PersonMatcher.from_database()
        return self._matcher

    def prepare_import(self, dataset):
        super().prepare_import(dataset)
        if "advisors" in (dataset.headers or []):
            names, slugs = set(), set()
            for cell in dataset["advisors"]:
                for item in split_list(cell):
                    match = _NAME_AND_SLUG.match(item)
                    if match is not None:
                        names.add(match.group("name").strip())
                        slugs.add((match.group("slug") or "").strip())
            self._matcher = PersonMatcher.for_names(names, slugs=slugs - {""})

    def get_queryset(self):
        return Role.objects.select_related("person", "institution").prefetch_related(
            Prefetch("advisors", Person.objects.only("id", "name", "slug", "match_by_name"))
        )

    def with_related(self, queryset):
        return (
            queryset.select_related("person", "institution")
            .prefetch_related(None)
            .prefetch_related(
                Prefetch("advisors", Person.objects.only("id", "name", "slug", "match_by_name"))
            )
        )

    def dehydrate_advisors(self, role: Role) -> str:
        return people_cell(role.advisors.all(), self.matcher)

    def resolve_relations(self, row, columns):
        return {"advisors": parse_people_cell(row["advisors"], self.matcher, column="advisors")}

    def relation_state(self, instance, column):
        advisors = list(instance.advisors.all())
        return sorted(p.pk for p in advisors), people_cell(advisors, self.matcher)

    def resolved_state(self, column, resolved):
        advisors = sorted(resolved, key=lambda p: (p.name, p.slug))
        return sorted(p.pk for p in advisors), people_cell(advisors, self.matcher)

    def save_relations(self, instance, resolved, *, new):
        if "advisors" not in resolved:
            return
        if new:
            if resolved["advisors"]:
                instance.advisors.add(*resolved["advisors"])
        elif self.relation_state(instance, "advisors")[0] != sorted(
            p.pk for p in resolved["advisors"]
        ):
            instance.advisors.set(resolved["advisors"])


class AwardResource(LabResource):
    person = fields.Field(attribute="person", column_name="person", widget=SlugWidget(Person))
    issuer = fields.Field(attribute="issuer", column_name="issuer", widget=SlugWidget(Institution))

    class Meta(LabResource.Meta):
        model = Award
        import_id_fields = ("person", "title", "year")
        fields = (*import_id_fields, "end_year", "ongoing", "issuer", "description")
        export_order = fields

    def get_queryset(self):
        return Award.objects.select_related("person", "issuer")

    def with_related(self, queryset):
        return queryset.select_related("person", "issuer")


#: The people app's complete resources, in the order a whole-lab import needs them.
RESOURCES = in_model_order(
    (InstitutionResource, PersonAdminResource, RoleResource, AwardResource),
    model=lambda resource: resource._meta.model,
)
