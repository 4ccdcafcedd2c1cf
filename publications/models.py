from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import Count, F, Prefetch, Q, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.urls import reverse

from lab.core.history import LabHistory
from lab.core.keys import KeyedModel
from lab.core.models import (
    MergeableModel,
    TimeStampedModel,
    month_field,
    month_in_range,
    span_constraints,
    year_constraints,
    year_field,
)
from people.models import Institution, Person, SlugQuerySet
from publications.byline import MARK_BY_FIELD, MARKS
from publications.enums import PaperStatus, ServiceKind, VenueKind
from publications.titles import TitleKeyField
from publications.validators import (
    ISBN_PATTERN,
    ISSN_PATTERN,
    PAGE_DASH,
    PDF_LOCATION_HELP,
    PDF_PARENT_PATTERN,
    PDF_PATH_PATTERN,
    PDF_URL_PATTERN,
    normalize_isbn,
    normalize_issn,
    normalize_pages,
    validate_isbn,
    validate_issn,
    validate_pdf_location,
)

DOI_PATTERN = r"^10\.[0-9]{4,9}/\S+$"
ARXIV_PATTERN = r"^([0-9]{4}\.[0-9]{4,5}|[a-z\-]+(\.[A-Z]{2})?/[0-9]{7})(v[0-9]+)?$"


class VenueQuerySet(SlugQuerySet):
    def with_paper_count(self):
        """The number of works at each venue, as its page lists them (PaperQuerySet.works): a
        paper is not counted when it is an earlier version of a paper at the same venue."""
        earlier_here = Q(papers__published_version__venue=F("pk"))
        return self.annotate(paper_count=Count("papers", filter=~earlier_here, distinct=True))

    def for_list(self):
        return self.select_related("publisher").with_paper_count()

    def matching(self, text: str):
        """Venues whose short or full name contains every word of ``text``."""
        queryset = self
        for word in text.split():
            queryset = queryset.filter(Q(short_name__icontains=word) | Q(name__icontains=word))
        return queryset


class Venue(MergeableModel, TimeStampedModel):
    """A conference, journal, workshop or preprint server: the series, not one year."""

    name = models.CharField(
        max_length=300,
        help_text="e.g. USENIX Symposium on Networked Systems Design and Implementation",
    )
    short_name = models.CharField(max_length=50, blank=True, help_text="e.g. NSDI")
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=VenueKind.choices, default=VenueKind.CONFERENCE)
    publisher = models.ForeignKey(
        Institution,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="venues",
        help_text="e.g. USENIX, ACM, IEEE",
    )
    url = models.URLField("website", blank=True)
    dblp = models.URLField("DBLP page", blank=True)
    note = models.TextField(
        "curators' note", blank=True, help_text="For lab admins only; never shown on pages."
    )

    objects = VenueQuerySet.as_manager()
    history = LabHistory(m2m_fields=["kept_apart"])

    class Meta:
        ordering = ["short_name", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=VenueKind.values), name="venue_kind_valid"),
        ]

    def __str__(self):
        return self.short_name or self.name

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("publications:venue", args=[self.slug])


#: Keyword names may not hold the separators the exports join them with: "; " in spreadsheet
#: cells, ", " in BibTeX ``keywords`` and CSL-JSON ``keyword``.
KEYWORD_SEPARATORS = (",", ";")


