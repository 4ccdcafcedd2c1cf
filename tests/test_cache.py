import pickle

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.template import Context, Template

from lab.core import cache as page_cache
from lab.core.cache import (
    Fragment,
    cached_fragment,
    fragment_key,
    generation,
    invalidate_pages,
    public_page,
    render_page,
)
from publications.models import Paper
from tests.factories import AuthorshipFactory, PaperFactory, PersonFactory

pytestmark = pytest.mark.django_db



def test_page_cache_serves_a_visitor_the_second_time_without_queries(
    client, django_assert_num_queries
):
    PaperFactory(title="Cached Paper")
    first = client.get("/publications/")

    with django_assert_num_queries(0):
        second = client.get("/publications/")

    assert second.content == first.content
    assert "Cached Paper" in second.content.decode()
    assert "Cookie" in second["Vary"]


def test_page_cache_forgets_pages_when_a_record_is_saved(client):
    paper = PaperFactory(title="Old Title")
    client.get("/publications/")

    paper.title = "New Title"
    paper.save()

    assert "New Title" in client.get("/publications/").content.decode()


def test_page_cache_forgets_pages_when_a_record_is_deleted(client):
    PaperFactory(title="Doomed Paper")
    client.get("/publications/")

    Paper.objects.all().delete()

    assert "Doomed Paper" not in client.get("/publications/").content.decode()


def test_page_cache_forgets_pages_when_an_author_is_added(client):
    paper = PaperFactory()
    client.get(paper.get_absolute_url())

    AuthorshipFactory(paper=paper, person=PersonFactory(name="Late Author"), position=1)

    assert "Late Author" in client.get(paper.get_absolute_url()).content.decode()


def test_invalidate_pages_forgets_pages_after_a_bulk_write(client):
    paper = PaperFactory(title="Before")
    client.get("/publications/")

    Paper.objects.filter(pk=paper.pk).update(title="After")  # sends no signal
    assert "Before" in client.get("/publications/").content.decode()
    invalidate_pages()

    assert "After" in client.get("/publications/").content.decode()


def test_page_cache_never_serves_a_logged_in_member(member_client, django_assert_num_queries):
    PaperFactory()
    member_client.get("/publications/")

    response = member_client.get("/publications/")

    assert response.status_code == 200
    assert "Log out" in response.content.decode()


def test_page_cache_never_hands_a_visitors_page_to_a_member(client, member):
    client.get("/publications/")
    client.force_login(member)

    assert "Log out" in client.get("/publications/").content.decode()


def test_page_cache_keys_on_the_query_string(client):
    PaperFactory(title="Alpha Systems", year=2020)
    PaperFactory(title="Beta Networks", year=2024)
    client.get("/publications/?q=Alpha")

    content = client.get("/publications/?q=Beta").content.decode()

    assert "Beta Networks" in content
    assert "Alpha Systems" not in content


@pytest.mark.parametrize("status", [404, 500, 302])
def test_page_cache_does_not_store_errors(rf, status):
    """Only complete 200 pages are kept: a view's error page is rendered again next time."""
    rendered = []

    @public_page
    def view(request):
        rendered.append(request.path)
        return HttpResponse("not a page", status=status)

    for _ in range(2):
        request = rf.get("/papers/missing/")
        request.user = AnonymousUser()
        assert view(request).status_code == status

    assert rendered == ["/papers/missing/", "/papers/missing/"]


def test_page_cache_shows_a_page_that_was_missing_once_it_exists(client):
    assert client.get("/papers/missing/").status_code == 404
    generation_before = generation()
    # bulk_create sends no signal: the generation stays, so only a 404 that was never stored
    # lets the next request see the paper.
    Paper.objects.bulk_create([PaperFactory.build(slug="missing", venue=None)])

    assert generation() == generation_before
    assert client.get("/papers/missing/").status_code == 200


def test_cached_fragment_builds_once_per_generation():
    builds = []

    def build():
        builds.append(1)
        return f"built {len(builds)}"

    first = cached_fragment(("test-fragment", 1), build)
    second = cached_fragment(("test-fragment", 1), build)
    invalidate_pages()
    third = cached_fragment(("test-fragment", 1), build)

    assert (first, second, third) == ("built 1", "built 1", "built 2")


