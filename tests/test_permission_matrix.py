"""Who can do what, for every URL the project serves: the permission matrix of docs/security.md,
as tested.

Every URL pattern of the project (the site, the admin with every model's pages and the lab's own
admin views) is put in one kind by ``kind_of``; a test fails when a pattern is in none, so a new
view cannot be added without deciding who may open it. Each kind is opened as each of six users
and the answer compared with ``EXPECTED``:

- visitor: not logged in;
- member: in Members, linked to a person (``own``);
- staff: staff status and nothing else (a superuser's half-made helper);
- viewer: staff with view permission on every lab model, nothing more;
- lab admin: in Lab admins;
- superuser.

Answers: ``ok`` (200), ``login`` (sent to a log-in page), ``redirect`` (sent elsewhere: the admin
log-in page to a logged-in staff user, a record's page), ``forbidden`` (403), ``missing`` (404),
``post only`` (405 to a GET). Admin actions (merge, delete, export of the selected rows) are
checked apart: which ones each user is offered, and that posting one not offered changes nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin import site
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.test import RequestFactory
from django.urls import get_resolver
from django.urls.resolvers import URLPattern, URLResolver

from lab.core.records import LAB_APPS
from lab.groups import LAB_ADMINS, MEMBERS
from people.models import Award, Institution, Person, Role
from publications.models import Authorship, Keyword, Paper, PaperAward, Service, Venue
from publications.services import paper_set_byline
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

pytestmark = pytest.mark.django_db

ROLES = ("visitor", "member", "staff", "viewer", "lab admin", "superuser")


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def url_patterns() -> list[str]:
    return list(_walk(get_resolver().url_patterns))


# --- Kinds: every pattern in exactly one ------------------------------------------------------

LAB_MODEL = rf"admin/(?:{'|'.join(LAB_APPS)})/[a-z]+/"
RECORD = r"<path:object_id>/"
#: (kind, pattern of the route): the first that matches is the route's kind.
KINDS: tuple[tuple[str, str], ...] = (
    ("profile edit", r"people/<slug:slug>/edit/"),
    ("log-in page", r"accounts/login/"),
    ("log-out", r"accounts/logout/"),
    ("admin log-out", r"admin/logout/"),
    ("password reset link", r"accounts/reset/.*"),
    ("photo", r"\^media/.*"),
    ("admin log-in page", r"admin/login/"),
    ("own password", r"admin/password_change/.*"),
    ("admin index", r"admin/"),
    ("admin scripts", r"admin/jsi18n/"),
    ("autocomplete", r"admin/autocomplete/"),
    ("view on site", r"admin/r/.*"),
    ("app index", r"admin/\^\(\?P<app_label>.*"),
    ("admin catch-all", r"admin/\(\?P<url>\.\*\)\$"),
    ("recent changes", r"admin/recent-changes/"),
    ("data health", r"admin/data-health/.*"),
    ("workbook export", r"admin/workbook/(?:export\.<str:fmt>)?"),
    ("workbook import", r"admin/workbook/(?:preview|confirm)/"),
    ("record's old address", rf"admin/\w+/\w+/{RECORD}"),
    ("give a login", rf"{LAB_MODEL}{RECORD}login/"),
    ("merge", rf"{LAB_MODEL}merge/"),
    ("deleted records", rf"{LAB_MODEL}deleted/"),
    ("restore", rf"{LAB_MODEL}deleted/.+/restore/"),
    ("bibtex import", rf"{LAB_MODEL}import-bibtex/"),
    ("spreadsheet import", rf"{LAB_MODEL}import/"),
    ("spreadsheet import confirm", rf"{LAB_MODEL}process_import/"),
    ("spreadsheet export", rf"{LAB_MODEL}export/"),
    ("version (revert)", rf"{LAB_MODEL}\^.*history.*"),
    ("add", rf"{LAB_MODEL}add/"),
    ("delete", rf"{LAB_MODEL}{RECORD}delete/"),
    ("history", rf"{LAB_MODEL}{RECORD}history/"),
    ("change", rf"{LAB_MODEL}{RECORD}change/"),
    ("changelist", LAB_MODEL),
    ("lockouts", rf"admin/axes/accessattempt/(?:{RECORD}(?:change/|history/))?"),
    ("clear a lockout", rf"admin/axes/accessattempt/{RECORD}delete/"),
    ("adding log-in records", r"admin/axes/\w+/add/"),
    ("log-in records", r"admin/axes/access(?:log|failurelog)/.*"),
    ("users and groups", r"admin/auth/.*"),
    ("public page", r".*"),
)


def kind_of(route: str) -> str:
    for kind, pattern in KINDS:
        if re.fullmatch(pattern, route):
            return kind
    raise AssertionError(f"no kind for {route}")


# --- What each user gets ----------------------------------------------------------------------

ok, login, redirect, forbidden, missing, post_only = (
    "ok", "login", "redirect", "forbidden", "missing", "post only",
)  # fmt: skip
#: kind: the answer to a GET for visitor, member, staff, viewer, lab admin, superuser.
EXPECTED: dict[str, tuple[str, ...]] = {
    "public page": (ok, ok, ok, ok, ok, ok),
    "photo": (ok, ok, ok, ok, ok, ok),
    "log-in page": (ok, ok, ok, ok, ok, ok),
    "log-out": (post_only,) * 6,
    "admin log-out": (redirect, redirect, post_only, post_only, post_only, post_only),
    "password reset link": (ok, ok, ok, ok, ok, ok),
    "profile edit": (login, ok, forbidden, forbidden, ok, ok),
    "admin log-in page": (ok, ok, redirect, redirect, redirect, redirect),
    "own password": (login, login, ok, ok, ok, ok),
    "admin index": (login, login, ok, ok, ok, ok),
    "admin scripts": (login, login, ok, ok, ok, ok),
    "autocomplete": (login, login, forbidden, ok, ok, ok),
    "view on site": (login, login, redirect, redirect, redirect, redirect),
    "app index": (login, login, missing, ok, ok, ok),
    "admin catch-all": (login, login, missing, missing, missing, missing),
    "recent changes": (login, login, forbidden, ok, ok, ok),
    "data health": (login, login, forbidden, ok, ok, ok),
    "workbook export": (login, login, forbidden, ok, ok, ok),
    "workbook import": (login, login, post_only, post_only, post_only, post_only),
    "record's old address": (login, login, redirect, redirect, redirect, redirect),
    "changelist": (login, login, forbidden, ok, ok, ok),
    "change": (login, login, forbidden, ok, ok, ok),
    "history": (login, login, forbidden, ok, ok, ok),
    "version (revert)": (login, login, forbidden, forbidden, ok, ok),
    "add": (login, login, forbidden, forbidden, ok, ok),
    "delete": (login, login, forbidden, forbidden, ok, ok),
    "deleted records": (login, login, forbidden, ok, ok, ok),
    "restore": (login, login, forbidden, forbidden, redirect, redirect),
    "merge": (login, login, forbidden, forbidden, ok, ok),
    "spreadsheet import": (login, login, forbidden, forbidden, ok, ok),
    "spreadsheet import confirm": (login, login, post_only, post_only, post_only, post_only),
    "spreadsheet export": (login, login, forbidden, ok, ok, ok),
    "bibtex import": (login, login, forbidden, forbidden, ok, ok),
    "give a login": (login, login, forbidden, forbidden, ok, ok),
    "lockouts": (login, login, forbidden, forbidden, ok, ok),
    "clear a lockout": (login, login, forbidden, forbidden, ok, ok),
    "adding log-in records": (login, login, forbidden, forbidden, forbidden, forbidden),
    "log-in records": (login, login, forbidden, forbidden, forbidden, ok),
    "users and groups": (login, login, forbidden, forbidden, forbidden, ok),
}

allowed, refused = "allowed", "refused"
#: kind: the answer to a POST (empty, or what the page's form needs to get past the permission
#: check) for the kinds that write: "allowed" is a page or a redirect that is not a log-in page.
EXPECTED_POST: dict[str, tuple[str, ...]] = {
    "profile edit": (refused, allowed, refused, refused, allowed, allowed),
    "workbook import": (refused, refused, refused, refused, allowed, allowed),
    "spreadsheet import": (refused, refused, refused, refused, allowed, allowed),
    "spreadsheet import confirm": (refused, refused, refused, refused, allowed, allowed),
    "bibtex import": (refused, refused, refused, refused, allowed, allowed),
    "add": (refused, refused, refused, refused, allowed, allowed),
    "change": (refused, refused, refused, refused, allowed, allowed),
    "delete": (refused, refused, refused, refused, allowed, allowed),
    "merge": (refused, refused, refused, refused, allowed, allowed),
    "restore": (refused, refused, refused, refused, allowed, allowed),
    "version (revert)": (refused, refused, refused, refused, allowed, allowed),
    "give a login": (refused, refused, refused, refused, allowed, allowed),
    "clear a lockout": (refused, refused, refused, refused, allowed, allowed),
    "users and groups": (refused, refused, refused, refused, refused, allowed),
}


def answer(response) -> str:
    status = response.status_code
    if status in (301, 302):
        location = response["Location"]
        return login if re.match(r"^/(?:admin|accounts)/login/", location) else redirect
    return {200: ok, 403: forbidden, 404: missing, 405: post_only}.get(status, str(status))


def post_answer(response) -> str:
    return refused if answer(response) in (login, forbidden) else allowed


# --- The records every URL is tried on --------------------------------------------------------

PHOTO = "people/0123456789abcdef0123456789abcdef.jpg"


@pytest.fixture
def world(db, settings, tmp_path):
    """One record of every lab model (and a second of those that merge), a deleted record of
    each, a lockout and the log-in records, a photo, and the users."""
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "people").mkdir()
    (tmp_path / PHOTO).write_bytes(b"\xff\xd8\xff")
    own = PersonFactory(name="Own Profile", slug="own")
    person = PersonFactory(name="Other Person", slug="other")
    paper = PaperFactory(slug="a-paper", venue=VenueFactory(slug="a-venue"))
    paper_set_byline(paper=paper, byline="Other Person <other>")
    records = {
        Institution: InstitutionFactory(slug="an-institution"),
        Person: person,
        Role: RoleFactory(person=person),
        Award: AwardFactory(person=person),
        Venue: paper.venue,
        Paper: paper,
        Authorship: paper.authorships.get(),
        PaperAward: PaperAwardFactory(paper=paper),
        Service: ServiceFactory(person=person, venue=paper.venue),
        Keyword: Keyword.objects.create(name="Networks", slug="networks"),
    }
    seconds = {
        Institution: InstitutionFactory(),
        Person: own,
        Venue: VenueFactory(),
        Paper: PaperFactory(),
    }
    spares = {
        Institution: InstitutionFactory,
        Person: PersonFactory,
        Role: RoleFactory,
        Award: AwardFactory,
        Venue: VenueFactory,
        Paper: PaperFactory,
        Authorship: lambda: AuthorshipFactory(paper=paper, position=2),
        PaperAward: PaperAwardFactory,
        Service: ServiceFactory,
        Keyword: lambda: Keyword.objects.create(name="Spare", slug="spare"),
    }
    deleted = {}
    for model, factory in spares.items():
        factory().delete()
        deleted[model] = model.history.filter(history_type="-").latest("history_date")
    login_records = {
        "accessattempt": AccessAttempt.objects.create(
            username="someone", ip_address="127.0.0.9", failures_since_start=9, user_agent="x"
        ),
        "accesslog": AccessLog.objects.create(username="someone", ip_address="127.0.0.9"),
        "accessfailurelog": AccessFailureLog.objects.create(
            username="someone", ip_address="127.0.0.9", locked_out=True
        ),
    }
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.set(
        Permission.objects.filter(
            content_type__in=ContentType.objects.filter(app_label__in=LAB_APPS),
            codename__startswith="view_",
        )
    )
    users = {
        "visitor": None,
        "member": UserFactory(username="member", groups=[Group.objects.get(name=MEMBERS)]),
        "staff": UserFactory(username="staff", is_staff=True),
        "viewer": viewer,
        "lab admin": UserFactory(
            username="curator", is_staff=True, groups=[Group.objects.get(name=LAB_ADMINS)]
        ),
        "superuser": UserFactory(username="root", is_staff=True, is_superuser=True),
    }
    own.user = users["member"]
    own.save(update_fields=["user"])
    return {
        "records": records,
        "seconds": seconds,
        "deleted": deleted,
        "login records": login_records,
        "users": users,
    }


def admin_of(route: str):
    """The model admin of an admin route, or None."""
    found = re.match(r"admin/(\w+)/(\w+)/", route)
    if not found:
        return None
    return next(
        (
            model_admin
            for model, model_admin in site._registry.items()
            if (model._meta.app_label, model._meta.model_name) == found.groups()
        ),
        None,
    )


#: Routes with a fixed example URL.
EXAMPLES = {
    r"\^media/.*": f"media/{PHOTO}",
    r"people/<slug:slug>/edit/": "people/own/edit/",
    r"admin/\^\(\?P<app_label>.*": "admin/publications/",
    r"admin/\(\?P<url>\.\*\)\$": "admin/no-such-page/",
    r"accounts/reset/<uidb64>/<token>/": "accounts/reset/MQ/set-password/",
    r"admin/workbook/export\.<str:fmt>": "admin/workbook/export.xlsx",
    r"admin/autocomplete/": (
        "admin/autocomplete/?app_label=publications&model_name=authorship&field_name=person"
        "&term=Other"
    ),
    r"search/": "search/?q=Other",
}
SLUGS = {"people": "other", "institutions": "an-institution", "papers": "a-paper"}
SLUGS["venues"] = "a-venue"


def example_url(route: str, world) -> str:
    """A URL of ``route`` that names real records."""
    for pattern, url in EXAMPLES.items():
        if re.fullmatch(pattern, route):
            return f"/{url}"
    if route.startswith("admin/r/"):
        paper = world["records"][Paper]
        return f"/admin/r/{ContentType.objects.get_for_model(Paper).pk}/{paper.pk}/"
    url = route.replace("<str:fmt>", "csv")
    model_admin = admin_of(route)
    if route.startswith("admin/axes/"):
        model_name = route.split("/")[2]
        url = url.replace("<path:object_id>", str(world["login records"][model_name].pk))
    elif route.startswith("admin/auth/"):
        user = world["users"]["member"]
        pk = Group.objects.get(name=MEMBERS).pk if "/group/" in route else user.pk
        url = url.replace("<path:object_id>", str(pk)).replace("<id>", str(user.pk))
    elif model_admin is not None:
        model = model_admin.model
        assert model in world["records"], f"add a {model.__name__} to the world fixture"
        record = world["records"][model]
        first_version = record.history.earliest("history_date").history_id
        url = url.replace("<path:object_id>", str(record.pk))
        url = url.replace("<int:version_id>", str(world["deleted"][model].history_id))
        url = url.replace(r"^([^/]+)/history/([^/]+)/$", f"{record.pk}/history/{first_version}/")
        if route.endswith("/merge/") and model in world["seconds"]:
            url += f"?ids={record.pk},{world['seconds'][model].pk}"
    first = url.split("/", 1)[0]
    url = url.replace("<slug:slug>", SLUGS.get(first, "other"))
    return f"/{url}"


def kind(route: str) -> str:
    """The route's kind; a merge page of a model that does not merge is its own kind."""
    found = kind_of(route)
    model_admin = admin_of(route)
    if found == "merge" and getattr(model_admin, "merge_service", None) is None:
        return "merge (not offered)"
    return found


