"""people.resources: institutions, people, roles and awards as spreadsheet rows."""

import pytest

from lab.core.importing import import_dataset
from lab.core.spreadsheets import csv_bytes
from lab.core.uploads import read_dataset
from people.models import Award, Institution, Person, Role
from people.resources import (
    AwardResource,
    InstitutionResource,
    PersonAdminResource,
    PersonResource,
    RoleResource,
)
from tests.conftest import PRIVATE_PHONE
from tests.factories import AwardFactory, InstitutionFactory, PersonFactory, RoleFactory

pytestmark = pytest.mark.django_db

ROLE_HEADERS = [
    "person",
    "kind",
    "title",
    "institution",
    "unit",
    "start_year",
    "start_month",
    "term",
    "advisors",
]


def rows(headers, *data):
    return read_dataset(csv_bytes(headers, data), filename="rows.csv")


def problems(outcome) -> list[str]:
    return [str(p) for p in outcome.problems]


@pytest.fixture
def people(db):
    return {
        slug: PersonFactory(name=name, slug=slug, aliases=aliases)
        for slug, name, aliases in [
            ("kai-chen", "Kai Chen", "K. Chen"),
            ("qinghao-hu", "Qinghao Hu", ""),
            ("hao-wang", "Hao Wang", ""),
            ("hao-wang-2", "Hao Wang", ""),
        ]
    }


def test_person_admin_resource_has_private_columns_only_when_asked(private_person):
    public = PersonAdminResource().export().dict[0]
    private = PersonAdminResource(include_private=True).export().dict[0]

    assert {"phone", "birth_date", "address"} & set(public) == set()
    assert (private["phone"], private["address"]) == (
        f"'{PRIVATE_PHONE}",
        "42 Hidden Lane, Clear Water Bay",
    )
    assert private["email"] == "pat@example.org"


def test_public_person_resource_never_has_private_columns():
    headers = PersonResource(include_email=True).get_export_headers()

    assert set(headers) & set(Person.PRIVATE_FIELDS) == set()


def test_person_import_updates_by_slug_and_leaves_missing_columns_alone(people):
    Person.objects.filter(slug="kai-chen").update(email="kai@example.org")

    outcome = import_dataset(
        PersonAdminResource(include_private=True),
        rows(["slug", "name", "aliases"], ["kai-chen", "Kai Chen", "K. Chen\nKai CHEN"]),
        user=None,
        dry_run=False,
    )

    kai = Person.objects.get(slug="kai-chen")
    assert (outcome.changed, kai.alias_list, kai.email) == (
        1,
        ["K. Chen", "Kai CHEN"],
        "kai@example.org",
    )


def test_person_import_checks_the_orcid(people):
    outcome = import_dataset(
        PersonAdminResource(),
        rows(["slug", "name", "orcid"], ["new-person", "New Person", "0000-0002-1825-0098"]),
        user=None,
        dry_run=True,
    )

    assert [(p.row, p.column) for p in outcome.problems] == [(2, "orcid")]


def test_institution_parent_earlier_in_the_same_file_is_found(db):
    dataset = rows(
        ["slug", "name", "kind", "parent"],
        ["hkust", "HKUST", "university", ""],
        ["ising-lab", "iSING Lab", "lab", "hkust"],
    )

    outcome = import_dataset(InstitutionResource(), dataset, user=None, dry_run=False)

    assert problems(outcome) == []
    assert Institution.objects.get(slug="ising-lab").parent.slug == "hkust"


def test_institution_with_an_unknown_kind_is_a_row_error(db):
    outcome = import_dataset(
        InstitutionResource(),
        rows(["slug", "name", "kind"], ["x", "X", "castle"]),
        user=None,
        dry_run=True,
    )

    assert problems(outcome) == ["Row 2, column kind: Value 'castle' is not a valid choice."]


def test_role_advisors_export_by_name_with_the_slug_of_a_namesake(people):
    role = RoleFactory(person=people["qinghao-hu"], institution=InstitutionFactory(slug="hkust"))
    role.advisors.set([people["kai-chen"], people["hao-wang-2"]])

    row = RoleResource().export().dict[0]

    assert (row["person"], row["institution"], row["advisors"]) == (
        "qinghao-hu",
        "hkust",
        "Hao Wang <hao-wang-2>; Kai Chen",
    )


