from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django_countries.fields import CountryField

from lab.core.history import LabHistory
from lab.core.keys import KeyedModel
from lab.core.models import (
    MergeableModel,
    TimeStampedModel,
    format_span,
    month_field,
    span_constraints,
    year_constraints,
    year_field,
)
from people.enums import InstitutionKind, RoleKind, Term
from people.names import NameKeyField, split_lines
from people.validators import ORCID_PATTERN, validate_github_username, validate_orcid


class SlugQuerySet(models.QuerySet):
    """Natural keys by slug, so fixtures and spreadsheets never depend on database ids."""

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


# How deep units count under an institution: its children and grandchildren
# (HKUST → iSING Lab → a group in it).
UNIT_DEPTH = 2


class InstitutionQuerySet(SlugQuerySet):
    def for_list(self):
        return self.select_related("parent")

    def labs(self):
        """Institutions a people page can be about: every lab, and the configured one."""
        return self.filter(Q(kind=InstitutionKind.LAB) | Q(slug=settings.LAB_INSTITUTION))

    def family(self, institution: "Institution | str"):
        """The institution (or the one with this slug) and its units down to UNIT_DEPTH levels
        (HKUST → iSING Lab): every page and filter that counts "at an institution" includes its
        units through this."""
        if isinstance(institution, str):
            field, value = "slug", institution
        else:
            field, value = "pk", institution.pk
        condition = Q(**{field: value})
        for depth in range(1, UNIT_DEPTH + 1):
            condition |= Q(**{"__".join(["parent"] * depth + [field]): value})
        return self.filter(condition)

    def matching(self, text: str):
        """Institutions whose name or short name contains ``text``: the institution list's
        search and the site search."""
        text = text.strip()
        if not text:
            return self
        return self.filter(Q(name__icontains=text) | Q(short_name__icontains=text))

    def with_people_count(self):
        # A subquery rather than Count() over a join, so other joins cannot inflate it.
        people = (
            Role.objects.filter(institution=OuterRef("pk"))
            .order_by()
            .values("institution")
            .annotate(count=Count("person", distinct=True))
            .values("count")
        )
        return self.annotate(people_count=Coalesce(Subquery(people), 0))

    def for_table(self):
        return self.for_list().with_people_count().order_by(Lower("name"), "slug")

    def for_detail(self):
        return self.select_related("parent").prefetch_related(
            Prefetch("children", Institution.objects.order_by("name"))
        )