EXPECTED["merge (not offered)"] = (login, login, forbidden, forbidden, forbidden, forbidden)
EXPECTED_POST["merge (not offered)"] = (refused,) * 6


def test_every_url_pattern_has_a_kind_and_the_matrix_has_every_kind():
    kinds = {kind(route) for route in url_patterns()}

    assert kinds == set(EXPECTED), "update KINDS and EXPECTED (and docs/security.md)"
    assert set(EXPECTED_POST) <= kinds


def mismatches(client, world, method: str) -> list[str]:
    """Every (route, user) whose answer is not the matrix's, as readable lines."""
    table, read = (EXPECTED, answer) if method == "get" else (EXPECTED_POST, post_answer)
    wrong = []
    for index, role in enumerate(ROLES):
        client.logout()
        if world["users"][role] is not None:
            client.force_login(world["users"][role])
        for route in url_patterns():
            if kind(route) not in table:
                continue
            response = getattr(client, method)(example_url(route, world))
            got = read(response)
            if response.streaming:  # read to the end: the test client then closes the file
                b"".join(response.streaming_content)
            expected = table[kind(route)][index]
            if got != expected:
                line = f"{role} {method.upper()} {route} ({kind(route)}): {got}, not {expected}"
                wrong.append(line)
    return wrong


