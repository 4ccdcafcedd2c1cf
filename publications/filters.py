"""The filter forms of the publication and venue lists (GET forms: they work without JS)."""

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Q

from lab.core.bounds import BoundedSearchForm, query_slug
from people.models import Institution, Person
from publications.enums import PaperStatus, VenueKind
from publications.models import Keyword, Paper, Venue

SORT_CHOICES = [
    ("newest", "Newest first"),
    ("oldest", "Oldest first"),
    ("title", "Title"),
    ("venue", "Venue"),
]
# Sorts that keep papers in year order, so the list can show year headings.
YEAR_SORTS = ("newest", "oldest")


def lab_institutions():
    """The lab and its units, as a subquery."""
    return Institution.objects.family(settings.LAB_INSTITUTION).values("pk")


def person_choices(request):
    """The lab's people (anyone who held a role there), plus whoever the request asks for.

    The list would hold every co-author ever otherwise: thousands of options. Any person can
    still be picked by slug (links from profiles do), and they then show in the list.
    """
    wanted = query_slug(request.GET.get("person")) if request is not None else ""
    return Person.objects.filter(
        Q(roles__institution__in=lab_institutions()) | Q(slug=wanted)
    ).distinct()


def keyword_choices(request):
    """The keywords some paper has, plus whichever the request asks for (a keyword link from
    a paper of a version left out of the list still validates): keywords no paper uses are not
    offered."""
    wanted = query_slug(request.GET.get("keyword")) if request is not None else ""
    used = Paper.keywords.through.objects.values("keyword_id")
    return Keyword.objects.filter(Q(pk__in=used) | Q(slug=wanted))


class PaperFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_text",
        help_text="Title, system name, abstract or author name",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    year_min = django_filters.NumberFilter(
        field_name="year", lookup_expr="gte", label="From year", min_value=1900, max_value=2100
    )
    year_max = django_filters.NumberFilter(
        field_name="year", lookup_expr="lte", label="To year", min_value=1900, max_value=2100
    )
    person = django_filters.ModelChoiceFilter(
        label="Author",
        queryset=person_choices,
        to_field_name="slug",
        method="filter_person",
        empty_label="Anyone",
    )
    institution = django_filters.ModelChoiceFilter(
        label="Institution",
        queryset=Institution.objects.all(),
        to_field_name="slug",
        method="filter_institution",
        empty_label="Any institution",
    )
    venue = django_filters.ModelChoiceFilter(
        label="Venue",
        queryset=Venue.objects.all(),
        to_field_name="slug",
        empty_label="Any venue",
    )
    keyword = django_filters.ModelChoiceFilter(
        label="Keyword",
        queryset=keyword_choices,
        to_field_name="slug",
        method="filter_keyword",
        empty_label="Any keyword",
    )
    kind = django_filters.ChoiceFilter(
        label="Venue kind",
        field_name="venue__kind",
        choices=VenueKind.choices,
        empty_label="Any kind",
    )
    status = django_filters.ChoiceFilter(
        label="Status", choices=PaperStatus.choices, empty_label="Any status"
    )
    selected = django_filters.BooleanFilter(
        label="Selected papers only", method="filter_selected", widget=forms.CheckboxInput
    )
    sort = django_filters.ChoiceFilter(
        label="Sort by", choices=SORT_CHOICES, method="filter_sort", empty_label=None
    )

    class Meta:
        model = Paper
        fields = []
        form = BoundedSearchForm

    def filter_text(self, queryset, name, value):
        return queryset.matching(value)

    def filter_person(self, queryset, name, value):
        return queryset.by(value)

    def filter_institution(self, queryset, name, value):
        return queryset.by_institution(value)

    def filter_keyword(self, queryset, name, value):
        return queryset.tagged(value)

    def filter_selected(self, queryset, name, value):
        # An unticked box means "all papers", not "papers that are not selected".
        return queryset.selected() if value else queryset

    def filter_sort(self, queryset, name, value):
        return queryset.sorted_by(value)

    @property
    def sort_key(self) -> str:
        if self.is_bound and self.is_valid():
            return self.form.cleaned_data.get("sort") or "newest"
        return "newest"

    @property
    def papers(self):
        """The filtered papers, each work once (PaperQuerySet.works: a preprint is left out when
        the paper it was published as passes the filters too); none when the form is invalid
        (an unknown venue or person must not silently show everything)."""
        if self.is_bound and not self.is_valid():
            return self.queryset.none()
        return self.qs.works()


class SelectedPaperFilter(PaperFilter):
    """The selected papers' list: everything but the "selected" box, which would be moot."""

    selected = None


class VenueFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_text",
        help_text="Name or short name",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    kind = django_filters.ChoiceFilter(
        label="Kind", choices=VenueKind.choices, empty_label="Any kind"
    )

    class Meta:
        model = Venue
        fields = []
        form = BoundedSearchForm

    def filter_text(self, queryset, name, value):
        return queryset.matching(value)

    @property
    def venues(self):
        if self.is_bound and not self.is_valid():
            return self.queryset.none()
        return self.qs
