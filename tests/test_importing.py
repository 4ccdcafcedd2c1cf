"""lab.core.importing: the import service every spreadsheet import goes through."""

import pytest
import tablib
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lab.core.importing import ImportProblem, database_message, import_dataset
from lab.core.records import lab_models
from lab.core.spreadsheets import csv_bytes
from lab.core.uploads import read_dataset
from people.models import Award, Institution, Person, Role
from people.resources import RESOURCES as PEOPLE_RESOURCES
from people.resources import InstitutionResource, PersonAdminResource
from publications.models import Authorship, Paper, PaperAward, Service, Venue
from publications.resources import RESOURCES as PUBLICATION_RESOURCES
from publications.resources import PaperAdminResource
from tests.factories import InstitutionFactory, PaperFactory, PersonFactory, VenueFactory

pytestmark = pytest.mark.django_db

ALL_RESOURCES = (*PEOPLE_RESOURCES, *PUBLICATION_RESOURCES)
# Every model of the lab's apps, so a model added later without a resource fails the test below.
ALL_MODELS = tuple(lab_models())


def make(resource_class):
    """A resource as a lab admin's import or export gets it (private columns included)."""
    if resource_class is PersonAdminResource:
        return resource_class(include_private=True)
    return resource_class()


def as_file(resource, fmt="csv") -> tablib.Dataset:
    """The resource's export written as the admin writes it and read back as an upload is."""
    dataset = resource.export()
    return read_dataset(csv_bytes(dataset.headers, dataset), filename=f"export.{fmt}")


def rows(headers, *data) -> tablib.Dataset:
    return read_dataset(csv_bytes(headers, data), filename="rows.csv")


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in ALL_MODELS}


# --- the service ---------------------------------------------------------------------------------


def test_dry_run_writes_nothing_and_reports_what_it_would_do(lab_admin):
    VenueFactory(slug="nsdi")
    dataset = rows(["slug", "title", "authors", "venue"], ["p1", "A Paper", "New Author", "nsdi"])

    outcome = import_dataset(PaperAdminResource(), dataset, user=lab_admin, dry_run=True)

    assert outcome.ok
    assert outcome.summary() == "1 new, 0 changed, 0 unchanged; new people: New Author (new-author)"
    assert (Paper.objects.count(), Person.objects.count(), LogEntry.objects.count()) == (0, 0, 0)


def test_confirmed_import_writes_and_logs_in_the_users_name(lab_admin):
    paper = PaperFactory(slug="p1", title="Old", venue=None)
    dataset = rows(
        ["slug", "title", "authors"], ["p1", "New", "Ann Author"], ["p2", "Two", "Ann Author"]
    )

    outcome = import_dataset(
        PaperAdminResource(), dataset, user=lab_admin, dry_run=False, file_name="papers.csv"
    )

    assert (outcome.new, outcome.changed, outcome.unchanged) == (1, 1, 0)
    assert [p.slug for p in outcome.created] == ["ann-author"]
    assert Person.objects.filter(name="Ann Author").count() == 1  # one person for both rows
    entries = LogEntry.objects.order_by("pk")
    assert [(e.user, e.object_repr, e.action_flag, e.change_message) for e in entries] == [
        (
            lab_admin,
            "New",
            CHANGE,
            "Changed title, authors by spreadsheet import from “papers.csv”.",
        ),
        (lab_admin, "Two", ADDITION, "Added by spreadsheet import from “papers.csv”."),
        (
            lab_admin,
            "Ann Author",
            ADDITION,
            "Added from a byline by spreadsheet import from “papers.csv”.",
        ),
    ]
    assert entries[0].object_id == str(paper.pk)


def test_without_a_user_nothing_is_logged():
    outcome = import_dataset(
        PaperAdminResource(), rows(["slug", "title"], ["p1", "A"]), user=None, dry_run=False
    )

    assert outcome.ok
    assert (Paper.objects.count(), LogEntry.objects.count()) == (1, 0)


