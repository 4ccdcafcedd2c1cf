"""Build the seed fixtures from the hand-curated source ``fixtures/source/lab.yaml``.

The source is compact (a paper's authors are one byline) and reviewable; the fixture it
becomes (``fixtures/lab.json``) is what ``manage.py loaddata lab`` loads. Bylines go through
``paper_set_byline``, the same service the admin and imports use. Every reference is by
slug, and the fixture uses natural keys, so it never depends on database ids.
"""

import datetime
import json
from pathlib import Path

import yaml
from django.apps import apps
from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import transaction

from lab.core.history import recorded
from lab.core.keys import KeyField
from lab.core.records import ordered_models
from people.matching import PersonMatcher
from people.models import Award, Institution, Person, Role
from people.names import split_name
from publications.models import Authorship, Paper, PaperAward, Service, Venue
from publications.services import paper_set_byline

SOURCE = Path(__file__).resolve().parent.parent / "fixtures" / "source" / "lab.yaml"
FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "lab.json"

# Models in load order (lab.core.records.MODEL_ORDER); a model without a natural key is
# written without a pk, so loading into an empty database creates its rows.
FIXTURE_MODELS = ordered_models()

#: The change reason of the versions the seed builder writes.
SEED_REASON = "seed builder"

# When the seed documents were curated: the timestamp every seed row carries.
CURATED_AT = "2026-11-21T00:00:00Z"

SECTIONS = ("institutions", "venues", "people", "papers", "roles", "awards", "service")


class SeedError(ValueError):
    """A source record that cannot be built; the message names the section and record."""


def _partial(value, where: str) -> tuple[int | None, int | None]:
    """'2019' -> (2019, None); '2019-08' -> (2019, 8); None -> (None, None)."""
    if value is None:
        return None, None
    text = str(value)
    try:
        if "-" in text:
            year, month = text.split("-")
            return int(year), int(month)
        return int(text), None
    except ValueError:
        raise SeedError(f"{where}: “{value}” is not YYYY or YYYY-MM.") from None


def _save(obj, where: str):
    try:
        obj.full_clean()
    except ValidationError as error:
        raise SeedError(f"{where}: {error.message_dict}") from None
    obj.save()
    return obj


def _take(record: dict, allowed: set[str], where: str) -> dict:
    unknown = set(record) - allowed
    if unknown:
        raise SeedError(f"{where}: unknown keys {sorted(unknown)}.")
    return dict(record)


def build(source: dict) -> None:
    """Create every record of ``source`` in the database (inside the caller's transaction),
    each with its first version, "seed builder"."""
    unknown = set(source) - set(SECTIONS)
    if unknown:
        raise SeedError(f"Unknown sections {sorted(unknown)}.")
    with recorded(SEED_REASON):
        _build_all(source)


def _build_all(source: dict) -> None:
    institutions = _build_institutions(source.get("institutions", []))
    venues = _build_venues(source.get("venues", []), institutions)
    people = _build_people(source.get("people", []))
    _build_papers(source.get("papers", []), venues, people)
    _build_roles(source.get("roles", []), people, institutions)
    _build_awards(source.get("awards", []), people, institutions)
    _build_service(source.get("service", []), people, venues)


def _build_institutions(records: list) -> dict[str, Institution]:
    """The institutions by slug; parents are set once all exist, so any order works."""
    institutions: dict[str, Institution] = {}
    parents = {}
    for record in records:
        where = f"institutions/{record.get('slug')}"
        data = _take(record, {f.name for f in Institution._meta.fields} | {"parent"}, where)
        parents[data["slug"]] = data.pop("parent", None)
        institutions[data["slug"]] = _save(Institution(**data), where)
    for slug, parent in parents.items():
        if parent:
            institution = institutions[slug]
            institution.parent = _ref(institutions, parent, f"institutions/{slug}")
            _save(institution, f"institutions/{slug}")
    return institutions


def _build_venues(records: list, institutions: dict) -> dict[str, Venue]:
    venues = {}
    for record in records:
        where = f"venues/{record.get('slug')}"
        data = _take(record, {f.name for f in Venue._meta.fields}, where)
        data["publisher"] = _ref(institutions, data.get("publisher"), where)
        venues[data["slug"]] = _save(Venue(**data), where)
    return venues


def _build_people(records: list) -> dict[str, Person]:
    people = {}
    for record in records:
        where = f"people/{record.get('slug')}"
        data = _take(record, {f.name for f in Person._meta.fields}, where)
        data["aliases"] = "\n".join(data.get("aliases") or [])
        if data.get("birth_date"):
            data["birth_date"] = datetime.date.fromisoformat(str(data["birth_date"]))
        if not data.get("given_name") and not data.get("family_name"):
            data["given_name"], data["family_name"] = split_name(data["name"])
        people[data["slug"]] = _save(Person(**data), where)
    return people


