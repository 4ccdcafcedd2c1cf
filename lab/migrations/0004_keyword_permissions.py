from django.db import migrations

from lab.groups import sync_groups


class Migration(migrations.Migration):
    """Keywords (and their history) are a new model of the lab's apps: Lab admins get its
    permissions."""

    dependencies = [
        ("lab", "0003_lockout_permissions"),
        ("publications", "0005_citation_fields_keywords"),
    ]

    operations = [migrations.RunPython(sync_groups, migrations.RunPython.noop)]
