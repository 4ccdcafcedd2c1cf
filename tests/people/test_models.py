"""Integrity rules of the people app, enforced by the database (direct writes, no forms)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from people.models import Award, Institution, Person, Role
from people.validators import validate_orcid
from tests.factories import (
    AuthorshipFactory,
    AwardFactory,
    InstitutionFactory,
    PaperFactory,
    PersonFactory,
    RoleFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db


def assert_refused(write):
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def test_institution_cannot_be_its_own_parent():
    hkust = InstitutionFactory()

    assert_refused(lambda: Institution.objects.filter(pk=hkust.pk).update(parent=hkust))


def test_institution_parent_loop_is_a_validation_error():
    hkust = InstitutionFactory()
    lab = InstitutionFactory(parent=hkust)
    hkust.parent = lab

    with pytest.raises(ValidationError) as error:
        hkust.full_clean()

    assert "loop" in error.value.message_dict["parent"][0]


def test_institution_kind_outside_choices_refused():
    assert_refused(lambda: InstitutionFactory(kind="castle"))


@pytest.mark.parametrize("factory", [PersonFactory, InstitutionFactory, VenueFactory, PaperFactory])
def test_slugs_unique(factory):
    factory(slug="hao-wang")

    assert_refused(lambda: factory(slug="hao-wang"))


@pytest.mark.parametrize(
    "orcid", ["0000-0002-1825-0097", "0000-0001-5109-3700", "0000-0002-1694-233X"]
)
def test_orcid_valid_checksums_accepted(orcid):
    validate_orcid(orcid)


@pytest.mark.parametrize(
    ("orcid", "code"),
    [
        ("0000-0002-1825-0098", "orcid_checksum"),
        ("0000-0002-1694-2339", "orcid_checksum"),
        ("0000000218250097", "orcid_format"),
        ("https://orcid.org/0000-0002-1825-0097", "orcid_format"),
    ],
)
def test_orcid_bad_values_rejected_with_reason(orcid, code):
    with pytest.raises(ValidationError) as error:
        validate_orcid(orcid)

    assert error.value.code == code


def test_person_full_clean_rejects_bad_orcid_checksum():
    person = Person(name="Josiah Carberry", slug="josiah", orcid="0000-0002-1825-0098")

    with pytest.raises(ValidationError) as error:
        person.full_clean()

    assert list(error.value.message_dict) == ["orcid"]


def test_orcid_format_and_uniqueness_enforced_by_database():
    PersonFactory(orcid="0000-0002-1825-0097")
    PersonFactory(orcid="")
    PersonFactory(orcid="")  # many people without an ORCID are fine

    assert_refused(lambda: PersonFactory(orcid="0000-0002-1825-0097"))
    assert_refused(lambda: PersonFactory(orcid="not-an-orcid"))


def test_deleting_a_person_who_authored_papers_is_refused():
    authorship = AuthorshipFactory()

    with pytest.raises(ProtectedError):
        authorship.person.delete()

    assert Person.objects.filter(pk=authorship.person.pk).exists()


def test_deleting_a_person_without_papers_removes_their_roles():
    role = RoleFactory()

    role.person.delete()

    assert not Role.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"start_month": 13},
        {"start_month": 0},
        {"end_year": 2021, "end_month": 13},
        {"start_year": 1899},
        {"start_year": 2101},
        {"end_year": 2019},  # before start 2020
        {"start_month": 9, "end_year": 2020, "end_month": 8},  # Sep 2020 - Aug 2020
        {"start_year": None, "start_month": 5},  # month without year
        {"end_month": 5},  # end month without end year
        {"kind": "hobby"},
        {"term": "monsoon"},
    ],
)
def test_role_impossible_dates_refused(fields):
    values = {"start_year": 2020, **fields}

    assert_refused(lambda: RoleFactory(**values))


@pytest.mark.parametrize(
    "fields",
    [
        {"start_year": 2019, "start_month": 8, "end_year": None},  # "2019.8 - now"
        {"start_year": 2014, "end_year": 2018},
        {"start_year": 2024, "start_month": 2, "end_year": 2024, "end_month": 4},
        {"start_year": 2024, "start_month": 8, "end_year": 2024},  # month known on one side
        {"start_year": None, "end_year": 2020},  # only the end is known
        {"start_year": 2020, "end_year": 2020, "term": "spring"},
    ],
)
def test_role_partial_dates_accepted(fields):
    role = RoleFactory(**fields)

    assert Role.objects.get(pk=role.pk).start_year == fields["start_year"]


def test_role_dates_read_as_written_on_a_cv():
    assert RoleFactory(start_year=2019, start_month=8).dates == "Aug 2019 – present"
    assert RoleFactory(start_year=2014, end_year=2018).dates == "2014 – 2018"
    assert RoleFactory(start_year=2020, end_year=2020, term="spring").dates == "Spring 2020"


@pytest.mark.parametrize(
    "fields",
    [
        {"year": 1800},
        {"year": 2020, "end_year": 2019},
        {"year": 2019, "end_year": 2021, "ongoing": True},
    ],
)
def test_award_impossible_years_refused(fields):
    assert_refused(lambda: AwardFactory(**fields))


def test_award_span_and_ongoing_read_well():
    assert AwardFactory(year=2019, ongoing=True).years == "2019 – present"
    assert AwardFactory(year=2016, end_year=2017).years == "2016 – 2017"
    assert Award.objects.count() == 2