class Institution(MergeableModel, TimeStampedModel):
    name = models.CharField(
        max_length=200, help_text="e.g. The Hong Kong University of Science and Technology"
    )
    short_name = models.CharField(max_length=50, blank=True, help_text="e.g. HKUST")
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(
        max_length=20, choices=InstitutionKind.choices, default=InstitutionKind.UNIVERSITY
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="The larger body this one belongs to, e.g. iSING Lab → HKUST.",
    )
    country = CountryField(blank=True)
    city = models.CharField(max_length=100, blank=True)
    url = models.URLField("website", blank=True)
    note = models.TextField(
        "curators' note", blank=True, help_text="For lab admins only; never shown on pages."
    )

    objects = InstitutionQuerySet.as_manager()
    history = LabHistory(m2m_fields=["kept_apart"])

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="institution_not_own_parent"),
            models.CheckConstraint(
                condition=Q(kind__in=InstitutionKind.values), name="institution_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.short_name})" if self.short_name else self.name

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("people:institution", args=[self.slug])

    def clean(self):
        # The check constraint catches a direct self-reference; a longer cycle
        # (A → B → A) needs a walk up the chain.
        seen = {self.pk}
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk in seen:
                raise ValidationError(
                    {"parent": "An institution cannot be inside itself (the parents form a loop)."}
                )
            seen.add(ancestor.pk)
            ancestor = ancestor.parent


class PersonQuerySet(SlugQuerySet):
    def with_paper_count(self):
        """Each person's number of papers, as a subquery per row (an author is on a paper
        once: unique_authorship_person), not a join grouped over every byline row: the admin's
        change list then counts and pages the people without reading 120,000 byline rows, and
        only the rows shown pay for their counts."""
        authorships = self.model._meta.get_field("authorships").related_model
        counts = (
            authorships.objects.filter(person=models.OuterRef("pk"))
            .order_by()
            .values("person")
            .annotate(total=models.Count("pk"))
            .values("total")
        )
        return self.annotate(
            paper_count=Coalesce(models.Subquery(counts, output_field=models.IntegerField()), 0)
        )

    # Lab membership is derived from roles (see RoleQuerySet.of_lab), never stored as a flag.
    # Each method filters by a subquery, so they chain without duplicate rows or DISTINCT.

    def lab_members(self, lab: "Institution"):
        """Everyone who has, or had, a role in the lab."""
        return self.filter(pk__in=Role.objects.of_lab(lab).values("person_id"))

    def current_members(self, lab: "Institution"):
        return self.filter(pk__in=Role.objects.of_lab(lab).current().values("person_id"))

    def alumni(self, lab: "Institution"):
        """Lab members none of whose lab roles goes on."""
        return self.lab_members(lab).exclude(
            pk__in=Role.objects.of_lab(lab).current().values("person_id")
        )

    def coauthors(self, lab: "Institution"):
        """People outside the lab who share a paper with one of its members."""
        members = Role.objects.of_lab(lab).values("person_id")
        # String lookups over the reverse relations: `people` never imports `publications`.
        shared = Person.objects.filter(authorships__paper__authorships__person__in=members).values(
            "pk"
        )
        return self.filter(pk__in=shared).exclude(pk__in=members)

    def with_lab_roles(self, lab: "Institution | None"):
        """Prefetch every role with its institution, each marked `in_lab` for the given lab."""
        roles = Role.objects.select_related("institution")
        if lab is None:
            roles = roles.annotate(in_lab=Value(False))
        else:
            roles = roles.annotate(
                in_lab=Exists(Role.objects.of_lab(lab).filter(pk=OuterRef("pk")))
            )
        return self.prefetch_related(Prefetch("roles", roles))

    def search(self, text: str):
        """Case-insensitive match on the name or any alias: the people list's search and the
        site search."""
        return self.filter(Q(name__icontains=text) | Q(aliases__icontains=text))

    def for_profile(self):
        return self.prefetch_related(
            Prefetch(
                "roles",
                Role.objects.select_related("institution").prefetch_related(
                    Prefetch("advisors", Person.objects.only("pk", "name", "slug"))
                ),
            ),
            Prefetch("awards", Award.objects.select_related("issuer")),
        )


class Person(KeyedModel, MergeableModel, TimeStampedModel):
    name = models.CharField(
        max_length=200, help_text="As displayed, Unicode kept, e.g. Ixeia Sánchez Pérez."
    )
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    slug = models.SlugField(
        max_length=100, unique=True, help_text="Tells namesakes apart: hao-wang, hao-wang-2."
    )
    aliases = models.TextField(
        blank=True,
        help_text="Other spellings of the name used on papers, one per line. "
        "Searched, and used to match authors on import.",
    )
    #: The name's key (people.names.normalize_name), for the imports' indexed look-ups.
    name_key = NameKeyField(max_length=200)
    match_by_name = models.BooleanField(
        default=True,
        help_text="Match this person to bylines by name and aliases. Switch off for a namesake "
        "who must only be picked explicitly (“Hao Wang <hao-wang-2>”).",
    )
    email = models.EmailField(blank=True, help_text="Shown to logged-in members only.")
    homepage = models.URLField(blank=True)
    orcid = models.CharField(
        "ORCID iD",
        max_length=19,
        blank=True,
        validators=[validate_orcid],
        help_text="e.g. 0000-0002-1825-0097",
    )
    google_scholar = models.URLField("Google Scholar profile", blank=True)
    dblp = models.URLField("DBLP page", blank=True)
    github = models.CharField(
        "GitHub user", max_length=39, blank=True, validators=[validate_github_username]
    )
    linkedin = models.URLField("LinkedIn profile", blank=True)
    photo = models.ImageField(upload_to="people/", blank=True)
    bio = models.TextField(blank=True, help_text="Markdown; sanitised when shown.")
    research_interests = models.TextField(blank=True, help_text="One interest per line.")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
        help_text="The login of this person, who may then edit their own profile.",
    )
    # Private: only lab admins ever see these.
    phone = models.CharField(max_length=50, blank=True, help_text="Private: lab admins only.")
    birth_date = models.DateField(null=True, blank=True, help_text="Private: lab admins only.")
    address = models.TextField(blank=True, help_text="Private postal address: lab admins only.")
    note = models.TextField(
        "curators' note",
        blank=True,
        help_text="For lab admins only, never shown on pages: e.g. where sources disagree.",
    )

    objects = PersonQuerySet.as_manager()
    history = LabHistory(m2m_fields=["kept_apart"], excluded_fields=["name_key"])

    PRIVATE_FIELDS = ("phone", "birth_date", "address")

    class Meta:
        verbose_name_plural = "people"
        ordering = ["name", "slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["orcid"], condition=~Q(orcid=""), name="unique_person_orcid"
            ),
            models.CheckConstraint(
                condition=Q(orcid="") | Q(orcid__regex=ORCID_PATTERN),
                name="person_orcid_format",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="person_name_not_empty"),
        ]
        indexes = [
            models.Index(fields=["name_key"], name="person_name_key"),
            # The people with aliases, read whole by the imports' matcher (few: an alias is
            # a curated exception), the others by their name's key.
            models.Index(fields=["id"], condition=~Q(aliases=""), name="person_with_aliases"),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("people:detail", args=[self.slug])

    @property
    def alias_list(self) -> list[str]:
        return split_lines(self.aliases)


class RoleQuerySet(models.QuerySet):
    def get_by_natural_key(
        self, person, kind, title, institution, unit, start_year, start_month, term
    ):
        """A role by its natural key (see Role.natural_key); slugs for person and institution."""
        return self.get(
            person__slug=person,
            kind=kind,
            title=title,
            institution__slug=institution,
            unit=unit,
            start_year=start_year,
            start_month=start_month,
            term=term,
        )

    def current(self):
        """Roles that go on: no end year, and not marked as ended at an unknown date."""
        return self.filter(end_year__isnull=True, end_unknown=False)

    def past(self):
        return self.exclude(end_year__isnull=True, end_unknown=False)

    def at(self, institution: "Institution"):
        """Roles at the institution or one of its units."""
        return self.filter(institution__in=Institution.objects.family(institution).values("pk"))

    def of_lab(self, lab: "Institution"):
        """A lab's roles: those at the lab or its units, and those advised by someone who has a
        role there (a HKUST Ph.D. advised by the lab's professor)."""
        units = Institution.objects.family(lab).values("pk")
        lab_people = Role.objects.filter(institution__in=units).values("person_id")
        advised = Role.advisors.through.objects.filter(person__in=lab_people).values("role_id")
        return self.filter(Q(institution__in=units) | Q(pk__in=advised))


class Role(TimeStampedModel):
    """A person's tie to an institution over time: a degree, a job, a visit, a TA-ship."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField(max_length=20, choices=RoleKind.choices)
    title = models.CharField(
        max_length=200, help_text="e.g. Ph.D. in Computer Science, Postdoc, Teaching Assistant"
    )
    institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="roles"
    )
    unit = models.CharField(
        max_length=200,
        blank=True,
        help_text="Department, lab or course, e.g. COMP 3511 - Operating Systems",
    )
    start_year = year_field("start year")
    start_month = month_field("start month")
    end_year = year_field("end year", help_text="Leave empty while the role goes on.")
    end_month = month_field("end month")
    end_unknown = models.BooleanField(
        "ended, date unknown",
        default=False,
        help_text="The role is over but no source gives its end; an empty end otherwise "
        "means “present”.",
    )
    term = models.CharField(
        max_length=10,
        choices=Term.choices,
        blank=True,
        help_text="For teaching terms given as “Spring 2020”.",
    )
    advisors = models.ManyToManyField(Person, blank=True, related_name="advisees")
    thesis_title = models.CharField(max_length=300, blank=True)
    location = models.CharField(max_length=200, blank=True, help_text="e.g. Beijing, China")
    description = models.TextField(blank=True, help_text="Markdown bullets.")
    note = models.TextField(
        "curators' note",
        blank=True,
        help_text="For lab admins only, never shown on pages: e.g. where sources disagree.",
    )

    objects = RoleQuerySet.as_manager()
    history = LabHistory(m2m_fields=["advisors"])

    class Meta:
        ordering = [
            F("start_year").desc(nulls_last=True),
            F("start_month").desc(nulls_last=True),
            "title",
        ]
        constraints = [
            *span_constraints("role"),
            models.CheckConstraint(condition=Q(kind__in=RoleKind.values), name="role_kind_valid"),
            models.CheckConstraint(
                condition=Q(term="") | Q(term__in=Term.values), name="role_term_valid"
            ),
            models.CheckConstraint(
                condition=Q(end_unknown=False) | Q(end_year__isnull=True),
                name="role_end_unknown_has_no_end",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.dates})" if self.dates else self.title

    def natural_key(self):
        """What tells a person's roles apart: no two roles of a person share all of these
        (spreadsheets and fixtures find a role by it)."""
        institution = self.institution.slug if self.institution_id else None
        return (
            *self.person.natural_key(),
            self.kind,
            self.title,
            institution,
            self.unit,
            self.start_year,
            self.start_month,
            self.term,
        )

    natural_key.dependencies = ["people.person", "people.institution"]

    @property
    def dates(self) -> str:
        if self.term and self.start_year and self.end_year in (None, self.start_year):
            return f"{self.get_term_display()} {self.start_year}"
        return format_span(
            self.start_year,
            self.start_month,
            self.end_year,
            self.end_month,
            ongoing=not self.end_unknown,
        )

    @property
    def is_current(self) -> bool:
        return self.end_year is None and not self.end_unknown


class AwardQuerySet(models.QuerySet):
    def get_by_natural_key(self, person, title, year):
        return self.get(person__slug=person, title=title, year=year)


class Award(TimeStampedModel):
    """An honour to a person; a paper's award is a publications.PaperAward instead."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="awards")
    title = models.CharField(max_length=300, help_text="e.g. Google Ph.D. Fellowship")
    year = year_field("year", required=True, help_text="The year awarded, or the first year.")
    end_year = year_field("end year", help_text="The last year, for an award held over years.")
    ongoing = models.BooleanField(default=False, help_text="Held “until now”, e.g. 2019 - now.")
    issuer = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="awards"
    )
    description = models.TextField(
        blank=True, help_text="e.g. Only-ever recipient from Singapore in Systems & Networking"
    )

    objects = AwardQuerySet.as_manager()
    history = LabHistory()

    class Meta:
        ordering = ["-year", "title"]
        constraints = [
            *year_constraints("award", "year", "end_year"),
            models.CheckConstraint(
                condition=Q(end_year__isnull=True) | Q(end_year__gte=F("year")),
                name="award_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=Q(ongoing=False) | Q(end_year__isnull=True),
                name="award_ongoing_has_no_end",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.years})"

    def natural_key(self):
        return (*self.person.natural_key(), self.title, self.year)

    natural_key.dependencies = ["people.person"]

    @property
    def years(self) -> str:
        if self.ongoing:
            return f"{self.year} – present"
        if self.end_year and self.end_year != self.year:
            return f"{self.year} – {self.end_year}"
        return str(self.year)
