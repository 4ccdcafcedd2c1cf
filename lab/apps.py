from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class LabConfig(AppConfig):
    name = "lab"
    verbose_name = "Lab Records"

    def ready(self):
        from django.contrib.auth import get_user_model

        from lab.accounts import staff_follows_lab_admins
        from lab.core.cache import on_record_change

        # Any write to a record forgets the cached public pages (lab/core/cache.py).
        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(on_record_change, dispatch_uid=f"lab-pages-{signal!r}")
        # Joining or leaving "Lab admins", by any path, sets is_staff (lab/accounts.py).
        m2m_changed.connect(
            staff_follows_lab_admins,
            sender=get_user_model().groups.through,
            dispatch_uid="lab-staff-follows-lab-admins",
        )
