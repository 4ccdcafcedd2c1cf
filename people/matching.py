"""Matching printed author names to people, without ever merging namesakes silently."""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q

from lab.core.bulk import json_values
from people.models import Person
from people.names import normalize_name

#: What matching reads of a person.
MATCH_FIELDS = ("id", "name", "slug", "aliases", "match_by_name")


class NameMatchError(ValueError):
    """A name or slug on a byline that cannot be resolved to one person."""


class PersonMatcher:
    """An in-memory index of people by normalised name, alias and slug.

    Built from one query, so a whole import resolves its names without a query per author:
    of everyone (``from_database``, for exports, which write everyone's names), or of the
    people the names of a file may mean (``for_names``, for imports). People with
    ``match_by_name`` off are reachable by slug only. Use one matcher per transaction: people
    added to it are assumed to exist.
    """

    def __init__(self, people: Iterable[Person]):
        self._by_key: dict[str, list[Person]] = defaultdict(list)
        self._by_slug: dict[str, Person] = {}
        # None: every person is here. Else the name keys and slugs read so far (for_names).
        self._read_keys: set[str] | None = None
        self._read_slugs: set[str] = set()
        for person in people:
            self.add(person)

    @classmethod
    def from_database(cls) -> "PersonMatcher":
        return cls(Person.objects.only(*MATCH_FIELDS))

    @classmethod
    def for_names(cls, names: Iterable[str], *, slugs: Iterable[str] = ()) -> "PersonMatcher":
        """A matcher of the people ``names`` and ``slugs`` may mean, read in one query of
        indexed look-ups, whatever the number of people: those whose name has the key of one
        of ``names`` (``Person.name_key``), those with one of ``slugs``, and those with
        aliases (an index of its own: few, an alias being a curated exception), since an
        alias has no stored key. A name or slug asked of it later that was not given here is
        read then, a query each: what it answers never depends on what was declared."""
        matcher = cls(())
        matcher._read_keys = set()
        matcher._read(names, slugs, aliased=True)
        return matcher

    def _read(self, names: Iterable[str], slugs: Iterable[str], *, aliased: bool = False):
        keys = {normalize_name(name) for name in names} - self._read_keys
        slugs = set(slugs) - self._read_slugs
        if not keys and not slugs and not aliased:
            return
        known = {person.pk for person in self._by_slug.values()}
        for person in people_named(keys, slugs, aliased=aliased):
            if person.pk not in known:
                known.add(person.pk)
                self.add(person)
        self._read_keys |= keys
        self._read_slugs |= slugs

    def add(self, person: Person) -> None:
        self._by_slug[person.slug] = person
        if not person.match_by_name:
            return
        keys = {normalize_name(person.name), *map(normalize_name, person.alias_list)}
        for key in keys:
            if person not in self._by_key[key]:
                self._by_key[key].append(person)

    def _candidates(self, name: str) -> list[Person]:
        key = normalize_name(name)
        if self._read_keys is not None and key not in self._read_keys:
            self._read([name], ())
        return self._by_key.get(key, [])

    def match(self, name: str, *, slug: str = "") -> Person | None:
        """The one person ``name`` (or ``slug``) means, None if nobody, or NameMatchError."""
        if slug:
            if self._read_keys is not None and slug not in self._by_slug:
                self._read((), [slug])
            try:
                return self._by_slug[slug]
            except KeyError:
                raise NameMatchError(f"no person has the slug “{slug}”") from None
        candidates = self._candidates(name)
        if len(candidates) > 1:
            slugs = ", ".join(sorted(p.slug for p in candidates))
            raise NameMatchError(
                f"“{name}” matches more than one person ({slugs}); "
                f"pick one by writing “{name} <{candidates[0].slug}>”"
            )
        return candidates[0] if candidates else None

    def is_unambiguous(self, name: str, person: Person) -> bool:
        """True when ``name`` alone resolves to ``person`` (so an export can omit the slug)."""
        return self._candidates(name) == [person]


def people_named(keys: Iterable[str], slugs: Iterable[str] = (), *, aliased: bool = False):
    """The people (``MATCH_FIELDS``) whose name has one of the ``normalize_name`` ``keys``,
    with one of ``slugs``, or (``aliased``) with aliases; a person may come twice. One query,
    a UNION ALL of index look-ups (``Person.name_key``, the slug, the index of the people
    with aliases): ORed in one WHERE, neither database uses the indexes."""
    people = Person.objects.only(*MATCH_FIELDS).order_by()
    key_for = Person._meta.get_field("name_key").key_for
    stored, slugs = sorted({key_for(key) for key in keys}), sorted(set(slugs))
    parts = [people.filter(name_key__in=json_values(Person, "name_key", stored))]
    if slugs:
        parts.append(people.filter(slug__in=json_values(Person, "slug", slugs)))
    if aliased:
        parts.append(people.filter(~Q(aliases="")))
    return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
