"""A lab admin works through every kind of admin page in a real browser, under the site's
Content-Security-Policy: change lists, a change form with inlines, autocomplete and a popup,
spreadsheet import (preview, confirm) and export (the select-all toggle), merging, history
(revert) and deleted records (restore), Recent changes, Data health, the whole-lab workbook,
BibTeX import, giving a login and setting its password, and clearing a lockout. The page
fixture fails each test on any violation, console error or failed file (tests/browser/
conftest.py), so these journeys are what keeps the policy and the admin working together."""

import csv
import io
import re

import pytest
from django.contrib import admin
from import_export.forms import SelectableFieldsExportForm
from playwright.sync_api import expect

from people.models import Award, Person
from publications.models import Paper, PaperAward, Venue
from tests.browser.conftest import log_in
from tests.factories import UserFactory, VenueFactory

pytestmark = pytest.mark.browser

BIBTEX = "tests/data/bibtex/papers.bib"


def admin_log_in(page, username: str = "curator", then: str = "/admin/") -> None:
    log_in(page, username, f"/admin/login/?next={then}")


def expect_h1(page, text) -> None:
    """The page's h1 reads ``text`` (a string or a pattern), once the page it waits for is there."""
    expect(page.locator("h1")).to_have_text(text)


def expect_messages(page, texts: list[str]) -> None:
    expect(page.locator(".messagelist li")).to_have_text(texts)


def style(page, selector: str, prop: str) -> str:
    """The computed value of a CSS property of the first element matching ``selector``."""
    return page.locator(selector).first.evaluate(f"e => getComputedStyle(e)[{prop!r}]")


def run_action(page, action: str, *names: str) -> None:
    """Tick the change-list rows linked with ``names``, pick ``action`` and press Go."""
    for name in names:
        label = f"Select this object for an action - {name}"
        page.get_by_role("checkbox", name=label, exact=True).check()
    page.locator("select[name=action]").select_option(value=action)
    page.get_by_role("button", name="Go", exact=True).click()


def test_change_list_searches_filters_and_selects_with_the_admin_scripts(
    browser_lab_admin, page
):
    admin_log_in(page, then="/admin/publications/paper/")
    expect_h1(page, "Select paper to change")

    page.locator("#searchbar").fill("scheduling")
    page.locator("#searchbar").press("Enter")
    page.wait_for_url("**/admin/publications/paper/?q=scheduling")
    found = page.locator("#result_list tbody tr").count()
    page.locator("#changelist-filter").get_by_role("link", name="Published").first.click()
    page.wait_for_url("**status__exact=published**")
    published = page.locator("#result_list tbody tr").count()
    # actions.js: the header box ticks every row and counts them.
    page.locator("#action-toggle").check()

    expected = Paper.objects.filter(title__icontains="scheduling")
    assert found == expected.count() > published == expected.filter(status="published").count()
    assert page.locator(".action-counter").inner_text() == f"{published} of {published} selected"


