from django.apps import AppConfig


class PublicationsConfig(AppConfig):
    name = "publications"
    verbose_name = "Publications and venues"

    def ready(self):
        # Adds the publications, service and co-authors sections to person and institution pages.
        from publications import sections  # noqa: F401
