"""The lab's two groups and what they may do. Used by data migrations, so it takes the
migration's historical ``apps``."""

from lab.core.groups import LAB_ADMINS, MEMBERS
from lab.core.records import LAB_APPS

# Lab admins curate every record of the lab's apps (lab.core.records.LAB_APPS); user and group
# management stays with superusers.
LAB_ADMIN_ACTIONS = ("add", "change", "delete", "view")


def sync_groups(apps, schema_editor=None) -> None:
    """Create the groups and give "Lab admins" every add/change/delete/view permission of the
    lab's apps. Idempotent; a migration that adds a model calls it again."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; make them exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    lab_admins, _ = group_model.objects.get_or_create(name=LAB_ADMINS)
    group_model.objects.get_or_create(name=MEMBERS)
    # History tables need none: their pages go by the permissions of the records themselves.
    lab_permissions = permission_model.objects.filter(
        content_type__app_label__in=LAB_APPS
    ).exclude(content_type__model__startswith="historical")
    lab_admins.permissions.add(
        *(p for p in lab_permissions if p.codename.split("_", 1)[0] in LAB_ADMIN_ACTIONS)
    )


def may_curate(user) -> bool:
    """Whether ``user`` may see the lab's curation pages (recent changes, data health): staff
    with view permission on every model of the lab, as Lab admins and superusers have."""
    from lab.core.records import ordered_models

    return user.is_active and user.is_staff and all(
        user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")
        for model in ordered_models()
    )


#: What Lab admins may do with django-axes' failed log-in attempts: see the lockouts, and lift
#: one by deleting its attempts. The successful log-ins (AccessLog) and the failure log stay
#: with superusers: they are a record of everyone's addresses, not something to curate.
LOCKOUT_ACTIONS = ("view", "delete")


def grant_lockout_review(apps, schema_editor=None) -> None:
    """Give "Lab admins" view and delete permission on ``axes.AccessAttempt``. Idempotent."""
    from django.contrib.auth.management import create_permissions

    axes = apps.get_app_config("axes")
    axes.models_module = True
    create_permissions(axes, apps=apps, verbosity=0)
    axes.models_module = None

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    lab_admins, _ = group_model.objects.get_or_create(name=LAB_ADMINS)
    lab_admins.permissions.add(
        *permission_model.objects.filter(
            content_type__app_label="axes",
            codename__in=[f"{action}_accessattempt" for action in LOCKOUT_ACTIONS],
        )
    )
