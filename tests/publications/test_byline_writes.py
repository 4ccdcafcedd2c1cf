"""The one write path of byline rows (publications.services.papers_set_authorships and the
services on it): positions stay 1..n, and a write touches only the rows that change, so an
unchanged row keeps its id and its ``created`` time. Runs on SQLite and on PostgreSQL, whose
unique constraints are checked row by row within a statement."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publications.byline import MARK_FIELDS
from publications.models import Authorship
from publications.services import (
    AuthorSpec,
    authorship_put,
    authorships_delete,
    paper_set_authorships,
    paper_set_byline,
    papers_set_authorships,
)
from tests.factories import InstitutionFactory, PaperFactory, PersonFactory

pytestmark = pytest.mark.django_db


def rows_of(paper) -> list[tuple]:
    """(position, person slug, id, created, modified) of each row, in order."""
    return [
        (a.position, a.person.slug, a.pk, a.created, a.modified)
        for a in paper.authorships.select_related("person").order_by("position")
    ]


def sql_of(query) -> str:
    """A query's SQL without the "<n> times: " an executemany (insert_rows, on SQLite) logs."""
    return re.sub(r"^\d+ times: ", "", query["sql"])


def statements(queries) -> list[str]:
    return [sql_of(query).split()[0].upper() for query in queries.captured_queries]


@pytest.fixture
def paper():
    paper = PaperFactory()
    paper_set_byline(paper=paper, byline="Alice Ang; Bob Bai; Carol Cao")
    return paper


def test_one_mark_fix_updates_only_that_row(paper):
    before = rows_of(paper)

    with CaptureQueriesContext(connection) as queries:
        paper_set_byline(paper=paper, byline="Alice Ang; Bob Bai*; Carol Cao")

    after = rows_of(paper)
    assert [after[0], after[2]] == [before[0], before[2]]
    assert after[1][:4] == before[1][:4]  # same position, person, id and created
    assert after[1][4] > before[1][4]
    assert Authorship.objects.get(pk=before[1][2]).equal_contribution is True
    writes = [
        (sql_of(query).split()[0].upper(), sql_of(query).split('"')[1])
        for query in queries.captured_queries
        if sql_of(query).split()[0].upper() in ("INSERT", "UPDATE", "DELETE")
    ]
    # One row updated; one version of it, and one of the paper whose byline it is.
    assert writes == [
        ("INSERT", "publications_historicalpaper"),
        ("UPDATE", "publications_authorship"),
        ("INSERT", "publications_historicalauthorship"),
    ]
    versions = Authorship.history.filter(history_type="~")
    assert list(versions.values_list("id", "equal_contribution")) == [(before[1][2], True)]


def test_printed_name_fix_updates_only_that_row(paper):
    before = rows_of(paper)

    paper_set_byline(paper=paper, byline="Alice Ang; Bob Bai; C. Cao <carol-cao>")

    after = rows_of(paper)
    assert after[:2] == before[:2]
    assert after[2][:4] == before[2][:4]
    assert Authorship.objects.get(pk=before[2][2]).printed_name == "C. Cao"


def test_changing_one_author_replaces_only_that_row(paper):
    before = rows_of(paper)

    paper_set_byline(paper=paper, byline="Alice Ang; Dan Du; Carol Cao")

    after = rows_of(paper)
    assert [after[0], after[2]] == [before[0], before[2]]
    assert after[1][:2] == (2, "dan-du")
    assert not Authorship.objects.filter(pk=before[1][2]).exists()


def test_reordering_keeps_every_row_and_its_created_time(paper):
    before = {slug: (pk, created) for _, slug, pk, created, _ in rows_of(paper)}

    # A rotation: every row moves onto a place another row holds.
    paper_set_byline(paper=paper, byline="Carol Cao; Alice Ang; Bob Bai")

    after = rows_of(paper)
    assert [(position, slug) for position, slug, *_ in after] == [
        (1, "carol-cao"),
        (2, "alice-ang"),
        (3, "bob-bai"),
    ]
    assert {slug: (pk, created) for _, slug, pk, created, _ in after} == before


