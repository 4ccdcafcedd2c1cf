import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection

from lab.groups import LAB_ADMINS, MEMBERS
from publications.paper_page import paper_for_page
from tests.factories import PersonFactory, UserFactory


def pytest_runtest_setup(item):
    """A ``postgres_only`` test runs in the suite's PostgreSQL run only, a ``sqlite_only`` one
    in its SQLite run (``make test`` runs the suite on SQLite, then on PostgreSQL, which CI
    requires)."""
    if item.get_closest_marker("postgres_only") and connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: runs in the suite's PostgreSQL run")
    if item.get_closest_marker("sqlite_only") and connection.vendor != "sqlite":
        pytest.skip("SQLite only: runs in the suite's SQLite run")


#: Queries of a citation export (publications.bibtex.cited_export), by whether the list is
#: read whole (at most SHORT_LIST papers) or streamed: papers, byline rows, keywords; a long list
#: adds its first papers read to find it long and the key pass. One more with the awards.
CITATION_QUERIES = {"short": 3, "long": 5}


@pytest.fixture(params=["short", "long"])
def list_length(request, monkeypatch):
    """Each citation export runs twice: its list read whole, and streamed as a long list is
    (``SHORT_LIST`` 0: every list is long)."""
    if request.param == "long":
        from publications import bibtex

        monkeypatch.setattr(bibtex, "SHORT_LIST", 0)
    return request.param


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with an empty cache: the page cache must not carry pages (or the
    generation number) from one test's records into another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def paper_page_compiled(db):
    """The paper page's query compiled, as it is after a process's first paper page
    (publications.paper_page): compiling runs queries of its own, once (SQLite is asked
    whether it has JSON), which a page's query count does not include."""
    paper_for_page("")


@pytest.fixture
def lab_admin(db):
    return UserFactory(
        username="curator", is_staff=True, groups=[Group.objects.get(name=LAB_ADMINS)]
    )


@pytest.fixture
def member(db):
    return UserFactory(username="member", groups=[Group.objects.get(name=MEMBERS)])


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def lab_admin_client(client, lab_admin):
    """A client logged in as a lab admin (not a superuser)."""
    client.force_login(lab_admin)
    return client


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


# Private values distinctive enough that finding any of them in a response is a leak.
PRIVATE_PHONE = "+852 5550 1234"
PRIVATE_ADDRESS = "42 Hidden Lane, Clear Water Bay"
PRIVATE_BIRTH_DATE = datetime.date(1991, 2, 3)
PRIVATE_MARKERS = (
    PRIVATE_PHONE,
    "5550 1234",
    "Hidden Lane",
    "1991-02-03",
    "1991",
    "Feb. 3",
    "February 3",
    "3 February",
    "03/02",
    "02/03",
)


def assert_no_private_data(content: bytes | str) -> None:
    """Fail when any private value of the `private_person` fixture shows in a response body."""
    text = content.decode() if isinstance(content, bytes) else content
    leaked = [marker for marker in PRIVATE_MARKERS if marker in text]
    assert leaked == [], f"private data leaked: {leaked}"


@pytest.fixture
def private_person(db):
    """A person with every private field filled in, to check pages and exports never show them."""
    return PersonFactory(
        name="Pat Private",
        slug="pat-private",
        email="pat@example.org",
        phone=PRIVATE_PHONE,
        address=PRIVATE_ADDRESS,
        birth_date=PRIVATE_BIRTH_DATE,
    )
