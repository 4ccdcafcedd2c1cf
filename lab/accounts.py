"""Staff status follows the group "Lab admins": joining it makes a user staff (so they can open
the admin), leaving it takes staff away again, except from superusers, who stay staff.

Why a signal, against the house rule of no logic in signals: group membership changes through
many doors (the admin's user form, ``user.groups.add/remove/set/clear``, the other side of the
relation ``group.user_set.add(user)``, commands, shells), and none of them goes through code of
ours. The admin's user form saves the user first and its groups afterwards
(``save_related``), so a check in ``save_model`` or ``User.save`` would see the old groups.
``m2m_changed`` on ``User.groups.through`` is the one place every door passes; it is connected
in ``lab.apps.LabConfig.ready``.

Only changes that involve Lab admins touch ``is_staff``: a staff user outside the group (a
superuser's helper with chosen permissions) keeps it when their other groups change. The
database row is updated (``QuerySet.update``, no ``save`` signals); when the user is the
instance whose groups changed (``user.groups.add(...)``), it is updated in memory too, so a
later ``user.save()`` does not write the old value back. A user object loaded before a
``group.user_set`` change is stale: reload it.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from lab.core.groups import LAB_ADMINS


def staff_follows_lab_admins(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """``m2m_changed`` receiver for ``User.groups.through``."""
    if action not in {"post_add", "post_remove", "pre_clear"}:
        return
    joined = action == "post_add"
    users = get_user_model()._default_manager
    if reverse:  # group.user_set.add/remove/clear(...): the instance is the group
        if instance.name != LAB_ADMINS:
            return
        users = instance.user_set.all() if pk_set is None else users.filter(pk__in=pk_set)
    else:  # user.groups.add/remove/clear(...): the instance is the user
        # pre_clear comes before the rows go: the groups are still there to ask.
        groups = instance.groups.all() if pk_set is None else Group.objects.filter(pk__in=pk_set)
        if not groups.filter(name=LAB_ADMINS).exists():
            return
        users = users.filter(pk=instance.pk)
        if joined or not instance.is_superuser:
            instance.is_staff = joined
    if not joined:
        users = users.filter(is_superuser=False)
    users.exclude(is_staff=joined).update(is_staff=joined)
