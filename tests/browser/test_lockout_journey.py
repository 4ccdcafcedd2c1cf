"""A member who mistypes their password too often is locked out at the log-in form, in a real
browser: the lockout page says how long to wait, and the right password does not get in."""

import pytest

from tests.browser.conftest import PASSWORD, axe_violations, h1, screenshot

pytestmark = pytest.mark.browser


def submit(page, username: str, password: str):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator("form [type=submit]").last.click()
    page.wait_for_load_state()
    return answer.value


def test_member_locked_out_sees_how_long_to_wait(browser_member, page):
    statuses = [submit(page, "hwang", "not my password").status for _ in range(5)]

    refused = submit(page, "hwang", PASSWORD)

    assert statuses == [200, 200, 200, 200, 429]
    assert refused.status == 429
    assert h1(page) == "Log-in locked"
    assert "Try again in 15 minutes." in page.get_by_role("main").inner_text()
    assert page.get_by_role("link", name="Log in").count() == 1  # still a visitor
    assert axe_violations(page) == []
    screenshot(page, "login-locked")
