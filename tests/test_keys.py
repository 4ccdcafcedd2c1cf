"""The stored keys (lab.core.keys.KeyField): a paper's title key and a person's name key, kept by
every way a record is written. What is particular to each, and the look-ups that use them:
tests/publications/test_title_key.py, tests/people/test_name_key.py."""

import json
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.core import serializers

from people.models import Person
from people.resources import PersonResource
from publications.models import Paper
from publications.resources import PaperResource
from tests.factories import PaperFactory, PersonFactory

pytestmark = pytest.mark.django_db


@dataclass
class Keyed:
    model: type
    factory: type
    resource: type
    source: str
    key: str
    text: str  # a source text and its key
    folded: str
    other: str


KEYED = [
    Keyed(
        Paper,
        PaperFactory,
        PaperResource,
        "title",
        "title_key",
        "Résumé Parsing for Café-Scale {Networks}",
        "resume parsing for cafe scale networks",
        "Another Title, Entirely",
    ),
    Keyed(
        Person,
        PersonFactory,
        PersonResource,
        "name",
        "name_key",
        "Ixeia Sánchez-Pérez",
        "ixeia sanchez perez",
        "Ixeia S. Pérez",
    ),
]


def stored_key(keyed: Keyed, record) -> str:
    return keyed.model.objects.values_list(keyed.key, flat=True).get(pk=record.pk)


@pytest.fixture(params=KEYED, ids=lambda keyed: keyed.key)
def keyed(request) -> Keyed:
    return request.param


def test_save_stores_the_key_and_a_save_of_the_source_alone_writes_it(keyed):
    record = keyed.factory(**{keyed.source: keyed.text})
    assert stored_key(keyed, record) == getattr(record, keyed.key) == keyed.folded

    setattr(record, keyed.source, keyed.other)
    record.save(update_fields=[keyed.source])  # the key is written with its source
    field = keyed.model._meta.get_field(keyed.key)
    assert stored_key(keyed, record) == field.normalize(keyed.other)


def test_a_raw_save_from_a_fixture_or_backup_stores_the_key_of_the_source(keyed):
    """loaddata and the backups' restore save raw: a file's stale or missing key is made again."""
    record = keyed.factory(**{keyed.source: "Old Text"})
    [item] = json.loads(serializers.serialize("json", [record]))
    item["fields"].update({keyed.source: keyed.text, keyed.key: "stale"})

    for obj in serializers.deserialize("json", json.dumps([item])):
        obj.save()

    assert stored_key(keyed, record) == keyed.folded


def test_the_key_is_cut_to_the_column(keyed):
    # Folding can lengthen a text ("ﬁ" is "fi"): as many ligatures as the column holds fold
    # to twice as many letters.
    length = keyed.model._meta.get_field(keyed.key).max_length
    record = keyed.factory(**{keyed.source: "ﬁ" * length})
    assert stored_key(keyed, record) == "fi" * (length // 2)


def test_the_key_is_no_field_of_the_admin_form_the_spreadsheets_or_history(keyed):
    assert keyed.model._meta.get_field(keyed.key).editable is False
    assert keyed.key not in admin.site._registry[keyed.model].form.base_fields
    headers = keyed.resource().export(keyed.model.objects.none()).headers
    assert keyed.key not in headers and keyed.source in headers
    history_fields = {f.name for f in keyed.model.history.model._meta.fields}
    assert keyed.key not in history_fields and keyed.source in history_fields
