"""A member edits their own bio on the site (not the admin), in a real browser."""

import pytest
from django.conf import settings

from people.models import Person
from tests.browser.conftest import VIEWPORTS, h1, log_in

pytestmark = pytest.mark.browser

BIO = (
    "I build **network transports** for [AI clusters](https://example.org/ai).\n"
    "\n"
    '<script>document.title = "owned"</script>\n'
    "\n"
    "- congestion control\n"
    "- RDMA"
)


@pytest.fixture
def visitor_page(browser, live_server, browser_problems):
    """A second tab with its own cookies: someone not logged in, on a phone."""
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS["phone"])
    browser_problems.watch(context)
    yield context.new_page()
    context.close()


def test_member_logs_in_and_edits_their_bio_which_then_shows_rendered(
    browser_member, page, visitor_page
):
    # A visitor's view of the profile is now in the page cache, without a bio.
    visitor_page.goto("/people/hao-wang/")
    assert h1(visitor_page) == "Hao Wang"
    assert visitor_page.get_by_role("region", name="About").count() == 0

    log_in(page, "hwang")
    assert h1(page) == settings.LAB_NAME  # LOGIN_REDIRECT_URL is the home page
    page.get_by_role("navigation", name="Account").get_by_role("link", name="My profile").click()
    assert page.url.endswith("/people/hao-wang/")
    assert h1(page) == "Hao Wang"
    # The email is for members only.
    assert page.get_by_role("link", name="hwangdv@connect.ust.hk").count() == 1

    page.get_by_role("link", name="Edit your profile").click()
    assert h1(page) == "Edit the profile of Hao Wang"
    page.get_by_label("Bio", exact=True).fill(BIO)
    page.get_by_role("button", name="Save profile").click()

    assert page.url.endswith("/people/hao-wang/")
    assert page.locator("main .messages li").all_inner_texts() == ["Your profile was saved."]
    bio = page.get_by_role("region", name="About").locator(".prose")
    assert bio.locator("p").all_inner_texts() == ["I build network transports for AI clusters."]
    assert bio.locator("strong").inner_text() == "network transports"
    link = bio.get_by_role("link", name="AI clusters")
    assert link.get_attribute("href") == "https://example.org/ai"
    assert bio.locator("li").all_inner_texts() == ["congestion control", "RDMA"]
    assert bio.locator("script").count() == 0
    assert page.title() == f"Hao Wang · {settings.LAB_NAME}"  # the script did not run
    assert Person.objects.get(slug="hao-wang").bio == BIO.replace("\n", "\r\n")

    # The visitor sees the new bio at once: the save emptied the page cache.
    visitor_page.reload()
    about = visitor_page.get_by_role("region", name="About")
    assert about.locator("strong").inner_text() == "network transports"
    assert visitor_page.get_by_role("link", name="hwangdv@connect.ust.hk").count() == 0
    assert visitor_page.get_by_role("link", name="Edit your profile").count() == 0
