"""The base resource of every import and export of the lab: ``LabResource``.

It keys records by natural keys, checks the file as a whole before any row (columns, keys used
twice), resolves relation cells before a row is saved and compares them with the record's, so
that the preview's diff (``LabDiff``) and the admin log name the changed columns, and collects
every problem of an import in file order with its row and column.
"""

from collections.abc import Iterable

from django.contrib.auth import get_permission_codename
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, models
from django.db.models import ForeignKey
from django.utils.safestring import SafeString, mark_safe
from import_export import resources, widgets
from import_export.resources import Diff

from lab.core.history import record_versions
from lab.core.importing.errors import _error_text, _row_error, database_message
from lab.core.importing.service import FileProblem, ImportProblem
from lab.core.importing.widgets import NaturalKeyInstanceLoader, SlugWidget, cell_text
from lab.core.spreadsheets import EscapedExportMixin
from lab.core.uploads import UploadError, check_columns, check_unique, source_row

#: How django-import-export's preview (diff-match-patch's ``diff_prettyHtml``) marks what a
#: cell gains and loses, and the same marks without the style attributes, which the
#: Content-Security-Policy refuses: lab/static/lab/admin.css colours them instead
#: (docs/security.md, "Content-Security-Policy").
STYLED_MARKS = {
    '<ins style="background:#e6ffe6;">': "<ins>",
    '<del style="background:#ffe6e6;">': "<del>",
}


def unstyled(html: str) -> SafeString:
    """The preview's cell without style attributes. Safe: the cell's text is escaped before the
    marks are added, so no text can look like a mark."""
    for styled, plain in STYLED_MARKS.items():
        html = html.replace(styled, plain)
    return mark_safe(html)  # noqa: S308 - django-import-export's escaped diff, less its styles


class LabDiff(Diff):
    """The preview's before/after cells, relation cells (bylines, awards, advisors) included,
    and the list of changed columns for the admin log."""

    def __init__(self, resource, instance, new):
        self.resource = resource
        self.left = resource.diff_values(instance, after=False)
        self.right = []
        self.new = new

    def compare_with(self, resource, instance):
        self.right = resource.diff_values(instance, after=True)
        headers = resource.get_diff_headers()
        resource._changed_columns = [
            header
            for header, before, after in zip(headers, self.left, self.right, strict=False)
            if before != after
        ]

    def as_html(self) -> list[SafeString]:
        return [unstyled(cell) for cell in super().as_html()]


def permission(model, action: str) -> str:
    """The full name of a model's permission: ``permission(Paper, "add")`` is
    ``"publications.add_paper"``."""
    return f"{model._meta.app_label}.{get_permission_codename(action, model._meta)}"


