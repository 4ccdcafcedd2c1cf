"""Spreadsheet import and export in the admin, as a lab admin uses them: real CSV and XLSX files
posted through the import form, previewed, confirmed; exports re-read as files."""

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from django.contrib import admin
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from lab.core.admin import SafeImportExportMixin
from lab.core.records import lab_models
from lab.core.uploads import SafeCSV
from people.models import Institution, Person
from publications.models import Authorship, Paper, PaperAward
from tests.conftest import PRIVATE_ADDRESS, PRIVATE_PHONE, assert_no_private_data
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    KeywordFactory,
    PaperAwardFactory,
    PaperFactory,
    PersonFactory,
    UserFactory,
    VenueFactory,
)
from tests.test_uploads import HOSTILE, corpus_file

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent / "data"
IMPORTS = DATA / "imports"
IMPORT_FORMATS = {"csv": "0", "xlsx": "1"}
EXPORT_FORMATS = {"csv": "0", "xlsx": "1"}
PAPERS = "/admin/publications/paper"


@pytest.fixture
def world(db):
    """The records the files in tests/data/imports refer to."""
    hkust = InstitutionFactory(name="HKUST", short_name="HKUST", slug="hkust")
    InstitutionFactory(name="iSING Lab", short_name="iSING", slug="ising-lab", parent=hkust)
    VenueFactory(name="NSDI", short_name="NSDI", slug="nsdi")
    VenueFactory(name="SIGCOMM", short_name="SIGCOMM", slug="sigcomm")
    return {
        slug: PersonFactory(name=name, slug=slug)
        for slug, name in [
            ("kai-chen", "Kai Chen"),
            ("qinghao-hu", "Qinghao Hu"),
            ("hao-wang", "Hao Wang"),
            ("hao-wang-2", "Hao Wang"),
        ]
    }


def post_import(client, admin_path, content: bytes, fmt: str, name: str | None = None):
    upload = io.BytesIO(content)
    upload.name = name or f"upload.{fmt}"
    return client.post(
        f"{admin_path}/import/",
        {"format": IMPORT_FORMATS[fmt], "resource": "0", "import_file": upload},
    )


def post_file(client, admin_path, filename: str):
    path = IMPORTS / filename
    return post_import(client, admin_path, path.read_bytes(), path.suffix[1:], name=filename)


def confirm(client, admin_path, preview, **forged):
    """Post the preview's confirm form as the browser does: every hidden field (the signed
    token among them), with ``forged`` values in place of some."""
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(f"{admin_path}/process_import/", {**data, **forged})


def export(client, admin_path, fmt: str, **extra) -> bytes:
    response = client.post(
        f"{admin_path}/export/", {"format": EXPORT_FORMATS[fmt], "resource": "0", **extra}
    )
    assert response.status_code == 200, response.content[:500]
    return response.content


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_cells(content: bytes):
    return list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows())


def problems(response) -> list[str]:
    return [str(p) for p in response.context["result"].lab_problems]


def byline(paper: Paper) -> list[tuple[str, str]]:
    return [(a.person.slug, a.marks) for a in paper.authorships.order_by("position")]


def record_counts() -> dict[str, int]:
    return {
        "papers": Paper.objects.count(),
        "people": Person.objects.count(),
        "authorships": Authorship.objects.count(),
        "awards": PaperAward.objects.count(),
    }


def staff_with(*codenames: str):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


# --- import: preview, confirm, exact rows -------------------------------------------------------


