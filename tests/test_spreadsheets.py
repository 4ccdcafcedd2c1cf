import csv
import datetime
import io

import openpyxl
import pytest
import tablib
from django.http import Http404

from lab.core.spreadsheets import (
    csv_bytes,
    csv_chunks,
    dataset_response,
    escape_cell,
    xlsx_bytes,
)

DANGEROUS = [
    "=1+1",
    "+1",
    "-1",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "\0=1",
    # Control characters XML cannot hold: dropped from XLSX, which must not leave "=1" bare.
    "\x01=1",
    '\x0b=HYPERLINK("http://x")',
    "\x1f@x",
    "\n=1",
]


@pytest.mark.parametrize("value", DANGEROUS)
def test_escape_cell_prefixes_an_apostrophe_to_formula_triggers(value):
    assert escape_cell(value) == "'" + value


@pytest.mark.parametrize(
    "value",
    [
        "Qinghao Hu",
        "",
        "a=b",
        "'=already escaped",
        2024,
        -3,
        1.5,
        True,
        None,
        datetime.date(2024, 1, 2),
    ],
)
def test_escape_cell_leaves_safe_values_as_they_are(value):
    assert escape_cell(value) == value


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def read_xlsx(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows()]


def test_csv_bytes_starts_with_a_bom_and_escapes_every_cell():
    content = csv_bytes(["title", "=head"], [["Sánchez", "=1+1"], [2024, None]])

    assert content.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in content
    assert read_csv(content) == [["title", "'=head"], ["Sánchez", "'=1+1"], ["2024", ""]]


@pytest.mark.parametrize("count", [0, 1, 3, 4, 7])
def test_csv_chunks_are_csv_bytes_in_pieces(count):
    rows = [[f"=row {n}", n, "Sánchez\r\n", None] for n in range(count)]

    chunks = list(csv_chunks(["title", "n", "note", "x"], rows, rows_per_chunk=3))

    assert b"".join(chunks) == csv_bytes(["title", "n", "note", "x"], rows)
    assert len(chunks) == max(1, -(-count // 3))  # the header rides with the first rows


def test_xlsx_bytes_has_no_formula_cells_and_keeps_numbers_numbers():
    content = xlsx_bytes(["text", "year", "flag"], [[value, 2024, True] for value in DANGEROUS])

    rows = read_xlsx(content)

    assert [cell.data_type for row in rows for cell in row if cell.data_type == "f"] == []
    # Control characters XML cannot hold are dropped; a CR is kept (openpyxl writes it through
    # lxml as a character reference); the apostrophe stays in front.
    assert [row[0].value for row in rows[1:]] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\t=1",
        "'\r=1",
        "'=1",
        "'=1",
        '\'=HYPERLINK("http://x")',
        "'@x",
        "'\n=1",
    ]
    assert {(row[1].value, row[2].value) for row in rows[1:]} == {(2024, True)}
    assert rows[0][0].font.bold is True


def test_xlsx_bytes_writes_aware_datetimes_as_local_time():
    when = datetime.datetime(2024, 5, 1, 12, 30, tzinfo=datetime.UTC)

    rows = read_xlsx(xlsx_bytes(["when"], [[when]]))

    assert rows[1][0].value == datetime.datetime(2024, 5, 1, 12, 30)


def test_dataset_response_names_the_attachment_and_sets_the_content_type():
    dataset = tablib.Dataset(["a", 1], headers=["text", "number"])

    csv_response = dataset_response(dataset, "csv", filename="people")
    xlsx_response = dataset_response(dataset, "xlsx", filename="people")

    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_response["Content-Disposition"] == 'attachment; filename="people.csv"'
    assert read_csv(csv_response.content) == [["text", "number"], ["a", "1"]]
    assert xlsx_response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert xlsx_response["Content-Disposition"] == 'attachment; filename="people.xlsx"'
    assert [[c.value for c in row] for row in read_xlsx(xlsx_response.content)] == [
        ["text", "number"],
        ["a", 1],
    ]


def test_dataset_response_is_404_for_an_unknown_format():
    with pytest.raises(Http404):
        dataset_response(tablib.Dataset(), "ods", filename="people")