def test_change_form_with_inlines_autocomplete_and_a_popup(browser_lab_admin, page):
    paper = Paper.objects.get(slug="mlt-2024")
    admin_log_in(page, then=f"/admin/publications/paper/{paper.pk}/change/")
    expect_h1(page, "Change paper")

    # A venue made in the related-object popup (RelatedObjectLookups.js, popup_response.js).
    with page.expect_popup() as opened:
        page.locator("#add_id_venue").click()
    popup = opened.value
    popup.wait_for_load_state()
    popup.get_by_label("Name:", exact=True).fill("Workshop on Policies")
    popup.get_by_label("Short name:", exact=True).fill("WoP")
    popup.get_by_label("Short name:", exact=True).press("Tab")
    assert popup.get_by_label("Slug:", exact=True).input_value() == "wop"  # prepopulate.js
    popup.get_by_label("Kind:", exact=True).select_option(label="Workshop")
    popup.get_by_role("button", name="Save", exact=True).click()
    popup.wait_for_event("close")
    assert page.locator("#id_venue option:checked").inner_text() == "WoP"
    # ...then the venue picked back in the autocomplete widget (select2, autocomplete.js).
    page.locator("#id_venue").locator("xpath=following-sibling::span[1]").click()
    page.locator(".select2-dropdown .select2-search__field").fill("NSD")
    page.locator(".select2-results__option", has_text="NSDI").click()
    # An award added in its inline (inlines.js).
    awards = page.locator("#awards-group")
    awards.get_by_role("button", name="Add another Paper award").click()
    awards.locator("tr.dynamic-awards input[name$='-title']").last.fill("Policy Award")
    page.get_by_role("button", name="Save", exact=True).click()

    expect_messages(page, [f"The paper “{paper.title}” was changed successfully."])
    paper.refresh_from_db()
    assert paper.venue.short_name == "NSDI"
    assert list(PaperAward.objects.filter(paper=paper).values_list("title", flat=True)) == [
        *PaperAward.objects.filter(paper=paper).exclude(title="Policy Award").values_list(
            "title", flat=True
        ),
        "Policy Award",
    ]
    assert Venue.objects.filter(slug="wop", name="Workshop on Policies").count() == 1


def test_spreadsheet_import_preview_marks_the_changes_and_confirms(
    browser_lab_admin, page, tmp_path
):
    venue = Venue.objects.get(slug="nsdi")
    path = tmp_path / "venues.csv"
    with path.open("w", newline="") as file:
        csv.writer(file).writerows(
            [
                ["slug", "name", "short_name", "kind"],
                ["nsdi", f"{venue.name}, renamed", "NSDI", "conference"],
            ]
        )
    admin_log_in(page, then="/admin/publications/venue/import/")

    page.locator("#id_import_file").set_input_files(path)
    page.locator("#id_format").select_option(label="csv")
    page.get_by_role("button", name="Submit").click()

    assert page.locator("#import-summary").inner_text() == "0 new, 1 changed, 0 unchanged."
    change = page.locator("table.import-preview ins").first
    assert change.inner_text() == ", renamed"
    # The library's colour, from lab/static/lab/admin.css instead of a style attribute.
    assert style(page, "table.import-preview ins", "backgroundColor") == "rgb(230, 255, 230)"
    page.get_by_role("button", name="Confirm import").click()

    expect_h1(page, "Select venue to change")
    venue.refresh_from_db()
    assert venue.name.endswith(", renamed")


@pytest.fixture
def selectable_venue_export(monkeypatch):
    """The venue admin with django-import-export's default export form, the one with a
    checkbox per column and "Select all" (the project's admins export every column)."""
    venue_admin = admin.site._registry[Venue]
    monkeypatch.setattr(venue_admin, "export_form_class", SelectableFieldsExportForm)


def test_export_page_select_all_toggle_works_and_the_export_has_the_chosen_columns(
    browser_lab_admin, selectable_venue_export, page, tmp_path
):
    admin_log_in(page, then="/admin/publications/venue/export/")
    expect_h1(page, "Export")
    toggle = page.get_by_label("Select all")
    boxes = page.locator(".selectable-field-export-row input[type=checkbox]:not(.select-toggle)")
    assert toggle.is_checked()
    assert boxes.count() >= 5

    toggle.uncheck()  # lab/static/lab/export-select-all.js
    unticked = [boxes.nth(i).is_checked() for i in range(boxes.count())]
    page.get_by_text("Select all", exact=True).click()  # the label names the box now
    ticked = [boxes.nth(i).is_checked() for i in range(boxes.count())]
    toggle.uncheck()
    page.get_by_label("Slug", exact=True).check()
    page.get_by_label("Short Name", exact=True).check()
    page.locator("#id_format").select_option(label="csv")
    with page.expect_download() as download:
        page.get_by_role("button", name="Submit").click()
    path = tmp_path / "venues.csv"
    download.value.save_as(path)

    assert (unticked, ticked) == ([False] * len(unticked), [True] * len(ticked))
    assert style(page, ".select-all-label", "fontWeight") == "700"  # lab/static/lab/admin.css
    header, *rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert header == ["slug", "short_name"]
    assert ["nsdi", "NSDI"] in rows