@pytest.mark.parametrize("filename", ["papers_new.csv", "papers_new.xlsx"])
def test_paper_import_previews_writes_nothing_then_confirm_writes_exact_rows(
    lab_admin_client, world, filename
):
    preview = post_file(lab_admin_client, PAPERS, filename)

    assert preview.status_code == 200
    assert problems(preview) == []
    assert "2 new, 0 changed,\n    0 unchanged." in preview.content.decode()
    assert "Meng Zhang (meng-zhang)" in preview.content.decode()
    assert record_counts() == {"papers": 0, "people": 4, "authorships": 0, "awards": 0}

    response = confirm(lab_admin_client, PAPERS, preview)

    assert response.status_code == 302
    assert response["Location"] == f"{PAPERS}/"
    lucid, astra = Paper.objects.get(slug="lucid-2023"), Paper.objects.get(slug="astra-2024")
    assert sorted(Paper.objects.values_list("slug", flat=True)) == ["astra-2024", "lucid-2023"]
    assert byline(lucid) == [("qinghao-hu", "*"), ("meng-zhang", "*"), ("kai-chen", "✉")]
    assert byline(astra) == [("hao-wang-2", ""), ("qinghao-hu", "")]
    assert (lucid.venue.slug, lucid.year, lucid.month, lucid.status, lucid.doi) == (
        "nsdi",
        2023,
        4,
        "published",
        "10.1145/3575693.3575705",
    )
    assert (astra.venue.slug, astra.year, astra.month, astra.status) == (
        "sigcomm",
        2024,
        None,
        "accepted",
    )
    assert list(lucid.awards.values_list("title", flat=True)) == ["Best Paper Award"]
    assert list(astra.awards.all()) == []
    assert Person.objects.get(slug="meng-zhang").name == "Meng Zhang"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [
        "Import finished: 2 new, 0 changed, 0 unchanged; new people: Meng Zhang (meng-zhang)."
    ]


def test_paper_import_is_logged_in_the_admin_log_with_the_user(lab_admin_client, lab_admin, world):
    confirm(lab_admin_client, PAPERS, post_file(lab_admin_client, PAPERS, "papers_new.csv"))

    entries = LogEntry.objects.order_by("object_repr")
    assert [(e.user, e.object_repr, e.action_flag, e.change_message) for e in entries] == [
        (
            lab_admin,
            "Astra: Notes on Namesakes",
            ADDITION,
            "Added by spreadsheet import from “papers_new.csv”.",
        ),
        (
            lab_admin,
            "Lucid: A Non-intrusive Scheduler",
            ADDITION,
            "Added by spreadsheet import from “papers_new.csv”.",
        ),
        (
            lab_admin,
            "Meng Zhang",
            ADDITION,
            "Added from a byline by spreadsheet import from “papers_new.csv”.",
        ),
    ]
    assert {e.content_type.model for e in entries} == {"paper", "person"}


def test_paper_import_logs_changed_columns(lab_admin_client, lab_admin, world):
    paper = PaperFactory(slug="lucid-2023", title="Old title", venue=None, year=2023)
    content = b"slug,title\r\nlucid-2023,New title\r\n"

    confirm(lab_admin_client, PAPERS, post_import(lab_admin_client, PAPERS, content, "csv"))

    entry = LogEntry.objects.get()
    assert (entry.user, entry.object_id, entry.change_message) == (
        lab_admin,
        str(paper.pk),
        "Changed title by spreadsheet import from “upload.csv”.",
    )


def test_unknown_venue_is_a_row_error_naming_row_and_column_and_nothing_is_written(
    lab_admin_client, world
):
    response = post_file(lab_admin_client, PAPERS, "papers_unknown_venue.csv")

    assert problems(response) == ["Row 3, column venue: no venue “nsdii”"]
    assert "Row 3, column venue: no venue “nsdii”" in response.content.decode()
    assert response.context.get("confirm_form") is None
    assert record_counts() == {"papers": 0, "people": 4, "authorships": 0, "awards": 0}


def test_validation_error_in_the_last_row_writes_nothing(lab_admin_client, world):
    before = record_counts()

    response = post_file(lab_admin_client, PAPERS, "papers_invalid_last_row.csv")

    assert problems(response) == [
        "Row 4, column month: Ensure this value is less than or equal to 12."
    ]
    assert response.context.get("confirm_form") is None
    assert record_counts() == before
    assert not Person.objects.filter(name="Brand New Person").exists()


def test_ambiguous_author_is_a_row_error_asking_for_the_slug(lab_admin_client, world):
    response = post_file(lab_admin_client, PAPERS, "papers_ambiguous_author.csv")

    assert problems(response) == [
        "Row 2, column authors: Author 1: “Hao Wang” matches more than one person "
        "(hao-wang, hao-wang-2); pick one by writing “Hao Wang <hao-wang>”."
    ]


def test_database_conflict_is_a_row_error_not_a_server_error(lab_admin_client, world):
    PaperFactory(slug="lucid", doi="10.1145/3575693.3575705")

    response = post_file(lab_admin_client, PAPERS, "papers_duplicate_doi.csv")

    assert response.status_code == 200
    assert problems(response) == ["Row 2, column doi: another paper already has this DOI"]
    assert Paper.objects.count() == 1


