"""History (django-simple-history, lab.core.history): every write path leaves versions that
say who and why, bulk writes included; nothing escapes it."""

import pytest
from django.core.management import call_command
from django.db import transaction

from devtools.seed import SOURCE, build
from lab.core.history import recorded
from lab.core.importing import import_dataset
from lab.core.spreadsheets import csv_bytes
from lab.core.uploads import read_dataset
from lab.workbook import import_workbook, workbook_sheets
from people.models import Person
from publications.bibtex_import import bibtex_import
from publications.models import Authorship, Paper, Venue
from publications.resources import PaperAdminResource
from publications.services import paper_set_byline
from tests.factories import PaperFactory, PersonFactory, UserFactory, VenueFactory
from tests.test_admin import inline_management, paper_form

pytestmark = pytest.mark.django_db


def versions(model, **filters) -> list[tuple]:
    """(history type, reason, username) of the versions of ``model``, oldest first."""
    rows = model.history.filter(**filters).order_by("history_date", "history_id")
    return [
        (v.history_type, v.history_change_reason, v.history_user and v.history_user.username)
        for v in rows.select_related("history_user")
    ]


def test_admin_form_and_byline_field_record_one_version_of_the_paper(lab_admin_client):
    venue = VenueFactory(short_name="ASPLOS")

    lab_admin_client.post(
        "/admin/publications/paper/add/", paper_form(venue, byline="Qinghao Hu*; Meng Zhang")
    )

    paper = Paper.objects.get(slug="lucid-2023")
    assert versions(Paper, id=paper.pk) == [("+", "admin edit", "curator")]
    assert versions(Authorship, paper_id=paper.pk) == [("+", "admin edit", "curator")] * 2
    assert versions(Person) == [("+", "admin edit", "curator")] * 2


def test_admin_author_inline_records_the_changed_row(lab_admin_client):
    venue = VenueFactory()
    paper = PaperFactory(slug="lucid-2023", venue=venue)
    paper_set_byline(paper=paper, byline="Alice Ang; Bob Bai")
    alice, bob = paper.authorships.order_by("position")
    rows = {}
    for number, row in enumerate((alice, bob)):
        rows.update(
            {
                f"authorships-{number}-id": str(row.pk),
                f"authorships-{number}-paper": str(paper.pk),
                f"authorships-{number}-position": str(row.position),
                f"authorships-{number}-person": str(row.person_id),
                f"authorships-{number}-printed_name": "",
            }
        )
    rows["authorships-1-lead"] = "on"
    data = {
        **paper_form(venue, title=paper.title, byline="Alice Ang; Bob Bai"),
        **inline_management("authorships", total=2, initial=2),
        **rows,
    }

    response = lab_admin_client.post(f"/admin/publications/paper/{paper.pk}/change/", data)

    assert response.status_code == 302
    assert versions(Authorship, id=bob.pk)[-1] == ("~", "admin edit", "curator")
    assert len(versions(Authorship, id=alice.pk)) == 1  # untouched: only its first version


def test_admin_delete_records_the_deletion(lab_admin_client):
    venue = VenueFactory(slug="gone")

    lab_admin_client.post(f"/admin/publications/venue/{venue.pk}/delete/", {"post": "yes"})

    assert versions(Venue, id=venue.pk)[-1] == ("-", "admin edit", "curator")


def test_spreadsheet_import_records_its_file_and_user(lab_admin):
    VenueFactory(slug="nsdi")
    content = csv_bytes(["slug", "title", "authors", "venue"], [["p1", "P1", "Kai Chen", "nsdi"]])

    outcome = import_dataset(
        PaperAdminResource(),
        read_dataset(content, filename="papers.csv"),
        user=lab_admin,
        dry_run=False,
        file_name="papers.csv",
    )

    assert outcome.ok
    reason = ("+", "spreadsheet import papers.csv", "curator")
    assert versions(Paper) == [reason]
    assert versions(Authorship) == [reason]
    assert versions(Person) == [reason]


