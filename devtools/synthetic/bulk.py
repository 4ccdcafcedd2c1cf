"""The synthetic lab's side of the database: which tables it fills and how rows go in and out.

``LAB_MODELS`` lists the tables; ``lab_is_empty`` and ``flush_lab`` read and clear them.
Rows go in through ``bulk_create`` in batches (``_create``); the author rows through the byline
service's bulk form (``publications.services.papers_set_authorships``), like every byline write.
"""

from django.core.management.color import no_style
from django.db import connection, transaction

from lab.core.cache import invalidate_pages
from lab.core.records import deletion_order

# Rows per INSERT. SQLite's variable limit (999 by default) caps this further: Django lowers
# the batch to fit (DatabaseOperations.bulk_batch_size), so one value serves both databases.
BATCH_SIZE = 1000

# The tables generate_lab writes, children first (lab.core.records): flush_lab's order.
LAB_MODELS = tuple(deletion_order())


def lab_is_empty() -> bool:
    return not any(model.objects.exists() for model in LAB_MODELS)


def flush_lab() -> None:
    """Delete every people and publications record (users, groups and sessions stay).

    Django's own flush SQL for just these tables (TRUNCATE on PostgreSQL, DELETE on SQLite):
    going through the ORM would load every row and send a signal for each, which for the
    default size takes minutes. No cascade: a table of another app that still points at these
    records makes it fail rather than lose that table's rows.
    """
    tables = [model._meta.db_table for model in LAB_MODELS]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # TRUNCATE refuses tables with deferred foreign-key checks still pending (rows
            # written earlier in the same transaction, as in tests): run those checks now.
            connection.check_constraints()
        connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables))
        invalidate_pages()


def _create(model, objects: list) -> list:
    return model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
