"""The history of every record: who changed what, when and why (django-simple-history).

Every model of the lab's apps declares ``history = LabHistory(...)``: each save, delete and
many-to-many change writes a version (a row of its historical table) with the user and a change
reason. Who and why come from the nearest ``recorded(reason, user=...)`` around the write (the
admin, imports, merges, the profile form and the commands open one), falling back to the
request's user (``HistoryRequestMiddleware``) and to an explicit ``instance._change_reason``.

Bulk writes send no signals, so the code that writes in bulk records the versions itself with
``record_versions`` (one INSERT of plain values for the versions, one SELECT per many-to-many
field for their links and, where there are links, one SELECT of the versions' ids and one
INSERT per field for their snapshots, whatever the number of records up to 20,000).
``versions_in_context`` says which records already have a version in the current ``recorded``
block: one edit that saves a paper and then its byline is one version of the paper, not two.

History is for lab admins only (the admin's history pages, "Recent changes"): private fields
are kept in it, like in the admin, and never reach a page, feed or export.
"""

import contextlib
import contextvars
import datetime
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections, models, router
from django.utils import timezone
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record

from lab.core.bulk import filter_in, insert_rows, row_preparer


@dataclass
class _Context:
    reason: str
    user: object = None
    #: One time for every version the operation writes: they read as one change set, and
    #: the records deleted with a record are the ones deleted at its time.
    date: datetime.datetime = field(default_factory=timezone.now)
    versioned: set[tuple[str, object]] = field(default_factory=set)
    #: Deletions already recorded in bulk (record_versions "-"): post_delete skips them.
    deleted: set[tuple[str, object]] = field(default_factory=set)


_current: contextvars.ContextVar[_Context | None] = contextvars.ContextVar(
    "lab_history", default=None
)


@contextlib.contextmanager
def recorded(reason: str, *, user=None) -> Iterator[None]:
    """Every version written inside carries ``reason`` (and ``user``, when given; else the
    enclosing block's user or the request's). An inner block's reason wins: a merge run from
    the admin is recorded as the merge."""
    outer = _current.get()
    if user is None and outer is not None:
        user = outer.user
    if outer is None:
        context = _Context(reason=reason, user=user)
    else:
        context = _Context(
            reason=reason,
            user=user,
            date=outer.date,
            versioned=outer.versioned,
            deleted=outer.deleted,
        )
    token = _current.set(context)
    try:
        yield
    finally:
        _current.reset(token)


def recorded_write(function):
    """Run ``function`` inside a ``recorded`` block (its caller's reason and user, if any), so
    the versions it records in bulk and the deletes it then makes are recorded once."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with recorded(current_reason(), user=current_user()):
            return function(*args, **kwargs)

    return wrapper


def current_reason() -> str:
    context = _current.get()
    return context.reason if context is not None else ""


def current_user():
    context = _current.get()
    return context.user if context is not None else None


def versions_in_context() -> set[tuple[str, object]]:
    """(model label, pk) of the records given a version inside the current ``recorded``."""
    context = _current.get()
    return context.versioned if context is not None else set()


def history_enabled() -> bool:
    return getattr(settings, "SIMPLE_HISTORY_ENABLED", True)


class LabHistory(HistoricalRecords):
    """simple-history's HistoricalRecords, reading who and why from ``recorded``."""

    def get_change_reason_for_object(self, instance, history_type, using):
        return super().get_change_reason_for_object(instance, history_type, using) or (
            current_reason()
        )

    def get_history_user(self, instance):
        explicit = getattr(instance, "_history_user", None)
        if explicit is not None:
            return explicit
        return current_user() or super().get_history_user(instance)

    def create_historical_record(self, instance, history_type, using=None):
        context = _current.get()
        if context is not None and not hasattr(instance, "_history_date"):
            instance._history_date = context.date
            try:
                return super().create_historical_record(instance, history_type, using=using)
            finally:
                del instance._history_date
        return super().create_historical_record(instance, history_type, using=using)

    def create_historical_record_m2ms(self, history_instance, instance):
        # A record's many-to-many links are added after it is created (each addition then
        # records a version with them): the first version has none to read.
        if history_instance.history_type != "+":
            super().create_historical_record_m2ms(history_instance, instance)

    def post_delete(self, instance, using=None, **kwargs):
        context = _current.get()
        if context is not None and (instance._meta.label, instance.pk) in context.deleted:
            return  # recorded already, in bulk, with the rest of the write
        super().post_delete(instance, using=using, **kwargs)


def _remember(sender, instance, **kwargs) -> None:
    versions_in_context().add((instance._meta.label, instance.pk))


post_create_historical_record.connect(_remember, dispatch_uid="lab-history-remember")


def _m2m_fields(model) -> list[models.ManyToManyField]:
    history = model.history.model
    return list(getattr(history, "_history_m2m_fields", ()))


