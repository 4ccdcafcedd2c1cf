"""Venues, papers, authorships, paper awards and service as spreadsheet rows.

Keyed by natural keys, never ids (see docs/spreadsheets.md): venues and papers by slug, an
authorship by (paper, position), a paper award by (paper, title), a service by (person, venue,
kind, start year, note). References are slugs (``venue``, ``publisher``, ``paper``, ``person``).

One row per paper. The byline sits in one cell, in order, with its marks, exactly as the admin's
byline box takes it: ``Qinghao Hu*; Meng Zhang*; Peng Sun``; a namesake carries their slug
(``Hao Wang <hao-wang-2>``) so the cell resolves to the same people when read back. On import the
cell goes through the admin's own services (``resolve_entries``, ``paper_set_authorships``):
authors are matched by name or alias, a name nobody has becomes a new person (listed in the
preview), an ambiguous one is a row error. Awards are one cell, joined by "; ". Keywords are
one cell too, by name (``GPU; machine learning``; "," separates them as well): a name matches
its keyword whatever the case, and a name nobody has becomes a new keyword
(``publications.services.papers_set_keywords``). Keywords are renamed through their own
resource (``KeywordResource``, by slug).

The venue column holds the venue's *slug* (``nsdi``): it is unique and stable, whereas short
names may be blank or shared and full names are long and get reworded. Exported with
``force_native_type=True`` (XLSX) years and booleans stay numbers and booleans; in CSV booleans
are written 1/0, as django-import-export reads them back.
"""

from django.core.exceptions import ValidationError
from import_export import fields

from lab.core.importing import (
    LIST_SEPARATOR,
    FileProblem,
    LabResource,
    SlugWidget,
    cell_text,
    split_list,
)
from lab.core.records import in_model_order
from people.matching import PersonMatcher
from people.models import Institution, Person
from people.names import normalize_name
from publications.byline import (
    MARK_FIELDS,
    BylineEntry,
    BylineError,
    format_byline,
    parse_byline,
)
from publications.models import Authorship, Keyword, Paper, PaperAward, Service, Venue
from publications.services import (
    AuthorSpec,
    KeywordError,
    KeywordIndex,
    authorship_put,
    byline_authors,
    entries_matcher,
    paper_byline,
    papers_set_authorships,
    papers_set_keywords,
    resolve_entries,
    split_keywords,
)
from publications.services.keywords import check_keyword_name, keyword_key

AWARD_SEPARATOR = LIST_SEPARATOR
KEYWORD_SEPARATOR = LIST_SEPARATOR
#: The citation details after the venue: volume ... event dates (docs/spreadsheets.md).
CITATION_FIELDS = (
    "volume",
    "number",
    "pages",
    "article_number",
    "publisher",
    "series",
    "isbn",
    "issn",
    "event_place",
    "event_dates",
)
LINK_FIELDS = (
    "url",
    "pdf_url",
    "code_url",
    "slides_url",
    "poster_url",
    "video_url",
    "website_url",
)
PAPER_FIELDS = (
    "slug",
    "title",
    "authors",
    "venue",
    "year",
    "month",
    "status",
    *CITATION_FIELDS,
    "doi",
    "arxiv_id",
    *LINK_FIELDS,
    "keywords",
    "awards",
    "selected",
    "authors_complete",
    "note",
    "abstract",
)


class VenueResource(LabResource):
    publisher = fields.Field(
        attribute="publisher", column_name="publisher", widget=SlugWidget(Institution)
    )

    class Meta(LabResource.Meta):
        model = Venue
        import_id_fields = ("slug",)
        fields = (
            "slug",
            "name",
            "short_name",
            "kind",
            "publisher",
            "url",
            "dblp",
            "note",
            "former_slugs",
        )
        export_order = fields

    def get_queryset(self):
        return Venue.objects.select_related("publisher")

    def with_related(self, queryset):
        return queryset.select_related("publisher")


class KeywordResource(LabResource):
    """Keywords by slug, with their names: renaming one here renames it on every paper. A
    paper row names its keywords in one cell (``keywords``), so this sheet is needed only to
    rename them."""

    class Meta(LabResource.Meta):
        model = Keyword
        import_id_fields = ("slug",)
        fields = ("slug", "name")
        export_order = fields


