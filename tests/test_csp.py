"""The Content-Security-Policy (django-csp; lab/settings.py, lab/middleware.py,
docs/security.md "Content-Security-Policy") is on every response of the site and the admin:
every URL pattern the project has, for a visitor, a member, a lab admin and a superuser, the
forms they post, errors, redirects, downloads, static files and photos."""

import io
import re

import openpyxl
import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from lab.groups import MEMBERS
from lab.middleware import DEBUG_PAGE_MARK
from tests.factories import (
    AuthorshipFactory,
    AwardFactory,
    InstitutionFactory,
    PaperAwardFactory,
    PaperFactory,
    PersonFactory,
    RoleFactory,
    ServiceFactory,
    UserFactory,
    VenueFactory,
)
from tests.photos import encoded, two_halves

pytestmark = pytest.mark.django_db

HEADER = "Content-Security-Policy"
#: The policy, directive by directive: nothing else, nothing more.
POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
#: What Django's debug 404 and 500 pages (DEBUG on) get on top: their inline styles and script.
DEBUG_PAGE_POLICY = {
    **POLICY,
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
}
PHOTO = "people/0123456789abcdef0123456789abcdef.jpg"
PASSWORD = "correct horse battery"  # UserFactory's


def policy(response) -> dict[str, list[str]]:
    """The response's Content-Security-Policy, directive by directive (fails without one)."""
    assert HEADER in response, f"no {HEADER} on {response.status_code} {response.request}"
    directives = {}
    for part in response[HEADER].split(";"):
        name, *values = part.split()
        assert name not in directives, f"{name} twice in {response[HEADER]}"
        directives[name] = values
    return directives


def strict(response) -> dict[str, list[str]]:
    """The policy with a nonce, if the page used one, taken out of script-src and style-src."""
    return {
        name: [value for value in values if not re.fullmatch(r"'nonce-[A-Za-z0-9+/=]+'", value)]
        for name, values in policy(response).items()
    }


class Crawl:
    """Requests through one client, each answer checked for the policy as it comes."""

    def __init__(self, client: Client):
        self.client = client
        self.statuses: dict[str, int] = {}

    def get(self, url: str, **extra):
        return self._check(f"GET {url}", self.client.get(url, **extra))

    def post(self, url: str, data=None, **extra):
        return self._check(f"POST {url}", self.client.post(url, data or {}, **extra))

    def _check(self, what: str, response):
        assert strict(response) == POLICY, f"{what} ({response.status_code}): {response[HEADER]}"
        if response.streaming:  # a workbook export, a photo: read to the end, kept
            response.body = b"".join(response.streaming_content)
        self.statuses[what] = response.status_code
        return response


@pytest.fixture
def lab(settings, tmp_path):
    """A small lab with one record of every kind (two people, institutions, venues and papers,
    to merge), versions in history, a deleted award, log-in attempts and a photo."""
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "people").mkdir(parents=True)
    (tmp_path / "media" / PHOTO).write_bytes(encoded(two_halves((20, 20)), "JPEG"))
    parent = InstitutionFactory(slug="hkust")
    institution = InstitutionFactory(slug="ising", parent=parent)
    person = PersonFactory(slug="ada", email="ada@example.org", photo=PHOTO)
    other = PersonFactory(slug="ada-2")
    RoleFactory(person=person, institution=institution)
    paper = PaperFactory(slug="paper-one")
    PaperFactory(slug="paper-two", venue=paper.venue)
    VenueFactory(slug="other-venue")
    AuthorshipFactory(paper=paper, person=person, position=1)
    PaperAwardFactory(paper=paper)
    ServiceFactory(person=person, venue=paper.venue)
    AwardFactory(person=person)
    AwardFactory(person=other, title="Gone").delete()
    person.bio = "Edited once, for a second version."
    person.save()
    member = UserFactory(username="member", groups=[Group.objects.get(name=MEMBERS)])
    person.user = member
    person.save(update_fields=["user"])
    AccessAttempt.objects.create(username="someone", ip_address="192.0.2.1", failures_since_start=1)
    AccessLog.objects.create(username="member", ip_address="192.0.2.1")
    AccessFailureLog.objects.create(username="someone", ip_address="192.0.2.1")
    return {"person": person, "other": other, "paper": paper, "institution": institution}