def test_every_user_gets_what_the_matrix_says_on_every_url(client, world):
    wrong = mismatches(client, world, "get")

    assert not wrong, "\n".join(wrong)


def test_every_user_may_write_only_where_the_matrix_says(client, world):
    wrong = mismatches(client, world, "post")

    assert not wrong, "\n".join(wrong)


# --- Admin actions ----------------------------------------------------------------------------

#: The actions of the lab's changelists each user is offered, by model admin: a viewer only
#: exports (where the model has an export), a lab admin also deletes and merges.
ACTIONS = {
    "viewer": {"export_admin_action"},
    "lab admin": {"export_admin_action", "delete_selected", "merge_selected"},
    "superuser": {"export_admin_action", "delete_selected", "merge_selected"},
}


def offered(model_admin, user) -> set[str]:
    request = RequestFactory().get("/admin/")
    request.user = user
    return set(model_admin.get_actions(request))


@pytest.mark.parametrize("role", list(ACTIONS))
def test_each_user_is_offered_the_actions_of_the_matrix(world, role):
    user = world["users"][role]
    for model, model_admin in site._registry.items():
        if model._meta.app_label not in LAB_APPS:
            continue
        expected = set(ACTIONS[role])
        if getattr(model_admin, "merge_service", None) is None:
            expected.discard("merge_selected")
        assert offered(model_admin, user) == expected, model._meta.label