def test_confirm_is_refused_when_the_records_changed_since_the_preview(lab_admin_client, world):
    preview = post_file(lab_admin_client, PAPERS, "papers_new.csv")
    PaperFactory(slug="someone-elses", doi="10.1145/3575693.3575705")  # meanwhile, in the admin

    response = confirm(lab_admin_client, PAPERS, preview)

    assert response.status_code == 200
    assert problems(response) == ["Row 2, column doi: another paper already has this DOI"]
    assert sorted(Paper.objects.values_list("slug", flat=True)) == ["someone-elses"]
    assert not Person.objects.filter(slug="meng-zhang").exists()
    assert LogEntry.objects.count() == 0


def test_unknown_advisor_is_a_row_error(lab_admin_client, world):
    response = post_file(lab_admin_client, "/admin/people/role", "roles_unknown_advisor.csv")

    assert problems(response) == [
        "Row 2, column advisors: no person is named “Kai Chn”: add them in the admin first, "
        "or check the spelling (a namesake is written “Name <slug>”)."
    ]
    assert response.context.get("confirm_form") is None


def test_unknown_institution_is_a_row_error_and_the_good_row_is_not_written(
    lab_admin_client, world
):
    response = post_file(lab_admin_client, "/admin/people/role", "roles_unknown_institution.csv")

    assert problems(response) == ["Row 3, column institution: no institution “hkustt”"]
    assert world["qinghao-hu"].roles.count() == 0


def test_role_import_sets_advisors_by_name_and_slug(lab_admin_client, world):
    preview = post_file(lab_admin_client, "/admin/people/role", "roles_new.csv")
    confirm(lab_admin_client, "/admin/people/role", preview)

    phd = world["qinghao-hu"].roles.get()
    postdoc = world["hao-wang"].roles.get()
    assert (phd.title, phd.institution.slug, phd.start_year, phd.start_month, phd.end_year) == (
        "Ph.D. in Computer Science",
        "hkust",
        2019,
        8,
        2024,
    )
    assert [p.slug for p in phd.advisors.all()] == ["kai-chen"]
    assert sorted(p.slug for p in postdoc.advisors.all()) == ["hao-wang-2", "kai-chen"]


def test_escaped_cells_lose_their_apostrophe_on_import(lab_admin_client, world):
    confirm(lab_admin_client, PAPERS, post_file(lab_admin_client, PAPERS, "papers_escaped.csv"))

    assert Paper.objects.get().title == "=1+1 and '-2: a title"


def test_missing_key_column_is_a_file_error(lab_admin_client, world):
    response = post_import(lab_admin_client, PAPERS, b"title,year\r\nA paper,2023\r\n", "csv")

    assert problems(response) == ["The file lacks the column “slug”."]
    assert Paper.objects.count() == 0


def test_unreadable_upload_shows_the_reason(lab_admin_client, world):
    content = (DATA / "uploads" / "latin1.csv").read_bytes()

    response = post_import(lab_admin_client, PAPERS, content, "csv")

    assert response.status_code == 200
    [message] = response.context["form"].errors["import_file"]
    assert message.startswith("The file is not UTF-8 text")


def test_upload_over_the_cap_is_refused_by_the_form_before_it_is_read(
    lab_admin_client, world, settings, monkeypatch
):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    content = b"slug,title\r\n" + b"a-paper,A title that makes the file too big\r\n" * 5
    reads = []
    parse = SafeCSV.create_dataset

    def spy(self, data, **kwargs):
        reads.append(len(data))
        return parse(self, data, **kwargs)

    monkeypatch.setattr(SafeCSV, "create_dataset", spy)

    response = post_import(lab_admin_client, PAPERS, content, "csv")

    form = response.context["form"]
    assert form.errors["import_file"] == [
        f"The file is {len(content)} bytes; the largest file you can import is 100 bytes. "
        "Split it into smaller files."
    ]
    # Refused by the form's validation: import_action never read the file to parse it.
    assert reads == []
    assert Paper.objects.count() == 0


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_posted_to_the_admin_gets_a_message_not_a_500(lab_admin_client, world, name):
    fmt = "csv" if name.endswith((".csv", ".txt")) else "xlsx"

    response = post_import(lab_admin_client, PAPERS, corpus_file(name), fmt, name=name)

    assert response.status_code == 200
    errors = response.context["form"].errors.get("import_file", [])
    result = response.context.get("result")
    messages = [*errors, *(problems(response) if result is not None else [])]
    assert messages, "the admin accepted a hostile file"
    # The lab's own wording, not the library's "'UploadError' encountered while ...".
    assert not any("encountered while trying to read" in message for message in messages)
    assert record_counts() == {"papers": 0, "people": 4, "authorships": 0, "awards": 0}