def walk(patterns, prefix: str = "", namespace: str = ""):
    """(full name, pattern) of every URL pattern, included ones too."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name or prefix + str(pattern.pattern)}", pattern


def admin_model(name: str):
    """The model of an admin URL name like ``admin:people_person_change``."""
    for model in apps.get_models():
        if name.startswith(f"admin:{model._meta.app_label}_{model._meta.model_name}_"):
            return model
    return None


def every_url(lab) -> list[str]:
    """A URL for every pattern of the project, its arguments filled in from ``lab``."""
    person, paper = lab["person"], lab["paper"]
    site = {
        "people:detail": {"slug": person.slug},
        "people:edit": {"slug": person.slug},
        "people:download": {"fmt": "csv"},
        "people:institution": {"slug": lab["institution"].slug},
        "publications:download": {"fmt": "xlsx"},
        "publications:paper": {"slug": paper.slug},
        "publications:paper-bibtex": {"slug": paper.slug},
        "publications:venue": {"slug": paper.venue.slug},
        "publications:venue-download": {"slug": paper.venue.slug, "fmt": "csv"},
        "publications:person-download": {"slug": person.slug, "fmt": "bib"},
        "publications:person-feed": {"slug": person.slug},
        "password_reset_confirm": {
            "uidb64": urlsafe_base64_encode(force_bytes(person.user.pk)),
            "token": default_token_generator.make_token(person.user),
        },
        "media": {"path": PHOTO},
        "workbook:export": {"fmt": "xlsx"},
    }
    urls, missing = [], []
    for name, pattern in walk(get_resolver().url_patterns):
        needed = set(pattern.pattern.regex.groupindex) or pattern.pattern.regex.groups
        if not needed:
            urls.append(reverse(name))
        elif name in site:
            urls.append(reverse(name, kwargs=site[name]))
        elif name == "admin:app_list":
            urls += [reverse(name, kwargs={"app_label": app}) for app in ("people", "auth")]
        elif name.endswith("_simple_history"):  # a version of a record, to revert to
            version = admin_model(name).history.order_by("history_id").first()
            args = [version.id, version.history_id] if version else [1, 1]
            urls.append(reverse(name, args=args))
        elif name.endswith("_restore"):  # a deleted record (a POST; a GET goes back)
            deleted = admin_model(name).history.filter(history_type="-").first()
            urls.append(reverse(name, kwargs={"version_id": deleted.history_id if deleted else 1}))
        elif set(needed) == {"object_id"} and admin_model(name):
            record = admin_model(name)._default_manager.order_by("pk").first()
            urls.append(reverse(name, kwargs={"object_id": record.pk if record else 1}))
        elif name.startswith("admin:") and set(needed) == {"url"}:  # the admin's catch-all
            urls.append("/admin/no-such-page/")
        elif not name.startswith("admin:"):
            missing.append(name)
    assert missing == [], f"no arguments for these URL patterns: add them to `site`: {missing}"
    return urls


def admin_extras(lab) -> list[str]:
    """Admin pages with a query string: merges, popups, autocomplete, a search."""
    people = f"{lab['person'].pk},{lab['other'].pk}"
    return [
        f"/admin/people/person/merge/?ids={people}",
        "/admin/people/person/?q=ada",
        "/admin/people/person/add/?_popup=1&_to_field=id",
        "/admin/autocomplete/?app_label=publications&model_name=paper&field_name=venue&term=s",
        "/publications/?q=study&venue=" + lab["paper"].venue.slug,
        "/search/?q=ada",
    ]


@pytest.mark.parametrize("who", ["visitor", "member", "lab admin", "superuser"])
def test_every_page_of_the_site_and_the_admin_carries_the_policy(who, lab, lab_admin, superuser):
    client = Client()
    user = {"member": lab["person"].user, "lab admin": lab_admin, "superuser": superuser}.get(who)
    if user is not None:
        client.force_login(user)
    crawl = Crawl(client)
    urls = every_url(lab) + admin_extras(lab)

    for url in urls:
        answer = crawl.get(url)
        if url.startswith("/accounts/reset/") and answer.status_code == 302:
            crawl.get(answer["Location"])  # the set-password form the one-time link opens

    assert len(crawl.statuses) >= len(set(urls)) > 180
    rendered = {what for what, status in crawl.statuses.items() if status == 200}
    uid = urlsafe_base64_encode(force_bytes(lab["person"].user.pk))
    pages = {
        "visitor": [
            "/",
            "/people/ada/",
            "/papers/paper-one/",
            "/media/" + PHOTO,
            "/accounts/login/",
            f"/accounts/reset/{uid}/set-password/",
            "/admin/login/",
        ],
        "member": ["/people/ada/edit/", "/publications/download.xlsx"],
        "lab admin": [
            "/admin/",
            "/admin/people/person/",
            f"/admin/people/person/{lab['person'].pk}/change/",
            f"/admin/people/person/{lab['person'].pk}/history/",
            "/admin/people/award/deleted/",
            "/admin/publications/paper/import/",
            "/admin/publications/paper/export/",
            "/admin/publications/paper/import-bibtex/",
            f"/admin/people/person/merge/?ids={lab['person'].pk},{lab['other'].pk}",
            "/admin/recent-changes/",
            "/admin/data-health/",
            "/admin/workbook/",
            "/admin/workbook/export.xlsx",
            "/admin/axes/accessattempt/",
        ],
        "superuser": ["/admin/auth/user/", "/admin/axes/accesslog/", "/admin/password_change/"],
    }[who]
    assert [url for url in pages if f"GET {url}" not in rendered] == []


def test_static_files_and_the_icon_carry_the_policy(client):
    crawl = Crawl(client)

    for url in ["/static/lab/site.css", "/static/admin/js/core.js", "/favicon.ico"]:
        assert crawl.get(url).status_code == 200


def papers_csv() -> SimpleUploadedFile:
    content = "slug,title,authors,venue,year,status\n"
    content += "new-one,A New One,Ada Lovelace,sym-x,2024,published\n"
    return SimpleUploadedFile("papers.csv", content.encode(), content_type="text/csv")


def test_forms_posted_and_their_answers_carry_the_policy(lab, lab_admin, client):
    """Log-ins (failed, locked, successful), a refused CSRF token, imports (preview, confirm),
    a merge, a login given, a revert, a restore, a log-out; wrong methods."""
    # From an address of its own: the lockout of its address must not lock the lab admin out.
    visitor = Crawl(Client(REMOTE_ADDR="192.0.2.9"))
    for _ in range(5):
        visitor.post("/accounts/login/", {"username": "member", "password": "wrong"})
    locked = visitor.post("/admin/login/", {"username": "member", "password": PASSWORD})
    strict_client = Crawl(Client(enforce_csrf_checks=True))
    refused = strict_client.post("/accounts/login/", {"username": "x", "password": "y"})
    admin = Crawl(client)
    logged_in = admin.post("/admin/login/", {"username": "curator", "password": PASSWORD})
    VenueFactory(slug="sym-x")
    preview = admin.post(
        "/admin/publications/paper/import/",
        {"format": "0", "resource": "0", "import_file": papers_csv()},
    )
    confirm_form = preview.context["confirm_form"]
    confirmed = admin.post(
        "/admin/publications/paper/process_import/",
        {name: confirm_form[name].value() for name in confirm_form.fields},
    )
    bib = SimpleUploadedFile("papers.bib", b"@misc{k, title={T}, author={Ada Lovelace}, year=2020}")
    bibtex = admin.post("/admin/publications/paper/import-bibtex/", {"bibtex_file": bib})
    workbook_file = io.BytesIO(admin.get("/admin/workbook/export.xlsx").body)
    openpyxl.load_workbook(workbook_file)  # a real workbook
    workbook = admin.post(
        "/admin/workbook/preview/",
        {"workbook": SimpleUploadedFile("lab.xlsx", workbook_file.getvalue())},
    )
    person, other = lab["person"], lab["other"]
    given = admin.post(f"/admin/people/person/{other.pk}/login/")
    version = person.history.order_by("history_id").first()
    reverted = admin.post(f"/admin/people/person/{person.pk}/history/{version.history_id}/")
    deleted = lab["person"].awards.model.history.filter(history_type="-").get()
    restored = admin.post(f"/admin/people/award/deleted/{deleted.history_id}/restore/")
    merged = admin.post(
        "/admin/people/person/merge/", {"ids": f"{person.pk},{other.pk}", "confirm": "1"}
    )
    wrong_method = admin.client.put("/people/")
    admin._check("PUT /people/", wrong_method)
    head = admin._check("HEAD /", admin.client.head("/"))
    logged_out = admin.post("/admin/logout/")

    assert [r.status_code for r in (locked, refused, logged_in, preview, confirmed)] == [
        429,
        403,
        302,
        200,
        302,
    ]
    assert [r.status_code for r in (bibtex, workbook, given, reverted, restored, merged)] == [
        200,
        200,
        200,
        302,
        302,
        302,
    ]
    assert [r.status_code for r in (wrong_method, head, logged_out)] == [405, 200, 302]
    assert preview.context["result"].totals["new"] == 1
    assert b'style="' not in preview.content  # the diff's marks too (lab.core.importing.LabDiff)
    assert b"Form not accepted" in refused.content  # lab/templates/403_csrf.html
    assert b"<style" not in refused.content


def test_debug_pages_carry_the_policy_with_inline_code_for_django_s_own_only(client, settings):
    """With DEBUG on, django-csp would send no policy on a 404 or a 500; here every page has
    one, and only Django's debug pages may run their inline styles and script."""
    settings.DEBUG = True
    settings.ROOT_URLCONF = "tests.csp_pages"
    client.raise_request_exception = False

    missing = client.get("/no-such-page/")
    failed = client.get("/csp-test/error/")
    own_404 = client.get("/csp-test/plain-404/")
    page = client.get("/")

    assert (missing.status_code, failed.status_code, own_404.status_code) == (404, 500, 404)
    assert DEBUG_PAGE_MARK in missing.content and DEBUG_PAGE_MARK in failed.content
    assert policy(missing) == DEBUG_PAGE_POLICY
    assert policy(failed) == DEBUG_PAGE_POLICY
    assert policy(own_404) == POLICY
    assert policy(page) == POLICY


def test_production_404_500_and_503_pages_carry_the_strict_policy(client, settings):
    settings.ROOT_URLCONF = "tests.csp_pages"
    client.raise_request_exception = False

    urls = ["/no-such-page/", "/csp-test/error/", "/csp-test/locked/"]

    answers = [client.get(url) for url in urls]

    assert [answer.status_code for answer in answers] == [404, 500, 503]
    assert [policy(answer) for answer in answers] == [POLICY] * 3


def test_a_page_that_uses_the_nonce_names_it_in_the_policy(client, settings):
    settings.ROOT_URLCONF = "tests.csp_pages"

    first = client.get("/csp-test/nonce/")
    second = client.get("/csp-test/nonce/")

    [nonce] = re.findall(rb'<script nonce="([^"]+)">', first.content)
    assert re.findall(rb'<style nonce="([^"]+)">', first.content) == [nonce]
    expected = f"'nonce-{nonce.decode()}'"
    assert policy(first) == {
        **POLICY,
        "script-src": ["'self'", expected],
        "style-src": ["'self'", expected],
    }
    assert policy(second)["script-src"] != policy(first)["script-src"]  # one per response
