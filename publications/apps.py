from django.apps import AppConfig


class PublicationsConfig(AppConfig):
    name = "publications"
    verbose_name = "Publications and venues"

    def ready(self):
        # Adds the publications, service and co-authors sections to person and institution
        # pages, and the publications' steps to merges and restores of people and institutions.
        from publications import sections  # noqa: F401
        from publications.services import curation  # noqa: F401
