"""A database that cannot be reached: a plain 503 page, and the site comes back by itself.

Nothing has to be restarted when the database returns: a connection kept between requests
(``CONN_MAX_AGE``: a minute in production, none under DEBUG) is checked before it is reused
(``conn_health_checks``), so the first request after the outage is served again. While the
database is down, every view that needs it raises ``OperationalError`` (or ``InterfaceError``
on a connection that broke). ``DatabaseUnavailableMiddleware`` answers those with 503
"Temporarily unavailable" and ``Retry-After``, rendered from ``lab/templates/503.html`` without
the request, so no context processor runs and nothing can query, and logs a warning naming the
error (at most once a minute per process). It does so with DEBUG on too: a traceback of a
database that is down tells a developer nothing the warning does not.

Unreachable means the error left the connection closed or broken (connecting failed, the
server went away in the middle of a request), or SQLite's database stayed locked past its
timeout (a long import holding the write lock). An error on a connection that still works (no
such table, a deadlock, a constraint) is a bug or a conflict, not an outage: it stays a 500,
with its traceback when DEBUG is on.

Anonymous pages already in the page cache are still served while the database is down.

``LabCSPMiddleware`` sends the Content-Security-Policy of ``settings.CONTENT_SECURITY_POLICY``
on every response (docs/security.md, "Content-Security-Policy").
"""

import logging
from dataclasses import asdict

import psycopg
from csp.constants import HEADER, SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

from lab.core.faults import ThrottledWarning

logger = logging.getLogger(__name__)
_warning = ThrottledWarning(logger, interval=60)

#: Django wraps the driver's errors in its own; psycopg's are listed for any that escape it.
DATABASE_ERRORS = (
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)
#: What the 503 tells browsers and crawlers: try again in half a minute.
RETRY_AFTER_SECONDS = 30


def _lost(connection) -> bool:
    raw = connection.connection
    if raw is None:  # connecting failed, or Django dropped it after a failed rollback
        return True
    # psycopg's connection says whether it is closed or broken; sqlite3's has neither.
    return bool(getattr(raw, "closed", False) or getattr(raw, "broken", False))


def database_unreachable(error: BaseException) -> bool:
    """Whether ``error`` means the database cannot be reached (the module docstring)."""
    if not isinstance(error, DATABASE_ERRORS):
        return False
    if "database is locked" in str(error):
        return True
    return any(_lost(connection) for connection in connections.all(initialized_only=True))


def unavailable_response() -> HttpResponse:
    """The 503 page: rendered without the request, so without context processors."""
    html = render_to_string("503.html", {"lab_name": settings.LAB_NAME})
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


class DatabaseUnavailableMiddleware:
    """Answers 503 when a view (or the rendering of its page) cannot reach the database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not database_unreachable(exception):
            return None
        _warning.warning(
            "Database unreachable (%s: %s): answered 503 to %s %s.",
            type(exception).__name__,
            " ".join(str(exception).split()),
            request.method,
            request.path,
        )
        return unavailable_response()


#: What Django's debug pages (DEBUG on) hold that the policy refuses: an inline <style>, and on
#: the 500 page an inline <script> and onclick= handlers, all without a nonce.
DEBUG_PAGE_DIRECTIVES = {"script-src": [SELF, UNSAFE_INLINE], "style-src": [SELF, UNSAFE_INLINE]}
#: Django's technical 404 and 500 pages (django/views/templates/technical_*.html) say this.
DEBUG_PAGE_MARK = b'<meta name="robots" content="NONE,NOARCHIVE">'


def is_debug_page(response) -> bool:
    """Whether ``response`` is Django's technical 404 or 500 page (only shown with DEBUG on)."""
    return (
        response.status_code in (404, 500)
        and not response.streaming
        and response.get("Content-Type", "").startswith("text/html")
        and DEBUG_PAGE_MARK in response.content[:1024]
    )


class LabCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with the policy on DEBUG's 404 and 500 pages too.

    django-csp sends no header at all on a 404 or 500 when DEBUG is on, so that Django's debug
    pages, styled and scripted inline, keep working. Here every response carries the policy,
    DEBUG or not; only those two debug pages get ``'unsafe-inline'`` for their scripts and
    styles (no nonce, which would switch it off), the rest of the policy kept (no framing, no
    plugins, forms post here only). The site's own 404s with DEBUG on (a missing photo) stay
    strict.
    """

    def process_response(self, request, response):
        if not settings.DEBUG or response.status_code not in (404, 500):
            return super().process_response(request, response)
        parts = self.get_policy_parts(request=request, response=response)
        if is_debug_page(response):
            parts.replace = {**(parts.replace or {}), **DEBUG_PAGE_DIRECTIVES}
            parts.nonce = None
        policy = build_policy(**asdict(parts))
        if policy and HEADER not in response and not getattr(response, "_csp_exempt", False):
            response[HEADER] = policy
        return response
