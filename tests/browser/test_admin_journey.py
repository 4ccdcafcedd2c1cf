"""A lab admin adds a paper in the Django admin, in a real browser: the admin's JavaScript fills
in the slug, the venue is picked in the autocomplete widget, the authors are typed as a byline."""

import pytest

from people.models import Person
from publications.models import Paper
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

TITLE = "Scheduling Carbon-Aware Training in a Browser Test"


def test_lab_admin_adds_a_paper_with_three_authors_in_the_admin(browser_lab_admin, page):
    log_in(page, "curator", "/admin/login/?next=/admin/publications/paper/add/")
    assert page.locator("h1").inner_text() == "Add paper"

    page.get_by_label("Title:", exact=True).fill(TITLE)
    page.get_by_label("Byline:", exact=True).fill("Hao Wang*; Kai Chen✉; Ada Browserova")
    page.locator("#id_venue").locator("xpath=following-sibling::span[1]").click()
    # The open dropdown's search box (multi-selects such as "kept apart" have inline ones).
    page.locator(".select2-dropdown .select2-search__field").fill("NSD")
    page.locator(".select2-results__option", has_text="NSDI").click()
    page.get_by_label("Year:", exact=True).fill("2025")
    page.get_by_label("Status:", exact=True).select_option(label="Accepted")
    # The admin's prepopulate script fills the slug from the title as one types.
    assert page.get_by_label("Slug:", exact=True).input_value() == (
        "scheduling-carbon-aware-training-in-a-browser-test"
    )
    page.get_by_role("button", name="Save", exact=True).click()

    assert page.locator("h1").inner_text() == "Select paper to change"
    messages = page.locator(".messagelist li").all_inner_texts()
    assert messages == [
        "New people created from the byline: Ada Browserova",
        f"The paper “{TITLE}” was added successfully.",
    ]
    paper = Paper.objects.get(title=TITLE)
    assert (paper.slug, paper.venue.short_name, paper.year, paper.status) == (
        "scheduling-carbon-aware-training-in-a-browser-test",
        "NSDI",
        2025,
        "accepted",
    )
    authorships = paper.authorships.select_related("person").order_by("position")
    assert [
        (a.position, a.person.name, a.equal_contribution, a.corresponding) for a in authorships
    ] == [
        (1, "Hao Wang", True, False),
        (2, "Kai Chen", False, True),
        (3, "Ada Browserova", False, False),
    ]
    assert [a.person.slug for a in authorships][:2] == ["hao-wang", "kai-chen"]
    assert Person.objects.filter(name="Ada Browserova").count() == 1

    # The change page shows the same byline back.
    page.locator("#result_list").get_by_role("link", name=TITLE).click()
    assert page.get_by_label("Byline:", exact=True).input_value() == (
        "Hao Wang*; Kai Chen✉; Ada Browserova"
    )