# --- round trip and the preview's diff -----------------------------------------------------------


@pytest.fixture
def two_papers(world):
    lucid = PaperFactory(slug="lucid", title="Lucid", venue=VenueFactory(slug="asplos"), year=2023)
    for position, slug in enumerate(["qinghao-hu", "hao-wang-2", "kai-chen"], start=1):
        AuthorshipFactory(paper=lucid, person=world[slug], position=position)
    PaperAwardFactory(paper=lucid, title="Best Paper Award")
    other = PaperFactory(slug="other", title="=1+1 is not a formula", venue=None, year=None)
    AuthorshipFactory(paper=other, person=world["kai-chen"], position=1, equal_contribution=True)
    return lucid, other


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exported_file_reimported_unchanged_reports_nothing_new_or_changed(
    lab_admin_client, two_papers, fmt
):
    content = export(lab_admin_client, PAPERS, fmt)

    preview = post_import(lab_admin_client, PAPERS, content, fmt)

    assert problems(preview) == []
    totals = preview.context["result"].totals
    assert (totals["new"], totals["update"], totals["skip"]) == (0, 0, 2)


# The diff's mark of what a cell gains, without a style attribute (the Content-Security-Policy
# refuses them; lab.core.importing.LabDiff).
INS = "<ins>"


def edit_csv(content: bytes, slug: str, column: str, value: str) -> bytes:
    rows = csv_rows(content)
    index = rows[0].index(column)
    for row in rows[1:]:
        if row[rows[0].index("slug")] == slug:
            row[index] = value
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


@pytest.mark.parametrize(
    ("column", "value", "shown"),
    [
        ("authors", "Hao Wang <hao-wang-2>; Qinghao Hu; Kai Chen", f"{INS} Qinghao Hu;</ins>"),
        ("authors", "Qinghao Hu*; Hao Wang <hao-wang-2>; Kai Chen", f"{INS}*</ins>"),
        ("title", "Lucid, revised", f"{INS}, revised</ins>"),
        ("awards", "Best Paper Award; Test of Time Award", f"{INS}; Test of Time Award</ins>"),
    ],
    ids=["author-order", "mark", "title", "awards"],
)
def test_one_changed_cell_is_an_update_shown_in_the_diff(
    lab_admin_client, two_papers, column, value, shown
):
    content = edit_csv(export(lab_admin_client, PAPERS, "csv"), "lucid", column, value)

    preview = post_import(lab_admin_client, PAPERS, content, "csv")

    result = preview.context["result"]
    assert (result.totals["new"], result.totals["update"], result.totals["skip"]) == (0, 1, 1)
    [update] = [row for row in result.valid_rows() if row.import_type == "update"]
    assert update.changed_columns == [column]
    assert shown in preview.content.decode()


def test_author_order_change_is_written_on_confirm(lab_admin_client, two_papers):
    lucid, _ = two_papers
    value = "Kai Chen; Qinghao Hu; Hao Wang <hao-wang-2>"
    content = edit_csv(export(lab_admin_client, PAPERS, "csv"), "lucid", "authors", value)

    confirm(lab_admin_client, PAPERS, post_import(lab_admin_client, PAPERS, content, "csv"))

    assert byline(lucid) == [("kai-chen", ""), ("qinghao-hu", ""), ("hao-wang-2", "")]


# --- permissions ---------------------------------------------------------------------------------


def test_lab_admin_sees_import_and_export(lab_admin_client):
    PaperFactory()  # the actions menu shows only on a list with rows

    changelist = lab_admin_client.get(f"{PAPERS}/")

    assert lab_admin_client.get(f"{PAPERS}/import/").status_code == 200
    assert lab_admin_client.get(f"{PAPERS}/export/").status_code == 200
    assert f"<a href='{PAPERS}/import/' class=\"import_link\">" in changelist.content.decode()
    assert '<option value="export_admin_action">Export selected papers</option>' in (
        changelist.content.decode()
    )


