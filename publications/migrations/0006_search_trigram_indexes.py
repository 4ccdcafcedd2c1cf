"""Indexes for the text search and the lists: trigram indexes and the papers' default order on
PostgreSQL only, and a (person, paper) index of byline rows on every database (issue 14,
docs/benchmarks.md "Search").

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


#: The papers' default order (Paper.Meta.ordering: undated first, then newest), which every
#: list and the admin's change list sort by: PostgreSQL reads a page of it from this index
#: instead of sorting every paper (SQLite cannot index NULLS FIRST; it sorts).
ORDER_INDEX = (
    "CREATE INDEX IF NOT EXISTS publications_paper_default_order ON publications_paper "
    "(year DESC NULLS FIRST, month DESC NULLS LAST, title)"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression} gin_trgm_ops)"
        )
    schema_editor.execute(ORDER_INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute("DROP INDEX IF EXISTS publications_paper_default_order")


class Migration(migrations.Migration):
    dependencies = [("publications", "0005_citation_fields_keywords")]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
        migrations.AddIndex(
            model_name="authorship",
            index=models.Index(fields=["person", "paper"], name="authorship_person_paper"),
        ),
    ]
