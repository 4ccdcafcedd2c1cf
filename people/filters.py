"""The filter panels of the people and institution lists (GET forms, no JavaScript)."""

import django_filters
from django import forms
from django.db.models.functions import Lower

from lab.core.bounds import BoundedSearchForm
from people.enums import InstitutionKind, RoleKind
from people.models import Institution, Role


class PersonFilter(django_filters.FilterSet):
    class Meta:
        form = BoundedSearchForm

    q = django_filters.CharFilter(
        label="Name",
        method="filter_text",
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text="Part of a name or of another spelling of it.",
    )
    kind = django_filters.ChoiceFilter(
        label="Role kind", choices=RoleKind.choices, empty_label="Any", method="filter_kind"
    )
    institution = django_filters.ModelChoiceFilter(
        label="Institution",
        queryset=Institution.objects.order_by(Lower("name"), "slug"),
        to_field_name="slug",
        empty_label="Any",
        method="filter_institution",
        help_text="Any role there or at one of its units.",
    )

    # Subqueries rather than joins: a person with several matching roles is listed once.

    def filter_text(self, queryset, name, value):
        return queryset.search(value.strip()) if value.strip() else queryset

    def filter_kind(self, queryset, name, value):
        return queryset.filter(pk__in=Role.objects.filter(kind=value).values("person_id"))

    def filter_institution(self, queryset, name, value):
        return queryset.filter(pk__in=Role.objects.at(value).values("person_id"))


class InstitutionFilter(django_filters.FilterSet):
    class Meta:
        form = BoundedSearchForm

    q = django_filters.CharFilter(
        label="Name",
        method="filter_text",
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text="Part of the name or short name.",
    )
    kind = django_filters.ChoiceFilter(
        label="Kind", choices=InstitutionKind.choices, empty_label="Any"
    )

    def filter_text(self, queryset, name, value):
        return queryset.matching(value)
