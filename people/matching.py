"""Matching printed author names to people, without ever merging namesakes silently."""

from collections import defaultdict
from collections.abc import Iterable

from people.models import Person
from people.names import normalize_name


class NameMatchError(ValueError):
    """A name or slug on a byline that cannot be resolved to one person."""


class PersonMatcher:
    """An in-memory index of people by normalised name, alias and slug.

    Built from one query, so a whole import resolves its names without a query per author.
    People with ``match_by_name`` off are reachable by slug only. Use one matcher per
    transaction: people added to it are assumed to exist.
    """

    def __init__(self, people: Iterable[Person]):
        self._by_key: dict[str, list[Person]] = defaultdict(list)
        self._by_slug: dict[str, Person] = {}
        for person in people:
            self.add(person)

    @classmethod
    def from_database(cls) -> "PersonMatcher":
        return cls(Person.objects.only("id", "name", "slug", "aliases", "match_by_name"))

    def add(self, person: Person) -> None:
        self._by_slug[person.slug] = person
        if not person.match_by_name:
            return
        keys = {normalize_name(person.name), *map(normalize_name, person.alias_list)}
        for key in keys:
            if person not in self._by_key[key]:
                self._by_key[key].append(person)

    def match(self, name: str, *, slug: str = "") -> Person | None:
        """The one person ``name`` (or ``slug``) means, None if nobody, or NameMatchError."""
        if slug:
            try:
                return self._by_slug[slug]
            except KeyError:
                raise NameMatchError(f"no person has the slug “{slug}”") from None
        candidates = self._by_key.get(normalize_name(name), [])
        if len(candidates) > 1:
            slugs = ", ".join(sorted(p.slug for p in candidates))
            raise NameMatchError(
                f"“{name}” matches more than one person ({slugs}); "
                f"pick one by writing “{name} <{candidates[0].slug}>”"
            )
        return candidates[0] if candidates else None

    def is_unambiguous(self, name: str, person: Person) -> bool:
        """True when ``name`` alone resolves to ``person`` (so an export can omit the slug)."""
        return self._by_key.get(normalize_name(name), []) == [person]
