"""Person.name_key: the name's key (people.names.normalize_name), stored and indexed, filled
for the people already there; and an index of the people with aliases. The imports' matcher
reads the people a file names by these two instead of every person
(people.matching.PersonMatcher.for_names)."""

from django.db import migrations, models

import people.names

BATCH = 2000


def fill_name_keys(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    people_ = Person.objects.using(schema_editor.connection.alias)
    batch = []
    for person in people_.only("pk", "name").order_by("pk").iterator(chunk_size=BATCH):
        person.name_key = people.names.normalize_name(person.name)[:200]
        batch.append(person)
        if len(batch) == BATCH:
            people_.bulk_update(batch, ["name_key"])
            batch = []
    if batch:
        people_.bulk_update(batch, ["name_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_search_trigram_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="name_key",
            field=people.names.NameKeyField(max_length=200),
        ),
        migrations.RunPython(fill_name_keys, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["name_key"], name="person_name_key"),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                condition=~models.Q(aliases=""), fields=["id"], name="person_with_aliases"
            ),
        ),
    ]
