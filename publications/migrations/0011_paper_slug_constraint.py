"""A paper's slug is unique by a constraint, not by ``unique=True``; the history's copies of
the slug and of a byline row's person are not indexed.

On PostgreSQL ``unique=True`` on a SlugField adds a second index, for LIKE
(``varchar_pattern_ops``), and simple-history indexes the historical copy of a unique field
twice more: three indexes of random keys that nothing reads, which every imported paper wrote
into (a fifth of a 1,000-paper import's time, and a quarter of its WAL; docs/imports.md, "What
an import writes"). The constraint keeps one unique index, which every look-up by slug uses.

On SQLite, Django alters the slug by remaking the table, which keeps only the indexes the
models declare: the list's order index of 0008 (raw SQL, SQLite only) is made again, as 0010
does.
"""

import django.db.models.deletion
from django.db import migrations, models

SQLITE_LIST_ORDER_INDEX = (
    "CREATE INDEX IF NOT EXISTS publications_paper_list_order ON publications_paper "
    "(year DESC, month DESC, title, published_version_id)"
)


def restore_list_order_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_LIST_ORDER_INDEX)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0004_person_name_key"),
        ("publications", "0010_paper_title_key"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalauthorship",
            name="person",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="people.person",
            ),
        ),
        migrations.AlterField(
            model_name="historicalpaper",
            name="slug",
            field=models.SlugField(db_index=False, max_length=100),
        ),
        # Backwards, after the slug is unique again (the table remade twice more).
        migrations.RunPython(migrations.RunPython.noop, restore_list_order_index, elidable=False),
        migrations.AlterField(
            model_name="paper",
            name="slug",
            field=models.SlugField(db_index=False, max_length=100),
        ),
        # A unique constraint of plain fields is added on SQLite by remaking the table too.
        migrations.AddConstraint(
            model_name="paper",
            constraint=models.UniqueConstraint(fields=("slug",), name="unique_paper_slug"),
        ),
        migrations.RunPython(restore_list_order_index, migrations.RunPython.noop, elidable=False),
    ]