class LabResource(EscapedExportMixin, resources.ModelResource):
    """Base of the lab's import/export resources. See the docstring of ``lab.core.importing``.

    Subclasses set ``Meta.import_id_fields`` to their natural key and may declare relation
    cells: columns listed in ``relation_columns`` whose value is resolved by
    ``resolve_relations(row)`` (raise ``ValidationError({column: message})`` for a row error),
    compared through ``relation_state`` and written by ``save_relations``.
    """

    relation_columns: tuple[str, ...] = ()
    #: Other models an import with this resource adds to or changes (for papers: byline rows,
    #: awards, the people a byline creates). Importing needs add and change on each of them as
    #: on the resource's own model (``import_permissions``), in the admin as in the workbook.
    also_writes: tuple = ()
    #: Many-to-many fields of the model the rows write (a role's advisors): a new record's
    #: first version reads its links only then.
    links_written: tuple[str, ...] = ()

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True
        instance_loader_class = NaturalKeyInstanceLoader

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._dataset = None
        self._file_problem: Exception | None = None
        self._resolved: dict = {}
        self._new = False
        self._before: dict = {}
        self._changed_columns: list[str] = []
        self.created: list = []
        # Records saved by the rows, by history type: their versions are written in bulk at
        # the end of the import (lab.core.history.record_versions), not one INSERT per row.
        self._saved: dict[str, list] = {"+": [], "~": []}

    @classmethod
    def writes(cls) -> tuple:
        """Every model an import with this resource may add to or change."""
        return (cls._meta.model, *cls.also_writes)

    @classmethod
    def import_permissions(cls) -> list[str]:
        """The permissions importing with this resource needs: add and change on ``writes()``."""
        return [permission(model, action) for model in cls.writes() for action in ("add", "change")]

    @classmethod
    def widget_from_django_field(cls, f, default=widgets.Widget):
        # The library maps only CharField to text; a TextField would get the raw cell, and an
        # empty XLSX cell (None) would then break its NOT NULL column.
        if isinstance(f, models.TextField):
            return widgets.CharWidget
        return super().widget_from_django_field(f, default)

    @classmethod
    def widget_kwargs_for_field(cls, field_name, django_field):
        kwargs = super().widget_kwargs_for_field(field_name, django_field)
        if isinstance(django_field, models.TextField) and django_field.blank:
            kwargs.update(coerce_to_string=True, allow_blank=True)
        return kwargs

    # -- keys ----------------------------------------------------------------------------------

    def key_fields(self):
        return [self.fields[name] for name in self.get_import_id_fields()]

    def key_columns(self) -> list[str]:
        return [f.column_name for f in self.key_fields()]

    def row_key(self, row) -> tuple:
        key, errors = [], {}
        for f in self.key_fields():
            try:
                value = f.clean(row)
            except ValueError as error:
                errors[f.attribute] = ValidationError(str(error))
                continue
            key.append(value.pk if hasattr(value, "pk") else _normal(value))
        if errors:
            raise ValidationError(errors)
        return tuple(key)

    def instance_key(self, instance) -> tuple:
        key = []
        for f in self.key_fields():
            model_field = self._meta.model._meta.get_field(f.attribute)
            if isinstance(model_field, ForeignKey):
                key.append(getattr(instance, model_field.attname))
            else:
                key.append(_normal(getattr(instance, f.attribute)))
        return tuple(key)

    def existing_records(self, dataset) -> Iterable:
        """The records the file's rows may refer to: those whose first key column's value
        appears in the file (a slug, or the slug of the person or paper a row belongs to)."""
        first = self.key_fields()[0]
        values = {cell_text(v) for v in dataset[first.column_name]} - {""}
        lookup = f"{first.attribute}__slug__in" if _is_fk(self, first) else f"{first.attribute}__in"
        queryset = self.get_queryset()
        values = sorted(values)
        for start in range(0, len(values), 2000):  # SQLite caps query parameters
            yield from queryset.filter(**{lookup: values[start : start + 2000]})

    # -- file checks ---------------------------------------------------------------------------

    def allowed_columns(self) -> list[str]:
        return [f.column_name for f in self.fields.values()]

    def check_file(self, dataset) -> None:
        """Columns known, key columns present, no key twice in the file."""
        check_columns(
            dataset.headers or [], required=self.key_columns(), allowed=self.allowed_columns()
        )
        columns = self.key_columns()
        if len(columns) == 1:
            check_unique(dataset, columns[0])
            return
        seen: dict[tuple, int] = {}
        indexes = [dataset.headers.index(c) for c in columns]
        for position, values in enumerate(dataset):
            key = tuple(cell_text(values[i]).casefold() for i in indexes)
            if key in seen:
                raise FileProblem(
                    f"Rows {seen[key]} and {source_row(dataset, position)} are the same record "
                    f"(the same {', '.join(columns)}); each record may appear only once in a file."
                )
            seen[key] = source_row(dataset, position)

    # -- hooks ---------------------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        self._dataset = dataset
        try:
            self.check_file(dataset)
        except (UploadError, FileProblem) as problem:
            # Rows of a file that cannot be read as a whole are not imported one by one:
            # the file's problem is the one to report.
            self._file_problem = problem
            del dataset[0 : len(dataset)]
            raise
        self.prepare_import(dataset)

    def prepare_import(self, dataset) -> None:
        """Load what every row needs (a name matcher, caches) once per import."""

    def before_import_row(self, row, **kwargs):
        self._resolved = {}
        self._changed_columns = []
        present = [column for column in self.relation_columns if column in row]
        if present:
            self._resolved = self.resolve_relations(row, present)

    def resolve_relations(self, row, columns: list[str]) -> dict:
        return {}

    def relation_state(self, instance, column: str) -> tuple[object, str]:
        """(comparable value, cell text) of a relation column for a saved record."""
        raise NotImplementedError

    def resolved_state(self, column: str, resolved) -> tuple[object, str]:
        """(comparable value, cell text) of a relation column as the row has it."""
        raise NotImplementedError

    def save_relations(self, instance, resolved: dict, *, new: bool) -> None:
        pass

    def after_init_instance(self, instance, new, row, **kwargs):
        self._new = new
        # Read now: the library then deep-copies the record as the "original", and a deep copy
        # of a QuerySet drops its results, so the copy's prefetched relations would be queried
        # again, once per row.
        self._before = (
            {} if new else {c: self.relation_state(instance, c) for c in self.relation_columns}
        )

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if not super().skip_row(instance, original, row, import_validation_errors):
            return False
        if original.pk is None:
            return False
        return all(
            self._before[column][0] == self.resolved_state(column, value)[0]
            for column, value in self._resolved.items()
        )

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # Field validators, choices and Model.clean() run here, in Python; uniqueness and
        # check constraints are the database's job (an IntegrityError becomes a row error),
        # since validating them here costs a query per constraint per row. Foreign keys come
        # from SlugWidget, which read them from the database already.
        errors = dict(import_validation_errors or {})
        exclude = set(errors) | {
            f.attribute for f in self.fields.values() if isinstance(f.widget, SlugWidget)
        }
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance, row, **kwargs):
        # simple-history's own version per save (and per many-to-many change of the record)
        # is skipped: the import records them in bulk (record_history).
        instance.skip_history_when_saving = True

    def after_save_instance(self, instance, row, **kwargs):
        self._saved["+" if self._new else "~"].append(instance)
        for f in self.fields.values():
            if isinstance(f.widget, SlugWidget) and f.widget.model is type(instance):
                f.widget.remember(instance)
        if self._resolved or self.relation_columns:
            self.save_relations(instance, self._resolved, new=self._new)

    def after_import_row(self, row, row_result, **kwargs):
        row_result.changed_columns = list(self._changed_columns)
        # The cells as the file gave them, for what a preview shows beside its diff.
        row_result.cells = row

    def finish_import(self) -> None:
        """Write what rows deferred (bulk inserts), once, before the import ends."""

    def record_history(self) -> None:
        """A version of each record the rows added or changed, as saved, with its links: one
        bulk write per kind instead of a write per row."""
        model = self._meta.model
        for history_type, instances in self._saved.items():
            for instance in instances:
                del instance.skip_history_when_saving
            links = history_type == "~" or bool(self.links_written)
            record_versions(model, instances, history_type, links=links)
        self._saved = {"+": [], "~": []}

    def after_import(self, dataset, result, **kwargs):
        try:
            if not result.has_errors() and not result.has_validation_errors():
                self.record_history()
                self.finish_import()
        except DatabaseError as error:
            result.append_base_error(
                self.get_error_result_class()(
                    FileProblem(database_message(self._meta.model, error))
                )
            )
        except FileProblem as problem:
            result.append_base_error(self.get_error_result_class()(problem))
        super().after_import(dataset, result, **kwargs)
        result.lab_problems = self.problems(dataset, result)
        result.lab_created = list(self.created)

    # -- preview -------------------------------------------------------------------------------

    def get_diff_class(self):
        return LabDiff

    def diff_values(self, instance, *, after: bool) -> list:
        values = []
        for f in self.get_import_fields():
            column = f.column_name
            if column in self.relation_columns:
                if after and column in self._resolved:
                    values.append(self.resolved_state(column, self._resolved[column])[1])
                else:
                    values.append(self._before.get(column, (None, ""))[1])
            elif instance is None:
                values.append("")
            else:
                values.append(f.export(instance))
        return values

    # -- errors --------------------------------------------------------------------------------

    def column_for(self, key: str) -> str | None:
        if key == NON_FIELD_ERRORS:
            return None
        for f in self.fields.values():
            if key in (f.attribute, f.column_name):
                return f.column_name
        return key

    def problems(self, dataset, result) -> list[ImportProblem]:
        """Every problem of the import in file order, each naming its row and column."""
        problems = []
        for error in result.base_errors:
            problems.append(ImportProblem(None, None, _error_text(self, error.error)))
        by_row: list[tuple[int, ImportProblem]] = []
        for number, errors in result.row_errors():
            row = source_row(dataset, number - 1)
            for error in errors:
                column, message = _row_error(self, error.error)
                by_row.append((number, ImportProblem(row, column, message)))
        for invalid in result.invalid_rows:
            row = source_row(dataset, invalid.number - 1)
            for key, messages in invalid.error_dict.items():
                for message in messages:
                    by_row.append(
                        (invalid.number, ImportProblem(row, self.column_for(key), str(message)))
                    )
        by_row.sort(key=lambda item: item[0])
        return problems + [problem for _, problem in by_row]


def _normal(value):
    if isinstance(value, str):
        return value.strip()
    return value


def _is_fk(resource, f) -> bool:
    return isinstance(f.widget, widgets.ForeignKeyWidget)
