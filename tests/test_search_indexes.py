"""The search's indexes (publications/migrations/0006_search_trigram_indexes.py, people's 0003):
on PostgreSQL, every way a word can match a paper is answered by a trigram index, so a search
never reads the paper or byline tables row by row (docs/benchmarks.md, "Search"). The results
are the same on both databases (tests/test_search.py)."""

import pytest
from django.db import connection

from people.models import Person
from publications.models import Paper
from tests.factories import AuthorshipFactory, PaperFactory, PersonFactory

pytestmark = pytest.mark.django_db

TRIGRAM_INDEXES = {
    "publications_paper_title_trgm",
    "publications_paper_system_name_trgm",
    "publications_paper_abstract_trgm",
    "publications_authorship_printed_name_trgm",
    "people_person_name_trgm",
    "people_person_aliases_trgm",
}


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.fixture
def lab():
    dias = PersonFactory(name="Ana Dias", slug="ana-dias")
    other = PersonFactory(name="Bo Lee", slug="bo-lee")
    by_title = PaperFactory(title="Dias and the graph", slug="by-title")
    by_author = PaperFactory(title="Something else", slug="by-author")
    by_printed = PaperFactory(title="A third one", slug="by-printed")
    PaperFactory(title="Nothing to find", slug="nothing")
    AuthorshipFactory(paper=by_author, person=dias, position=1)
    AuthorshipFactory(paper=by_printed, person=other, position=1, printed_name="B. Dias-Lee")
    return {"by_title": by_title, "by_author": by_author, "by_printed": by_printed}


def test_a_word_matches_title_author_and_printed_name(lab):
    found = set(Paper.objects.matching("dias").values_list("slug", flat=True))

    assert found == {"by-title", "by-author", "by-printed"}


@pytest.mark.postgres_only
def test_postgres_has_the_trigram_indexes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%%_trgm'")
        found = {row[0] for row in cursor.fetchall()}

    assert found == TRIGRAM_INDEXES


@pytest.mark.postgres_only
def test_every_part_of_a_paper_search_can_be_answered_by_its_index(lab):
    # The test tables are tiny, so the planner would read them whole, or walk a whole primary
    # key index and filter: forbid both, leaving bitmap scans, which need an index that
    # answers the condition itself; every part of the query must then find one.
    switches = ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan")
    with connection.cursor() as cursor:
        for switch in switches:
            cursor.execute(f"SET {switch} = off")
    try:
        papers = plan(Paper.objects.matching("dias").order_by().values("pk"))
        people = plan(Person.objects.search("dias").order_by().values("pk"))
    finally:
        with connection.cursor() as cursor:
            for switch in switches:
                cursor.execute(f"RESET {switch}")

    used = {name for name in TRIGRAM_INDEXES if name in papers}
    assert used == TRIGRAM_INDEXES, papers
    assert "people_person_name_trgm" in people and "people_person_aliases_trgm" in people, people
