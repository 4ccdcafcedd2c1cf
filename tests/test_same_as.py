"""Import previews suggest, for each person a file would create, the people already here they
may be ("new person Anna C. Squicciarini - may be Anna Squicciarini: 3 shared co-authors"),
with a choice to use the existing person: the spelling then becomes their alias."""

import io

import pytest
from openpyxl import load_workbook

from lab.core.spreadsheets import csv_bytes
from people.models import Person
from publications.models import Authorship, Paper
from publications.services import paper_set_byline
from tests.factories import PaperFactory, PersonFactory, VenueFactory

pytestmark = pytest.mark.django_db

BIBTEX = "/admin/publications/paper/import-bibtex/"
PAPERS = "/admin/publications/paper"


@pytest.fixture
def anna(db):
    anna = PersonFactory(name="Anna Squicciarini", slug="anna")
    for number in range(3):
        PersonFactory(name=f"Coauthor {number}", slug=f"co-{number}")
        byline = f"Anna Squicciarini <anna>; Coauthor {number} <co-{number}>"
        paper_set_byline(paper=PaperFactory(), byline=byline)
    VenueFactory(slug="cikm", name="CIKM", short_name="CIKM")
    return anna


def the_new_name_is_annas(paper_title: str, anna: Person) -> None:
    row = Authorship.objects.get(paper__title=paper_title, position=1)
    anna.refresh_from_db()
    assert (row.person, row.printed_name) == (anna, "Anna C. Squicciarini")
    assert "Anna C. Squicciarini" in anna.alias_list
    assert not Person.objects.filter(name="Anna C. Squicciarini").exists()


def choice_values(response) -> list[tuple[str, list[str]]]:
    choices = response.context["same_as"]
    return [(choice.name, [label for _, label in choice.options]) for choice in choices]


BIB = (
    "@inproceedings{k, author={Squicciarini, Anna C. and Coauthor 0 and Coauthor 1}, "
    "title={Privacy in Groups}, booktitle={CIKM}, year={2024}}"
)


def test_bibtex_preview_offers_the_existing_person_and_confirm_uses_them(lab_admin_client, anna):
    preview = lab_admin_client.post(BIBTEX, {"bibtex_text": BIB})

    [(name, labels)] = choice_values(preview)
    assert name == "Anna C. Squicciarini"
    assert labels[0].startswith("Anna Squicciarini (anna): ")
    assert "shared co-author" in labels[0]
    assert "may be Anna Squicciarini (anna)" in preview.content.decode()
    value = preview.context["same_as"][0].options[0][0]

    lab_admin_client.post(
        BIBTEX, {"payload": preview.context["confirm_payload"], "same_as": [value]}
    )

    the_new_name_is_annas("Privacy in Groups", anna)


def test_bibtex_confirm_without_a_choice_creates_the_new_person(lab_admin_client, anna):
    preview = lab_admin_client.post(BIBTEX, {"bibtex_text": BIB})

    lab_admin_client.post(BIBTEX, {"payload": preview.context["confirm_payload"], "same_as": [""]})

    assert Person.objects.filter(name="Anna C. Squicciarini").count() == 1
    assert anna.alias_list == []


def test_a_forged_choice_is_ignored(lab_admin_client, anna):
    preview = lab_admin_client.post(BIBTEX, {"bibtex_text": BIB})

    lab_admin_client.post(
        BIBTEX, {"payload": preview.context["confirm_payload"], "same_as": [f"['x', {anna.pk}]"]}
    )

    assert Person.objects.filter(name="Anna C. Squicciarini").count() == 1


def test_spreadsheet_preview_offers_the_existing_person_and_confirm_uses_them(
    lab_admin_client, anna
):
    content = csv_bytes(
        ["slug", "title", "authors", "venue", "year"],
        [["privacy", "Privacy in Groups", "Anna C. Squicciarini; Coauthor 0", "cikm", 2024]],
    )
    upload = io.BytesIO(content)
    upload.name = "papers.csv"
    preview = lab_admin_client.post(
        f"{PAPERS}/import/", {"format": "0", "resource": "0", "import_file": upload}
    )
    [(name, labels)] = choice_values(preview)
    assert (name, labels[0].split(":")[0]) == ("Anna C. Squicciarini", "Anna Squicciarini (anna)")
    form = preview.context["confirm_form"]
    data = {field: form.initial.get(field, "") for field in form.fields}

    confirmed = lab_admin_client.post(
        f"{PAPERS}/process_import/",
        {**data, "same_as": [preview.context["same_as"][0].options[0][0]]},
    )

    assert confirmed.status_code == 302
    the_new_name_is_annas("Privacy in Groups", anna)


def test_workbook_preview_offers_the_existing_person_and_confirm_uses_them(
    lab_admin_client, anna
):
    exported = lab_admin_client.get("/admin/workbook/export.xlsx")
    workbook = load_workbook(io.BytesIO(b"".join(exported.streaming_content)))
    papers = workbook["papers"]
    headers = [cell.value for cell in papers[1]]
    row = [""] * len(headers)
    values = {"slug": "privacy", "title": "Privacy in Groups", "venue": "cikm", "year": 2024,
              "status": "published", "authors": "Anna C. Squicciarini; Coauthor 1"}  # fmt: skip
    for column, value in values.items():
        row[headers.index(column)] = value
    papers.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = io.BytesIO(buffer.getvalue())
    upload.name = "lab.xlsx"

    preview = lab_admin_client.post("/admin/workbook/preview/", {"workbook": upload})
    [(name, _labels)] = choice_values(preview)
    token = preview.context["confirm_form"].initial["token"]
    value = preview.context["same_as"][0].options[0][0]
    confirmed = lab_admin_client.post(
        "/admin/workbook/confirm/", {"token": token, "same_as": [value]}
    )

    assert name == "Anna C. Squicciarini"
    assert confirmed.status_code == 302
    assert Paper.objects.filter(slug="privacy").exists()
    the_new_name_is_annas("Privacy in Groups", anna)
