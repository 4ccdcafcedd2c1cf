from django.db import migrations

from lab.groups import sync_groups


class Migration(migrations.Migration):
    """The history models are new models of the lab's apps: Lab admins get their permissions."""

    dependencies = [
        ("lab", "0001_groups"),
        ("people", "0002_history_merges_notes"),
        ("publications", "0004_move_curators_notes"),
    ]

    operations = [migrations.RunPython(sync_groups, migrations.RunPython.noop)]
