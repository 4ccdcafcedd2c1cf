"""Integrity rules and read paths of the publications app."""

import pytest
from django.db import IntegrityError, transaction

from publications.models import Paper
from tests.factories import (
    AuthorshipFactory,
    KeywordFactory,
    PaperFactory,
    PersonFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db


def assert_refused(write):
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def test_position_unique_per_paper():
    first = AuthorshipFactory(position=1)

    assert_refused(lambda: AuthorshipFactory(paper=first.paper, position=1))


def test_person_listed_once_per_paper():
    first = AuthorshipFactory(position=1)

    assert_refused(lambda: AuthorshipFactory(paper=first.paper, person=first.person, position=2))


def test_position_starts_at_one():
    assert_refused(lambda: AuthorshipFactory(position=0))


def test_doi_unique_when_set_ignoring_case():
    PaperFactory(doi="10.1145/3669940.3707266")
    PaperFactory(doi="")
    PaperFactory(doi="")  # many papers without a DOI are fine

    assert_refused(lambda: PaperFactory(doi="10.1145/3669940.3707266"))
    assert_refused(lambda: PaperFactory(doi="10.1145/3669940.3707266".upper()))


def test_doi_must_look_like_a_doi():
    assert_refused(lambda: PaperFactory(doi="https://doi.org/10.1145/1"))


@pytest.mark.parametrize(
    "fields",
    [
        {"month": 0},
        {"month": 13},
        {"year": 1899},
        {"year": 2101},
        {"status": "rumoured"},
        {"title": ""},
    ],
)
def test_paper_impossible_values_refused(fields):
    assert_refused(lambda: PaperFactory(**fields))


def test_arxiv_id_unique_when_set():
    PaperFactory(arxiv_id="2403.07648")

    assert_refused(lambda: PaperFactory(arxiv_id="2403.07648"))


@pytest.mark.parametrize(
    "fields",
    [{"start_year": 2025, "end_year": 2024}, {"start_year": 1000}, {"kind": "fan"}],
)
def test_service_impossible_values_refused(fields):
    assert_refused(lambda: ServiceFactory(**fields))


def test_querysets_chain():
    alice = PersonFactory()
    published = AuthorshipFactory(person=alice, paper__year=2024).paper
    AuthorshipFactory(person=alice, paper__year=2023)
    AuthorshipFactory(person=alice, paper__year=2024, paper__status="preprint")
    AuthorshipFactory(paper__year=2024)  # someone else's

    assert list(Paper.objects.published().by(alice).in_year(2024)) == [published]
    published.selected = True
    published.save()
    assert list(Paper.objects.selected().by(alice)) == [published]


@pytest.mark.parametrize("item_count", [1, 5])
def test_for_list_loads_bylines_in_constant_queries(django_assert_num_queries, item_count):
    for _ in range(item_count):
        paper = PaperFactory()
        for position in (1, 2, 3):
            AuthorshipFactory(paper=paper, position=position)
        paper.keywords.add(KeywordFactory(), KeywordFactory())

    # papers+venues, authorships+people, awards, keywords
    with django_assert_num_queries(4):
        papers = list(Paper.objects.for_list())
        bylines = [[a.person.name for a in paper.authorships.all()] for paper in papers]
        assert [len(paper.keywords.all()) for paper in papers] == [2] * item_count

    assert [len(b) for b in bylines] == [3] * item_count


def test_for_list_byline_is_in_position_order():
    paper = PaperFactory()
    carol = AuthorshipFactory(paper=paper, position=3).person
    alice = AuthorshipFactory(paper=paper, position=1).person
    bob = AuthorshipFactory(paper=paper, position=2).person

    loaded = Paper.objects.for_list().get(pk=paper.pk)

    assert [a.person for a in loaded.authorships.all()] == [alice, bob, carol]