class PaperResource(LabResource):
    """The public download's columns; importable in the admin (see PaperAdminResource)."""

    authors = fields.Field(column_name="authors")
    venue = fields.Field(attribute="venue", column_name="venue", widget=SlugWidget(Venue))
    keywords = fields.Field(column_name="keywords")
    awards = fields.Field(column_name="awards")

    relation_columns = ("authors", "keywords", "awards")
    also_writes = (Authorship, PaperAward, Person, Keyword)
    # A new paper's first version records its keywords, written just before it.
    links_written = ("keywords",)

    class Meta(LabResource.Meta):
        model = Paper
        import_id_fields = ("slug",)
        fields = PAPER_FIELDS
        export_order = fields

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._matcher = None
        #: The file's bylines that parse, parsed once (prepare_import), by their text.
        self._parsed: dict[str, list[BylineEntry]] = {}
        self._bylines: dict[Paper, list[AuthorSpec]] = {}
        self._new_papers: set[int] = set()
        self._new_awards: list[PaperAward] = []
        self._keywords: dict[Paper, list[str]] = {}
        self._keyword_index: KeywordIndex | None = None

    def get_queryset(self):
        return Paper.objects.for_list()

    def with_related(self, queryset):
        return queryset.prefetch_related(None).for_list()

    @property
    def matcher(self) -> PersonMatcher:
        # One query for the whole export (everyone's names are written), built on first use;
        # an import's is made of the people its file names (prepare_import).
        if self._matcher is None:
            self._matcher = PersonMatcher.from_database()
        return self._matcher

    def prepare_import(self, dataset):
        super().prepare_import(dataset)
        if "authors" in (dataset.headers or []):
            for byline in {cell_text(cell) for cell in dataset["authors"]} - {""}:
                try:
                    self._parsed[byline] = parse_byline(byline)
                except BylineError:
                    continue  # resolving its rows reports why
            self._matcher = entries_matcher(self._parsed.values())

    def dehydrate_authors(self, paper: Paper) -> str:
        return paper_byline(paper, matcher=self.matcher)

    def dehydrate_awards(self, paper: Paper) -> str:
        return AWARD_SEPARATOR.join(award.title for award in paper.awards.all())

    def dehydrate_keywords(self, paper: Paper) -> str:
        return KEYWORD_SEPARATOR.join(keyword.name for keyword in paper.keywords.all())

    @property
    def keyword_index(self) -> KeywordIndex:
        # Every keyword, read once for the whole import.
        if self._keyword_index is None:
            self._keyword_index = KeywordIndex()
        return self._keyword_index

    # -- import --------------------------------------------------------------------------------

    def resolve_relations(self, row, columns):
        resolved = {}
        if "authors" in columns:
            byline = cell_text(row["authors"])
            try:
                entries = (self._parsed.get(byline) or parse_byline(byline)) if byline else []
                resolved["authors"] = resolve_entries(entries, matcher=self.matcher)
            except BylineError as error:
                raise ValidationError({"authors": str(error)}) from None
        if "keywords" in columns:
            names = split_keywords(cell_text(row["keywords"]))
            try:
                for name in names:
                    check_keyword_name(name)
            except KeywordError as error:
                raise ValidationError({"keywords": str(error)}) from None
            resolved["keywords"] = names
        if "awards" in columns:
            titles = split_list(row["awards"])
            repeated = next((t for i, t in enumerate(titles) if t in titles[:i]), None)
            if repeated:
                raise ValidationError({"awards": f"the award “{repeated}” is listed twice."})
            longest = PaperAward._meta.get_field("title").max_length
            too_long = next((t for t in titles if len(t) > longest), None)
            if too_long:
                raise ValidationError(
                    {"awards": f"“{too_long[:40]}…” is longer than {longest} characters."}
                )
            resolved["awards"] = titles
        return resolved

    def relation_state(self, paper, column):
        if column == "authors":
            authorships = paper.authorships.all()
            signature = [(a.person_id, a.printed_name, a.marks) for a in authorships]
            return signature, paper_byline(paper, matcher=self.matcher)
        if column == "keywords":
            names = [keyword.name for keyword in paper.keywords.all()]
            return sorted(keyword_key(n) for n in names), KEYWORD_SEPARATOR.join(names)
        titles = [award.title for award in paper.awards.all()]
        return sorted(titles), AWARD_SEPARATOR.join(sorted(titles))

    def resolved_state(self, column, resolved):
        if column == "authors":
            signature = [
                (
                    person.pk if person else ("new", normalize_name(entry.name)),
                    "" if person is None or entry.name == person.name else entry.name,
                    entry.marks,
                )
                for entry, person in resolved
            ]
            return signature, format_byline(
                [e for e, _ in resolved], with_slug=lambda e: bool(e.slug)
            )
        if column == "keywords":
            # A name matches its keyword whatever the case: "GPU" is the keyword "gpu".
            names = [
                (self.keyword_index.find(name) or Keyword(name=name)).name for name in resolved
            ]
            return sorted(keyword_key(n) for n in names), KEYWORD_SEPARATOR.join(
                sorted(names, key=keyword_key)
            )
        return sorted(resolved), AWARD_SEPARATOR.join(sorted(resolved))

    def save_relations(self, paper, resolved, *, new):
        if new:
            self._new_papers.add(paper.pk)
        if "authors" in resolved:
            self._save_authors(paper, resolved["authors"], new=new)
        if "keywords" in resolved:
            self._keywords[paper] = resolved["keywords"]
        if "awards" in resolved:
            self._save_awards(paper, resolved["awards"], new=new)

    def _save_authors(self, paper, resolved, *, new):
        if (
            not new
            and self.relation_state(paper, "authors")[0]
            == self.resolved_state("authors", resolved)[0]
        ):
            return
        if not resolved and not new:
            raise ValidationError(
                {"authors": "the cell is empty, but a paper keeps at least one author."}
            )
        # Written with every other paper's, in a fixed number of queries at the end of the
        # import (finish_import), through the byline service.
        self._bylines[paper] = byline_authors(resolved, matcher=self.matcher, created=self.created)

    def _save_awards(self, paper, titles, *, new):
        existing = set() if new else {award.title for award in paper.awards.all()}
        added = [t for t in titles if t not in existing]
        removed = existing - set(titles)
        if removed:
            paper.awards.filter(title__in=removed).delete()
        self._new_awards.extend(PaperAward(paper=paper, title=title) for title in added)

    def record_history(self):
        """The keywords are written first: the papers' versions record them."""
        papers_set_keywords(keywords=self._keywords, new=self._new_papers, versions=False)
        self._keywords = {}
        super().record_history()

    def finish_import(self):
        papers_set_authorships(authors=self._bylines, new=self._new_papers)
        PaperAward.objects.bulk_create(self._new_awards, batch_size=1000)
        self._bylines, self._new_papers, self._new_awards = {}, set(), []