def record_versions(
    model,
    instances: Iterable[models.Model],
    history_type: str,
    *,
    reason: str = "",
    links: bool = True,
    copied: bool = False,
) -> None:
    """Write a version of each of ``instances`` (as they are in memory, every tracked field
    loaded) with their many-to-many links as they are in the database: the bulk form of what a
    save records. ``history_type`` is "+" (created), "~" (changed) or "-" (about to be deleted:
    call it inside ``recorded``, then delete, and the delete records nothing more).
    ``links=False`` skips reading the links, for records known to have none (just created).
    The versions go in as plain values (one INSERT); where the records have links, the
    versions' ids are read back (by record id and time, an indexed look-up) for the links'
    snapshots.

    ``copied=True``: the database copies the versions from the records' rows (one
    ``INSERT ... SELECT``, nothing prepared in Python or sent back), for records just written
    in bulk, whose rows hold what memory holds; an instance with a user or reason of its own
    (``_history_user``, ``_change_reason``) is recorded from memory as usual."""
    instances = [instance for instance in instances if instance.pk is not None]
    if not instances or not history_enabled():
        return
    history = model.history.model
    context = _current.get()
    now = context.date if context is not None else timezone.now()
    user = current_user()
    reason = reason or current_reason()
    if copied and not any(
        getattr(instance, "_history_user", None) or getattr(instance, "_change_reason", "")
        for instance in instances
    ):
        _copy_versions(model, instances, history_type, now, user, reason)
    else:
        _insert_versions(history, instances, history_type, now, user, reason)
    if links and _m2m_fields(model):
        _record_m2m(model, [instance.pk for instance in instances], history_type, now)
    keys = {(model._meta.label, instance.pk) for instance in instances}
    if context is not None:
        context.versioned.update(keys)
        if history_type == "-":
            context.deleted.update(keys)


#: Ids per look-up query (lab.core.bulk.filter_in: one parameter, whatever their number).
IDS_PER_QUERY = 1_000_000


def _insert_versions(history, instances, history_type: str, now, user, reason: str) -> None:
    """The versions as plain values (lab.core.bulk.insert_rows): building a historical model
    instance per version, then preparing each value through its field, was most of the cost of
    recording a big import; the values are prepared as ``row_preparer`` says."""
    connection = connections[router.db_for_write(history)]
    tracked = history.tracked_fields
    names = [f.name for f in tracked]
    names += ["history_date", "history_type", "history_user", "history_change_reason"]
    stamp = history._meta.get_field("history_date").get_db_prep_save(now, connection)
    user_id = getattr(user, "pk", None)
    prepare = row_preparer(tracked, connection)
    insert_rows(
        history,
        names,
        (
            (
                *prepare(instance),
                stamp,
                history_type,
                getattr(getattr(instance, "_history_user", None), "pk", None) or user_id,
                getattr(instance, "_change_reason", "") or reason,
            )
            for instance in instances
        ),
    )


def _copy_versions(model, instances, history_type: str, now, user, reason: str) -> None:
    """The versions of ``instances`` as ``INSERT INTO <history> SELECT <tracked columns>,
    <date, type, user, reason> FROM <table> WHERE <pk> IN (<their pks>)``, in the order of the
    pks (the records' order of creation): the rows are read and written by the database."""
    history = model.history.model
    connection = connections[router.db_for_write(history)]
    quote = connection.ops.quote_name
    tracked = history.tracked_fields
    extra = {
        "history_date": models.Value(now, output_field=history._meta.get_field("history_date")),
        "history_type": models.Value(history_type, output_field=models.CharField()),
        "history_user": models.Value(
            getattr(user, "pk", None), output_field=models.BigIntegerField()
        ),
        "history_change_reason": models.Value(reason, output_field=models.CharField()),
    }
    pks = [instance.pk for instance in instances]
    rows = (
        filter_in(model._base_manager.using(connection.alias), model._meta.pk.name, pks)
        .order_by("pk")
        .values_list(*(f.attname for f in tracked), *extra.values())
    )
    select, params = rows.query.get_compiler(connection.alias).as_sql()
    columns = [f.column for f in tracked]
    columns += [history._meta.get_field(name).column for name in extra]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} "
            f"({', '.join(quote(column) for column in columns)}) {select}",
            params,
        )


def _version_ids(history, record_ids: list, history_type: str, now) -> dict:
    """record id -> id of its version just written (the last one of that type at ``now``)."""
    found: dict = {}
    for start in range(0, len(record_ids), IDS_PER_QUERY):
        rows = filter_in(
            history.objects.filter(history_date=now, history_type=history_type),
            "id",
            record_ids[start : start + IDS_PER_QUERY],
        )
        for record_id, history_id in rows.order_by("history_id").values_list("id", "history_id"):
            found[record_id] = history_id
    return found


