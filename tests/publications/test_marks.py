"""The one table of marks (publications.byline.MARK_TABLE): every place a mark is named reads
it, so a mark is labelled the same in the admin, on pages, in exports and in the README."""

import re
from pathlib import Path

import pytest

from publications.admin import PaperAdminForm
from publications.byline import MARK_TABLE, MARKS, parse_byline
from publications.models import Authorship
from publications.services import paper_set_byline
from tests.factories import PaperFactory

README = Path(__file__).resolve().parent.parent.parent / "README.md"


def test_the_table_has_one_row_per_mark_field_of_authorship():
    boolean_fields = {
        f.name for f in Authorship._meta.get_fields() if f.get_internal_type() == "BooleanField"
    }

    assert [mark.field for mark in MARK_TABLE] == list(MARKS.values())
    assert set(MARKS.values()) == boolean_fields
    assert len({mark.sign for mark in MARK_TABLE}) == len({mark.label for mark in MARK_TABLE}) == 4


@pytest.mark.parametrize("mark", MARK_TABLE, ids=lambda mark: mark.field)
def test_model_field_is_named_and_explained_by_the_table(mark):
    field = Authorship._meta.get_field(mark.field)

    assert (field.verbose_name, field.help_text) == (f"{mark.label} ({mark.sign})", mark.legend)


def test_admin_byline_help_lists_every_mark_with_its_label():
    help_text = PaperAdminForm.base_fields["byline"].help_text

    assert (
        "* equal contribution, † system/project lead, ‡ mentee, ✉ corresponding author"
        in help_text
    )


def test_byline_parser_reads_every_sign_of_the_table():
    entry = parse_byline("Alice Ang" + "".join(mark.sign for mark in MARK_TABLE))[0]

    assert all(getattr(entry, mark.field) for mark in MARK_TABLE)


@pytest.mark.django_db
def test_pages_title_each_sign_and_list_the_legend_with_the_tables_labels(client):
    paper = PaperFactory(slug="marked")
    paper_set_byline(paper=paper, byline="Alice Ang*†‡✉; Bob Bai*")

    content = client.get("/papers/marked/").content.decode()

    titles = re.findall(r'<span class="mark" title="([^"]+)">([^<]+)</span>', content)
    expected = [(mark.label, mark.sign) for mark in MARK_TABLE]
    assert titles == [*expected, ("equal contribution", "*")]
    legend = re.findall(r'<li><span class="mark">([^<]+)</span> ([^<]+)</li>', content)
    assert legend == [(mark.sign, mark.label) for mark in MARK_TABLE]


@pytest.mark.django_db
def test_spreadsheet_byline_cells_write_the_tables_signs(client):
    paper = PaperFactory(slug="marked")
    paper_set_byline(paper=paper, byline="Alice Ang*✉; Bob Bai†‡")

    csv = client.get("/publications/download.csv").content.decode("utf-8-sig")

    assert "Alice Ang*✉; Bob Bai†‡" in csv


def test_readme_table_of_marks_is_the_table():
    rows = re.findall(
        r"^\s*\| `(.)` \| `(\w+)` \| ([^|]+) \| ([^|]+) \|$", README.read_text(), re.MULTILINE
    )

    read = [(sign, field, label.strip(), legend.strip()) for sign, field, label, legend in rows]
    assert read == [(mark.sign, mark.field, mark.label, mark.legend) for mark in MARK_TABLE]