def test_export_page_of_every_column_downloads_the_list(browser_lab_admin, page, tmp_path):
    admin_log_in(page, then="/admin/publications/paper/export/")

    page.locator("#id_format").select_option(label="csv")
    with page.expect_download() as download:
        page.get_by_role("button", name="Submit").click()
    path = tmp_path / "papers.csv"
    download.value.save_as(path)

    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert len(rows) == Paper.objects.count()


@pytest.fixture
def two_venues(lab_data):
    return VenueFactory(name="Workshop One", short_name="WS1", slug="ws1"), VenueFactory(
        name="Workshop One (again)", short_name="WS1a", slug="ws1-again"
    )


def test_merge_two_venues_from_the_change_list(browser_lab_admin, two_venues, page):
    keep, drop = two_venues
    admin_log_in(page, then="/admin/publications/venue/?q=Workshop+One")

    run_action(page, "merge_selected", "WS1", "WS1a")
    expect_h1(page, "Merge two venues")
    page.get_by_role("button", name="Merge", exact=True).click()

    expect_messages(page, [f"“{drop}” is merged into “{keep}”."])
    assert list(Venue.objects.filter(slug__startswith="ws1").values_list("slug", flat=True)) == [
        "ws1"
    ]


def test_history_revert_then_delete_and_restore(browser_lab_admin, page):
    award = Award.objects.select_related("person").order_by("pk").first()
    person = award.person
    admin_log_in(page, then=f"/admin/people/person/{person.pk}/change/")
    page.get_by_label("Research interests:", exact=True).fill("Policies, in a browser")
    page.get_by_role("button", name="Save and continue editing").click()
    page.get_by_label("Research interests:", exact=True).fill("Second thoughts")
    page.get_by_role("button", name="Save and continue editing").click()

    page.get_by_role("link", name="History").click()
    expect_h1(page, f"Change history: {person.name}")
    assert page.locator("#change-history tbody tr").count() == 2
    # The paginator's style attribute became a class (lab/library_templates/simple_history/).
    assert style(page, ".paginator.history-paginator", "borderTopWidth") == "0px"
    page.locator("#change-history tbody tr").last.locator("td").first.get_by_role("link").click()
    expect_h1(page, re.compile(r"^Revert person"))
    page.get_by_role("button", name="Revert to this version").click()
    expect_h1(page, f"Change history: {person.name}")
    person.refresh_from_db()
    assert person.research_interests == "Policies, in a browser"

    page.goto(f"/admin/people/award/{award.pk}/delete/")
    page.get_by_role("button", name="Yes, I’m sure").click()
    page.goto("/admin/people/award/deleted/")
    expect_h1(page, "Deleted awards")
    page.locator("tr", has_text=award.title).get_by_role("button", name="Restore").click()

    expect_messages(page, [f"“{award}” is back."])
    assert Award.objects.filter(pk=award.pk, title=award.title).count() == 1


def test_recent_changes_and_data_health(browser_lab_admin, page, tmp_path):
    venue = Venue.objects.get(slug="nsdi")
    venue.note = "Edited for the history"
    venue.save()
    admin_log_in(page, then="/admin/recent-changes/")
    expect_h1(page, "Recent changes")
    assert page.locator("#recent-changes tbody tr").count() >= 1
    page.get_by_role("button", name="Filter").click()
    expect_h1(page, "Recent changes")

    page.goto("/admin/data-health/")
    expect_h1(page, "Data health")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the whole report (CSV)").click()
    path = tmp_path / "report.csv"
    download.value.save_as(path)
    assert path.read_text(encoding="utf-8-sig").splitlines()[0]