def _build_papers(records: list, venues: dict, people: dict) -> None:
    """The papers, their bylines and awards; adds the people the bylines create to ``people``."""
    matcher = PersonMatcher(people.values())
    for record in records:
        where = f"papers/{record.get('slug')}"
        allowed = {f.name for f in Paper._meta.fields} | {"byline", "awards"}
        data = _take(record, allowed, where)
        byline = data.pop("byline")
        awards = data.pop("awards", None) or []
        data["venue"] = _ref(venues, data.get("venue"), where)
        paper = _save(Paper(**data), where)
        try:
            result = paper_set_byline(paper=paper, byline=byline, matcher=matcher)
        except ValueError as error:
            raise SeedError(f"{where}: {error}") from None
        people.update((person.slug, person) for person in result.created)
        for title in awards:
            _save(PaperAward(paper=paper, title=title), f"{where} award")


def _build_roles(records: list, people: dict, institutions: dict) -> None:
    for number, record in enumerate(records, start=1):
        where = f"roles #{number} ({record.get('person')}, {record.get('title')})"
        allowed = {f.name for f in Role._meta.fields} | {"start", "end", "advisors"}
        data = _take(record, allowed, where)
        data["start_year"], data["start_month"] = _partial(data.pop("start", None), where)
        data["end_year"], data["end_month"] = _partial(data.pop("end", None), where)
        advisors = [_ref(people, slug, where) for slug in data.pop("advisors", None) or []]
        data["person"] = _ref(people, data["person"], where)
        data["institution"] = _ref(institutions, data.get("institution"), where)
        role = _save(Role(**data), where)
        role.advisors.set(advisors)


def _build_awards(records: list, people: dict, institutions: dict) -> None:
    for number, record in enumerate(records, start=1):
        where = f"awards #{number} ({record.get('title')})"
        data = _take(record, {f.name for f in Award._meta.fields}, where)
        data["person"] = _ref(people, data["person"], where)
        data["issuer"] = _ref(institutions, data.get("issuer"), where)
        _save(Award(**data), where)


def _build_service(records: list, people: dict, venues: dict) -> None:
    for number, record in enumerate(records, start=1):
        where = f"service #{number} ({record.get('person')}, {record.get('venue')})"
        data = _take(record, {f.name for f in Service._meta.fields}, where)
        data["person"] = _ref(people, data["person"], where)
        data["venue"] = _ref(venues, data["venue"], where)
        _save(Service(**data), where)


def _ref(objects: dict, slug, where: str):
    if slug is None or slug == "":
        return None
    try:
        return objects[slug]
    except KeyError:
        raise SeedError(f"{where}: nothing has the slug “{slug}”.") from None


def serialize() -> str:
    """The lab's records as a natural-key JSON fixture, in a stable order."""
    objects = []
    for model in FIXTURE_MODELS:
        queryset = model._default_manager.order_by(*_stable_order(model))
        objects.extend(queryset)
    data = json.loads(
        serializers.serialize(
            "json",
            objects,
            use_natural_foreign_keys=True,
            use_natural_primary_keys=True,
        )
    )
    for item in data:
        # Loading a fixture skips auto_now, so the rows need timestamps; a fixed one keeps
        # the fixture reproducible (the build time would change it on every build).
        item["fields"]["created"] = item["fields"]["modified"] = CURATED_AT
        # A stored key (a paper's title's, a person's name's) is made again as loaddata saves
        # the record (lab.core.keys): not a curated fact, so not in the fixture.
        for name in _key_fields(item["model"]):
            item["fields"].pop(name, None)
        item.pop("pk", None)
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def _key_fields(label: str) -> list[str]:
    model = apps.get_model(label)
    return [f.name for f in model._meta.concrete_fields if isinstance(f, KeyField)]


def _stable_order(model) -> list[str]:
    if model is Authorship:
        return ["paper__slug", "position"]
    if model is PaperAward:
        return ["paper__slug", "title"]
    if any(f.name == "slug" for f in model._meta.fields):
        return ["slug"]
    return ["pk"]  # created in source order


def build_fixture(source_path: Path = SOURCE) -> str:
    """Build the fixture text from the source, leaving the database as it was."""
    source = yaml.safe_load(source_path.read_text(encoding="utf-8"))
    with transaction.atomic():
        if any(model._default_manager.exists() for model in FIXTURE_MODELS):
            raise SeedError("The database already has lab records: build from an empty one.")
        build(source)
        text = serialize()
        transaction.set_rollback(True)
    return text
