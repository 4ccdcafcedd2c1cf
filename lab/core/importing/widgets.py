"""Cells read the same way by every resource: cell text, "; "-separated lists, references by
slug (``SlugWidget``) and the instance loader that finds each row's record by its natural key
from one query per file (``NaturalKeyInstanceLoader``).
"""

from django.core.exceptions import ValidationError
from import_export import widgets
from import_export.instance_loaders import BaseInstanceLoader

# Cells that hold several values (awards, advisors, affiliations) separate them with this.
LIST_SEPARATOR = "; "


def cell_text(value) -> str:
    """A cell as stripped text: None -> "", 2024.0 -> "2024"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class SlugWidget(widgets.ForeignKeyWidget):
    """A foreign key written as the related record's slug.

    The whole table is read once per import (the widget is copied into each resource
    instance), so a file of 10,000 papers costs one query for its venues. A slug not in that
    snapshot is looked up once more (a record created earlier in the same import), then it is
    a row error naming the value: "no venue “nsdii”".
    """

    def __init__(self, model, **kwargs):
        super().__init__(model, field="slug", **kwargs)
        self._by_slug: dict | None = None

    def clean(self, value, row=None, **kwargs):
        slug = cell_text(value)
        if not slug:
            return None
        if self._by_slug is None:
            self._by_slug = {obj.slug: obj for obj in self.model._default_manager.all()}
        obj = self._by_slug.get(slug)
        if obj is None:
            obj = self.model._default_manager.filter(slug=slug).first()
            if obj is None:
                raise ValueError(f"no {self.model._meta.verbose_name} “{slug}”")
            self._by_slug[slug] = obj
        return obj

    def remember(self, obj) -> None:
        """Make a record created during the import known without a query."""
        if self._by_slug is not None:
            self._by_slug[obj.slug] = obj

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value.slug


class NaturalKeyInstanceLoader(BaseInstanceLoader):
    """Finds each row's existing record by its natural key, from one query for the whole file
    (with whatever the resource's ``get_queryset`` prefetches)."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self._index: dict[tuple, list] | None = None

    def get_instance(self, row):
        if self._index is None:
            self._index = {}
            for instance in self.resource.existing_records(self.dataset):
                self._index.setdefault(self.resource.instance_key(instance), []).append(instance)
        found = self._index.get(self.resource.row_key(row), [])
        if len(found) > 1:
            raise ValidationError(
                f"{len(found)} {self.resource._meta.model._meta.verbose_name_plural} in the "
                "database have this key; tell them apart in the admin first."
            )
        return found[0] if found else None


def split_list(text) -> list[str]:
    """The values of a "; "-separated cell, stripped, blanks dropped."""
    return [part.strip() for part in cell_text(text).split(";") if part.strip()]