# Every model of the lab's apps (the history tables of django-simple-history are not records).
LAB_MODELS = lab_models()


@pytest.mark.parametrize("model", LAB_MODELS, ids=lambda model: model.__name__)
def test_every_model_admin_imports_exports_and_exports_selected(lab_admin_client, lab_admin, model):
    model_admin = admin.site._registry[model]
    path = f"/admin/{model._meta.app_label}/{model._meta.model_name}"
    request = RequestFactory().get(f"{path}/")
    request.user = lab_admin

    assert isinstance(model_admin, SafeImportExportMixin)
    assert lab_admin_client.get(f"{path}/import/").status_code == 200
    assert lab_admin_client.get(f"{path}/export/").status_code == 200
    assert "export_admin_action" in model_admin.get_actions(request)


def test_view_only_staff_can_export_but_not_import(client, world):
    client.force_login(staff_with("view_paper"))
    PaperFactory(slug="lucid")

    assert client.get(f"{PAPERS}/import/").status_code == 403
    assert client.post(f"{PAPERS}/process_import/", {}).status_code == 403
    assert csv_rows(export(client, PAPERS, "csv"))[1][0] == "lucid"
    assert 'class="import_link"' not in client.get(f"{PAPERS}/").content.decode()


@pytest.mark.parametrize(
    "codenames",
    [("view_paper", "add_paper"), ("view_paper", "change_paper")],
    ids=["add-without-change", "change-without-add"],
)
def test_staff_without_both_add_and_change_cannot_import(client, world, codenames):
    client.force_login(staff_with(*codenames))

    response = post_file(client, PAPERS, "papers_new.csv")

    assert response.status_code == 403
    assert client.get(f"{PAPERS}/import/").status_code == 403
    assert Paper.objects.count() == 0


PAPER_ONLY = ("view_paper", "add_paper", "change_paper")
BYLINE_ROWS = ("add_authorship", "change_authorship", "add_paperaward", "change_paperaward")
PEOPLE = ("add_person", "change_person")
KEYWORDS = ("add_keyword", "change_keyword")


@pytest.mark.parametrize(
    "codenames",
    [
        PAPER_ONLY,
        (*PAPER_ONLY, *BYLINE_ROWS, *KEYWORDS),
        (*PAPER_ONLY, *PEOPLE, *KEYWORDS),
        (*PAPER_ONLY, *BYLINE_ROWS, *PEOPLE),
    ],
    ids=["papers-only", "without-people", "without-byline-rows", "without-keywords"],
)
def test_paper_import_needs_add_and_change_on_what_a_byline_writes(client, world, codenames):
    # A paper row writes byline rows, awards and keywords, and may create people.
    client.force_login(staff_with(*codenames))

    assert client.get(f"{PAPERS}/import/").status_code == 403
    assert post_file(client, PAPERS, "papers_new.csv").status_code == 403
    assert Paper.objects.count() == 0


def test_paper_import_with_add_and_change_on_every_model_it_writes(client, world):
    client.force_login(staff_with(*PAPER_ONLY, *BYLINE_ROWS, *PEOPLE, *KEYWORDS))

    preview = post_file(client, PAPERS, "papers_new.csv")
    assert preview.status_code == 200
    assert confirm(client, PAPERS, preview).status_code == 302
    assert Paper.objects.count() > 0


def test_staff_without_view_cannot_export(client):
    client.force_login(staff_with("view_person"))

    assert client.get(f"{PAPERS}/export/").status_code == 403


@pytest.mark.parametrize("path", ["import/", "export/", "process_import/"])
def test_member_is_sent_to_the_admin_login(member_client, path):
    response = member_client.get(f"{PAPERS}/{path}")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("path", ["import/", "export/"])
def test_visitor_is_sent_to_the_admin_login(client, path):
    response = client.get(f"{PAPERS}/{path}")

    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={PAPERS}/{path}"


# --- exports: escaping, private fields, queries, "export selected" -------------------------------

DANGEROUS = ['=HYPERLINK("http://x")', "+1+2", "-3+4", "@SUM(A1)", "\tTab", "\rCR"]


@pytest.fixture
def dangerous_papers(db):
    return [
        PaperFactory(slug=f"danger-{n}", title=title, year=2000 + n, venue=None)
        for n, title in enumerate(DANGEROUS)
    ]


