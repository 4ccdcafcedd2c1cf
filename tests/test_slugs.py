"""lab.core.slugs: free slugs for one record or for many created together."""

import pytest

from lab.core.slugs import (
    CANDIDATES,
    SlugAllocator,
    _candidates,
    suffixed,
    unique_slug,
    unique_slugs,
)
from people.models import Person
from people.services import person_create
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_unique_slug_transliterates_and_numbers_namesakes():
    PersonFactory(name="Ixeia Sánchez", slug="ixeia-sanchez")
    PersonFactory(name="Ixeia Sánchez", slug="ixeia-sanchez-2")

    assert unique_slug(Person.objects.all(), "Ixeia Sánchez") == "ixeia-sanchez-3"
    assert unique_slug(Person.objects.all(), "Hao Wang") == "hao-wang"
    assert unique_slug(Person.objects.all(), "!!!") == "item"


def test_unique_slugs_are_free_in_the_table_and_distinct_from_each_other(
    django_assert_num_queries,
):
    PersonFactory(name="Hao Wang", slug="hao-wang")

    with django_assert_num_queries(1):
        slugs = unique_slugs(Person.objects.all(), ["Hao Wang", "Hao Wang", "Kai Chen", "Kai Chen"])

    assert slugs == ["hao-wang-2", "hao-wang-3", "kai-chen", "kai-chen-2"]


def test_unique_slugs_keep_within_the_length_and_read_nothing_for_no_texts(
    django_assert_num_queries,
):
    long = "word " * 30

    with django_assert_num_queries(0):
        assert unique_slugs(Person.objects.all(), []) == []
    first, second = unique_slugs(Person.objects.all(), [long, long], max_length=20)

    assert (first, second) == ("word-word-word-word", "word-word-word-wor-2")
    assert len(second) <= 20


def test_unique_slug_third_namesake_with_a_long_name_gets_a_free_slug():
    """A name longer than the slug gets a cut "-2" slug; the third namesake must see it."""
    name = "Maximiliana Konstantinopoulou-Vasquez de la Fuente y Rodriguez " * 2
    first, second, third = (person_create(name=name) for _ in range(3))

    assert len({first.slug, second.slug, third.slug}) == 3
    assert second.slug.endswith("-2")
    assert third.slug.endswith("-3")
    assert max(len(first.slug), len(second.slug), len(third.slug)) <= 80


def test_unique_slug_with_many_namesakes_reads_the_slugs_starting_like_the_name():
    for number in ("", "-2", "-3", "-4", "-5", "-6"):
        PersonFactory(name="Hao Wang", slug=f"hao-wang{number}")
    PersonFactory(name="Hao Wangler", slug="hao-wangler")

    assert unique_slug(Person.objects.all(), "Hao Wang") == "hao-wang-7"
    assert unique_slugs(Person.objects.all(), ["Hao Wangler", "Hao Wang"]) == [
        "hao-wangler-2",
        "hao-wang-7",
    ]


def test_slug_allocator_numbers_repeats_and_keeps_within_the_length():
    allocate = SlugAllocator({"kai-chen"}, max_length=12)

    assert [allocate("Kai Chen"), allocate("Kai Chen"), allocate("Kaiqiang Chenxi")] == [
        "kai-chen-2",
        "kai-chen-3",
        "kaiqiang-che",
    ]
    assert allocate("Kaiqiang Chenxi") == "kaiqiang-c-2"


@pytest.mark.parametrize("length", range(1, 21))
def test_candidates_are_the_suffixed_slugs_at_every_length(length):
    base = ("ab-" * 10)[:length].strip("-") or "a"

    assert _candidates(base, 12) == [
        base,
        *(suffixed(base, n, 12) for n in range(2, CANDIDATES + 1)),
    ]
