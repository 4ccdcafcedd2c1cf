"""Trigram indexes for the search of people by name and alias, on PostgreSQL only (see
publications/migrations/0006_search_trigram_indexes.py for why and how)."""

from django.db import migrations

INDEXES = [
    ("people_person_name_trgm", "people_person", "upper((name)::text)"),
    ("people_person_aliases_trgm", "people_person", "upper(aliases)"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("people", "0002_history_merges_notes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
