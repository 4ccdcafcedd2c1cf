"""Writes that touch several rows of the people app: keyword-only, typed and atomic.

- ``person_create``: a new person from a display name (split names, a free slug);
- ``person_merge`` and ``institution_merge``: fold a duplicate into the record that stays
  (lab.core.merging); the publications app adds the steps for what it owns (byline rows,
  service, venues' publishers, affiliations) to ``person_merge_steps`` and
  ``institution_merge_steps``;
- ``person_restore``: bring back a deleted person with the roles and awards deleted with them.
"""

from dataclasses import dataclass

from django.core import signing
from django.db import transaction

from lab.core.history import deleted_with, recorded, restore_record
from lab.core.merging import (
    MergeError,
    MergePlan,
    MergeStep,
    check_mergeable,
    count_line,
    fill_empty_fields,
    move,
    run_steps,
    take_kept_apart,
    take_slugs,
)
from lab.core.slugs import unique_slug
from people.duplicates import existing_matches
from people.models import Award, Institution, Person, Role
from people.names import normalize_name, split_name

#: Steps other apps add to a person merge and an institution merge (registered in their
#: AppConfig.ready).
person_merge_steps: list[MergeStep] = []
institution_merge_steps: list[MergeStep] = []


@transaction.atomic
def person_create(*, name: str, **fields) -> Person:
    """Create a person from a display name, splitting given/family names and picking a free
    slug (``hao-wang-2`` when ``hao-wang`` is taken)."""
    name = " ".join(name.split())
    given, family = split_name(name)
    fields.setdefault("given_name", given)
    fields.setdefault("family_name", family)
    if "slug" not in fields:
        fields["slug"] = unique_slug(Person.objects.all(), name)
    person = Person(name=name, **fields)
    # Field checks here; uniqueness and the check constraints are the database's to enforce
    # (the slug was just found free): four queries less for every person a byline brings.
    person.full_clean(validate_unique=False, validate_constraints=False)
    person.save()
    return person


# --- merging people -----------------------------------------------------------------------------


def _person_plan(keep: Person, drop: Person) -> MergePlan:
    plan = MergePlan()
    roles, awards = drop.roles.count(), drop.awards.count()
    advised = Role.advisors.through.objects.filter(person=drop).count()
    plan.moves += count_line(roles, "role", "roles")
    plan.moves += count_line(awards, "award", "awards")
    plan.moves += count_line(advised, "role they advised", "roles they advised")
    if keep.user_id and drop.user_id:
        plan.conflicts.append(
            f"Both have a login ({keep.user} and {drop.user}): remove one of them first."
        )
    elif drop.user_id:
        plan.moves.append(f"the login {drop.user}")
    return plan


def person_merge_plan(*, keep: Person, drop: Person) -> MergePlan:
    """What ``person_merge`` would move, and what stops it, without writing."""
    check_mergeable(keep, drop)
    plan = _person_plan(keep, drop)
    plan.extend(run_steps(person_merge_steps, keep, drop))
    return plan


def _merged_aliases(keep: Person, drop: Person) -> str:
    names = [*keep.alias_list, drop.name, *drop.alias_list]
    seen = {normalize_name(keep.name)}
    aliases = []
    for name in names:
        key = normalize_name(name)
        if key and key not in seen:
            seen.add(key)
            aliases.append(name)
    return "\n".join(aliases)


def _move_advising(keep: Person, drop: Person) -> None:
    """Roles ``drop`` advised are advised by ``keep`` (once, if both advised the same)."""
    through = Role.advisors.through
    both = through.objects.filter(person=keep).values("role_id")
    through.objects.filter(person=drop, role_id__in=both).delete()
    roles = list(Role.objects.filter(advisors=drop))
    for role in roles:
        role.advisors.remove(drop)
        role.advisors.add(keep)


@transaction.atomic
def person_merge(*, keep: Person, drop: Person, user=None) -> Person:
    """Fold ``drop`` into ``keep``: their byline rows (position and marks kept, the printed
    name set so every byline prints as before), roles, awards, service and advisor links move
    to ``keep``, as does the login if only ``drop`` has one; ``keep``'s empty fields are
    filled from ``drop``, ``drop``'s name and aliases become aliases of ``keep`` and its slug a
    former slug (its page answers 301 to ``keep``'s); then ``drop`` is deleted. Recorded in
    history as "merge of <drop> into <keep>". Raises MergeError, writing nothing, when they
    are one person, were kept apart, are authors of the same paper or both have a login."""
    keep, drop = (Person.objects.select_related("user").get(pk=p.pk) for p in (keep, drop))
    plan = person_merge_plan(keep=keep, drop=drop)
    if plan.conflicts:
        raise MergeError(" ".join(plan.conflicts))
    with recorded(f"merge of {drop.slug} into {keep.slug}", user=user):
        for step in person_merge_steps:
            step.apply(keep, drop)
        move(drop.roles.all(), person=keep)
        move(drop.awards.all(), person=keep)
        _move_advising(keep, drop)
        if drop.user_id and not keep.user_id:
            keep.user_id, drop.user_id = drop.user_id, None
            drop.save(update_fields=["user"])
        fill_empty_fields(keep, drop, skip=("name", "slug", "former_slugs", "aliases"))
        keep.aliases = _merged_aliases(keep, drop)
        take_slugs(keep, drop)
        take_kept_apart(keep, drop)
        keep.save()
        drop.delete()
    return keep


