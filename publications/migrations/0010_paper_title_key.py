"""Paper.title_key: the title's key (publications.titles.normalize_title), stored and indexed,
filled for the papers already there.

On SQLite, Django adds a NOT NULL column by remaking the table, which keeps only the indexes
the models declare: the list's order index of 0008 (raw SQL, SQLite only) is made again, as
0008 made it (and again when the column is dropped, backwards).
"""

from django.db import migrations, models

import publications.titles

BATCH = 2000
SQLITE_LIST_ORDER_INDEX = (
    "CREATE INDEX IF NOT EXISTS publications_paper_list_order ON publications_paper "
    "(year DESC, month DESC, title, published_version_id)"
)


def fill_title_keys(apps, schema_editor):
    Paper = apps.get_model("publications", "Paper")
    papers = Paper.objects.using(schema_editor.connection.alias).only("pk", "title")
    batch = []
    for paper in papers.order_by("pk").iterator(chunk_size=BATCH):
        paper.title_key = publications.titles.normalize_title(paper.title)[:500]
        batch.append(paper)
        if len(batch) == BATCH:
            Paper.objects.using(schema_editor.connection.alias).bulk_update(batch, ["title_key"])
            batch = []
    if batch:
        Paper.objects.using(schema_editor.connection.alias).bulk_update(batch, ["title_key"])


def restore_list_order_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_LIST_ORDER_INDEX)


class Migration(migrations.Migration):
    dependencies = [
        ("publications", "0009_authorship_no_single_fk_indexes"),
    ]

    operations = [
        # Backwards, after the column is dropped (the table remade again).
        migrations.RunPython(migrations.RunPython.noop, restore_list_order_index, elidable=False),
        migrations.AddField(
            model_name="paper",
            name="title_key",
            field=publications.titles.TitleKeyField(max_length=500),
        ),
        migrations.RunPython(restore_list_order_index, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(fill_title_keys, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="paper",
            index=models.Index(fields=["title_key"], name="paper_title_key"),
        ),
    ]