class Keyword(TimeStampedModel):
    """A topic papers are tagged with (``keywords`` of BibTeX, RIS ``KW``, CSL ``keyword``):
    the publication list can be filtered by one (``?keyword=<slug>``)."""

    name = models.CharField(
        max_length=100,
        help_text="As it is shown, e.g. “machine learning” or “RDMA”; unique whatever the case; "
        "no commas or semicolons (they separate keywords in exports).",
    )
    slug = models.SlugField(max_length=100, unique=True)

    objects = SlugQuerySet.as_manager()
    history = LabHistory()

    class Meta:
        ordering = [Lower("name"), "slug"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="unique_keyword_name"),
            models.CheckConstraint(condition=~Q(name=""), name="keyword_name_not_empty"),
            models.CheckConstraint(
                condition=~Q(name__contains=",") & ~Q(name__contains=";"),
                name="keyword_name_without_separators",
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        """The publication list filtered by this keyword."""
        return f"{reverse('publications:list')}?keyword={self.slug}"

    def clean(self):
        self.name = " ".join(self.name.split())
        found = [sign for sign in KEYWORD_SEPARATORS if sign in self.name]
        if found:
            raise ValidationError(
                {
                    "name": f"A keyword cannot contain “{found[0]}”: commas and semicolons "
                    "separate keywords in spreadsheets and citations. Make it two keywords."
                }
            )


class AuthorshipQuerySet(models.QuerySet):
    def get_by_natural_key(self, paper_slug, position):
        return self.get(paper__slug=paper_slug, position=position)

    def in_order(self):
        return self.select_related("person").order_by("position")


def version_links():
    """Papers with only what a link to another version of a work prints (with_versions())."""
    return Paper.objects.select_related("venue").only(
        "slug",
        "title",
        "year",
        "month",
        "status",
        "published_version",
        "venue__name",
        "venue__short_name",
    )


def _printed_byline():
    """Byline rows with only what a byline prints: the person's name and slug, the printed
    name, the marks."""
    return Authorship.objects.in_order().only(
        "paper_id",
        "position",
        "printed_name",
        *MARKS.values(),
        "person__name",
        "person__slug",
    )


class PaperQuerySet(SlugQuerySet):
    def published(self):
        return self.filter(status=PaperStatus.PUBLISHED)

    def preprints(self):
        return self.filter(status=PaperStatus.PREPRINT)

    def selected(self):
        return self.filter(selected=True)

    def by(self, person: Person):
        return self.filter(authorships__person=person)

    def in_year(self, year: int):
        return self.filter(year=year)

    def tagged(self, keyword: "Keyword"):
        return self.filter(keywords=keyword)

    def works(self):
        """Each work once: these papers less the earlier versions (preprints) of a paper that is
        among them too. An earlier version whose published paper is not among them stays: a list
        filtered by the preprint's year or venue shows the preprint. Chain it after every
        filter; the published version is looked up in the queryset as it is then.

        The lookup repeats this queryset's filters, narrowed to the papers that have an earlier
        version (the pk__in) so the database can check few rows: on 20,000 papers, 2,000 of
        them linked, it adds about 5 ms to a list and 40 ms to a text search (SQLite, cold)."""
        published = Paper.objects.exclude(published_version=None).values("published_version")
        return self.exclude(published_version__in=self.filter(pk__in=published).values("pk"))

    def with_versions(self):
        """What a page shows of a paper's other versions, in one more query whatever the number
        of papers: the paper it was published as (joined, with its venue) and its earlier
        versions (prefetched, with their venues; only what a link to them prints)."""
        return self.select_related("published_version__venue").prefetch_related(
            Prefetch("earlier_versions", queryset=version_links())
        )

    def for_list(self):
        """Everything a list of papers shows and a citation carries, in a fixed number of
        queries: the venue, the ordered byline with its people, the awards and the keywords."""
        return self.select_related("venue").prefetch_related(
            Prefetch("authorships", queryset=Authorship.objects.in_order()),
            "awards",
            "keywords",
        )

    def for_display(self):
        """A list of papers on a page: as for_list(), but each byline row loads only what a
        byline prints (the person's name and slug, the printed name, the marks), each keyword
        its name and slug, and with the links to the papers' other versions (with_versions: one
        more query). A prolific
        person's page has thousands of byline rows; building whole people for them took
        about as long as rendering the page."""
        keywords = Keyword.objects.only("name", "slug")
        return (
            self.select_related("venue")
            .prefetch_related(
                Prefetch("authorships", queryset=_printed_byline()),
                "awards",
                Prefetch("keywords", queryset=keywords),
            )
            .with_versions()
        )

    def for_detail(self):
        """A paper's page: what a list shows, plus the venue's publisher and the paper's other
        versions."""
        return self.for_list().select_related("venue__publisher").with_versions()

    def matching(self, text: str):
        """Papers where every word of ``text`` is in the title, the system name, the abstract,
        or an author's name, alias or printed name: the one definition of a paper matching a
        search, for the publication list and the site search. Authors are matched through IN
        subqueries, so a paper is never repeated and no DISTINCT is needed (EXISTS per paper was
        three times slower on SQLite with 20,000 papers).

        On PostgreSQL, per word, the ids of the matching papers are one UNION of three narrow
        queries, each answered by its trigram index (the migrations
        ``0006_search_trigram_indexes`` of publications and ``0003`` of people): the papers by
        their text, the byline rows by printed name, the byline rows of the people by name or
        alias. The OR of the text columns and the author subquery in one filter, as on SQLite,
        read every paper and every byline row there (0.5 s for a common family name on 20,000
        papers, 30 ms with the indexes). SQLite has no such index and reads the tables either
        way; the single filter is twice as fast there as the UNION."""
        queryset = self
        union = connections[self.db].vendor == "postgresql"
        for word in text.split():
            people = Person.objects.order_by().filter(
                Q(name__icontains=word) | Q(aliases__icontains=word)
            )
            text_match = (
                Q(title__icontains=word)
                | Q(system_name__icontains=word)
                | Q(abstract__icontains=word)
            )
            if union:
                by_person = Authorship.objects.order_by().filter(person__in=people.values("pk"))
                by_printed_name = Authorship.objects.order_by().filter(printed_name__icontains=word)
                matches = (
                    Paper.objects.order_by()
                    .filter(text_match)
                    .values("pk")
                    .union(by_printed_name.values("paper_id"), by_person.values("paper_id"))
                )
                queryset = queryset.filter(pk__in=matches)
            else:
                authored = Authorship.objects.filter(
                    Q(printed_name__icontains=word) | Q(person__in=people.values("pk"))
                ).values("paper_id")
                queryset = queryset.filter(text_match | Q(pk__in=authored))
        return queryset

    def by_institution(self, institution: Institution):
        """Papers with an author who holds or held a role at the institution or one of its
        units (Institution.objects.family), or who listed one of them as an affiliation."""
        units = Institution.objects.family(institution).values("pk")
        people = Person.objects.filter(roles__institution__in=units).values("pk")
        by_role = Authorship.objects.filter(person__in=people).values("paper_id")
        by_affiliation = Authorship.affiliations.through.objects.filter(
            institution__in=units
        ).values("authorship__paper_id")
        return self.filter(Q(pk__in=by_role) | Q(pk__in=by_affiliation))

    def sorted_by(self, key: str):
        """Order by one of PAPER_SORTS: newest (the default), oldest, title or venue."""
        return self.order_by(*PAPER_SORTS.get(key, PAPER_SORTS["newest"]))


# Undated work (preprints "in submission") counts as the newest, as on a CV.
PAPER_SORTS = {
    "newest": (F("year").desc(nulls_first=True), F("month").desc(nulls_last=True), "title", "pk"),
    "oldest": (F("year").asc(nulls_last=True), F("month").asc(nulls_first=True), "title", "pk"),
    "title": ("title", "pk"),
    # By the name the list shows (the short one when there is one); papers without a venue last.
    "venue": (
        Coalesce(NullIf("venue__short_name", Value("")), "venue__name").asc(nulls_last=True),
        F("year").desc(nulls_first=True),
        "title",
        "pk",
    ),
}


class Paper(KeyedModel, MergeableModel, TimeStampedModel):
    """One work, however many people list it."""

    title = models.CharField(max_length=500)
    # The title's key (case, accents, punctuation folded), kept on every save: the imports
    # find the papers a file repeats by it (publications.titles).
    title_key = TitleKeyField(max_length=500)
    # Unique by a constraint (Meta), not unique=True, which on PostgreSQL adds a second index,
    # for LIKE, and indexes the history's copy twice more: three indexes of random keys that
    # nothing reads, which were a fifth of an import's time (docs/imports.md).
    slug = models.SlugField(max_length=100, db_index=False)
    system_name = models.CharField(
        max_length=100, blank=True, help_text="The system's name used in talk, e.g. FuseLink."
    )
    venue = models.ForeignKey(
        Venue, null=True, blank=True, on_delete=models.PROTECT, related_name="papers"
    )
    year = year_field("year", help_text="Empty for an undated preprint.")
    month = month_field("month")
    status = models.CharField(
        max_length=20, choices=PaperStatus.choices, default=PaperStatus.PUBLISHED
    )
    abstract = models.TextField(blank=True)
    doi = models.CharField(
        "DOI",
        max_length=200,
        blank=True,
        help_text="e.g. 10.1145/3669940.3707266 (without https://doi.org/)",
    )
    arxiv_id = models.CharField("arXiv id", max_length=40, blank=True, help_text="e.g. 2403.07648")
    # Where in the venue: what a citation prints after the venue's name.
    volume = models.CharField(max_length=50, blank=True, help_text="e.g. 17")
    number = models.CharField(
        "issue/number", max_length=50, blank=True, help_text="The issue, e.g. 8"
    )
    pages = models.CharField(
        max_length=50,
        blank=True,
        help_text="e.g. 123–135; stored with an en dash between first and last page; BibTeX "
        "exports write 123--135",
    )
    article_number = models.CharField(
        max_length=50,
        blank=True,
        help_text="ACM/IEEE article number (articleno, eid) when there are no pages",
    )
    publisher = models.CharField(
        max_length=200,
        blank=True,
        help_text="The paper's own publisher where it differs from the venue's (a book "
        "series), e.g. Springer",
    )
    series = models.CharField(
        max_length=200, blank=True, help_text="e.g. Lecture Notes in Computer Science"
    )
    isbn = models.CharField(
        "ISBN",
        max_length=20,
        blank=True,
        validators=[validate_isbn],
        help_text="Of the proceedings or book, e.g. 978-1-939133-39-7",
    )
    issn = models.CharField(
        "ISSN",
        max_length=20,
        blank=True,
        validators=[validate_issn],
        help_text="Of the journal or series, e.g. 0302-9743",
    )
    event_place = models.CharField(max_length=200, blank=True, help_text="e.g. Lisbon, Portugal")
    event_dates = models.CharField(
        max_length=100, blank=True, help_text="As given, e.g. April 15–16, 2024"
    )
    url = models.URLField("URL", blank=True, help_text="The paper's page, e.g. at the publisher")
    pdf_url = models.CharField(
        "PDF",
        max_length=500,
        blank=True,
        validators=[validate_pdf_location],
        help_text=PDF_LOCATION_HELP,
    )
    code_url = models.URLField("code URL", blank=True)
    slides_url = models.URLField("slides URL", blank=True)
    poster_url = models.URLField("poster URL", blank=True)
    video_url = models.URLField("video URL", blank=True, help_text="e.g. the talk's recording")
    website_url = models.URLField(
        "website URL", blank=True, help_text="The project's or system's own website"
    )
    google_scholar_id = models.CharField(
        "Google Scholar id",
        max_length=40,
        blank=True,
        help_text="Kept for the lab's al-folio site (its google_scholar_id field); shown on no "
        "page, e.g. qyhmnyLat1gC",
    )
    keywords = models.ManyToManyField(
        Keyword,
        blank=True,
        related_name="papers",
        help_text="Topics the publication list can be filtered by.",
    )
    authors_complete = models.BooleanField(
        default=True,
        help_text="Untick when the sources list only some of the authors.",
    )
    note = models.TextField(
        "public note",
        blank=True,
        help_text="Shown on the paper's page, e.g. Invited Submission to USENIX ;login:",
    )
    curator_note = models.TextField(
        "curators' note",
        blank=True,
        help_text="For lab admins only, never shown on pages or in downloads: where the record "
        "comes from, what the sources leave open.",
    )
    published_version = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="earlier_versions",
        help_text="For a preprint (or another earlier version of a work): the paper it was "
        "published as. Lists show the work once, as the published paper.",
    )
    selected = models.BooleanField(default=False, help_text="Featured on pages.")
    authors = models.ManyToManyField(
        Person, through="Authorship", related_name="papers", blank=True
    )

    objects = PaperQuerySet.as_manager()
    # The title's key is the title's, not a change of its own.
    history = LabHistory(m2m_fields=["kept_apart", "keywords"], excluded_fields=["title_key"])

    class Meta:
        # Undated work (preprints "in submission") first, as on a CV.
        ordering = [
            F("year").desc(nulls_first=True),
            F("month").desc(nulls_last=True),
            "title",
        ]
        # Not db_index: on PostgreSQL that adds a second index, for LIKE, which nothing uses.
        indexes = [models.Index(fields=["title_key"], name="paper_title_key")]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="unique_paper_slug"),
            *year_constraints("paper", "year"),
            models.CheckConstraint(condition=month_in_range("month"), name="paper_month_valid"),
            models.CheckConstraint(
                condition=Q(status__in=PaperStatus.values), name="paper_status_valid"
            ),
            models.UniqueConstraint(Lower("doi"), condition=~Q(doi=""), name="unique_paper_doi"),
            models.CheckConstraint(
                condition=Q(doi="") | Q(doi__regex=DOI_PATTERN), name="paper_doi_format"
            ),
            models.UniqueConstraint(
                fields=["arxiv_id"], condition=~Q(arxiv_id=""), name="unique_paper_arxiv_id"
            ),
            models.CheckConstraint(condition=~Q(title=""), name="paper_title_not_empty"),
            models.CheckConstraint(
                condition=~Q(published_version=F("pk")), name="paper_not_its_own_version"
            ),
            models.CheckConstraint(
                condition=Q(isbn="") | Q(isbn__regex=ISBN_PATTERN), name="paper_isbn_format"
            ),
            models.CheckConstraint(
                condition=Q(issn="") | Q(issn__regex=ISSN_PATTERN), name="paper_issn_format"
            ),
            models.CheckConstraint(
                condition=Q(pdf_url="")
                | Q(pdf_url__iregex=PDF_URL_PATTERN)
                | (Q(pdf_url__regex=PDF_PATH_PATTERN) & ~Q(pdf_url__regex=PDF_PARENT_PATTERN)),
                name="paper_pdf_url_or_relative_path",
            ),
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("publications:paper", args=[self.slug])

    def clean_fields(self, exclude=None):
        # Tidied first: the field validators (and max_length) judge the stored form, so
        # "ISBN 978 1 939133 39 7" is taken as 978-1-939133-39-7 rather than refused.
        self.clean()
        super().clean_fields(exclude=exclude)

    def clean(self):
        """Tidy the citation fields as sources write them (publications.validators): pages
        with an en dash, ISBN and ISSN in their stored form. Idempotent; run before the field
        validators (clean_fields), which then judge the tidied values."""
        self.pages = normalize_pages(self.pages)
        self.isbn = normalize_isbn(self.isbn)
        self.issn = normalize_issn(self.issn)
        for name in ("volume", "number", "article_number", "event_place", "event_dates"):
            setattr(self, name, " ".join(getattr(self, name).split()))

    @property
    def citation_numbers(self) -> str:
        """Where in the venue, as a citation prints it: ``17(8):1234–1246``, ``pp. 123–135``
        without a volume, ``2(3), article 142`` for an article number; "" when none is known."""
        where = self.volume
        if self.number:
            where = f"{where}({self.number})" if where else f"no. {self.number}"
        if self.pages:
            if where:
                return f"{where}:{self.pages}"
            return f"pp. {self.pages}" if PAGE_DASH in self.pages else f"p. {self.pages}"
        if self.article_number:
            return ", ".join(filter(None, (where, f"article {self.article_number}")))
        return where