# --- merging institutions -----------------------------------------------------------------------


def _institution_plan(keep: Institution, drop: Institution) -> MergePlan:
    plan = MergePlan()
    plan.moves += count_line(drop.roles.count(), "role", "roles")
    plan.moves += count_line(drop.children.count(), "unit", "units")
    plan.moves += count_line(drop.awards.count(), "award issued", "awards issued")
    return plan


def institution_merge_plan(*, keep: Institution, drop: Institution) -> MergePlan:
    check_mergeable(keep, drop)
    plan = _institution_plan(keep, drop)
    plan.extend(run_steps(institution_merge_steps, keep, drop))
    return plan


@transaction.atomic
def institution_merge(*, keep: Institution, drop: Institution, user=None) -> Institution:
    """Fold ``drop`` into ``keep``: roles, child units, awards it issued, and (through the
    publications app's steps) venues it publishes and byline affiliations move to ``keep``;
    empty fields are filled, ``drop``'s slug becomes a former slug; then ``drop`` is deleted.
    Raises MergeError, writing nothing, when they are one institution or were kept apart."""
    keep, drop = (Institution.objects.get(pk=i.pk) for i in (keep, drop))
    plan = institution_merge_plan(keep=keep, drop=drop)
    if plan.conflicts:
        raise MergeError(" ".join(plan.conflicts))
    with recorded(f"merge of {drop.slug} into {keep.slug}", user=user):
        for step in institution_merge_steps:
            step.apply(keep, drop)
        move(drop.roles.all(), institution=keep)
        move(drop.children.exclude(pk=keep.pk), parent=keep)
        move(drop.awards.all(), issuer=keep)
        if keep.parent_id == drop.pk:  # a unit merged with its parent takes the parent's place
            keep.parent_id = drop.parent_id
        fill_empty_fields(keep, drop, skip=("name", "slug", "former_slugs"))
        take_slugs(keep, drop)
        take_kept_apart(keep, drop)
        keep.save()
        drop.delete()
    return keep


# --- restoring ----------------------------------------------------------------------------------

#: Steps other apps add to a person's restore (the publications app: their service).
person_restore_steps: list = []


@transaction.atomic
def person_restore(*, version, user=None) -> Person:
    """Bring back the person a deletion ``version`` recorded, with the roles (and their
    advisors) and awards deleted with them, as created again ("restore of <slug>")."""
    with recorded(f"restore of {version.slug}", user=user):
        person = restore_record(Person, version)
        for role in deleted_with(Role, version, person_id=person.pk):
            restore_record(Role, role)
        for award in deleted_with(Award, version, person_id=person.pk):
            restore_record(Award, award)
        for step in person_restore_steps:
            step(person, version)
    return person



# --- "the same as": a new name from an import is an existing person ----------------------------

SAME_AS_SALT = "people.services.same-as"
SAME_AS_MAX_AGE = 12 * 60 * 60  # seconds a preview's choices can be confirmed


@dataclass(frozen=True)
class NameChoice:
    """A name an import would create a person for, and the existing people it may be: each
    option is (a signed value the confirm step trusts, its label with the evidence)."""

    name: str
    options: tuple[tuple[str, str], ...]


def same_as_choices(names_with_coauthors: dict[str, set[str]]) -> list[NameChoice]:
    """The suggestions of ``people.duplicates.existing_matches`` for the new names of an import
    preview, as choices a lab admin can pick instead of creating a new person."""
    choices = []
    for name, found in existing_matches(names_with_coauthors).items():
        options = tuple(
            (
                signing.dumps([name, suggestion.first.pk], salt=SAME_AS_SALT),
                f"{suggestion.first.name} ({suggestion.first.slug}): "
                + "; ".join(suggestion.evidence),
            )
            for suggestion in found
        )
        if options:
            choices.append(NameChoice(name, options))
    return choices


@transaction.atomic
def apply_same_as(values, *, user=None) -> list[tuple[str, Person]]:
    """Confirmed choices of a preview (``same_as_choices`` values; blanks and forged ones are
    ignored): each name becomes an alias of the person it was chosen to be, so the import then
    matches it to them and keeps the spelling as printed. Call it in the import's transaction."""
    applied = []
    for value in values:
        try:
            name, pk = signing.loads(value, salt=SAME_AS_SALT, max_age=SAME_AS_MAX_AGE)
        except (signing.BadSignature, TypeError, ValueError):
            continue
        person = Person.objects.filter(pk=pk).first()
        if person is None:
            continue
        known = {normalize_name(person.name), *map(normalize_name, person.alias_list)}
        if normalize_name(name) not in known:
            with recorded(f"same person as “{name}” in an import", user=user):
                person.aliases = "\n".join([*person.alias_list, name])
                person.save(update_fields=["aliases", "modified"])
        applied.append((name, person))
    return applied