def test_one_bad_row_means_nothing_is_written_and_every_problem_is_named(lab_admin):
    VenueFactory(slug="nsdi")
    before = counts()
    dataset = rows(
        ["slug", "title", "authors", "venue", "year", "month"],
        ["ok-1", "Fine", "New Person", "nsdi", 2023, 5],
        ["bad-1", "Bad venue", "Kai", "nsdii", 2023, ""],
        ["bad-2", "", "Kai", "nsdi", 1800, 0],
        ["ok-2", "Fine too", "Other New Person", "nsdi", 2024, 1],
    )

    outcome = import_dataset(PaperAdminResource(), dataset, user=lab_admin, dry_run=False)

    assert [str(p) for p in outcome.problems] == [
        "Row 3, column venue: no venue “nsdii”",
        "Row 4, column title: This field cannot be blank.",
        "Row 4, column year: Ensure this value is greater than or equal to 1900.",
        "Row 4, column month: Ensure this value is greater than or equal to 1.",
    ]
    assert outcome.problems[0] == ImportProblem(3, "venue", "no venue “nsdii”")
    assert counts() == before
    assert LogEntry.objects.count() == 0


def test_row_numbers_are_the_spreadsheets_even_after_blank_rows():
    content = b"slug,title,venue\r\n\r\np1,One,\r\n,,\r\np2,Two,nowhere\r\n"
    dataset = read_dataset(content, filename="gaps.csv")

    outcome = import_dataset(PaperAdminResource(), dataset, user=None, dry_run=True)

    assert [str(p) for p in outcome.problems] == ["Row 5, column venue: no venue “nowhere”"]


def test_a_dataset_made_in_code_numbers_rows_from_two():
    dataset = tablib.Dataset(["p1", "One", "nowhere"], headers=["slug", "title", "venue"])

    outcome = import_dataset(PaperAdminResource(), dataset, user=None, dry_run=True)

    assert [str(p) for p in outcome.problems] == ["Row 2, column venue: no venue “nowhere”"]


def test_unknown_and_missing_columns_are_one_file_problem():
    dataset = rows(["title", "colour"], ["A", "red"])

    outcome = import_dataset(PaperAdminResource(), dataset, user=None, dry_run=True)

    assert [p.row for p in outcome.problems] == [None]
    assert str(outcome.problems[0]).startswith(
        "The file lacks the column “slug”. The file has a column this import does not know: "
        "“colour”."
    )
    assert outcome.result.totals["new"] == 0


def test_a_key_twice_in_one_file_is_a_file_problem():
    dataset = rows(["slug", "title"], ["p1", "One"], ["p1", "Again"])

    outcome = import_dataset(PaperAdminResource(), dataset, user=None, dry_run=True)

    assert [str(p) for p in outcome.problems] == [
        "Rows 2 and 3 both have slug “p1”. Each slug may appear only once in a file."
    ]


def test_a_composite_key_twice_in_one_file_is_a_file_problem():
    PersonFactory(slug="ann")
    headers = ["person", "title", "year"]

    outcome = import_dataset(
        make(PEOPLE_RESOURCES[3]),
        rows(headers, ["ann", "Prize", 2020], ["ann", "Prize", 2020]),
        user=None,
        dry_run=True,
    )

    assert [str(p) for p in outcome.problems] == [
        "Rows 2 and 3 are the same record (the same person, title, year); "
        "each record may appear only once in a file."
    ]


def test_model_clean_errors_are_row_errors():
    a = InstitutionFactory(slug="a")
    InstitutionFactory(slug="b", parent=a)
    dataset = rows(["slug", "name", "parent"], ["a", "A", "b"])

    outcome = import_dataset(InstitutionResource(), dataset, user=None, dry_run=False)

    assert [str(p) for p in outcome.problems] == [
        "Row 2, column parent: An institution cannot be inside itself (the parents form a loop)."
    ]
    assert Institution.objects.get(slug="a").parent is None


def test_database_message_names_the_broken_rule():
    from django.db import IntegrityError

    error = IntegrityError('new row violates check constraint "paper_month_valid"')

    assert database_message(Paper, error) == "the values break the rule “paper_month_valid”"


# --- natural keys ----------------------------------------------------------------------------


@pytest.fixture
def seed(db):
    call_command("loaddata", "lab", verbosity=0)


