"""What a visitor does in a real browser, on the seed data: follow links from the home page to a
venue, and filter the publication list, by mouse and by keyboard, then download it."""

import openpyxl
import pytest
from django.conf import settings

from tests.browser.conftest import h1

pytestmark = pytest.mark.browser

MLT = "Towards Domain-Specific Network Transport for Distributed DNN Training"
MLT_AUTHORS = [
    "Hao Wang",
    "Han Tian",
    "Jingrong Chen",
    "Xinchen Wan",
    "Jiacheng Xia",
    "Gaoxiong Zeng",
    "Wei Bai",
    "Junchen Jiang",
    "Yong Wang",
    "Kai Chen",
]
POLICYCACHE = "PolicyCache: Intra-flow Learning in Congestion Control"
NSDI = "USENIX Symposium on Networked Systems Design and Implementation"
# The seed's NSDI papers of 2024 and 2025 (PolicyCache is NSDI 2026), newest first, then by title.
NSDI_2024_2025 = [
    "GREEN: Carbon-efficient Resource Scheduling for Machine Learning Clusters",
    "Accelerating Neural Recommendation Training with Embedding Scheduling",
    "Characterization of Large Language Model Development in the Datacenter",
    MLT,
]


def paper_titles(page) -> list[str]:
    return page.locator("main .paper-list .paper-title").all_inner_texts()


def test_visitor_goes_from_home_through_people_a_profile_and_a_paper_to_its_venue(page):
    page.goto("/")
    assert h1(page) == settings.LAB_NAME

    page.get_by_role("navigation", name="Site").get_by_role("link", name="People").click()
    assert page.url.endswith("/people/")
    assert h1(page) == "People"

    page.get_by_role("main").get_by_role("link", name="Hao Wang", exact=True).click()
    assert page.url.endswith("/people/hao-wang/")
    assert h1(page) == "Hao Wang"

    publications = page.locator("section.person-papers")
    assert publications.locator(".result-count").inner_text() == "13 papers"
    # The profile's person is highlighted in every byline.
    assert publications.locator(".author-self").all_inner_texts() == ["Hao Wang"] * 13
    publications.get_by_role("link", name=MLT, exact=True).click()
    assert page.url.endswith("/papers/mlt-2024/")
    assert h1(page) == MLT
    assert page.locator("main .byline").first.get_by_role("link").all_inner_texts() == (
        MLT_AUTHORS
    )

    page.locator("main .paper-meta").get_by_role("link", name=NSDI, exact=True).click()
    assert page.url.endswith("/venues/nsdi/")
    assert h1(page) == NSDI
    assert page.get_by_role("main").get_by_role("link", name=MLT, exact=True).count() == 1


def test_visitor_filters_publications_and_downloads_the_filtered_list_as_xlsx(page, tmp_path):
    page.goto("/publications/")
    filters = page.get_by_role("region", name="Filter")

    filters.get_by_label("Venue", exact=True).select_option(label="NSDI")
    filters.get_by_label("From year", exact=True).fill("2024")
    filters.get_by_label("To year", exact=True).fill("2025")
    filters.get_by_role("button", name="Apply").click()

    assert page.locator(".result-count").inner_text() == "4 papers"
    assert paper_titles(page) == NSDI_2024_2025

    with page.expect_download() as download_info:
        page.locator(".result-bar .downloads").get_by_role("link", name="XLSX").click()
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.suffix == ".xlsx"
    sheet = openpyxl.load_workbook(path).active
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    title = header.index("title")
    assert sorted(row[title] for row in rows) == sorted(NSDI_2024_2025)
    assert {row[header.index("venue")] for row in rows} == {"nsdi"}


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has the focus (fails after ``limit``)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} was not reached with {limit} presses of Tab")


def test_visitor_filters_publications_with_the_keyboard_only(page):
    page.goto("/publications/")

    tab_to(page, "#id_venue")
    # The focus is visible (the site's :focus-visible outline).
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.type("NSDI")  # a closed select jumps to the option typed
    assert page.locator("#id_venue").input_value() == "nsdi"
    tab_to(page, ".filters button[type=submit]", limit=10)
    page.keyboard.press("Enter")
    page.wait_for_url("**/publications/?*venue=nsdi*")

    assert page.locator(".result-count").inner_text() == "5 papers"
    assert paper_titles(page) == [POLICYCACHE, *NSDI_2024_2025]

    # Enter in a text field submits the form too.
    page.locator("#id_year_min").focus()
    page.keyboard.type("2026")
    page.keyboard.press("Enter")
    page.wait_for_url("**/publications/?*year_min=2026*")
    assert paper_titles(page) == [POLICYCACHE]
