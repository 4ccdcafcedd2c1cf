"""What every merge of two records shares (``people.services.person_merge`` and the others).

A merge folds a duplicate (``drop``) into the record that stays (``keep``): what points at the
duplicate is moved, the duplicate's values fill the kept record's empty fields, its slug (and
the slugs merged into it before) become the kept record's former slugs, so its old URLs answer
301, and then it is deleted. A merge is refused, before anything is written, when the two are
the same record or a lab admin marked them as not the same (``kept_apart``).

Apps add to a merge what they own with ``MergeStep``s: ``people`` cannot import
``publications``, so the publications app registers the steps that move a person's byline rows
and service (``people.services.person_merge_steps``) from its ``AppConfig.ready``, as it
registers page sections. A step says in words what it would move and what stands in the way
(``plan``), and moves it (``apply``); the admin's confirmation page shows the plan.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import models

from lab.core.history import record_versions


class MergeError(ValueError):
    """The merge cannot be done; the message says why (and names the records in the way)."""


@dataclass
class MergePlan:
    """What a merge would do: lines in words, and the conflicts that stop it."""

    moves: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    def extend(self, other: "MergePlan") -> None:
        self.moves += other.moves
        self.conflicts += other.conflicts


@dataclass(frozen=True)
class MergeStep:
    """Part of a merge that an app owns: ``plan(keep, drop)`` returns a MergePlan without
    writing; ``apply(keep, drop)`` moves what points at ``drop`` to ``keep``."""

    plan: Callable[[models.Model, models.Model], MergePlan]
    apply: Callable[[models.Model, models.Model], None]


def count_line(count: int, one: str, many: str) -> list[str]:
    """["3 roles"] or [] for none."""
    if not count:
        return []
    return [f"{count} {one if count == 1 else many}"]


def check_mergeable(keep, drop) -> None:
    """MergeError when ``keep`` and ``drop`` are one record or were kept apart."""
    if keep.pk == drop.pk:
        raise MergeError("A record cannot be merged into itself.")
    if keep.kept_apart.filter(pk=drop.pk).exists():
        raise MergeError(
            f"“{drop}” and “{keep}” are marked as not the same: remove that mark first if "
            "they are."
        )


def fill_empty_fields(keep, drop, *, skip: Sequence[str]) -> list[str]:
    """Copy the values of ``drop``'s fields into ``keep``'s empty ones (never overwriting);
    returns the names of the fields filled. Relations and the fields in ``skip`` are left."""
    filled = []
    for f in keep._meta.concrete_fields:
        if f.primary_key or f.name in skip or not f.editable or f.is_relation:
            continue
        mine, theirs = getattr(keep, f.attname), getattr(drop, f.attname)
        if f.empty_values and mine in f.empty_values and theirs not in f.empty_values:
            setattr(keep, f.attname, theirs)
            filled.append(f.name)
    return filled


def take_slugs(keep, drop) -> None:
    """``drop``'s slug and former slugs become former slugs of ``keep``."""
    slugs = [*keep.former_slug_list, drop.slug, *drop.former_slug_list]
    keep.former_slugs = "\n".join(dict.fromkeys(s for s in slugs if s and s != keep.slug))


def take_kept_apart(keep, drop) -> None:
    """The records kept apart from ``drop`` are kept apart from ``keep`` too."""
    others = [pk for pk in drop.kept_apart.values_list("pk", flat=True) if pk != keep.pk]
    if others:
        keep.kept_apart.add(*others)


def move(queryset: models.QuerySet, **values) -> int:
    """Give the rows of ``queryset`` these values (a foreign key moved from the dropped record
    to the kept one), in one UPDATE, each with its new version; returns how many moved."""
    rows = list(queryset)
    for row in rows:
        for name, value in values.items():
            setattr(row, name, value)
    if rows:
        queryset.model._default_manager.bulk_update(rows, list(values), batch_size=1000)
        record_versions(queryset.model, rows, "~")
    return len(rows)


def run_steps(steps: Sequence[MergeStep], keep, drop) -> MergePlan:
    plan = MergePlan()
    for step in steps:
        plan.extend(step.plan(keep, drop))
    return plan