def test_every_model_has_a_resource_keyed_by_natural_keys():
    models = {resource._meta.model for resource in ALL_RESOURCES}
    keys = {
        resource._meta.model.__name__: resource._meta.import_id_fields for resource in ALL_RESOURCES
    }

    assert models == set(ALL_MODELS)
    assert keys == {
        "Institution": ("slug",),
        "Person": ("slug",),
        "Role": (
            "person",
            "kind",
            "title",
            "institution",
            "unit",
            "start_year",
            "start_month",
            "term",
        ),
        "Award": ("person", "title", "year"),
        "Venue": ("slug",),
        "Keyword": ("slug",),
        "Paper": ("slug",),
        "Authorship": ("paper", "position"),
        "PaperAward": ("paper", "title"),
        "Service": ("person", "venue", "kind", "start_year", "note"),
    }
    for resource in ALL_RESOURCES:
        assert "id" not in make(resource).get_export_headers()


def test_seed_export_reimported_unchanged_changes_nothing(seed, lab_admin):
    before = counts()
    reported = {}

    for resource_class in ALL_RESOURCES:
        dataset = as_file(make(resource_class))
        outcome = import_dataset(make(resource_class), dataset, user=lab_admin, dry_run=False)
        reported[resource_class.__name__] = (
            [str(p) for p in outcome.problems],
            (outcome.new, outcome.changed, outcome.unchanged),
        )

    assert reported == {
        "InstitutionResource": ([], (0, 0, 25)),
        "PersonAdminResource": ([], (0, 0, 162)),
        "RoleResource": ([], (0, 0, 30)),
        "AwardResource": ([], (0, 0, 20)),
        "VenueResource": ([], (0, 0, 28)),
        "KeywordResource": ([], (0, 0, 0)),
        "PaperAdminResource": ([], (0, 0, 52)),
        "AuthorshipResource": ([], (0, 0, 361)),
        "PaperAwardResource": ([], (0, 0, 2)),
        "ServiceResource": ([], (0, 0, 17)),
    }
    assert counts() == before
    assert LogEntry.objects.count() == 0


def test_seed_exported_then_imported_into_an_empty_database_gives_the_same_records(seed, lab_admin):
    files = [(resource, as_file(make(resource))) for resource in ALL_RESOURCES]
    bylines = {p.slug: PaperAdminResource().dehydrate_authors(p) for p in Paper.objects.for_list()}
    before = counts()
    for model in (Service, Award, Role, PaperAward, Authorship, Paper, Venue, Person):
        model.objects.all().delete()
    while Institution.objects.exists():  # units first: a parent is protected by its units
        Institution.objects.filter(children__isnull=True).delete()

    for resource, dataset in files:
        outcome = import_dataset(make(resource), dataset, user=lab_admin, dry_run=False)
        assert outcome.problems == [], resource.__name__

    assert counts() == before
    after = {p.slug: PaperAdminResource().dehydrate_authors(p) for p in Paper.objects.for_list()}
    assert after == bylines


def test_role_award_and_service_natural_keys_find_the_record(seed):
    for model in (Role, Award, Service):
        for record in model.objects.all():
            assert model.objects.get_by_natural_key(*record.natural_key()) == record


# --- cost ---------------------------------------------------------------------------------------


def _papers_file(count: int) -> bytes:
    rows_ = [
        [
            f"paper-{k}",
            f"Paper {k}",
            "; ".join(f"Author {(k + j) % 30}" for j in range(5)) + f"; New Person {k % 7}",
            "nsdi",
            2020,
        ]
        for k in range(count)
    ]
    return csv_bytes(["slug", "title", "authors", "venue", "year"], rows_)


@pytest.mark.parametrize("count", [10, 100])
def test_paper_import_queries_per_row(lab_admin, count):
    """Six-author bylines: a new file costs about 3 queries a row (a savepoint around each row,
    the insert) plus a few per new person; an unchanged re-import about 2 (the savepoints)."""
    VenueFactory(slug="nsdi")
    for i in range(30):
        PersonFactory(name=f"Author {i}", slug=f"author-{i}")
    content = _papers_file(count)
    measured = {}
    for label in ("create", "unchanged"):
        with CaptureQueriesContext(connection) as queries:
            outcome = import_dataset(
                PaperAdminResource(),
                read_dataset(content, filename="p.csv"),
                user=lab_admin,
                dry_run=False,
            )
        assert outcome.ok
        measured[label] = len(queries) / count
    print(
        f"\n{count} papers: {measured['create']:.2f} queries/row to create, "
        f"{measured['unchanged']:.2f} to re-import unchanged"
    )

    assert Authorship.objects.count() == 6 * count
    assert measured["create"] <= (15 if count == 10 else 5)
    assert measured["unchanged"] <= (6 if count == 10 else 2.5)
