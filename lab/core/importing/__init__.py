"""Spreadsheet imports a lab admin can trust: the base resource and the import service.

Every import resource of the lab derives from ``LabResource`` and every import, from the admin
or a command, runs through ``import_dataset``:

- all-or-nothing: the import runs in one transaction that is rolled back when any row has an
  error, validation errors included (django-import-export's default keeps the valid rows);
- errors in words: each problem names the spreadsheet row as the lab admin sees it (the header is
  row 1), the column, and what is wrong ("Row 3, column venue: no venue “nsdii”"); database
  errors (a DOI used twice) become such a message, never a 500;
- natural keys only: records are found by slug or by a composite key of slugs and values, never
  by database id, and references (venue, institution, person) are slugs resolved from one query
  per import (``SlugWidget``); an unknown slug is a row error, never dropped;
- relation cells: a cell that stands for several rows (a paper's byline, its awards, a role's
  advisors) is resolved before the row is saved, compared with what the record has so that an
  unchanged row is skipped and a changed author order is an update, shown in the preview's diff;
- attribution: a confirmed import writes one admin log entry per record it added or changed (and
  per person created from a byline), with the user.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

import tablib
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import get_permission_codename
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, IntegrityError, models, router, transaction
from django.db.models import ForeignKey, UniqueConstraint
from import_export import resources, widgets
from import_export.instance_loaders import BaseInstanceLoader
from import_export.resources import Diff
from import_export.results import Result, RowResult

from lab.core.spreadsheets import EscapedExportMixin
from lab.core.uploads import UploadError, check_columns, check_unique, source_row

# Cells that hold several values (awards, advisors, affiliations) separate them with this.
LIST_SEPARATOR = "; "


class FileProblem(ValueError):
    """The file as a whole cannot be imported (a missing column, a key used twice)."""


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with an import. ``row`` is the spreadsheet row (header = 1), None for
    the file as a whole; ``column`` is the column's header, None for the row as a whole."""

    row: int | None
    column: str | None
    message: str

    def __str__(self):
        where = []
        if self.row is not None:
            where.append(f"Row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class ImportOutcome:
    """What ``import_dataset`` did (or, for a dry run, would do)."""

    result: Result
    dry_run: bool
    problems: list[ImportProblem] = field(default_factory=list)
    created: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def new(self) -> int:
        return self.result.totals[RowResult.IMPORT_TYPE_NEW]

    @property
    def changed(self) -> int:
        return self.result.totals[RowResult.IMPORT_TYPE_UPDATE]

    @property
    def unchanged(self) -> int:
        return self.result.totals[RowResult.IMPORT_TYPE_SKIP]

    @property
    def deleted(self) -> int:
        return self.result.totals[RowResult.IMPORT_TYPE_DELETE]

    def summary(self) -> str:
        """ "2 new, 1 changed, 40 unchanged", plus the people created from bylines."""
        text = f"{self.new} new, {self.changed} changed, {self.unchanged} unchanged"
        if self.created:
            text += "; new people: " + ", ".join(f"{p} ({p.slug})" for p in self.created)
        return text


def import_dataset(
    resource: "LabResource",
    dataset: tablib.Dataset,
    *,
    user=None,
    dry_run: bool,
    file_name: str | None = None,
) -> ImportOutcome:
    """Import ``dataset`` with ``resource``, all or nothing.

    With ``dry_run`` nothing is kept whatever happens (the preview). Otherwise the rows are
    written only when no row has a problem; then, if ``user`` is given, each added or changed
    record (and each person created from a byline) gets an admin log entry in the user's
    name, in the same transaction. ``outcome.problems`` lists everything wrong, in file order.
    """
    using = router.db_for_write(resource._meta.model)
    with transaction.atomic(using=using):
        result = resource.import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=False,
            use_transactions=True,
            rollback_on_validation_errors=True,
            collect_failed_rows=False,
            retain_instance_in_row_result=True,
            user=user,
            file_name=file_name,
        )
        outcome = outcome_of(result, dry_run=dry_run)
        if outcome.ok and not dry_run and user is not None:
            log_import(result, user=user, file_name=file_name)
    return outcome


def outcome_of(result: Result, *, dry_run: bool) -> ImportOutcome:
    """The outcome of ``import_data`` run on a LabResource (which annotates the result)."""
    problems = getattr(result, "lab_problems", None)
    if problems is None:  # after_import did not run; describe the raw errors
        problems = [ImportProblem(None, None, str(error.error)) for error in result.base_errors]
    return ImportOutcome(
        result=result,
        dry_run=dry_run,
        problems=list(problems),
        created=list(getattr(result, "lab_created", [])),
    )


def log_import(result: Result, *, user, file_name: str | None = None) -> None:
    """One admin log entry per record the import added, changed or deleted, in one query."""
    source = f" from “{file_name}”" if file_name else ""
    flags = {
        RowResult.IMPORT_TYPE_NEW: ADDITION,
        RowResult.IMPORT_TYPE_UPDATE: CHANGE,
        RowResult.IMPORT_TYPE_DELETE: DELETION,
    }
    entries = []
    for row in result.valid_rows():
        flag = flags.get(row.import_type)
        if flag is None or row.instance is None:
            continue
        if flag == CHANGE:
            columns = getattr(row, "changed_columns", [])
            message = f"Changed {', '.join(columns) or 'nothing'} by spreadsheet import{source}."
        elif flag == ADDITION:
            message = f"Added by spreadsheet import{source}."
        else:
            message = f"Deleted by spreadsheet import{source}."
        entries.append(_log_entry(user, row.instance, flag, message))
    for person in getattr(result, "lab_created", []):
        message = f"Added from a byline by spreadsheet import{source}."
        entries.append(_log_entry(user, person, ADDITION, message))
    LogEntry.objects.bulk_create(entries)