class PaperAdminResource(PaperResource):
    """Every curated field of a paper: the download's columns plus the system name, the
    Google Scholar id (kept for the al-folio export, shown on no page), the published version
    (of a preprint, by slug), the curators' note and the former slugs.

    The published version may be a paper further down the file (the list puts undated
    preprints first), so it is linked at the end of the import, when every row is in."""

    published_version = fields.Field(
        attribute="published_version", column_name="published_version", widget=SlugWidget(Paper)
    )

    relation_columns = (*PaperResource.relation_columns, "published_version")

    class Meta(PaperResource.Meta):
        fields = (
            *PAPER_FIELDS[:2],
            "system_name",
            *PAPER_FIELDS[2:],
            "google_scholar_id",
            "published_version",
            "curator_note",
            "former_slugs",
        )
        export_order = fields

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._links: dict[Paper, tuple[str, int]] = {}

    def get_queryset(self):
        return super().get_queryset().select_related("published_version")

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.column_name != "published_version":  # linked in finish_import
            super().import_field(field, instance, row, is_m2m=is_m2m, **kwargs)

    def resolve_relations(self, row, columns):
        resolved = super().resolve_relations(row, [c for c in columns if c != "published_version"])
        if "published_version" in columns:
            resolved["published_version"] = cell_text(row["published_version"])
        return resolved

    def relation_state(self, paper, column):
        if column == "published_version":
            slug = paper.published_version.slug if paper.published_version_id else ""
            return slug, slug
        return super().relation_state(paper, column)

    def resolved_state(self, column, resolved):
        if column == "published_version":
            return resolved, resolved
        return super().resolved_state(column, resolved)

    def save_relations(self, paper, resolved, *, new):
        super().save_relations(paper, resolved, new=new)
        if "published_version" in resolved:
            self._links[paper] = (resolved["published_version"], len(self._links))

    def finish_import(self):
        super().finish_import()
        links, self._links = self._links, {}
        wanted = {slug for slug, _ in links.values() if slug}
        found = Paper.objects.in_bulk(wanted, field_name="slug") if wanted else {}
        missing = sorted(wanted - found.keys())
        if missing:
            names = ", ".join(f"“{slug}”" for slug in missing)
            raise FileProblem(f"Column published_version: no paper {names}.")
        for paper, (slug, _) in links.items():
            target = found.get(slug)
            if (target.pk if target else None) != paper.published_version_id:
                paper.published_version = target
                paper.save(update_fields=["published_version", "modified"])


