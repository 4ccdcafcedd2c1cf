"""lab.core.slugs: free slugs for one record or for many created together."""

import pytest

from lab.core.slugs import unique_slug, unique_slugs
from people.models import Person
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