def test_affiliations_stay_with_the_persons_row_and_change_only_when_given(paper):
    hkust, eth = InstitutionFactory(), InstitutionFactory()
    alice, bob, carol = (a.person for a in paper.authorships.order_by("position"))
    paper_set_authorships(
        paper=paper,
        authors=[AuthorSpec(alice, affiliations=[hkust]), AuthorSpec(bob), AuthorSpec(carol)],
    )

    paper_set_authorships(
        paper=paper,
        authors=[AuthorSpec(bob, affiliations=[eth]), AuthorSpec(alice), AuthorSpec(carol)],
    )

    by_person = {a.person: a for a in paper.authorships.all()}
    assert list(by_person[alice].affiliations.all()) == [hkust]
    assert list(by_person[bob].affiliations.all()) == [eth]
    assert list(by_person[carol].affiliations.all()) == []


people_lists = st.lists(
    st.tuples(st.integers(0, 5), st.lists(st.booleans(), min_size=4, max_size=4)),
    min_size=1,
    max_size=6,
    unique_by=lambda item: item[0],
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(edits=st.lists(people_lists, min_size=1, max_size=6))
def test_any_sequence_of_edits_keeps_positions_one_to_n_and_unchanged_rows(edits):
    people = [PersonFactory() for _ in range(6)]
    paper = PaperFactory()
    previous: dict[int, tuple] = {}
    for edit in edits:
        authors = [
            AuthorSpec(people[index], **dict(zip(MARK_FIELDS, marks, strict=True)))
            for index, marks in edit
        ]
        paper_set_authorships(paper=paper, authors=authors)

        rows = list(paper.authorships.order_by("position"))
        assert [row.position for row in rows] == list(range(1, len(authors) + 1))
        assert [row.person_id for row in rows] == [author.person.pk for author in authors]
        current = {
            row.person_id: (
                row.position,
                *(getattr(row, mark) for mark in MARK_FIELDS),
                row.pk,
                row.created,
                row.modified,
            )
            for row in rows
        }
        for person_id, state in current.items():
            if person_id in previous and previous[person_id][:-3] == state[:-3]:
                assert state == previous[person_id]  # unchanged: not written at all
            elif person_id in previous:
                assert state[-3:-1] == previous[person_id][-3:-1]  # same row, same created
        previous = current


@pytest.mark.parametrize("item_count", [1, 5])
def test_bulk_form_runs_the_same_queries_for_one_or_many_papers(
    item_count, django_assert_num_queries
):
    alice, bob, carol = PersonFactory(), PersonFactory(), PersonFactory()
    papers = [PaperFactory() for _ in range(item_count)]
    papers_set_authorships(authors={p: [AuthorSpec(alice), AuthorSpec(bob)] for p in papers})

    # A savepoint and its release; the rows and their affiliations read; a version of each
    # paper (and its links: kept-apart records and keywords, one read each); Alice's rows'
    # last versions (and links), then her rows read with their links and deleted; Bob's rows
    # updated; Carol's inserted and their ids read; the versions of Bob's rows (and their
    # links) and of Carol's (new: no links to read).
    with django_assert_num_queries(18):
        changed = papers_set_authorships(
            authors={p: [AuthorSpec(carol), AuthorSpec(bob, lead=True)] for p in papers}
        )

    assert changed == {p.pk for p in papers}
    for p in papers:
        assert [(a.position, a.person, a.lead) for a in p.authorships.order_by("position")] == [
            (1, carol, False),
            (2, bob, True),
        ]


def test_authorship_put_moves_appends_and_renumbers(paper):
    carol = paper.authorships.select_related("person").get(position=3)
    carol.position = 1
    authorship_put(authorship=carol)
    dan = Authorship(paper=paper, person=PersonFactory(slug="dan-du"), position=9)

    authorship_put(authorship=dan)

    assert [(slug, position) for position, slug, *_ in rows_of(paper)] == [
        ("carol-cao", 1),
        ("alice-ang", 2),
        ("bob-bai", 3),
        ("dan-du", 4),
    ]
    assert (dan.position, carol.pk) == (4, Authorship.objects.get(person=carol.person).pk)


def test_authorships_delete_renumbers_what_stays(paper):
    first = paper.authorships.get(position=1)

    authorships_delete(authorships=[first])

    assert [(position, slug) for position, slug, *_ in rows_of(paper)] == [
        (1, "bob-bai"),
        (2, "carol-cao"),
    ]