def mark_field(name: str) -> models.BooleanField:
    """The field of a mark, named and explained by publications.byline.MARK_TABLE."""
    mark = MARK_BY_FIELD[name]
    return models.BooleanField(f"{mark.label} ({mark.sign})", default=False, help_text=mark.legend)


class Authorship(TimeStampedModel):
    """One place on a paper's ordered author list."""

    # No index of their own: a paper's rows are read from the unique (paper, position) index,
    # a person's from (person, paper) below; two more indexes would only slow every write.
    paper = models.ForeignKey(
        Paper, on_delete=models.CASCADE, related_name="authorships", db_index=False
    )
    # PROTECT: deleting someone who authored papers would silently rewrite those bylines.
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="authorships", db_index=False
    )
    position = models.PositiveSmallIntegerField(help_text="1 for the first author.")
    printed_name = models.CharField(
        max_length=200,
        blank=True,
        help_text="The name as printed on this paper, when it differs from the person's name.",
    )
    equal_contribution = mark_field("equal_contribution")
    lead = mark_field("lead")
    mentee = mark_field("mentee")
    corresponding = mark_field("corresponding")
    affiliations = models.ManyToManyField(
        Institution,
        blank=True,
        related_name="authorships",
        help_text="Affiliations printed on this paper, when they matter.",
    )

    objects = AuthorshipQuerySet.as_manager()
    # Versions are read by paper (a byline as it was), never by person: no index of the
    # person's copy, which every byline row of an import wrote into at random.
    history = LabHistory(m2m_fields=["affiliations"], no_db_index=["person"])

    class Meta:
        ordering = ["paper", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["paper", "position"], name="unique_authorship_position"
            ),
            models.UniqueConstraint(fields=["paper", "person"], name="unique_authorship_person"),
            models.CheckConstraint(condition=Q(position__gte=1), name="authorship_position_gte_1"),
        ]
        indexes = [
            # A person's papers read from the index alone (search by an author's name, their
            # page): the person_id index alone made PostgreSQL read the whole table instead.
            models.Index(fields=["person", "paper"], name="authorship_person_paper"),
        ]

    def __str__(self):
        return f"{self.position}. {self.display_name}"

    def natural_key(self):
        return (*self.paper.natural_key(), self.position)

    natural_key.dependencies = ["publications.paper"]

    @property
    def display_name(self) -> str:
        return self.printed_name or self.person.name

    @property
    def marks(self) -> str:
        """The printed marks, e.g. "*†"."""
        return "".join(sign for sign, field in MARKS.items() if getattr(self, field))