def _record_m2m(model, record_ids: list, history_type: str, now) -> None:
    """The many-to-many snapshot of each version just written: one read per field, then, if
    the records have links, one read of the versions' ids and one insert of plain values per
    field."""
    history = model.history.model
    snapshots = []
    for m2m_field in _m2m_fields(model):
        through = m2m_field.remote_field.through
        own = m2m_field.m2m_field_name()
        fields = list(through._meta.fields)
        rows = []
        for start in range(0, len(record_ids), IDS_PER_QUERY):
            chunk = record_ids[start : start + IDS_PER_QUERY]
            values = filter_in(through.objects.all(), own, chunk).order_by("pk")
            rows += values.values_list(*(f.attname for f in fields))
        if rows:
            owner = [f.name for f in fields].index(own)
            snapshots.append((HistoricalRecords.m2m_models[m2m_field], fields, owner, rows))
    if not snapshots:
        return
    versions = _version_ids(history, record_ids, history_type, now)
    for links, fields, owner, rows in snapshots:
        insert_rows(
            links,
            [*(f.name for f in fields), "history"],
            ((*row, versions[row[owner]]) for row in rows),
        )


# --- reading versions back ----------------------------------------------------------------------


def version_links(model, versions: Iterable) -> dict[object, dict[str, list]]:
    """history id -> {many-to-many field name: ids on the other side} of ``versions``: the
    links each version recorded (one query per many-to-many field)."""
    ids = [version.history_id for version in versions]
    links: dict[object, dict[str, list]] = {history_id: {} for history_id in ids}
    for m2m_field in _m2m_fields(model):
        rows = HistoricalRecords.m2m_models[m2m_field].objects.filter(history_id__in=ids)
        other = f"{m2m_field.m2m_reverse_field_name()}_id"
        for history_id, target in rows.values_list("history_id", other):
            links[history_id].setdefault(m2m_field.name, []).append(target)
        for by_field in links.values():
            by_field.setdefault(m2m_field.name, [])
    return links


def next_version_date(version) -> datetime.datetime | None:
    """When the record of ``version`` was next changed (None: not since). A version's related
    rows (a paper's byline) are as they were just before that."""
    later = type(version).objects.filter(id=version.id, history_date__gt=version.history_date)
    return later.order_by("history_date").values_list("history_date", flat=True).first()


def as_of(model, cutoff: datetime.datetime | None, **filters) -> list:
    """The records of ``model`` matching ``filters`` as they were just before ``cutoff``
    (None: as they are now), read from their versions: the last version of each before then,
    unless that one was a deletion. Ordered by record id."""
    versions = model.history.filter(**filters)
    if cutoff is not None:
        versions = versions.filter(history_date__lt=cutoff)
    last: dict[object, object] = {}
    for version in versions.order_by("id", "history_date", "history_id"):
        last[version.id] = version
    return [version for version in last.values() if version.history_type != "-"]


def deleted_with(model, version, **filters) -> list:
    """The records of ``model`` (matching ``filters``) deleted in the same operation as
    ``version``, a deletion: their last versions."""
    return list(
        model.history.filter(history_type="-", history_date=version.history_date, **filters)
        .exclude(id__in=model._default_manager.filter(**filters).values("pk"))
        .order_by("id")
    )


#: Fields a revert leaves as they are: the identity and timestamps of the record, and its
#: slug (its URL: a revert must not break links made since).
KEPT_ON_REVERT = ("id", "created", "modified", "slug", "former_slugs")


def _set_links(record, links: dict[str, list]) -> None:
    for name, targets in links.items():
        m2m_field = record._meta.get_field(name)
        through = m2m_field.remote_field.through
        own, other = m2m_field.m2m_field_name(), m2m_field.m2m_reverse_field_name()
        through.objects.filter(**{own: record}).delete()
        through.objects.bulk_create(
            through(**{f"{own}_id": record.pk, f"{other}_id": target}) for target in targets
        )


def revert_record(record, version, *, keep: tuple[str, ...] = KEPT_ON_REVERT):
    """Give ``record`` the fields and many-to-many links of ``version`` (one of its own
    versions), saved as one new version inside the caller's ``recorded`` block."""
    for f in type(version).tracked_fields:
        if f.name not in keep:
            setattr(record, f.attname, getattr(version, f.attname))
    record.skip_history_when_saving = True
    try:
        record.full_clean(validate_unique=False, validate_constraints=False)
        record.save()
        _set_links(record, version_links(type(record), [version])[version.history_id])
    finally:
        del record.skip_history_when_saving
    record_versions(type(record), [record], "~")
    return record


def restore_record(model, version):
    """Bring back the record ``version`` (its deletion) deleted, with the same id, fields and
    links, recorded as created again inside the caller's ``recorded`` block."""
    if model._default_manager.filter(pk=version.id).exists():
        raise ValueError(f"{model._meta.verbose_name} #{version.id} exists: nothing to restore.")
    record = version.instance
    record._state.adding = True
    record.skip_history_when_saving = True
    try:
        record.save(force_insert=True)
        _set_links(record, version_links(model, [version])[version.history_id])
    finally:
        del record.skip_history_when_saving
    record_versions(model, [record], "+")
    return record