def _log_entry(user, instance, flag: int, message: str) -> LogEntry:
    return LogEntry(
        user_id=user.pk,
        content_type_id=ContentType.objects.get_for_model(instance, for_concrete_model=False).pk,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        action_flag=flag,
        change_message=message,
    )


# --- widgets and instance loading ---------------------------------------------------------------


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


# --- the base resource --------------------------------------------------------------------------


def permission(model, action: str) -> str:
    """The full name of a model's permission: ``permission(Paper, "add")`` is
    ``"publications.add_paper"``."""
    return f"{model._meta.app_label}.{get_permission_codename(action, model._meta)}"


class LabResource(EscapedExportMixin, resources.ModelResource):
    """Base of the lab's import/export resources. See the module docstring.

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

    def after_save_instance(self, instance, row, **kwargs):
        for f in self.fields.values():
            if isinstance(f.widget, SlugWidget) and f.widget.model is type(instance):
                f.widget.remember(instance)
        if self._resolved or self.relation_columns:
            self.save_relations(instance, self._resolved, new=self._new)

    def after_import_row(self, row, row_result, **kwargs):
        row_result.changed_columns = list(self._changed_columns)

    def finish_import(self) -> None:
        """Write what rows deferred (bulk inserts), once, before the import ends."""

    def after_import(self, dataset, result, **kwargs):
        try:
            if not result.has_errors() and not result.has_validation_errors():
                self.finish_import()
        except DatabaseError as error:
            result.append_base_error(
                self.get_error_result_class()(
                    FileProblem(database_message(self._meta.model, error))
                )
            )
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


def _error_text(resource, error) -> str:
    if isinstance(error, DatabaseError):
        return database_message(resource._meta.model, error)
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def _row_error(resource, error) -> tuple[str | None, str]:
    if isinstance(error, DatabaseError):
        model = resource._meta.model
        fields = _conflicting_fields(model, error)
        return (resource.column_for(fields[-1]) if fields else None), database_message(model, error)
    if isinstance(error, ValidationError):
        return None, " ".join(error.messages)
    return None, str(error) or type(error).__name__


def _unique_fields(constraint: UniqueConstraint) -> list[str]:
    if constraint.fields:
        return list(constraint.fields)
    # An expression such as Lower("doi"): the fields it reads.
    names = []
    for expression in constraint.expressions:
        for source in getattr(expression, "get_source_expressions", list)():
            if hasattr(source, "name"):
                names.append(source.name)
    return names


def _conflicting_fields(model, error) -> list[str]:
    """The fields of the unique rule a database error names, [] for another error.

    PostgreSQL names the constraint; SQLite names it for an expression index and otherwise
    lists the columns ("UNIQUE constraint failed: publications_authorship.paper_id, ...").
    """
    text = str(error)
    table = model._meta.db_table
    for constraint in model._meta.constraints:
        if not isinstance(constraint, UniqueConstraint):
            continue
        fields = _unique_fields(constraint)
        columns = [model._meta.get_field(name).column for name in constraint.fields]
        if (
            f'"{constraint.name}"' in text
            or f"'{constraint.name}'" in text
            or (
                columns
                and "UNIQUE constraint failed: " in text
                and text.split("UNIQUE constraint failed: ", 1)[1].strip()
                == ", ".join(f"{table}.{column}" for column in columns)
            )
        ):
            return fields
    for model_field in model._meta.concrete_fields:
        if not model_field.unique or model_field.primary_key:
            continue
        if text.endswith(f"{table}.{model_field.column}") or (
            f"{table}_{model_field.column}_" in text and "unique" in text
        ):
            return [model_field.name]
    return []


def database_message(model, error) -> str:
    """A database error in words: which rule of the records the row breaks."""
    text = str(error).strip()
    verbose = model._meta.verbose_name
    fields = _conflicting_fields(model, error)
    if fields:
        names = " and ".join(str(model._meta.get_field(name).verbose_name) for name in fields)
        return f"another {verbose} already has this {names}"
    for constraint in model._meta.constraints:
        if constraint.name in text:
            return f"the values break the rule “{constraint.name}”"
    first_line = text.splitlines()[0] if text else type(error).__name__
    if isinstance(error, IntegrityError):
        return f"the database refused this {verbose}: {first_line}"
    return f"the database refused this row: {first_line}"


def dumps_list(values: Iterable[str]) -> str:
    """Cell text of a list of values."""
    return LIST_SEPARATOR.join(values)


def split_list(text) -> list[str]:
    """The values of a "; "-separated cell, stripped, blanks dropped."""
    return [part.strip() for part in cell_text(text).split(";") if part.strip()]


__all__ = [
    "FileProblem",
    "ImportOutcome",
    "ImportProblem",
    "LabResource",
    "NaturalKeyInstanceLoader",
    "SlugWidget",
    "database_message",
    "dumps_list",
    "import_dataset",
    "log_import",
    "split_list",
]
