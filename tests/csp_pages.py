"""A URLconf for the Content-Security-Policy tests (``ROOT_URLCONF = "tests.csp_pages"``): the
site's own URLs, and under ``/csp-test/`` a few pages that use or break the policy on purpose.

- ``nonce/``: an inline script and style carrying the request's nonce, as docs/security.md
  says to write them: they must run and apply.
- ``broken/<kind>/``: one thing the policy refuses (``BROKEN``), to show that the browser tests'
  watch (tests/browser/conftest.py) reports it.
- ``error/``, ``plain-404/``, ``locked/``: a view that raises (Django's 500 page), a 404 the
  site writes itself (not Django's debug page), a database that stays locked (the 503 page).
"""

from django.db import OperationalError
from django.http import HttpResponse, HttpResponseNotFound
from django.template import engines
from django.urls import path

from lab.urls import urlpatterns as site_urlpatterns

NONCED = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Nonce</title>
<script nonce="{{ request.csp_nonce }}">document.documentElement.dataset.nonced = "ran";</script>
<style nonce="{{ request.csp_nonce }}">h1 { color: rgb(1, 2, 3); }</style>
</head><body><main><h1>Nonce</h1></main></body></html>"""

#: What each broken page holds, by kind; the directive the browser reports refusing it.
BROKEN = {
    "style-attribute": ('<p style="color: red">Styled</p>', "style-src-attr"),
    "style-element": ("<style>p { color: red; }</style>", "style-src-elem"),
    "inline-script": ('<script>document.title = "ran";</script>', "script-src-elem"),
    "inline-handler": (
        '<img src="/favicon.ico" alt="" onload="document.title = \'ran\'">',
        "script-src-attr",
    ),
    "data-image": ('<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="">', "img-src"),
}
BROKEN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Broken</title></head>
<body><main><h1>Broken</h1>{}</main></body></html>"""


def nonced(request):
    template = engines["django"].from_string(NONCED)
    return HttpResponse(template.render({}, request))


def broken(request, kind):
    return HttpResponse(BROKEN_PAGE.format(BROKEN[kind][0]))


def error(request):
    raise RuntimeError("A view that fails, for the 500 page.")


def plain_404(request):
    return HttpResponseNotFound("<!doctype html><title>Gone</title><p>Gone.</p>")


def locked(request):
    raise OperationalError("database is locked")


urlpatterns = [
    path("csp-test/nonce/", nonced),
    path("csp-test/broken/<str:kind>/", broken),
    path("csp-test/error/", error),
    path("csp-test/plain-404/", plain_404),
    path("csp-test/locked/", locked),
    *site_urlpatterns,
]