class PaperAwardQuerySet(models.QuerySet):
    def get_by_natural_key(self, paper_slug, title):
        return self.get(paper__slug=paper_slug, title=title)


class PaperAward(TimeStampedModel):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="awards")
    title = models.CharField(
        max_length=300, help_text="e.g. Distinguished Paper Award, Top-3 Cited Paper in SC '21"
    )

    objects = PaperAwardQuerySet.as_manager()
    history = LabHistory()

    class Meta:
        ordering = ["paper", "title"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "title"], name="unique_paper_award"),
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (*self.paper.natural_key(), self.title)

    natural_key.dependencies = ["publications.paper"]


class ServiceQuerySet(models.QuerySet):
    def get_by_natural_key(self, person, venue, kind, start_year, note):
        return self.get(
            person__slug=person, venue__slug=venue, kind=kind, start_year=start_year, note=note
        )


class Service(TimeStampedModel):
    """A person's service to a venue: reviewing, committees, organising a workshop."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="services")
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="services")
    kind = models.CharField(max_length=40, choices=ServiceKind.choices)
    start_year = year_field("start year")
    end_year = year_field("end year", help_text="Same as the start year for one year.")
    note = models.CharField(
        max_length=300,
        blank=True,
        help_text="e.g. the workshop: Efficient Large Vision Models Workshop (ELVM)",
    )

    objects = ServiceQuerySet.as_manager()
    history = LabHistory()

    class Meta:
        verbose_name_plural = "service"
        ordering = [F("start_year").desc(nulls_last=True), "kind"]
        constraints = [
            *span_constraints("service", months=False),
            models.CheckConstraint(
                condition=Q(kind__in=ServiceKind.values), name="service_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}, {self.years}".rstrip(", ")

    def natural_key(self):
        return (
            *self.person.natural_key(),
            *self.venue.natural_key(),
            self.kind,
            self.start_year,
            self.note,
        )

    natural_key.dependencies = ["people.person", "publications.venue"]

    @property
    def years(self) -> str:
        if self.start_year is None:
            return ""
        if self.end_year in (None, self.start_year):
            return str(self.start_year)
        return f"{self.start_year} – {self.end_year}"