def test_workbook_import_records_the_workbook(lab_admin):
    PaperFactory(slug="p1", title="First")
    sheets = {name: _dataset(headers, rows) for name, headers, rows in workbook_sheets(
        include_private=True, native=False
    )}
    Paper.objects.filter(slug="p1").update(title="Changed")  # the import brings "First" back

    outcome = import_workbook(sheets, user=lab_admin, dry_run=False, file_name="lab.xlsx")

    assert outcome.ok
    assert versions(Paper, slug="p1")[-1] == ("~", "workbook import lab.xlsx", "curator")


def _dataset(headers, rows):
    import tablib

    return tablib.Dataset(*[list(row) for row in rows], headers=list(headers))


def test_bibtex_import_records_every_record_it_creates(lab_admin):
    text = "@article{x, author={Hu, Qinghao and Sun, Peng}, title={T}, journal={J}, year={2024}}"

    result = bibtex_import(text=text, user=lab_admin)

    paper = result.papers[0]
    reason = ("+", "BibTeX import", "curator")
    assert versions(Paper, id=paper.pk) == [reason]
    assert versions(Venue) == [reason]
    assert versions(Person) == [reason, reason]
    assert versions(Authorship, paper_id=paper.pk) == [reason, reason]


def test_import_bibtex_command_records_the_given_user(tmp_path, lab_admin):
    path = tmp_path / "one.bib"
    path.write_text("@misc{y, author={Ang, Alice}, title={Only}, year={2023}}", encoding="utf-8")

    call_command("import_bibtex", str(path), user="curator", stdout=None)

    assert versions(Paper) == [("+", "BibTeX import", "curator")]


def test_member_profile_edit_records_own_profile_edit(client, member):
    person = PersonFactory(slug="pat", user=member)
    client.force_login(member)

    client.post("/people/pat/edit/", {"bio": "Networks."})

    assert versions(Person, id=person.pk)[-1] == ("~", "own profile edit", "member")


def test_seed_builder_records_every_record(db):
    import yaml

    source = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    with transaction.atomic():
        build(source)
        papers = Paper.objects.count()
        recorded_papers = Paper.history.filter(history_change_reason="seed builder").count()
        transaction.set_rollback(True)

    assert recorded_papers == papers > 0


def test_recorded_blocks_nest_the_reason_and_keep_the_user():
    editor = UserFactory(username="editor")
    with recorded("outer", user=editor):
        VenueFactory(slug="a")
        with recorded("inner"):
            VenueFactory(slug="b")

    assert versions(Venue, slug="a") == [("+", "outer", "editor")]
    assert versions(Venue, slug="b") == [("+", "inner", "editor")]


def test_history_never_reaches_a_member_or_a_visitor(client, member, private_person):
    private_person.phone = "+852 5550 9999"
    private_person.save()
    history = f"/admin/people/person/{private_person.pk}/history/"

    visitor = client.get(history)
    client.force_login(member)
    as_member = client.get(history)

    for response in (visitor, as_member):
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def _version_values(model, pks) -> list[dict]:
    """Every field of the versions of ``pks`` but the version's own id."""
    rows = model.history.filter(id__in=pks).order_by("id").values()
    return [{k: v for k, v in row.items() if k != "history_id"} for row in rows]


@pytest.mark.parametrize("model", [Paper, Authorship])
def test_copied_versions_are_the_versions_written_from_memory(lab_admin, model):
    """record_versions(copied=True) has the database copy the rows it was given: the same
    versions, field for field, as the ones prepared in Python (lab.core.history)."""
    from lab.core.history import record_versions

    venue = VenueFactory(name="Journal of Tests")
    person = PersonFactory(name="Ana Dias")
    papers = [
        PaperFactory(venue=venue, title=f"Paper {n}", year=2020 + n, pages="1–9", abstract="Ä")
        for n in range(3)
    ]
    for paper in papers:
        Authorship.objects.create(paper=paper, person=person, position=1, equal_contribution=True)
    records = papers if model is Paper else list(Authorship.objects.order_by("pk"))
    pks = [record.pk for record in records]
    model.history.filter(id__in=pks).delete()

    # One block: one time for both ways.
    with recorded("from memory", user=lab_admin):
        record_versions(model, records, "+", links=False)
        from_memory = _version_values(model, pks)
        model.history.filter(id__in=pks).delete()
        record_versions(model, records, "+", links=False, copied=True)

    assert len(from_memory) == 3
    assert _version_values(model, pks) == from_memory
