"""The seed fixture is what the curated source builds, and the build refuses bad sources."""

import pytest
import yaml

from devtools.seed import FIXTURE, SOURCE, SeedError, build, build_fixture
from people.models import Person
from publications.models import Paper

pytestmark = pytest.mark.django_db


def test_fixture_is_built_from_the_curated_source():
    assert build_fixture() == FIXTURE.read_text(encoding="utf-8")


def test_build_leaves_the_database_as_it_was():
    build_fixture()

    assert (Person.objects.count(), Paper.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            {
                "papers": [
                    {"slug": "x", "title": "X", "year": 2020, "venue": "nowhere", "byline": "A B"}
                ]
            },
            "papers/x: nothing has the slug “nowhere”.",
        ),
        ({"people": [{"slug": "a", "name": "A", "shoe_size": 9}]}, "people/a: unknown keys"),
        (
            {"roles": [{"person": "a", "kind": "education", "title": "T", "start": "2019.8"}]},
            "is not YYYY or YYYY-MM",
        ),
        (
            {"papers": [{"slug": "x", "title": "X", "year": 2020, "byline": "A, B"}]},
            "papers/x: Author 1 (“A, B”) contains a comma",
        ),
        ({"hobbies": []}, "Unknown sections ['hobbies']"),
    ],
)
def test_build_names_the_bad_record(source, message):
    with pytest.raises(SeedError) as error:
        build(source)

    assert message in str(error.value)


def test_source_is_valid_yaml_with_every_section():
    source = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))

    assert list(source) == [
        "institutions",
        "venues",
        "people",
        "papers",
        "roles",
        "awards",
        "service",
    ]
