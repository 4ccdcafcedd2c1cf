"""Every public URL, with every parameter it reads and unknown ones, given generated values
(Hypothesis: long text, many words, NUL and control characters, huge and negative numbers,
unknown slugs, repeated parameters, wrong formats): never a server error, each answer within a
fixed time. The profile form and the admin's import forms get garbage POSTs the same way."""

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publications.services import paper_set_byline
from tests.factories import InstitutionFactory, PaperFactory, PersonFactory, VenueFactory

pytestmark = pytest.mark.django_db

#: Seconds one answer may take on the small lab of these tests.
BUDGET = 3.0
#: What a public URL may answer: never 500.
ALLOWED = {200, 301, 302, 400, 403, 404, 405, 429}

values = st.one_of(
    st.text(max_size=50),
    st.text(min_size=300, max_size=3000),
    st.lists(st.text(min_size=1, max_size=12), min_size=20, max_size=200).map(" ".join),
    st.integers(min_value=100, max_value=3000).map(lambda n: " ".join(["graph"] * n)),
    st.text(alphabet=st.characters(max_codepoint=0x1F), min_size=1, max_size=20),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["", "0", "-1", "1e309", "nan", "∞", "no-such-slug", "../../etc/passwd",
                     "%00", "2024-13-45", "true", "on", "null", "<script>"]),
)  # fmt: skip

PARAMS = {
    "/publications/": ["q", "year_min", "year_max", "person", "institution", "venue", "kind",
                       "status", "selected", "sort", "page"],
    "/publications/selected/": ["q", "year_min", "venue", "sort", "page"],
    "/publications/download.csv": ["q", "year_min", "venue", "sort", "person", "institution"],
    "/publications/download.bib": ["q", "status", "kind"],
    "/venues/": ["q", "kind"],
    "/venues/sys/": ["page"],
    "/venues/sys/papers.json": [],
    "/people/": ["q", "kind", "institution", "group", "lab", "page"],
    "/people/download.xlsx": ["q", "kind", "institution", "group", "lab"],
    "/people/alice-ang/": [],
    "/people/alice-ang/papers.bib": [],
    "/people/alice-ang/feed/": [],
    "/institutions/": ["q", "kind", "page"],
    "/institutions/uni/": [],
    "/papers/fast-paths/": [],
    "/papers/fast-paths.bib": [],
    "/publications/feed/": [],
    "/search/": ["q"],
    "/": [],
    "/accounts/login/": ["next"],
}  # fmt: skip


@pytest.fixture
def small_lab(db):
    venue = VenueFactory(slug="sys", short_name="SYS")
    InstitutionFactory(slug="uni")
    paper = PaperFactory(slug="fast-paths", title="Fast Paths", venue=venue)
    PersonFactory(name="Alice Ang", slug="alice-ang")
    paper_set_byline(paper=paper, byline="Alice Ang*; Bob Bai")
    return paper


def get(client, path, query) -> tuple[int, float]:
    start = time.perf_counter()
    response = client.get(path, query)
    return response.status_code, time.perf_counter() - start


@pytest.mark.parametrize("path", PARAMS)
def test_public_urls_never_answer_a_server_error(client, small_lab, path):
    names = [*PARAMS[path], "utm_source", "x"]

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(query=st.dictionaries(st.sampled_from(names), st.lists(values, min_size=1, max_size=3)))
    def check(query):
        status, elapsed = get(client, path, query)
        assert status in ALLOWED, (path, query)
        assert elapsed < BUDGET, (path, query, elapsed)

    check()


@pytest.mark.parametrize("slug", ["no-such-slug", "a" * 300, "-", "x--y"])
def test_unknown_slugs_are_404(client, small_lab, slug):
    paths = (f"/people/{slug}/", f"/papers/{slug}/", f"/venues/{slug}/", f"/institutions/{slug}/")
    for path in paths:
        assert client.get(path).status_code == 404, path


def test_profile_form_takes_garbage_without_a_server_error(client, member, small_lab):
    from people.models import Person

    Person.objects.filter(slug="alice-ang").update(user=member)
    client.force_login(member)

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        data=st.dictionaries(
            st.sampled_from(["bio", "research_interests", "homepage", "orcid", "google_scholar",
                             "dblp", "github", "linkedin", "photo", "junk"]),
            values,
        )
    )  # fmt: skip
    def check(data):
        response = client.post("/people/alice-ang/edit/", data)
        assert response.status_code in {200, 302}, data

    check()


def test_admin_import_forms_take_garbage_and_missing_csrf(client, lab_admin, small_lab):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(lab_admin)
    client.force_login(lab_admin)
    forms = [
        "/admin/publications/paper/import/",
        "/admin/publications/paper/process_import/",
        "/admin/publications/paper/import-bibtex/",
        "/admin/workbook/preview/",
        "/admin/workbook/confirm/",
    ]

    @settings(
        max_examples=10,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        data=st.dictionaries(
            st.sampled_from(["format", "resource", "import_file", "bibtex_text", "payload",
                             "token", "import_file_name", "original_file_name"]),
            values,
        )
    )  # fmt: skip
    def check(data):
        for path in forms:
            assert client.post(path, data).status_code in {200, 302, 400, 403}, (path, data)

    check()
    for path in forms:
        assert strict.post(path, {"bibtex_text": "@misc{x, title={T}}"}).status_code == 403
