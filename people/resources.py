"""People as spreadsheet rows (django-import-export), keyed by slug, never by id.

The public download: everything a visitor can read on a profile, plus the email address when the
resource is built with ``include_email=True`` (members only: the caller decides). The private
fields (Person.PRIVATE_FIELDS: phone, birth date, address) are not columns of this resource at
all, so no option can leak them; lab admins get them through the admin's own resource.

Multi-line fields (aliases, research interests) keep one item per line in their cell, as stored.
``current_roles`` is read-only text: "Postdoc, HKUST; Teaching Assistant, COMP 3511, HKUST".
"""

from django.db.models import Prefetch
from import_export import fields, resources

from lab.spreadsheets import EscapedExportMixin
from people.models import Person, Role

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
ROLE_SEPARATOR = "; "


def with_roles(people):
    """``people`` with their roles and institutions, in two more queries whatever the count."""
    return people.prefetch_related(
        Prefetch("roles", queryset=Role.objects.select_related("institution"))
    )


def role_text(role: Role) -> str:
    institution = role.institution.short_name or role.institution.name if role.institution else ""
    return ", ".join(part for part in (role.title, role.unit, institution) if part)


class PersonResource(EscapedExportMixin, resources.ModelResource):
    current_roles = fields.Field(column_name="current_roles", readonly=True)

    class Meta:
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

    def dehydrate_current_roles(self, person: Person) -> str:
        # .all() reads the prefetch; filtering in Python keeps it a single query for everyone.
        return ROLE_SEPARATOR.join(role_text(r) for r in person.roles.all() if r.is_current)
