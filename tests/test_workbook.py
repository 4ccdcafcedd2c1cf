"""The whole-lab workbook (lab.workbook): export, import in one step, commands, admin views."""

import csv
import io
import shutil
import subprocess

import openpyxl
import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core import serializers
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lab.core.uploads import read_workbook
from lab.workbook import (
    SHEET_NAMES,
    WorkbookError,
    import_workbook,
    write_workbook,
)
from people.models import Award, Institution, Person, Role
from publications.models import Authorship, Keyword, Paper, PaperAward, Service, Venue
from publications.rows import paper_rows
from publications.services import paper_byline
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    KeywordFactory,
    PaperAwardFactory,
    PaperFactory,
    PersonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MODELS = (
    Institution,
    Person,
    Role,
    Award,
    Venue,
    Keyword,
    Paper,
    Authorship,
    PaperAward,
    Service,
)
# Dependents first, for deleting everything.
DELETE_ORDER = (
    Service,
    PaperAward,
    Authorship,
    Paper,
    Keyword,
    Venue,
    Award,
    Role,
    Person,
    Institution,
)


@pytest.fixture
def seed(db):
    call_command("loaddata", "lab", verbosity=0)


def snapshot() -> dict[str, dict]:
    """Every record of every model by natural key, with its fields (references as natural keys,
    many-to-many sorted), leaving out ids and timestamps."""
    records = {}
    for model in MODELS:
        data = serializers.serialize(
            "python",
            model.objects.all(),
            use_natural_foreign_keys=True,
            use_natural_primary_keys=True,
        )
        by_key = {}
        for item, instance in zip(data, model.objects.all(), strict=True):
            fields = {
                name: sorted(value) if isinstance(value, list) else value
                for name, value in item["fields"].items()
                if name not in ("created", "modified")
            }
            by_key[instance.natural_key()] = fields
        records[model.__name__] = by_key
    return records


def delete_everything():
    Institution.objects.update(parent=None)  # parents are protected
    for model in DELETE_ORDER:
        model.objects.all().delete()


def exported(*, fmt="xlsx", include_private=True) -> bytes:
    buffer = io.BytesIO()
    write_workbook(buffer, fmt=fmt, include_private=include_private)
    return buffer.getvalue()


