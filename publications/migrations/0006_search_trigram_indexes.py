"""Indexes for the text search: trigram indexes on PostgreSQL only, and a (person, paper) index
of byline rows on every database (issue 14, docs/benchmarks.md "Search").

``icontains`` is ``UPPER(col::text) LIKE UPPER('%word%')`` on PostgreSQL: a GIN index with
pg_trgm's ``gin_trgm_ops`` on exactly that expression answers it (for words of three letters
or more) without reading every row. SQLite has no such index; there the migration does nothing
and search reads the tables as before. pg_trgm is a trusted extension (PostgreSQL 13+): the
database's owner may create it.
"""

from django.db import migrations, models

INDEXES = [
    ("publications_paper_title_trgm", "publications_paper", "upper((title)::text)"),
    ("publications_paper_system_name_trgm", "publications_paper", "upper((system_name)::text)"),
    ("publications_paper_abstract_trgm", "publications_paper", "upper(abstract)"),
    (
        "publications_authorship_printed_name_trgm",
        "publications_authorship",
        "upper((printed_name)::text)",
    ),
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
    dependencies = [("publications", "0005_citation_fields_keywords")]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
        migrations.AddIndex(
            model_name="authorship",
            index=models.Index(fields=["person", "paper"], name="authorship_person_paper"),
        ),
    ]
