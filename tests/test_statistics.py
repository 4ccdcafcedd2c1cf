"""After a bulk import, PostgreSQL's statistics describe the tables as they now are
(lab.core.bulk.refresh_statistics): the planner would otherwise plan the next pages on the
statistics of the tables before the import, or on none (autovacuum may be off, and is slow to
come round anyway). SQLite is left alone."""

import pytest
from django.db import connection

from lab.core.bulk import refresh_statistics
from publications.bibtex_import import bibtex_import
from publications.models import Authorship, Keyword, Paper
from tests.factories import PaperFactory, UserFactory

pytestmark = pytest.mark.django_db

ENTRIES = "\n".join(
    f"@article{{k{n}, title = {{Statistics Matter {n}}}, author = {{Ada Lovelace and Kai Wen}},"
    f" journal = {{Journal of Plans}}, year = {{2024}}}}"
    for n in range(30)
)


def counted_rows(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


@pytest.mark.postgres_only
def test_a_table_grown_by_a_tenth_or_never_analyzed_is_analyzed():
    for _ in range(20):
        PaperFactory()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE publications_paper")
    assert counted_rows("publications_paper") == 20

    # 1 new row on 20 is less than a tenth: left as counted; 2 is a tenth: analyzed.
    assert refresh_statistics({Paper: 1}) == []
    PaperFactory(), PaperFactory()
    assert refresh_statistics({Paper: 2, Keyword: 0}) == ["publications_paper"]
    assert counted_rows("publications_paper") == 22


@pytest.mark.postgres_only
def test_an_import_analyzes_the_tables_it_grew_once_committed(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = bibtex_import(text=ENTRIES, user=UserFactory())

    assert len(result.papers) == 30 and len(callbacks) >= 1
    assert counted_rows("publications_paper") == 30
    assert counted_rows("publications_authorship") == Authorship.objects.count() == 60
    assert counted_rows(Paper.history.model._meta.db_table) == 30


@pytest.mark.sqlite_only
def test_on_sqlite_nothing_is_analyzed():
    assert refresh_statistics({Paper: 1000}) == []


@pytest.mark.postgres_only
def test_the_columns_plans_are_made_from_are_analyzed_not_the_long_texts():
    """ANALYZE of the columns plans read (lab.core.bulk._planned_columns): sampling the
    abstracts and the trigram indexes' upper(abstract) was most of an ANALYZE of the papers."""
    for n in range(20):
        PaperFactory(year=2000 + n, abstract=f"An abstract of paper {n}.")

    assert refresh_statistics({Paper: 20}) == ["publications_paper"]

    with connection.cursor() as cursor:
        cursor.execute("SELECT attname FROM pg_stats WHERE tablename = 'publications_paper'")
        analyzed = {name for (name,) in cursor.fetchall()}
        cursor.execute(
            "SELECT count(*) FROM pg_stats WHERE tablename = 'publications_paper_abstract_trgm'"
        )
        (expression_stats,) = cursor.fetchone()
    assert {"year", "slug", "venue_id", "title"} <= analyzed
    assert not analyzed & {"abstract", "note", "curator_note"}
    assert expression_stats == 0
    assert counted_rows("publications_paper") == 20