def test_admin_xlsx_export_has_no_formula_cell_and_numbers_stay_numbers(
    lab_admin_client, dangerous_papers
):
    rows = xlsx_cells(export(lab_admin_client, PAPERS, "xlsx"))

    header = [cell.value for cell in rows[0]]
    assert [cell.coordinate for row in rows for cell in row if cell.data_type == "f"] == []
    titles = {row[header.index("title")].value.replace("\n", "\r") for row in rows[1:]}
    assert titles == {"'" + title for title in DANGEROUS}
    assert sorted(row[header.index("year")].value for row in rows[1:]) == [
        2000 + n for n in range(len(DANGEROUS))
    ]
    assert {row[header.index("selected")].value for row in rows[1:]} == {False}


def test_admin_csv_export_escapes_formula_cells(lab_admin_client, dangerous_papers):
    rows = csv_rows(export(lab_admin_client, PAPERS, "csv"))

    titles = {row[rows[0].index("title")] for row in rows[1:]}
    assert titles == {"'" + title for title in DANGEROUS}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_admin_exported_formula_text_reimports_exactly(lab_admin_client, dangerous_papers, fmt):
    if fmt == "xlsx":
        # XML turns a carriage return into a line feed, so "'\rCR" comes back as "'\nCR".
        Paper.objects.filter(title="\rCR").delete()
    titles = sorted(Paper.objects.values_list("title", flat=True))
    content = export(lab_admin_client, PAPERS, fmt)
    Paper.objects.update(title="placeholder")

    confirm(lab_admin_client, PAPERS, post_import(lab_admin_client, PAPERS, content, fmt))

    assert sorted(Paper.objects.values_list("title", flat=True)) == titles


def test_person_export_has_private_columns_for_lab_admins(lab_admin_client, private_person):
    rows = csv_rows(export(lab_admin_client, "/admin/people/person", "csv"))

    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["phone"], row["birth_date"], row["address"]) == (
        f"'{PRIVATE_PHONE}",
        "1991-02-03",
        PRIVATE_ADDRESS,
    )


def test_person_export_has_no_private_columns_for_view_only_staff(client, private_person):
    client.force_login(staff_with("view_person"))

    content = export(client, "/admin/people/person", "csv")

    assert "phone" not in csv_rows(content)[0]
    assert_no_private_data(content)


def test_private_columns_round_trip_through_the_admin(lab_admin_client, world):
    preview = post_file(lab_admin_client, "/admin/people/person", "people_new.csv")
    confirm(lab_admin_client, "/admin/people/person", preview)

    person = Person.objects.get(slug="ixeia-sanchez")
    assert (person.name, person.aliases, person.phone, str(person.birth_date), person.address) == (
        "Ixeia Sánchez Pérez",
        "Ixeia Sanchez",
        "+852 5550 9999",
        "1990-05-06",
        "1 Lab Road",
    )


@pytest.mark.parametrize("item_count", [1, 5])
def test_paper_export_runs_a_fixed_number_of_queries(lab_admin_client, world, item_count):
    for n in range(item_count):
        paper = PaperFactory(slug=f"paper-{n}")
        AuthorshipFactory(paper=paper, person=world["kai-chen"], position=1)
        AuthorshipFactory(paper=paper, person=world["qinghao-hu"], position=2)
        PaperAwardFactory(paper=paper)
        paper.keywords.add(KeywordFactory())

    with CaptureQueriesContext(connection) as queries:
        rows = xlsx_cells(export(lab_admin_client, PAPERS, "xlsx"))

    assert len(rows) == item_count + 1
    assert len(queries) == 9  # with the papers' keywords, a fifth stream of paper_rows


@pytest.mark.parametrize("item_count", [1, 5])
def test_person_export_runs_a_fixed_number_of_queries(lab_admin_client, item_count):
    for n in range(item_count):
        PersonFactory(slug=f"person-{n}").roles.create(
            kind="position", title="Postdoc", institution=InstitutionFactory(), start_year=2020
        )

    with CaptureQueriesContext(connection) as queries:
        rows = csv_rows(export(lab_admin_client, "/admin/people/person", "csv"))

    assert len(rows) == item_count + 1
    assert len(queries) == 6


