"""The main pages pass axe-core's checks at desktop and phone widths, and are screenshotted into
test-artifacts/screenshots/ for a look at the layout."""

import pytest

from tests.browser.conftest import AXE_RULES, VIEWPORTS, axe_violations, log_in, screenshot

pytestmark = pytest.mark.browser

VISITOR_PAGES = {
    "home": "/",
    "people": "/people/",
    "profile": "/people/hao-wang/",
    "publications": "/publications/",
    "paper": "/papers/mlt-2024/",
    "venues": "/venues/",
    "venue": "/venues/nsdi/",
    "institutions": "/institutions/",
    "institution": "/institutions/hkust/",
    "search": "/search/?q=wang",
    "login": "/accounts/login/",
}
MEMBER_PAGES = {"profile-edit": "/people/hao-wang/edit/"}

# Contrast is checked at desktop width only: the phone layout changes no colours, and the check
# is the slow one (seconds on a long list).
RULES_BY_WIDTH = {
    "desktop": AXE_RULES,
    "phone": [rule for rule in AXE_RULES if rule != "color-contrast"],
}
# The landmarks base.html gives every page, by ARIA role.
LANDMARKS = {"banner": 1, "main": 1, "contentinfo": 1}


def page_problems(page) -> list[str]:
    """What is wrong with the current page: the landmark and h1 counts, and at each width
    axe-core's violations and sideways scrolling."""
    problems = []
    # Exactly one: axe's page-has-heading-one only asks for at least one.
    if page.locator("h1").count() != 1:
        problems.append(f"{page.locator('h1').count()} h1 elements, not one")
    for role, count in LANDMARKS.items():
        found = page.get_by_role(role).count()
        if found != count:
            problems.append(f"{found} {role} landmarks, not {count}")
    if page.get_by_role("navigation", name="Site").count() != 1:
        problems.append("no site navigation")
    for kind, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        problems += [f"{kind}: {found}" for found in axe_violations(page, RULES_BY_WIDTH[kind])]
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            problems.append(f"{kind}: the page scrolls sideways by {overflow}px")
    page.set_viewport_size(VIEWPORTS["desktop"])
    return problems


def test_main_pages_pass_accessibility_checks_at_desktop_and_phone_widths(browser_member, page):
    problems = {}
    for name, path in VISITOR_PAGES.items():
        response = page.goto(path)
        assert response.status == 200, path
        screenshot(page, name)
        problems[name] = page_problems(page)

    log_in(page, "hwang")
    for name, path in MEMBER_PAGES.items():
        response = page.goto(path)
        assert response.status == 200, path
        screenshot(page, name)
        problems[name] = page_problems(page)

    assert {name: found for name, found in problems.items() if found} == {}


BROKEN_PAGE = """<!doctype html>
<html><head><title></title></head>
<body style="margin: 0">
  <h1>One</h1><h1>Two</h1>
  <p style="color: #bbb">Grey on white</p>
  <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
  <input id="q" type="text">
  <div style="width: 2000px">Too wide</div>
</body></html>"""


def test_page_problems_reports_each_kind_of_problem_it_checks(browser):
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    page.set_content(BROKEN_PAGE)

    problems = page_problems(page)

    context.close()
    # axe's lines read "<width>: <rule>: <element>: <how to fix>".
    rules = {tuple(problem.split(": ")[:2]) for problem in problems if problem.count(": ") >= 2}
    assert problems[:5] == [
        "2 h1 elements, not one",
        "0 banner landmarks, not 1",
        "0 main landmarks, not 1",
        "0 contentinfo landmarks, not 1",
        "no site navigation",
    ]
    axe_rules = {"document-title", "html-has-lang", "image-alt", "label", "landmark-one-main"}
    axe_rules |= {"region"}
    assert rules == {
        ("desktop", "color-contrast"),
        *((width, rule) for width in VIEWPORTS for rule in axe_rules),
    }
    assert problems[-1] == "phone: the page scrolls sideways by 1610px"
    assert "desktop: the page scrolls sideways by 720px" in problems
