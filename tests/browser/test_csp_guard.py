"""The browser tests' watch can fail: on pages that break the Content-Security-Policy on purpose
(tests/csp_pages.py) it reports each kind of violation, and the browser refuses what it
reports; code written as docs/security.md says (a nonce) runs without a report."""

import pytest

from tests.csp_pages import BROKEN

pytestmark = pytest.mark.browser


@pytest.fixture
def csp_pages(settings):
    settings.ROOT_URLCONF = "tests.csp_pages"


def test_the_watch_reports_each_kind_of_violation_and_the_browser_refuses_it(
    csp_pages, page, browser_problems
):
    reported = {}
    for kind in BROKEN:
        page.goto(f"/csp-test/broken/{kind}/")
        page.wait_for_load_state("load")
        found = browser_problems.take()
        reported[kind] = sorted(
            line.split("violation: ")[1].split(" refused")[0]
            for line in found
            if "Content-Security-Policy violation" in line
        )
        if kind == "style-attribute":
            color = page.locator("main p").evaluate("e => getComputedStyle(e).color")
            assert color == "rgb(0, 0, 0)"  # not red: the page has no other style
        assert page.title() == "Broken"  # neither the inline script nor the handler ran

    assert reported == {kind: [directive] for kind, (_, directive) in BROKEN.items()}


def test_inline_code_with_the_nonce_runs_without_a_report(csp_pages, page):
    page.goto("/csp-test/nonce/")

    assert page.evaluate("document.documentElement.dataset.nonced") == "ran"
    assert page.locator("h1").evaluate("e => getComputedStyle(e).color") == "rgb(1, 2, 3)"
