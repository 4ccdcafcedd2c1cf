"""The history of every record: who changed what, when and why (django-simple-history).

Every model of the lab's apps declares ``history = LabHistory(...)``: each save, delete and
many-to-many change writes a version (a row of its historical table) with the user and a change
reason. Who and why come from the nearest ``recorded(reason, user=...)`` around the write (the
admin, imports, merges, the profile form and the commands open one), falling back to the
request's user (``HistoryRequestMiddleware``) and to an explicit ``instance._change_reason``.

Bulk writes send no signals, so the code that writes in bulk records the versions itself with
``record_versions`` (one INSERT for the versions and one SELECT plus one INSERT for their
many-to-many snapshots, whatever the number of records). ``versions_in_context`` says which
records already have a version in the current ``recorded`` block: one edit that saves a paper
and then its byline is one version of the paper, not two.

History is for lab admins only (the admin's history pages, "Recent changes"): private fields
are kept in it, like in the admin, and never reach a page, feed or export.
"""

import contextlib
import contextvars
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record


@dataclass
class _Context:
    reason: str
    user: object = None
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
    versioned = outer.versioned if outer is not None else set()
    deleted = outer.deleted if outer is not None else set()
    context = _Context(reason=reason, user=user, versioned=versioned, deleted=deleted)
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
) -> list:
    """Write a version of each of ``instances`` (as they are in memory, every tracked field
    loaded) with their many-to-many links as they are in the database: the bulk form of what a
    save records. ``history_type`` is "+" (created), "~" (changed) or "-" (about to be deleted:
    call it inside ``recorded``, then delete, and the delete records nothing more).
    ``links=False`` skips reading the links, for records known to have none (just created)."""
    instances = [instance for instance in instances if instance.pk is not None]
    if not instances or not history_enabled():
        return []
    history = model.history.model
    now = timezone.now()
    user = current_user()
    reason = reason or current_reason()
    tracked = history.tracked_fields
    versions = history.objects.bulk_create(
        [
            history(
                history_date=now,
                history_type=history_type,
                history_user=getattr(instance, "_history_user", None) or user,
                history_change_reason=getattr(instance, "_change_reason", "") or reason,
                **{f.attname: getattr(instance, f.attname) for f in tracked},
            )
            for instance in instances
        ],
        batch_size=1000,
    )
    if links:
        _record_m2m(model, versions)
    keys = {(model._meta.label, instance.pk) for instance in instances}
    context = _current.get()
    if context is not None:
        context.versioned.update(keys)
        if history_type == "-":
            context.deleted.update(keys)
    return versions


def _record_m2m(model, versions: list) -> None:
    """The many-to-many snapshot of each version: one read and one insert per field."""
    by_record = {version.id: version for version in versions}
    for m2m_field in _m2m_fields(model):
        through = m2m_field.remote_field.through
        own = m2m_field.m2m_field_name()
        links = HistoricalRecords.m2m_models[m2m_field]
        names = [f.attname for f in through._meta.fields]
        owner = names.index(f"{own}_id")
        rows = through.objects.filter(**{f"{own}__in": list(by_record)}).values_list(*names)
        links.objects.bulk_create(
            [
                links(history=by_record[values[owner]], **dict(zip(names, values, strict=True)))
                for values in rows
            ],
            batch_size=1000,
        )
