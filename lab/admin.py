"""Admin building blocks shared by the lab's apps."""

from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple


class _PrefetchedChoicesMixin:
    """An autocomplete widget that labels its selected values from a per-request cache.

    Django's autocomplete widgets run one query per rendered widget to label the selected
    value, so an inline with n rows costs n queries. The inline fills ``prefetched`` with one
    query for all rows; values not in it (a re-rendered form after a failed POST) fall back to
    Django's own query.
    """

    prefetched: dict[str, object] | None = None

    def optgroups(self, name, value, attr=None):
        selected = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        cache = self.prefetched
        if cache is None or not selected <= cache.keys():
            return super().optgroups(name, value, attr)
        options = (
            []
            if self.is_required or self.allow_multiple_selected
            else [self.create_option(name, "", "", False, 0)]
        )
        for pk in sorted(selected, key=lambda pk: str(cache[pk])):
            label = self.choices.field.label_from_instance(cache[pk])
            options.append(self.create_option(name, pk, label, selected, len(options)))
        return [(None, options, 0)]


class PrefetchedAutocompleteSelect(_PrefetchedChoicesMixin, AutocompleteSelect):
    pass


class PrefetchedAutocompleteSelectMultiple(_PrefetchedChoicesMixin, AutocompleteSelectMultiple):
    pass


class PrefetchedAutocompleteInlineMixin:
    """For inlines with ``autocomplete_fields``: label every row's choices from one query per
    field, so a change page costs the same number of queries with 1 or 500 inline rows."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in self.autocomplete_fields:
            widget_class = (
                PrefetchedAutocompleteSelectMultiple
                if db_field.many_to_many
                else PrefetchedAutocompleteSelect
            )
            kwargs["widget"] = widget_class(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        for name in self.autocomplete_fields:
            form_field = formset.form.base_fields.get(name)
            if form_field is None:
                continue
            widget = form_field.widget
            inner = getattr(widget, "widget", widget)  # unwrap RelatedFieldWidgetWrapper
            if not isinstance(inner, _PrefetchedChoicesMixin):
                continue
            # Widgets are shallow-copied into each form, so all rows share this dict.
            inner.prefetched = self._selected_choices(name, obj, form_field)
        return formset

    def _selected_choices(self, name, obj, form_field) -> dict[str, object]:
        if obj is None or obj.pk is None:
            return {}
        fk_name = self.fk_name or next(
            f.name
            for f in self.model._meta.get_fields()
            if f.many_to_one and f.related_model is type(obj)
        )
        used = self.model._default_manager.filter(**{fk_name: obj}).values(name)
        queryset = form_field.queryset.filter(pk__in=used)
        return {str(item.pk): item for item in queryset}
