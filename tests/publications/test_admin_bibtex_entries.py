"""The admin's paper import entry by entry: a file whose entries partly have errors, posted
through the admin as a lab admin with the test client; the preview's result for every entry,
the default all-or-nothing, "Import all but the entries with errors", the result page listing
what was left out and the .bib of it to download, the file's format carried in the signed
payload, and who may do any of it."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from publications.admin_bibtex import SIGNING_SALT
from publications.bibtex_import import FORMATS, Format
from publications.bibtex_import.parse import read_file
from publications.byline import MARKS
from publications.models import Authorship, Paper
from tests.factories import PaperFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data" / "bibtex"
MIXED = DATA / "alfolio" / "papers_with_errors.bib"
URL = "/admin/publications/paper/import-bibtex/"
SURVEY_ERROR = "entry ye2024survey: year “20x4” is not a year between"


@pytest.fixture
def venues(db):
    return {
        "cikm": VenueFactory(
            slug="cikm",
            short_name="CIKM",
            name="ACM International Conference on Information and Knowledge Management",
        ),
        "asplos": VenueFactory(
            slug="asplos",
            short_name="ASPLOS",
            name="International Conference on Architectural Support for Programming "
            "Languages and Operating Systems",
        ),
    }


def upload(path: Path = MIXED, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes(), content_type="text/plain")


def preview(client, path: Path = MIXED, name: str | None = None):
    response = client.post(URL, {"bibtex_file": upload(path, name)})
    assert response.status_code == 200
    return response


def titles() -> list[str]:
    return list(Paper.objects.order_by("title").values_list("title", flat=True))


def byline(title: str) -> list[tuple[str, str]]:
    rows = Authorship.objects.filter(paper__title=title).select_related("person")
    return [
        (a.person.name, "".join(sign for sign, flag in MARKS.items() if getattr(a, flag)))
        for a in rows.order_by("position")
    ]


# --- The preview ---------------------------------------------------------------------------------


def test_preview_shows_every_entry_result(lab_admin_client, venues):
    existing = PaperFactory(
        title="Lucid: A Non-Intrusive, Scalable and Interpretable Scheduler for Deep Learning "
        "Training Jobs",
        year=2023,
    )

    response = preview(lab_admin_client)

    plan = response.context["plan"]
    assert [(e.label, e.action) for e in plan.entries] == [
        ("hu2023lucid", "duplicate"),
        ("pang2024graphs", "new"),
        ("ye2024survey", "error"),
        ("zhang2024torchgt", "error"),
        ("hu2025preprint", "new"),
    ]
    content = response.content.decode()
    new_rows = re.findall(r"<tr>\s*<td>(\w+)</td>", content.split('id="bibtex-new-papers"')[1])
    assert new_rows[:2] == ["pang2024graphs", "hu2025preprint"]
    duplicates = content.split('id="bibtex-duplicates"')[1].split("</table>")[0]
    assert f'/admin/publications/paper/{existing.pk}/change/">{existing.title}</a>' in duplicates
    errors = content.split('id="bibtex-errors"')[1].split("</table>")[0]
    assert f"<li>{SURVEY_ERROR} " in errors
    assert "<li>entry zhang2024torchgt: cannot be read (line 33): Unexpected block start" in errors
    # The fields an entry would not bring, named beside it and counted for the file.
    new_papers = content.split('id="bibtex-new-papers"')[1].split("</table>")[0]
    assert (
        "<li><code>preview</code>: al-folio&#x27;s thumbnail picture; pictures are not "
        "imported</li>"
    ) in new_papers
    not_imported = content.split('id="bibtex-not-imported"')[1].split("</table>")[0]
    assert re.findall(r"<code>(\w+)</code>", not_imported) == ["bibtex_show", "preview"]
    assert Paper.objects.count() == 1


def test_preview_with_errors_offers_only_import_all_but_them(lab_admin_client, venues):
    response = preview(lab_admin_client)

    content = response.content.decode()
    assert response.context["can_confirm"] is False
    assert response.context["can_skip_errors"] is True
    assert "Confirm import of" not in content
    assert (
        '<button type="submit" name="skip_errors" value="1">Import all but the entries with '
        "errors (3 papers; 2 entries left out)</button>"
    ) in content
    data = signing.loads(response.context["confirm_payload"], salt=SIGNING_SALT)
    assert (data["format"], data["may_skip"]) == ("bibtex", True)


def test_preview_of_a_clean_file_offers_only_the_all_or_nothing_confirm(lab_admin_client):
    response = preview(lab_admin_client, DATA / "papers.bib")

    content = response.content.decode()
    assert 'value="Confirm import of 4 papers"' in content
    assert 'name="skip_errors"' not in content
    assert (
        signing.loads(response.context["confirm_payload"], salt=SIGNING_SALT)["may_skip"] is False
    )


def test_preview_with_nothing_but_errors_offers_no_confirm(lab_admin_client):
    response = preview(lab_admin_client, DATA / "invalid_fields.bib")

    assert response.context["confirm_payload"] is None
    assert 'name="payload"' not in response.content.decode()


def assert_no_inline_code(content: str) -> None:
    """What the strict Content-Security-Policy refuses (docs/security.md)."""
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", content) == []
    assert "<style" not in content
    assert " style=" not in content
    assert re.findall(r"\son[a-z]+=", content) == []


def test_preview_and_result_pages_have_no_inline_script_or_style(lab_admin_client, venues):
    response = preview(lab_admin_client)
    result = lab_admin_client.post(
        URL, {"payload": response.context["confirm_payload"], "skip_errors": "1"}
    )

    assert result.templates[0].name == "admin/publications/paper/import_bibtex_result.html"
    for page in (response, result):
        assert_no_inline_code(page.content.decode())


# --- Confirming ----------------------------------------------------------------------------------


def test_the_default_is_all_or_nothing(lab_admin_client, venues):
    payload = preview(lab_admin_client).context["confirm_payload"]

    response = lab_admin_client.post(URL, {"payload": payload})

    assert response.status_code == 200
    assert Paper.objects.count() == 0
    assert [e.action for e in response.context["plan"].entries].count("error") == 2
    assert [str(m) for m in response.context["messages"]] == [
        "Nothing was imported: 2 entries have errors. Fix them and upload the file again, or "
        "import all but them."
    ]


def test_import_all_but_the_entries_with_errors(lab_admin_client, venues):
    payload = preview(lab_admin_client).context["confirm_payload"]

    response = lab_admin_client.post(URL, {"payload": payload, "skip_errors": "1"})

    assert response.status_code == 200
    assert titles() == [
        "Friends of Friends at Scale",
        "Lucid: A Non-Intrusive, Scalable and Interpretable Scheduler for Deep Learning "
        "Training Jobs",
        "Universal and Efficient Load Balancing for RL Training of Large Multimodal Models",
    ]
    assert byline("Friends of Friends at Scale") == [
        ("Ce Pang", "*"),
        ("Sourabh Yadav", "*"),
        ("Yu Chen", ""),
    ]
    assert Paper.objects.get(title="Friends of Friends at Scale").venue == venues["cikm"]
    content = response.content.decode()
    assert response.context["summary"] == (
        "Imported 3 papers, 7 new people, 1 new venue from BibTeX. 2 entries with errors were "
        "left out."
    )
    skipped = content.split('id="bibtex-skipped"')[1].split("</table>")[0]
    assert re.findall(r"<tr>\s*<td>(\w+)</td>", skipped) == ["ye2024survey", "zhang2024torchgt"]
    assert f"<li>{SURVEY_ERROR} " in skipped
    assert 'name="skipped"' in content


def test_the_entries_left_out_download_as_a_bib_to_fix_and_import_again(lab_admin_client, venues):
    payload = preview(lab_admin_client).context["confirm_payload"]
    result = lab_admin_client.post(URL, {"payload": payload, "skip_errors": "1"})

    download = lab_admin_client.post(URL, {"skipped": result.context["skipped_payload"]})

    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="skipped-entries.bib"'
    assert download["Content-Type"] == "text/plain; charset=utf-8"
    text = download.content.decode()
    assert f"% {SURVEY_ERROR}" in text
    assert "@article{ye2024survey," in text
    assert "@inproceedings{zhang2024torchgt," in text
    assert "hu2023lucid" not in text and "pang2024graphs" not in text
    # Fixed, the file imports what was left out.
    fixed = text.replace("year={20x4}", "year={2024}").replace("Sun, Jie,", "Sun, Jie},") + "}\n"
    again = lab_admin_client.post(URL, {"bibtex_text": fixed})
    assert [e.action for e in again.context["plan"].entries] == ["new", "new"]
    lab_admin_client.post(URL, {"payload": again.context["confirm_payload"]})
    assert Paper.objects.count() == 5


def test_a_forged_skip_is_refused_when_the_preview_did_not_offer_it(lab_admin_client):
    payload = preview(lab_admin_client, DATA / "papers.bib").context["confirm_payload"]

    response = lab_admin_client.post(URL, {"payload": payload, "skip_errors": "1"})

    assert response.status_code == 400
    assert Paper.objects.count() == 0
    assert (
        "This preview did not offer to import all but the entries with errors: upload the file "
        "again." in response.content.decode()
    )


def test_a_tampered_download_is_refused(lab_admin_client, venues):
    payload = preview(lab_admin_client).context["confirm_payload"]
    result = lab_admin_client.post(URL, {"payload": payload, "skip_errors": "1"})
    value, _, signature = result.context["skipped_payload"].rpartition(":")

    response = lab_admin_client.post(URL, {"skipped": f"{value}x:{signature}"})

    assert response.status_code == 400
    assert "Content-Disposition" not in response
    assert "The skipped entries do not match what was imported" in response.content.decode()


def test_skipping_runs_the_same_queries_for_one_or_five_good_entries(lab_admin_client, venues):
    def file_with(good: int, offset: int) -> str:
        entries = [
            f"@misc{{p{offset + i}, title={{Paper {offset + i}}}, author={{Author {offset + i} and "
            f"Shared Author}}, howpublished={{CIKM}}, year={{2024}}}}"
            for i in range(good)
        ]
        return "\n".join([*entries, "@misc{bad, title={Bad}, author={X Y}, year={20x4}}"])

    counts = []
    for good, offset in ((1, 0), (5, 100)):
        payload = lab_admin_client.post(URL, {"bibtex_text": file_with(good, offset)}).context[
            "confirm_payload"
        ]
        with CaptureQueriesContext(connection) as queries:
            lab_admin_client.post(URL, {"payload": payload, "skip_errors": "1"})
        counts.append(len(queries))

    assert Paper.objects.count() == 6
    assert counts[0] == counts[1]


# --- Formats ------------------------------------------------------------------------------------


def test_the_upload_format_goes_in_the_payload_and_to_the_import(
    lab_admin_client, venues, monkeypatch
):
    # A registered reader is used for its extension, from the preview to the import.
    monkeypatch.setitem(
        FORMATS,
        "testformat",
        Format(
            name="testformat",
            label="Test format",
            extensions=(".testbib",),
            read=read_file,
            empty="No entries.",
        ),
    )
    response = preview(lab_admin_client, DATA / "papers.bib", name="papers.testbib")

    assert "<h2>Preview (Test format)</h2>" in response.content.decode()
    payload = response.context["confirm_payload"]
    assert signing.loads(payload, salt=SIGNING_SALT)["format"] == "testformat"
    confirmed = lab_admin_client.post(URL, {"payload": payload})
    follow = lab_admin_client.get(confirmed["Location"])
    assert [str(m) for m in follow.context["messages"]] == [
        "Imported 4 papers, 9 new people, 4 new venues from Test format."
    ]


def test_pasted_text_and_unknown_extensions_are_bibtex(lab_admin_client):
    pasted = lab_admin_client.post(URL, {"bibtex_text": (DATA / "papers.bib").read_text()})
    unknown = preview(lab_admin_client, DATA / "papers.bib", name="papers.export")

    for response in (pasted, unknown):
        payload = response.context["confirm_payload"]
        assert signing.loads(payload, salt=SIGNING_SALT)["format"] == "bibtex"


def test_a_payload_naming_a_format_no_longer_read_is_refused(lab_admin_client):
    forged = signing.dumps(
        {"text": "@misc{a}", "fingerprint": "", "format": "gone", "may_skip": False},
        salt=SIGNING_SALT,
        compress=True,
    )

    response = lab_admin_client.post(URL, {"payload": forged})

    assert response.status_code == 400
    assert "The file&#x27;s format (gone) can no longer be read" in response.content.decode()


# --- Who may ------------------------------------------------------------------------------------


@pytest.fixture
def viewer(db):
    """Staff who may view every paper, person and venue, and change nothing."""
    user = UserFactory(username="viewer", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__in=ContentType.objects.filter(app_label__in=["people", "publications"]),
            codename__startswith="view_",
        )
    )
    return user


@pytest.mark.parametrize("who", ["visitor", "member", "viewer"])
def test_only_who_may_import_can_preview_confirm_or_download(
    client, lab_admin_client, venues, member, viewer, who
):
    payload = preview(lab_admin_client).context["confirm_payload"]
    result = lab_admin_client.post(URL, {"payload": payload, "skip_errors": "1"})
    skipped = result.context["skipped_payload"]
    Paper.objects.all().delete()
    lab_admin_client.logout()
    if who != "visitor":
        client.force_login({"member": member, "viewer": viewer}[who])

    answers = [
        client.get(URL),
        client.post(URL, {"bibtex_file": upload()}),
        client.post(URL, {"payload": payload, "skip_errors": "1"}),
        client.post(URL, {"skipped": skipped}),
    ]

    if who == "viewer":
        assert [r.status_code for r in answers] == [403, 403, 403, 403]
    else:
        assert [r.status_code for r in answers] == [302, 302, 302, 302]
        assert {r["Location"] for r in answers} == {f"/admin/login/?next={URL}"}
    assert Paper.objects.count() == 0