def test_role_advisors_are_matched_by_alias_and_slug(people):
    InstitutionFactory(slug="hkust")
    dataset = rows(
        ROLE_HEADERS,
        [
            "qinghao-hu",
            "education",
            "Ph.D.",
            "hkust",
            "",
            2019,
            "",
            "",
            "K. Chen; Hao Wang <hao-wang-2>",
        ],
    )

    outcome = import_dataset(RoleResource(), dataset, user=None, dry_run=False)

    role = Role.objects.get()
    assert problems(outcome) == []
    assert sorted(p.slug for p in role.advisors.all()) == ["hao-wang-2", "kai-chen"]


@pytest.mark.parametrize(
    ("advisors", "message"),
    [
        (
            "Hao Wang",
            "“Hao Wang” matches more than one person (hao-wang, hao-wang-2); pick one by "
            "writing “Hao Wang <hao-wang>”.",
        ),
        ("Kai Chen <kai-chenn>", "no person has the slug “kai-chenn”."),
        ("Kai Chen; K. Chen", "Kai Chen is listed twice."),
    ],
    ids=["ambiguous", "unknown-slug", "twice"],
)
def test_role_advisor_problems_are_row_errors(people, advisors, message):
    InstitutionFactory(slug="hkust")
    dataset = rows(
        ROLE_HEADERS, ["qinghao-hu", "education", "Ph.D.", "hkust", "", 2019, "", "", advisors]
    )

    outcome = import_dataset(RoleResource(), dataset, user=None, dry_run=False)

    assert problems(outcome) == [f"Row 2, column advisors: {message}"]
    assert Role.objects.count() == 0


def test_role_with_an_unknown_person_is_a_row_error(people):
    dataset = rows(ROLE_HEADERS, ["nobody", "education", "Ph.D.", "", "", 2019, "", "", ""])

    outcome = import_dataset(RoleResource(), dataset, user=None, dry_run=True)

    assert problems(outcome) == ["Row 2, column person: no person “nobody”"]


def test_role_advisor_change_is_an_update(people):
    role = RoleFactory(person=people["qinghao-hu"], institution=InstitutionFactory(slug="hkust"))
    role.advisors.set([people["kai-chen"]])
    exported = RoleResource().export()
    exported[0] = tuple(
        "Kai Chen; Qinghao Hu" if h == "advisors" else v
        for h, v in zip(exported.headers, exported[0], strict=True)
    )

    outcome = import_dataset(
        RoleResource(), rows(exported.headers, *exported), user=None, dry_run=False
    )

    assert (outcome.new, outcome.changed) == (0, 1)
    assert sorted(p.slug for p in role.advisors.all()) == ["kai-chen", "qinghao-hu"]


def test_role_end_before_start_is_refused(people):
    InstitutionFactory(slug="hkust")
    dataset = rows(
        [*ROLE_HEADERS, "end_year"],
        ["qinghao-hu", "education", "Ph.D.", "hkust", "", 2019, "", "", "", 2010],
    )

    outcome = import_dataset(RoleResource(), dataset, user=None, dry_run=False)

    assert [(p.row, p.column) for p in outcome.problems] == [(2, None)]
    assert outcome.problems[0].message.startswith("the values break the rule")
    assert Role.objects.count() == 0


def test_award_import_by_person_title_and_year(people):
    award = AwardFactory(person=people["kai-chen"], title="Fellow", year=2020, description="old")
    dataset = rows(
        ["person", "title", "year", "issuer", "description"],
        ["kai-chen", "Fellow", 2020, "", "new"],
        ["kai-chen", "Fellow", 2021, "", ""],
    )

    outcome = import_dataset(AwardResource(), dataset, user=None, dry_run=False)

    award.refresh_from_db()
    assert (outcome.new, outcome.changed, award.description) == (1, 1, "new")
    assert Award.objects.count() == 2


def test_natural_keys_of_role_and_award(people):
    role = RoleFactory(person=people["kai-chen"], institution=None, unit="COMP 3511", term="spring")
    award = AwardFactory(person=people["kai-chen"], title="Fellow", year=2020)

    assert role.natural_key() == (
        "kai-chen",
        "position",
        "Postdoc",
        None,
        "COMP 3511",
        2020,
        None,
        "spring",
    )
    assert Role.objects.get_by_natural_key(*role.natural_key()) == role
    assert award.natural_key() == ("kai-chen", "Fellow", 2020)
    assert Award.objects.get_by_natural_key(*award.natural_key()) == award