def edited(content: bytes, sheet: str, cell: str, value) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    workbook[sheet][cell] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def without_sheet(content: bytes, sheet: str) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    del workbook[sheet]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_extra_sheet(content: bytes, sheet: str) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    workbook.create_sheet(sheet).append(["slug"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheets_of(content: bytes):
    return read_workbook(content, filename="lab.xlsx")


# --- export -------------------------------------------------------------------------------------


def test_workbook_export_has_a_sheet_per_model_in_dependency_order(seed):
    workbook = openpyxl.load_workbook(io.BytesIO(exported()), read_only=True)

    assert workbook.sheetnames == list(SHEET_NAMES)
    assert SHEET_NAMES == (
        "institutions",
        "people",
        "venues",
        "keywords",
        "papers",
        "affiliations",
        "roles",
        "awards",
        "service",
    )
    sizes = {name: len(list(workbook[name].values)) - 1 for name in workbook.sheetnames}
    assert sizes == {
        "institutions": 25,
        "people": 162,
        "venues": 28,
        "keywords": 0,
        "papers": 52,
        "affiliations": 0,
        "roles": 30,
        "awards": 20,
        "service": 17,
    }


def test_workbook_export_has_no_formula_cell_and_keeps_numbers_numeric(seed):
    Paper.objects.filter(slug=Paper.objects.first().slug).update(title="=HYPERLINK(1)")
    workbook = openpyxl.load_workbook(io.BytesIO(exported()))

    formula_cells = [
        (sheet.title, cell.coordinate)
        for sheet in workbook
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    papers = workbook["papers"]
    headers = [cell.value for cell in papers[1]]
    titles = [row[headers.index("title")] for row in papers.iter_rows(min_row=2, values_only=True)]
    years = {
        type(row[headers.index("year")])
        for row in papers.iter_rows(min_row=2, values_only=True)
        if row[headers.index("year")] is not None
    }
    assert formula_cells == []
    assert "'=HYPERLINK(1)" in titles
    assert years == {int}


def test_workbook_export_leaves_private_columns_out_unless_asked(seed, private_person):
    public = openpyxl.load_workbook(io.BytesIO(exported(include_private=False)), read_only=True)
    private = openpyxl.load_workbook(io.BytesIO(exported(include_private=True)), read_only=True)

    public_headers = next(public["people"].iter_rows(max_row=1, values_only=True))
    private_headers = next(private["people"].iter_rows(max_row=1, values_only=True))
    assert {"phone", "birth_date", "address"} & set(public_headers) == set()
    assert {"phone", "birth_date", "address"} <= set(private_headers)


@pytest.mark.parametrize("item_count", [1, 5])
def test_workbook_export_queries_are_constant(item_count):
    for _ in range(item_count):
        paper = PaperFactory()
        AuthorshipFactory(paper=paper, position=1)
        AuthorshipFactory(paper=paper, position=2)
        PaperAwardFactory(paper=paper)
        paper.keywords.add(KeywordFactory(), KeywordFactory())
        InstitutionFactory()

    with CaptureQueriesContext(connection) as queries:
        exported()

    # One per sheet (9), the papers' byline rows, awards and keywords (3), the people matcher
    # of the papers sheet (1) and the people's roles (1). (No role: no advisors, no matcher.)
    assert len(queries.captured_queries) == 14


def streamed(papers=None, **kwargs) -> list[tuple]:
    """(slug, byline cell, awards cell) of each row ``paper_rows`` gives for ``papers``."""
    from publications.resources import PaperResource

    resource = PaperResource()
    headers = resource.get_export_headers()
    slug, authors, awards = (headers.index(name) for name in ("slug", "authors", "awards"))
    return [
        (row[slug], row[authors], row[awards])
        for row in paper_rows(resource, papers, **kwargs)
    ]


def test_paper_rows_give_each_paper_its_own_byline_and_awards_in_order():
    first, second, third = (
        PaperFactory(year=2020, title="B"),
        PaperFactory(year=2022, title="A"),
        PaperFactory(year=2020, title="A"),
    )
    ana, bo = PersonFactory(name="Ana Li"), PersonFactory(name="Bo Wu")
    AuthorshipFactory(paper=first, person=bo, position=2)
    AuthorshipFactory(paper=first, person=ana, position=1)
    AuthorshipFactory(paper=third, person=bo, position=1)
    PaperAwardFactory(paper=second, title="Best Paper")

    with CaptureQueriesContext(connection) as queries:
        rows = streamed(Paper.objects.all(), chunk_size=1)

    assert rows == [
        (second.slug, "", "Best Paper"),
        (third.slug, "Bo Wu", ""),
        (first.slug, "Ana Li; Bo Wu", ""),
    ]
    # People, papers, byline rows, awards, keywords.
    assert len(queries.captured_queries) == 5


def test_paper_rows_bylines_equal_paper_byline_with_marks_aliases_and_namesakes(seed):
    from people.matching import PersonMatcher

    Person.objects.create(name="Qinghao Hu", slug="qinghao-hu-2")
    first = Paper.objects.for_list().first()
    authorship = first.authorships.all()[0]
    authorship.printed_name, authorship.lead, authorship.corresponding = "Q. Hu", True, True
    authorship.save()
    matcher = PersonMatcher.from_database()

    bylines = {slug: byline for slug, byline, _ in streamed()}

    assert bylines == {
        paper.slug: paper_byline(paper, matcher=matcher) for paper in Paper.objects.for_list()
    }
    assert any("<qinghao-hu>" in byline for byline in bylines.values())


def test_paper_rows_follow_a_slice_and_an_explicit_order():
    papers = [PaperFactory(slug=f"p{n}", year=2000 + n) for n in range(4)]
    for paper in papers:
        AuthorshipFactory(paper=paper, person=PersonFactory(name=f"Author {paper.slug}"))

    rows = streamed(Paper.objects.order_by("slug")[:3])

    assert rows == [("p0", "Author p0", ""), ("p1", "Author p1", ""), ("p2", "Author p2", "")]


@pytest.mark.parametrize("native", [True, False], ids=["native", "text"])
@pytest.mark.parametrize("resource_name", ["PaperResource", "PaperAdminResource"])
def test_paper_rows_equal_the_resource_export_cell_for_cell(seed, resource_name, native):
    """paper_rows reads values instead of asking each field's widget: same cells, same types."""
    from lab.core.spreadsheets import escape_cell
    from publications import resources

    PaperFactory(
        slug="edge",
        title="=HYPERLINK(“x”) – Ünïcode",
        venue=None,
        month=None,
        year=1999,
        selected=True,
        authors_complete=False,
        note="-note\nline two",
        abstract="",
    )
    resource = getattr(resources, resource_name)()
    papers = Paper.objects.order_by("slug")

    ours = [
        [escape_cell(cell) for cell in row]
        for row in paper_rows(resource, papers, native=native)
    ]
    theirs = resource.export(papers.for_list(), force_native_type=native)

    assert ours == [list(row) for row in theirs]
    assert [[type(c) for c in row] for row in ours] == [[type(c) for c in r] for r in theirs]
    assert len(ours) == Paper.objects.count() > 50


def test_paper_rows_refuse_a_column_they_cannot_read_as_a_value():
    from django.core.exceptions import ImproperlyConfigured

    from publications.resources import PaperResource

    class Dehydrated(PaperResource):
        def dehydrate_title(self, paper):
            return paper.title.upper()

    with pytest.raises(ImproperlyConfigured, match="'title' of Dehydrated"):
        list(paper_rows(Dehydrated()))


# --- import -------------------------------------------------------------------------------------


def test_workbook_round_trip_after_deleting_everything_gives_the_same_records(seed, lab_admin):
    Authorship.objects.order_by("pk").first().affiliations.add(Institution.objects.first())
    # Keywords (one renamed since its slug was made) and the citation fields on two papers.
    first, second = Paper.objects.order_by("slug")[:2]
    renamed = KeywordFactory(name="Machine learning systems", slug="ml")
    first.keywords.add(renamed, KeywordFactory(name="GPU", slug="gpu"))
    second.keywords.add(renamed)
    Paper.objects.filter(pk=first.pk).update(
        volume="17",
        number="8",
        pages="1234–1246",
        publisher="VLDB Endowment",
        isbn="978-1-939133-39-7",
        issn="2150-8097",
        event_place="Lisbon, Portugal",
        event_dates="April 15–16, 2024",
        pdf_url="first.pdf",
        slides_url="https://example.org/slides",
        google_scholar_id="qyhmnyLat1gC",
    )
    before = snapshot()
    content = exported()
    delete_everything()
    assert sum(model.objects.count() for model in MODELS) == 0

    outcome = import_workbook(sheets_of(content), user=lab_admin, dry_run=False, file_name="lab")

    assert outcome.problems == []
    assert outcome.summary_lines() == [
        "institutions: 25 new, 0 changed, 0 unchanged",
        "people: 162 new, 0 changed, 0 unchanged",
        "venues: 28 new, 0 changed, 0 unchanged",
        "keywords: 2 new, 0 changed, 0 unchanged",
        "papers: 52 new, 0 changed, 0 unchanged",
        "affiliations: 0 new, 1 changed, 0 unchanged",
        "roles: 30 new, 0 changed, 0 unchanged",
        "awards: 20 new, 0 changed, 0 unchanged",
        "service: 17 new, 0 changed, 0 unchanged",
    ]
    assert snapshot() == before


def test_workbook_reimported_unchanged_changes_nothing(seed, lab_admin):
    content = exported()

    outcome = import_workbook(sheets_of(content), user=lab_admin, dry_run=False)

    assert outcome.ok
    assert [line.split(": ", 1)[1].split(",")[:2] for line in outcome.summary_lines()] == [
        ["0 new", " 0 changed"]
    ] * len(SHEET_NAMES)
    assert LogEntry.objects.count() == 0


def test_workbook_dry_run_writes_nothing(seed, lab_admin):
    content = exported()
    delete_everything()

    outcome = import_workbook(sheets_of(content), user=lab_admin, dry_run=True)

    assert outcome.ok
    assert outcome.summary_lines()[0] == "institutions: 25 new, 0 changed, 0 unchanged"
    assert sum(model.objects.count() for model in MODELS) == 0
    assert LogEntry.objects.count() == 0


def test_workbook_bad_row_in_last_sheet_writes_nothing_from_earlier_sheets(seed, lab_admin):
    content = edited(exported(), "service", "B2", "no-such-venue")
    delete_everything()

    outcome = import_workbook(sheets_of(content), user=lab_admin, dry_run=False)

    assert outcome.problems == ["Sheet service, row 2, column venue: no venue “no-such-venue”"]
    assert not outcome.ok
    assert sum(model.objects.count() for model in MODELS) == 0
    assert LogEntry.objects.count() == 0


def test_workbook_problem_stops_later_sheets_and_names_them(seed, lab_admin):
    content = edited(exported(), "venues", "D2", "no-such-kind")
    delete_everything()

    outcome = import_workbook(sheets_of(content), user=lab_admin, dry_run=False)

    assert outcome.problems == [
        "Sheet venues, row 2, column kind: "
        "Value 'no-such-kind' is not a valid choice."
    ]
    assert outcome.summary_lines()[3:] == [
        f"{name}: not checked (an earlier sheet has problems)" for name in SHEET_NAMES[3:]
    ]
    assert Institution.objects.count() == 0


def test_workbook_with_an_unknown_sheet_is_refused(seed):
    content = with_extra_sheet(exported(), "grants")

    with pytest.raises(WorkbookError) as error:
        import_workbook(sheets_of(content), dry_run=True)

    assert str(error.value) == (
        "The workbook has sheets this import does not know: “grants”. The sheets are: "
        "institutions, people, venues, keywords, papers, affiliations, roles, awards, service."
    )


def test_workbook_without_a_required_sheet_is_refused(seed):
    content = without_sheet(exported(), "venues")

    with pytest.raises(WorkbookError) as error:
        import_workbook(sheets_of(content), dry_run=True)

    assert str(error.value) == (
        "The workbook lacks the sheets “venues” (a sheet may be empty except for its header "
        "row, but it must be there)."
    )


def test_workbook_without_the_optional_affiliations_sheet_imports(seed, lab_admin):
    content = without_sheet(exported(), "affiliations")

    outcome = import_workbook(sheets_of(content), user=lab_admin, dry_run=True)

    assert outcome.ok
    assert "affiliations" not in [sheet.name for sheet in outcome.sheets]


def test_workbook_import_without_private_columns_refuses_them(seed):
    content = exported(include_private=True)

    outcome = import_workbook(sheets_of(content), dry_run=True, include_private=False)

    assert outcome.problems[0].startswith("Sheet people: ")
    assert "phone" in outcome.problems[0]


# --- commands -----------------------------------------------------------------------------------


def test_export_workbook_command_writes_xlsx_and_ods(seed, tmp_path):
    out = io.StringIO()
    call_command("export_workbook", str(tmp_path / "lab.xlsx"), stdout=out)
    call_command("export_workbook", str(tmp_path / "lab.ods"), "--private", stdout=io.StringIO())

    workbook = openpyxl.load_workbook(tmp_path / "lab.xlsx", read_only=True)
    assert workbook.sheetnames == list(SHEET_NAMES)
    assert (tmp_path / "lab.ods").read_bytes()[:2] == b"PK"
    assert out.getvalue().startswith(f"Wrote {tmp_path / 'lab.xlsx'} (sheets: institutions,")


def test_export_workbook_command_refuses_another_format(tmp_path):
    with pytest.raises(CommandError, match=r"must end in \.xlsx or \.ods"):
        call_command("export_workbook", str(tmp_path / "lab.csv"))


def test_import_workbook_command_imports_and_logs(seed, lab_admin, tmp_path):
    path = tmp_path / "lab.xlsx"
    path.write_bytes(exported())
    delete_everything()
    out = io.StringIO()

    call_command("import_workbook", str(path), "--user", lab_admin.username, stdout=out)

    assert Paper.objects.count() == 52
    assert out.getvalue().splitlines()[4] == "papers: 52 new, 0 changed, 0 unchanged"
    assert out.getvalue().splitlines()[-1] == "Imported."
    assert LogEntry.objects.filter(user=lab_admin).count() == 25 + 162 + 28 + 52 + 30 + 20 + 17


def test_import_workbook_command_dry_run_writes_nothing(seed, lab_admin, tmp_path):
    path = tmp_path / "lab.xlsx"
    path.write_bytes(exported())
    delete_everything()
    out = io.StringIO()

    call_command("import_workbook", str(path), "--dry-run", "--user", "curator", stdout=out)

    assert Paper.objects.count() == 0
    assert out.getvalue().splitlines()[-1] == "Dry run: nothing was written."


def test_import_workbook_command_fails_on_problems_and_writes_nothing(seed, lab_admin, tmp_path):
    path = tmp_path / "lab.xlsx"
    path.write_bytes(edited(exported(), "service", "B2", "no-such-venue"))
    delete_everything()
    err = io.StringIO()

    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command(
            "import_workbook", str(path), "--user", "curator", stdout=io.StringIO(), stderr=err
        )

    assert err.getvalue() == "Sheet service, row 2, column venue: no venue “no-such-venue”\n"
    assert Person.objects.count() == 0


def test_import_workbook_command_exit_code_is_non_zero_on_problems(seed, lab_admin, tmp_path):
    path = tmp_path / "lab.xlsx"
    path.write_bytes(edited(exported(), "service", "B2", "no-such-venue"))

    with pytest.raises(SystemExit) as exit_:
        from django.core.management import ManagementUtility

        ManagementUtility(
            ["manage.py", "import_workbook", str(path), "--user", "curator"]
        ).execute()

    assert exit_.value.code == 1


def test_import_workbook_command_refuses_unknown_user_and_missing_permissions(tmp_path):
    UserFactory(username="viewer", is_staff=True)
    path = tmp_path / "lab.xlsx"
    path.write_bytes(exported())

    with pytest.raises(CommandError, match="No user “nobody”"):
        call_command("import_workbook", str(path), "--user", "nobody")
    with pytest.raises(CommandError, match="viewer may not import a workbook: missing"):
        call_command("import_workbook", str(path), "--user", "viewer")


def test_import_workbook_command_refuses_an_ods_file(lab_admin, tmp_path):
    path = tmp_path / "lab.ods"
    path.write_bytes(exported(fmt="ods"))

    with pytest.raises(CommandError, match=r"cannot be imported: in LibreOffice choose"):
        call_command("import_workbook", str(path), "--user", "curator")


# --- LibreOffice --------------------------------------------------------------------------------


SOFFICE = shutil.which("soffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_workbook_opens_in_libreoffice(seed, tmp_path, fmt):
    source = tmp_path / f"lab.{fmt}"
    source.write_bytes(exported(fmt=fmt))
    first_paper = Paper.objects.first()
    # Token 12 = -1: one CSV per sheet, named lab-<sheet>.csv (LibreOffice 7.2+).
    filter_options = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"

    completed = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            filter_options,
            "--outdir",
            str(tmp_path / "out"),
            str(source),
        ],
        capture_output=True,
        timeout=180,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    with (tmp_path / "out" / "lab-papers.csv").open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    headers = rows[0]
    assert headers[:4] == ["slug", "title", "system_name", "authors"]
    assert rows[1][0] == first_paper.slug
    assert rows[1][3] == paper_byline(first_paper)
    assert len(rows) == 1 + Paper.objects.count()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"lab-{name}.csv" for name in SHEET_NAMES
    )


# --- admin --------------------------------------------------------------------------------------


def upload(content: bytes, name="lab.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def confirm_token(response) -> str:
    return response.context["confirm_form"].initial["token"]


def test_admin_index_links_to_the_workbook(lab_admin_client):
    response = lab_admin_client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert reverse("workbook:index").encode() in response.content


def test_admin_workbook_page_offers_export_and_upload(lab_admin_client):
    response = lab_admin_client.get(reverse("workbook:index"))

    assert response.status_code == 200
    assert response.content.count(b"<h1") == 1
    assert reverse("workbook:export", args=["xlsx"]).encode() in response.content
    assert b'<label for="id_workbook">' in response.content


def test_admin_workbook_export_downloads_xlsx_with_private_columns(
    seed, lab_admin_client, private_person
):
    response = lab_admin_client.get(reverse("workbook:export", args=["xlsx"]))

    content = b"".join(response.streaming_content)
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    headers = next(workbook["people"].iter_rows(max_row=1, values_only=True))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="lab-')
    assert workbook.sheetnames == list(SHEET_NAMES)
    assert "phone" in headers


def test_admin_workbook_export_ods(seed, lab_admin_client):
    response = lab_admin_client.get(reverse("workbook:export", args=["ods"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.oasis.opendocument.spreadsheet"
    assert b"".join(response.streaming_content)[:2] == b"PK"


def test_admin_workbook_export_unknown_format_is_404(lab_admin_client):
    assert lab_admin_client.get("/admin/workbook/export.csv").status_code == 404


def test_admin_workbook_preview_then_confirm_imports(seed, lab_admin_client, lab_admin):
    content = exported()
    delete_everything()

    preview = lab_admin_client.post(reverse("workbook:preview"), {"workbook": upload(content)})

    assert preview.status_code == 200
    assert preview.context["outcome"].summary_lines()[4] == "papers: 52 new, 0 changed, 0 unchanged"
    assert b"papers" in preview.content and b"52 new, 0 changed, 0 unchanged" in preview.content
    assert Paper.objects.count() == 0

    done = lab_admin_client.post(reverse("workbook:confirm"), {"token": confirm_token(preview)})

    assert done.status_code == 302
    assert done["Location"] == reverse("workbook:index")
    assert Paper.objects.count() == 52
    assert Person.objects.count() == 162
    title = Paper.objects.first().title
    assert LogEntry.objects.filter(user=lab_admin, object_repr=title).count() == 1


def test_admin_workbook_preview_lists_problems_and_offers_no_confirm(seed, lab_admin_client):
    content = edited(exported(), "papers", "E2", "no-such-venue")

    response = lab_admin_client.post(reverse("workbook:preview"), {"workbook": upload(content)})

    assert response.status_code == 200
    assert response.context["confirm_form"] is None
    assert response.context["outcome"].problems == [
        "Sheet papers, row 2, column venue: no venue “no-such-venue”"
    ]
    problem = "Sheet papers, row 2, column venue: no venue “no-such-venue”"
    assert problem in response.content.decode()


def test_admin_workbook_preview_refuses_a_broken_file(lab_admin_client):
    response = lab_admin_client.post(
        reverse("workbook:preview"), {"workbook": upload(b"slug,name\n", "lab.csv")}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "workbook": [
            "A whole-lab import needs an Excel workbook (.xlsx) with one sheet per kind of record."
        ]
    }


def test_admin_workbook_confirm_refuses_a_forged_token(seed, lab_admin_client):
    response = lab_admin_client.post(reverse("workbook:confirm"), {"token": "forged:token"})

    assert response.status_code == 302
    assert Paper.objects.count() == 52


def test_admin_workbook_confirm_refuses_another_users_token(seed, lab_admin_client, client):
    content = exported()
    delete_everything()
    preview = lab_admin_client.post(reverse("workbook:preview"), {"workbook": upload(content)})
    other = UserFactory(username="other-admin", is_staff=True, is_superuser=True)
    client.force_login(other)

    response = client.post(reverse("workbook:confirm"), {"token": confirm_token(preview)})

    assert response.status_code == 302
    assert Paper.objects.count() == 0


def test_admin_workbook_confirm_is_post_only(lab_admin_client):
    assert lab_admin_client.get(reverse("workbook:confirm")).status_code == 405
    assert lab_admin_client.get(reverse("workbook:preview")).status_code == 405
    assert lab_admin_client.post(reverse("workbook:index")).status_code == 405


@pytest.mark.parametrize("name", ["index", "preview", "confirm"])
def test_admin_workbook_sends_members_and_visitors_to_login(client, member_client, name):
    method = "get" if name == "index" else "post"
    url = reverse(f"workbook:{name}")

    for who in (client, member_client):
        response = getattr(who, method)(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def staff_with(*codenames):
    user = UserFactory(username="staff", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def test_admin_workbook_staff_without_a_view_permission_gets_403(client):
    views = [f"view_{m._meta.model_name}" for m in MODELS if m is not Service]
    client.force_login(staff_with(*views))

    assert client.get(reverse("workbook:index")).status_code == 403
    assert client.get(reverse("workbook:export", args=["xlsx"])).status_code == 403


def test_admin_workbook_view_only_staff_exports_without_private_columns_but_cannot_import(
    client, private_person
):
    client.force_login(staff_with(*(f"view_{m._meta.model_name}" for m in MODELS)))

    page = client.get(reverse("workbook:index"))
    response = client.get(reverse("workbook:export", args=["xlsx"]))
    content = b"".join(response.streaming_content)
    headers = next(
        openpyxl.load_workbook(io.BytesIO(content), read_only=True)["people"].iter_rows(
            max_row=1, values_only=True
        )
    )
    assert page.status_code == 200
    assert b"workbook-upload" not in page.content
    assert "phone" not in headers
    assert client.post(reverse("workbook:preview"), {"workbook": upload(b"x")}).status_code == 403
    assert client.post(reverse("workbook:confirm"), {"token": "x"}).status_code == 403


def test_admin_workbook_staff_lacking_one_change_permission_cannot_import(client):
    codenames = [
        f"{action}_{m._meta.model_name}"
        for m in MODELS
        for action in ("view", "add", "change")
        if not (m is Role and action == "change")
    ]
    client.force_login(staff_with(*codenames))

    assert client.get(reverse("workbook:index")).status_code == 200
    assert client.post(reverse("workbook:preview"), {"workbook": upload(b"x")}).status_code == 403


# --- the streamed download of paper lists ---------------------------------------------------------


@pytest.mark.parametrize("sort", ["newest", "oldest", "title", "venue"])
def test_streamed_paper_download_equals_the_dataset_export(seed, rf, sort):
    from lab.core.spreadsheets import csv_bytes
    from publications.exports import papers_response
    from publications.resources import PaperResource

    papers = Paper.objects.sorted_by(sort)
    dataset = PaperResource().export(papers.for_list())

    response = papers_response(papers, "csv", filename="all", request=rf.get("/"))

    assert response.content == csv_bytes(dataset.headers, dataset)


def test_a_byline_cell_reads_a_person_created_after_the_people_were_read():
    """paper_rows' five queries are five snapshots: an import committing between the people
    query and the byline rows' gives rows of people not read (a KeyError, a 500, before)."""
    from publications.byline import MARK_FIELDS
    from publications.rows import _BylineCells

    cells = _BylineCells([])  # the people as read before the import committed
    person = PersonFactory(name="Late Comer")
    no_marks = (False,) * len(MARK_FIELDS)

    assert cells([(1, person.pk, "", *no_marks)]) == "Late Comer"