def test_export_selected_exports_only_the_selected_rows(lab_admin_client, world):
    chosen, _ = PaperFactory(slug="chosen"), PaperFactory(slug="not-chosen")

    form_page = lab_admin_client.post(
        f"{PAPERS}/", {"action": "export_admin_action", "_selected_action": [chosen.pk]}
    )
    content = export(lab_admin_client, PAPERS, "csv", export_items=[chosen.pk])

    assert form_page.status_code == 200
    assert form_page.context["form"].initial["export_items"] == [chosen.pk]
    assert [row[0] for row in csv_rows(content)[1:]] == ["chosen"]


def test_institution_export_lists_parents_first_and_reimports_unchanged(lab_admin_client, world):
    child = InstitutionFactory(slug="a-unit", name="A Unit")
    Institution.objects.filter(slug="hkust").update(parent=child)  # hkust inside a-unit
    Institution.objects.filter(slug="a-unit").update(parent=None)

    content = export(lab_admin_client, "/admin/people/institution", "csv")
    preview = post_import(lab_admin_client, "/admin/people/institution", content, "csv")

    assert [row[0] for row in csv_rows(content)[1:]] == ["a-unit", "hkust", "ising-lab"]
    assert preview.context["result"].totals["skip"] == 3


# --- Papers: the streamed export path ----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    "query",
    ["", "?o=4", "?o=-4.1", "?o=3.-1", "?q=hu", "?status__exact=published&year=2023"],
    ids=["default", "year", "year-desc-title", "venue", "search", "filtered"],
)
def test_admin_paper_export_has_the_cells_of_the_resource_dataset(
    lab_admin, lab_admin_client, rf, fmt, query
):
    """The paper admin exports through publications.rows.paper_rows: the same cells, in the same
    order, as the library's Dataset of the change list as sorted, searched and filtered."""
    from django.contrib import admin
    from django.core.management import call_command

    from lab.core.spreadsheets import csv_bytes, xlsx_bytes
    from publications.resources import PaperAdminResource

    call_command("loaddata", "lab", verbosity=0)
    request = rf.get(f"{PAPERS}/export/{query}")
    request.user = lab_admin
    queryset = admin.site._registry[Paper].get_export_queryset(request)
    resource = PaperAdminResource()
    dataset = resource.export(resource.with_related(queryset), force_native_type=fmt == "xlsx")

    response = lab_admin_client.post(
        f"{PAPERS}/export/{query}", {"format": EXPORT_FORMATS[fmt], "resource": "0"}
    )

    assert response.status_code == 200
    if fmt == "csv":
        expected = csv_rows(csv_bytes(dataset.headers, dataset))
        assert csv_rows(response.content) == expected
    else:
        expected = xlsx_cells(xlsx_bytes(dataset.headers, dataset))
        assert [[c.value for c in row] for row in xlsx_cells(response.content)] == [
            [c.value for c in row] for row in expected
        ]
    assert 1 < len(expected) <= Paper.objects.count() + 1


