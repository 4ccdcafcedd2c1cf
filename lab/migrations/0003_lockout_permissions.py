from django.db import migrations

from lab.groups import grant_lockout_review


class Migration(migrations.Migration):
    """Lab admins see the log-in lockouts of django-axes in the admin and lift them by deleting
    the attempts (docs/security.md, "Log-in throttling")."""

    dependencies = [
        ("lab", "0002_history_permissions"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(grant_lockout_review, migrations.RunPython.noop)]