def test_a_delete_not_offered_deletes_nothing_when_posted(client, world):
    client.force_login(world["users"]["viewer"])
    award = world["records"][Award]

    response = client.post(
        "/admin/people/award/",
        {"action": "delete_selected", "_selected_action": [award.pk], "post": "yes"},
    )

    assert response.status_code in (200, 302)
    assert Award.objects.filter(pk=award.pk).exists()


def test_a_merge_not_offered_merges_nothing_when_posted(client, world):
    client.force_login(world["users"]["viewer"])
    people = [world["records"][Person], world["seconds"][Person]]

    response = client.post(
        "/admin/people/person/",
        {"action": "merge_selected", "_selected_action": [p.pk for p in people]},
    )

    assert response["Location"] == "/admin/people/person/"  # "No action selected"
    assert Person.objects.filter(pk__in=[p.pk for p in people]).count() == 2


def test_a_lab_admin_posting_delete_selected_deletes(client, world):
    client.force_login(world["users"]["lab admin"])
    award = world["records"][Award]

    client.post(
        "/admin/people/award/",
        {"action": "delete_selected", "_selected_action": [award.pk], "post": "yes"},
    )

    assert not Award.objects.filter(pk=award.pk).exists()


# --- The table in docs/security.md ------------------------------------------------------------


def matrix_markdown() -> str:
    lines = ["| page or action | " + " | ".join(ROLES) + " |", "|---|" + "---|" * len(ROLES)]
    for kind_name, row in EXPECTED.items():
        post = EXPECTED_POST.get(kind_name)
        cells = [
            answer_ + ("; writes" if post and post[index] == allowed else "")
            for index, answer_ in enumerate(row)
        ]
        lines.append(f"| {kind_name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def test_the_matrix_in_the_security_docs_is_the_tested_one():
    docs = (Path(__file__).resolve().parent.parent / "docs" / "security.md").read_text()
    start = docs.index("<!-- permission matrix")
    table = docs[docs.index("\n", start) + 1 : docs.index("<!-- end of permission matrix")]

    assert table.strip() == matrix_markdown()