class AuthorshipResource(LabResource):
    """One place on a byline per row; the byline cell of a paper row is the usual way."""

    paper = fields.Field(attribute="paper", column_name="paper", widget=SlugWidget(Paper))
    person = fields.Field(attribute="person", column_name="person", widget=SlugWidget(Person))
    affiliations = fields.Field(column_name="affiliations")

    relation_columns = ("affiliations",)
    links_written = ("affiliations",)

    class Meta(LabResource.Meta):
        model = Authorship
        import_id_fields = ("paper", "position")
        fields = (
            "paper",
            "position",
            "person",
            "printed_name",
            *MARK_FIELDS,
            "affiliations",
        )
        export_order = fields

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._institutions = SlugWidget(Institution)

    def get_queryset(self):
        return Authorship.objects.select_related("paper", "person").prefetch_related("affiliations")

    def with_related(self, queryset):
        return (
            queryset.select_related("paper", "person")
            .prefetch_related(None)
            .prefetch_related("affiliations")
        )

    def dehydrate_affiliations(self, authorship) -> str:
        return LIST_SEPARATOR.join(sorted(i.slug for i in authorship.affiliations.all()))

    def resolve_relations(self, row, columns):
        institutions = []
        for slug in split_list(row["affiliations"]):
            try:
                institution = self._institutions.clean(slug)
            except ValueError as error:
                raise ValidationError({"affiliations": str(error)}) from None
            if institution not in institutions:
                institutions.append(institution)
        return {"affiliations": institutions}

    def relation_state(self, authorship, column):
        slugs = sorted(i.slug for i in authorship.affiliations.all())
        return slugs, LIST_SEPARATOR.join(slugs)

    def resolved_state(self, column, resolved):
        slugs = sorted(i.slug for i in resolved)
        return slugs, LIST_SEPARATOR.join(slugs)

    def do_instance_save(self, instance, is_create):
        """A row is written through its paper's author list (``authorship_put``), its
        affiliations with it when the file has the column."""
        taken = Authorship.objects.filter(paper_id=instance.paper_id, person_id=instance.person_id)
        if taken.exclude(pk=instance.pk).exists():
            verbose = Authorship._meta.verbose_name
            message = f"another {verbose} already has this paper and person"
            raise ValidationError({"person": message})
        authorship_put(authorship=instance, affiliations=self._resolved.get("affiliations"))

    def save_relations(self, authorship, resolved, *, new):
        """Nothing left to write: ``do_instance_save`` wrote the affiliations with the row."""


class AffiliationResource(AuthorshipResource):
    """The affiliations of a byline's authors, by paper slug and position. Who the author is
    and their marks come from the papers sheet's byline cell; this sheet only adds the
    institutions (slugs, "; "-separated), so the two cannot contradict each other."""

    class Meta(AuthorshipResource.Meta):
        fields = ("paper", "position", "affiliations")
        export_order = fields

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        for name in list(self.fields):
            if name not in self._meta.fields:
                del self.fields[name]

    def export_queryset(self):
        """Only byline rows that have affiliations (get_queryset also serves the import)."""
        with_affiliations = Authorship.affiliations.through.objects.values("authorship_id")
        return (
            self.get_queryset().filter(pk__in=with_affiliations).order_by("paper__slug", "position")
        )


class PaperAwardResource(LabResource):
    paper = fields.Field(attribute="paper", column_name="paper", widget=SlugWidget(Paper))

    class Meta(LabResource.Meta):
        model = PaperAward
        import_id_fields = ("paper", "title")
        fields = ("paper", "title")
        export_order = fields

    def get_queryset(self):
        return PaperAward.objects.select_related("paper")

    def with_related(self, queryset):
        return queryset.select_related("paper")


class ServiceResource(LabResource):
    person = fields.Field(attribute="person", column_name="person", widget=SlugWidget(Person))
    venue = fields.Field(attribute="venue", column_name="venue", widget=SlugWidget(Venue))

    class Meta(LabResource.Meta):
        model = Service
        import_id_fields = ("person", "venue", "kind", "start_year", "note")
        fields = ("person", "venue", "kind", "start_year", "end_year", "note")
        export_order = fields

    def get_queryset(self):
        return Service.objects.select_related("person", "venue")

    def with_related(self, queryset):
        return queryset.select_related("person", "venue")


#: The publications app's complete resources, in the order a whole-lab import needs them.
RESOURCES = in_model_order(
    (
        VenueResource,
        KeywordResource,
        PaperAdminResource,
        AuthorshipResource,
        PaperAwardResource,
        ServiceResource,
    ),
    model=lambda resource: resource._meta.model,
)
