"""Regenerate the XLSX files of tests/data/imports/ from their CSV twins.

Run from the project root: ``.venv/bin/python tests/data/imports/make_files.py``. Numbers are
written as numbers, as Excel would; the CSV files are written by hand (see the tests that use
them: tests/test_admin_import_export.py, tests/test_importing.py).
"""

import csv
import datetime
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
FIXED_STAMP = datetime.datetime(2024, 1, 1)


def typed(value: str):
    return int(value) if value.isdigit() else (value or None)


def xlsx_from_csv(name: str) -> None:
    with open(HERE / f"{name}.csv", encoding="utf-8-sig", newline="") as source:
        rows = list(csv.reader(source))
    workbook = Workbook()
    workbook.properties.created = workbook.properties.modified = FIXED_STAMP
    sheet = workbook.active
    sheet.title = "Papers"
    sheet.append(rows[0])
    for row in rows[1:]:
        sheet.append([typed(value) for value in row])
    workbook.save(HERE / f"{name}.xlsx")


if __name__ == "__main__":
    xlsx_from_csv("papers_new")
