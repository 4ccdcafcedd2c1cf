"""Papers as spreadsheet rows (django-import-export), keyed by natural keys, never ids.

One row per paper. The byline sits in one cell, in order, with its marks, exactly as the admin's
byline box takes it: ``Qinghao Hu*; Meng Zhang*; Peng Sun``; a namesake carries their slug
(``Hao Wang <hao-wang-2>``) so the cell resolves to the same people when read back.

The venue column holds the venue's *slug* (``nsdi``): it is unique and stable, whereas short
names may be blank or shared and full names are long and get reworded. Awards are one cell,
joined by "; ". Exported with ``force_native_type=True`` (XLSX) years and booleans stay numbers
and booleans; in CSV booleans are written 1/0, as django-import-export reads them back.
"""

from import_export import fields, resources, widgets

from lab.spreadsheets import EscapedExportMixin
from people.matching import PersonMatcher
from publications.models import Paper, Venue
from publications.services import paper_byline

AWARD_SEPARATOR = "; "


class PaperResource(EscapedExportMixin, resources.ModelResource):
    # Read-only until imports write Authorship rows themselves (an ordered through model
    # cannot go through ManyToManyWidget).
    authors = fields.Field(column_name="authors", readonly=True)
    venue = fields.Field(
        attribute="venue",
        column_name="venue",
        widget=widgets.ForeignKeyWidget(Venue, field="slug"),
    )
    awards = fields.Field(column_name="awards", readonly=True)

    class Meta:
        model = Paper
        import_id_fields = ("slug",)
        fields = (
            "slug",
            "title",
            "authors",
            "venue",
            "year",
            "month",
            "status",
            "doi",
            "arxiv_id",
            "url",
            "pdf_url",
            "code_url",
            "awards",
            "selected",
            "authors_complete",
            "note",
            "abstract",
        )
        export_order = fields

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._matcher = None

    def get_queryset(self):
        return Paper.objects.for_list()

    @property
    def matcher(self) -> PersonMatcher:
        # One query for the whole export, built on first use.
        if self._matcher is None:
            self._matcher = PersonMatcher.from_database()
        return self._matcher

    def dehydrate_authors(self, paper: Paper) -> str:
        return paper_byline(paper, matcher=self.matcher)

    def dehydrate_awards(self, paper: Paper) -> str:
        return AWARD_SEPARATOR.join(award.title for award in paper.awards.all())
