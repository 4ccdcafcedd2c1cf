import functools

from django.conf import settings
from django.urls import get_script_prefix, reverse

# The links every page's header and footer carry.
SITE_URLS = {
    "home": "home",
    "people": "people:list",
    "publications": "publications:list",
    "venues": "publications:venues",
    "institutions": "people:institutions",
    "search": "search",
    "feed": "publications:feed",
    "login": "login",
    "logout": "logout",
    "admin": "admin:index",
}


@functools.cache
def _site_urls(script_prefix: str) -> dict[str, str]:
    return {key: reverse(name) for key, name in SITE_URLS.items()}


def lab(request):
    # Reversed once per process (and script prefix) rather than on every page view.
    return {
        "lab_name": settings.LAB_NAME,
        "lab_description": settings.LAB_DESCRIPTION,
        "site_urls": _site_urls(get_script_prefix()),
    }
