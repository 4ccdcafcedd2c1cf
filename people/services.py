from django.db import transaction

from lab.core.slugs import unique_slug
from people.models import Person
from people.names import split_name


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