def test_cached_fragment_keeps_none_and_hashes_long_keys():
    builds = []

    def build():
        builds.append(1)

    long_part = "x" * 500
    assert cached_fragment(("test-none", long_part), build) is None
    assert cached_fragment(("test-none", long_part), build) is None
    assert len(builds) == 1
    assert len(fragment_key(("test-none", long_part))) < 100


def test_generation_changes_on_every_write():
    before = generation()
    PaperFactory()

    assert generation() > before


def test_member_pages_are_rendered_once_per_generation(member_client, django_assert_num_queries):
    person = PersonFactory(name="Fragment Author")
    paper = PaperFactory(title="Fragment Paper")
    AuthorshipFactory(paper=paper, person=person, position=1)
    urls = ["/publications/", paper.get_absolute_url(), person.get_absolute_url(), "/people/"]
    for url in urls:
        member_client.get(url)

    # Again: only the user with their person (the session is cached).
    for url in urls:
        with django_assert_num_queries(1):
            assert member_client.get(url).status_code == 200


def test_member_pages_show_a_write_at_once(member_client):
    person = PersonFactory(name="Fragment Author")
    paper = PaperFactory(title="Old Fragment Title")
    AuthorshipFactory(paper=paper, person=person, position=1)
    urls = ["/publications/", paper.get_absolute_url(), person.get_absolute_url()]
    for url in urls:
        assert "Old Fragment Title" in member_client.get(url).content.decode()

    paper.title = "New Fragment Title"
    paper.save()

    for url in urls:
        content = member_client.get(url).content.decode()
        assert "New Fragment Title" in content
        assert "Old Fragment Title" not in content


def test_member_person_page_keeps_viewer_dependent_parts_out_of_the_fragment(client, member):
    PersonFactory(name="Mail Person", slug="mail-person", email="mail@example.org")
    assert "mail@example.org" not in client.get("/people/mail-person/").content.decode()
    client.force_login(member)

    assert "mail@example.org" in client.get("/people/mail-person/").content.decode()
    client.logout()
    assert "mail@example.org" not in client.get("/people/mail-person/").content.decode()


def test_fragment_is_kept_as_its_utf8_bytes_and_renders_as_its_html(rf):
    fragment = Fragment("<p>Zoë &amp; 李 ∗</p>".encode())
    assert pickle.loads(pickle.dumps(fragment, pickle.HIGHEST_PROTOCOL)) == fragment  # noqa: S301
    assert pickle.dumps(fragment).count("<p>Zoë &amp; 李 ∗</p>".encode()) == 1  # bytes, as is
    # Outside render_page (any template), it is its HTML, not escaped again.
    assert Template("<div>{{ f }}</div>").render(Context({"f": fragment})) == (
        "<div><p>Zoë &amp; 李 ∗</p></div>"
    )
    assert not Fragment(b"") and fragment


def test_render_page_splices_fragments_in_as_bytes_and_escapes_the_rest(rf, tmp_path, settings):
    (tmp_path / "page.html").write_text(
        "<h1>{{ title }}</h1>{{ a }}|{% if b %}{{ b }}{% endif %}|{{ a }}"
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    # A fragment whose own text looks like a marker is inserted, never scanned for markers.
    marker = f"<!--{page_cache._MARKER}:0-->"
    a = Fragment(f"<p>Zoë {marker}</p>".encode())
    b = Fragment("<em>李</em>".encode())
    request = rf.get("/")
    request.user = AnonymousUser()

    response = render_page(request, "page.html", {"title": "<x> ∗", "a": a, "b": b}, status=400)

    assert response.status_code == 400
    assert response.content.decode() == (
        f"<h1>&lt;x&gt; ∗</h1><p>Zoë {marker}</p>|<em>李</em>|<p>Zoë {marker}</p>"
    )


def test_member_person_page_is_the_visitors_page_with_the_members_parts(client, member):
    """The fragments spliced into a member's page are byte for byte the visitor's."""
    person = PersonFactory(name="Zoë Splice", slug="zoe-splice")
    paper = PaperFactory(title="Über ∗ splicing — “quotes”")
    AuthorshipFactory(paper=paper, person=person, position=1)
    visitor = client.get("/people/zoe-splice/").content.decode()
    client.force_login(member)
    member_page = client.get("/people/zoe-splice/").content.decode()

    assert page_cache._MARKER not in member_page
    assert "Über ∗ splicing — “quotes”" in member_page
    start, end = visitor.index("<main"), visitor.index("</main>")
    assert visitor[start:end] in member_page