def test_a_long_admin_csv_export_streams_the_cells_of_the_resource_dataset(
    lab_admin, lab_admin_client, rf, django_assert_max_num_queries
):
    """Past ROWS_PER_CHUNK rows the admin's CSV export is written as it is sent (never whole
    in memory): the same bytes as the export written whole, in a fixed number of queries."""
    from lab.core.admin import ROWS_PER_CHUNK
    from lab.core.spreadsheets import csv_bytes
    from publications.resources import PaperAdminResource

    venue = VenueFactory()
    count = ROWS_PER_CHUNK + 150
    Paper.objects.bulk_create(
        Paper(title=f"Streamed Paper {n}", slug=f"streamed-{n}", venue=venue, year=2000 + n % 25)
        for n in range(count)
    )
    request = rf.get(f"{PAPERS}/export/")
    request.user = lab_admin
    queryset = admin.site._registry[Paper].get_export_queryset(request)
    resource = PaperAdminResource()
    dataset = resource.export(resource.with_related(queryset))

    response = lab_admin_client.post(f"{PAPERS}/export/", {"format": "0", "resource": "0"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="Paper-')
    with django_assert_max_num_queries(8):  # the rows' streamed queries, however many rows
        chunks = list(response.streaming_content)

    assert len(chunks) == 2  # ROWS_PER_CHUNK rows (with the header), then the rest
    assert b"".join(chunks) == csv_bytes(dataset.headers, dataset)
    assert len(csv_rows(b"".join(chunks))) == count + 1


def test_a_forged_confirmation_is_refused_and_imports_nothing(lab_admin_client, world):
    preview = post_file(lab_admin_client, PAPERS, "papers_new.csv")
    before = record_counts()

    forged_name = confirm(lab_admin_client, PAPERS, preview, token="not-a-signature")
    other_file = confirm(lab_admin_client, PAPERS, preview, token="")

    for response in (forged_name, other_file):
        assert response.status_code == 200
        assert "This confirmation has expired or was changed: upload the file again." in (
            response.content.decode()
        )
    assert record_counts() == before


def test_the_confirm_reads_the_signed_upload_whatever_names_are_posted(lab_admin_client, world):
    preview = post_file(lab_admin_client, PAPERS, "papers_new.csv")

    response = confirm(
        lab_admin_client, PAPERS, preview, import_file_name="../../etc/passwd", format="99"
    )

    assert response.status_code == 302
    assert Paper.objects.filter(title="Astra: Notes on Namesakes").exists()


# --- Every model: the rows made one record at a time --------------------------------------------


@pytest.mark.parametrize("model", LAB_MODELS, ids=lambda model: model.__name__)
def test_every_admin_export_has_the_cells_of_the_resource_dataset(
    lab_admin, lab_admin_client, model
):
    """lab.core.admin._resource_rows makes what the library's ``export()`` puts in its Dataset,
    row for row, for every model (on the seed data: its private columns, links and names)."""
    from django.core.management import call_command

    from lab.core.spreadsheets import csv_bytes

    call_command("loaddata", "lab", verbosity=0)
    model_admin = admin.site._registry[model]
    path = f"/admin/{model._meta.app_label}/{model._meta.model_name}"
    request = RequestFactory().get(f"{path}/export/")
    request.user = lab_admin
    resource_class = model_admin.get_export_resource_classes(request)[0]
    resource = resource_class(**model_admin.get_export_resource_kwargs(request))
    queryset = model_admin.get_export_queryset(request)
    with_related = getattr(resource, "with_related", None)
    dataset = resource.export(with_related(queryset) if with_related else queryset)

    content = b"".join(lab_admin_client.post(f"{path}/export/", {"format": "0", "resource": "0"}))

    assert csv_rows(content) == csv_rows(csv_bytes(dataset.headers, dataset))
    assert len(csv_rows(content)) == model.objects.count() + 1


def test_no_resource_needs_the_dataset_after_the_export():
    """The rows are never gathered into a Dataset, so ``after_export`` would get none."""
    from import_export.resources import Resource

    from lab.core.admin import SafeImportExportMixin

    resources = {
        resource_class
        for model_admin in admin.site._registry.values()
        if isinstance(model_admin, SafeImportExportMixin)
        for resource_class in model_admin.get_export_resource_classes(RequestFactory().get("/"))
    }
    assert resources
    assert [r for r in resources if r.after_export is not Resource.after_export] == []


def test_a_long_byline_export_streams_in_a_fixed_number_of_queries(
    lab_admin_client, django_assert_max_num_queries
):
    """1,150 author rows: written as they are read, a chunk of records per query."""
    from lab.core.admin import ROWS_PER_CHUNK

    venue, people = VenueFactory(), [PersonFactory(slug=f"streamed-author-{n}") for n in range(5)]
    papers = Paper.objects.bulk_create(
        Paper(title=f"Byline Paper {n}", slug=f"byline-{n}", venue=venue, year=2010)
        for n in range(230)
    )
    Authorship.objects.bulk_create(
        Authorship(paper=paper, person=person, position=position)
        for paper in papers
        for position, person in enumerate(people, 1)
    )
    assert Authorship.objects.count() == ROWS_PER_CHUNK + 150

    response = lab_admin_client.post(
        "/admin/publications/authorship/export/", {"format": "0", "resource": "0"}
    )
    assert response.status_code == 200 and response.streaming
    with django_assert_max_num_queries(6):
        chunks = list(response.streaming_content)

    assert len(chunks) == 2
    rows = csv_rows(b"".join(chunks))
    assert len(rows) == ROWS_PER_CHUNK + 151
    assert {row[rows[0].index("person")] for row in rows[1:]} == {p.slug for p in people}