def test_workbook_and_bibtex_imports_preview_and_confirm(browser_lab_admin, page, tmp_path):
    admin_log_in(page, then="/admin/workbook/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the workbook (.xlsx)").click()
    workbook = tmp_path / "lab.xlsx"
    download.value.save_as(workbook)
    page.locator("#workbook-upload input[type=file]").set_input_files(workbook)
    page.locator("#workbook-upload [type=submit]").click()
    expect_h1(page, "Preview of the workbook import")
    assert page.locator("#workbook-problems").count() == 0
    page.get_by_role("button", name="Confirm import").click()
    expect_h1(page, "Whole-lab workbook")

    page.goto("/admin/publications/paper/import-bibtex/")
    page.locator("#bibtex-import-form input[type=file]").set_input_files(BIBTEX)
    page.get_by_role("button", name="Preview").click()
    assert page.locator("#bibtex-new-papers tbody tr").count() == 3
    page.get_by_role("button", name="Confirm import of 3 papers").click()

    expect_h1(page, "Select paper to change")
    assert Paper.objects.filter(title="Edge Caching for Federated Learning").count() == 1


def test_give_a_login_then_its_link_sets_the_password(
    browser_lab_admin, page, browser, live_server, browser_problems
):
    person = Person.objects.get(slug="kai-chen")
    admin_log_in(page, then=f"/admin/people/person/{person.pk}/change/")
    page.get_by_role("link", name="Give a login").click()
    page.get_by_role("button", name=f"Give {person.name} a login").click()
    link = page.locator("#set-password-link").input_value()

    context = browser.new_context(base_url=live_server.url)
    browser_problems.watch(context)
    visitor = context.new_page()
    visitor.goto(link)
    expect_h1(visitor, "Set your password")
    visitor.get_by_label("New password:", exact=True).fill("a long new password 42")
    visitor.get_by_label("New password confirmation:", exact=True).fill("a long new password 42")
    visitor.get_by_role("button", name="Set password").click()
    expect_h1(visitor, "Password set")
    log_in(visitor, page.locator("#login-name").inner_text())
    context.close()


def test_lockout_is_seen_and_cleared_in_the_admin(browser_lab_admin, page, browser, live_server):
    """Five failures lock the username and the address (the lab admin's too: the browser tests
    share one), so the lab admin logs in first."""
    UserFactory(username="forgetful")
    admin_log_in(page)
    context = browser.new_context(base_url=live_server.url)
    guesser = context.new_page()
    for _ in range(5):
        guesser.goto("/accounts/login/")
        guesser.get_by_label("Username").fill("forgetful")
        guesser.get_by_label("Password").fill("not it")
        guesser.locator("form [type=submit]").last.click()
        guesser.wait_for_load_state()
    context.close()

    page.goto("/admin/axes/accessattempt/?q=forgetful")
    assert page.locator("#result_list tbody tr").count() == 1
    page.locator("#action-toggle").check()
    run_action(page, "delete_selected")
    page.get_by_role("button", name="Yes, I’m sure").click()

    expect_messages(page, ["Successfully deleted 1 access attempt."])
    log_in(page, "forgetful", "/accounts/login/")  # the lock is gone
    assert page.get_by_role("button", name="Log out").count() == 1


@pytest.fixture
def browser_superuser(lab_data):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def test_every_kind_of_admin_page_loads_without_a_violation(browser_superuser, page):
    """A superuser's tour of what the journeys above do not click through: each model's
    change list, add form, change form and history, the popup forms, users and groups, the
    log-in records, the password change. Each page is checked by the page fixture."""
    admin_log_in(page, "root")
    models = list(admin.site._registry)
    paths = ["/admin/", "/admin/people/", "/admin/password_change/"]
    for model in models:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        paths += [base, f"{base}add/", f"{base}add/?_popup=1&_to_field=id"]
        record = model._default_manager.order_by("pk").first()
        if record is not None:
            paths += [f"{base}{record.pk}/change/", f"{base}{record.pk}/history/"]

    statuses = {path: page.goto(path).status for path in paths}

    assert {path: status for path, status in statuses.items() if status != 200} == {
        path: 403 for path in statuses if "/axes/" in path and "/add/" in path
    }
    assert len(statuses) > 60
