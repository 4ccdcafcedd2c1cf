"""The publications sections of person and institution pages (publications/sections.py)."""

import inspect
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models.signals import post_init
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from people.sections import build, institution_sections, person_sections
from publications import sections
from publications.enums import ServiceKind
from tests.conftest import assert_no_private_data
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    KeywordFactory,
    PaperAwardFactory,
    PaperFactory,
    PersonFactory,
    RoleFactory,
    ServiceFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db


def paper_with(*people, year=2024, **kwargs):
    paper = PaperFactory(year=year, **kwargs)
    for position, person in enumerate(people, start=1):
        AuthorshipFactory(paper=paper, person=person, position=position)
    return paper


def test_sections_are_registered_once():
    assert [b.__name__ for b in person_sections if b.__module__ == sections.__name__] == [
        "person_publication_sections",
        "service_section",
    ]
    assert [b.__name__ for b in institution_sections if b.__module__ == sections.__name__] == [
        "institution_papers_section"
    ]


# Publications ----------------------------------------------------------------------------------


def test_publications_section_lists_the_persons_papers_newest_first():
    alice = PersonFactory()
    old = paper_with(alice, year=2019)
    new = paper_with(PersonFactory(), alice, year=2024)
    paper_with(PersonFactory(), year=2025)

    section = sections.publications_section(alice)

    assert section.template == "publications/section_person_papers.html"
    assert section.slot == "main"
    assert [paper.pk for paper in section.context["papers"]] == [new.pk, old.pk]
    assert section.context["person"] == alice


def test_publications_section_is_left_out_for_someone_without_papers():
    assert sections.publications_section(PersonFactory()) is None


@pytest.mark.parametrize("item_count", [1, 5])
def test_publications_section_query_count_is_constant(django_assert_num_queries, item_count):
    alice = PersonFactory()
    for _ in range(item_count):
        paper = paper_with(alice, PersonFactory(), PersonFactory())
        PaperAwardFactory(paper=paper)
        paper.keywords.add(KeywordFactory())

    # papers and venues; bylines; awards; keywords; earlier versions (the prefetch of
    # with_versions())
    with django_assert_num_queries(5):
        section = sections.publications_section(alice)
        html = render_to_string(section.template, {"section": section})

    assert html.count('<li class="paper">') == item_count


def test_publications_section_renders_bylines_with_the_person_highlighted():
    alice = PersonFactory(name="Alice Chen", slug="alice-chen")
    bob = PersonFactory(name="Bob Li", slug="bob-li")
    paper = paper_with(bob, alice, year=2023)
    PaperAwardFactory(paper=paper, title="Best Paper Award")

    section = sections.publications_section(alice)
    html = render_to_string(section.template, {"section": section})

    assert (
        '<div class="byline"><a href="/people/bob-li/">Bob Li</a>, '
        '<a href="/people/alice-chen/" class="author-self">Alice Chen</a></div>'
    ) in html
    assert '<span class="badge">Best Paper Award</span>' in html
    assert re.findall(r'<h3 class="year-heading">(.*?)</h3>', html) == ["2023"]
    assert '<p class="result-count"><strong>1</strong> paper</p>' in html
    assert '<div class="legend">' in html
    links = re.findall(r'<a href="(/people/alice-chen/[^"]+)"', html)
    assert links == [
        "/people/alice-chen/papers.csv",
        "/people/alice-chen/papers.xlsx",
        "/people/alice-chen/papers.bib",
        "/people/alice-chen/papers.json",
        "/people/alice-chen/papers.ris",
        "/people/alice-chen/papers.alfolio.bib",
        "/people/alice-chen/papers.hugoblox.zip",
        "/people/alice-chen/feed/",
    ]


# Service ---------------------------------------------------------------------------------------


def test_service_section_lists_service_with_venues():
    alice = PersonFactory()
    nsdi = VenueFactory(slug="nsdi", short_name="NSDI")
    cvpr = VenueFactory(slug="cvpr", short_name="CVPR")
    ServiceFactory(
        person=alice, venue=nsdi, kind=ServiceKind.PROGRAM_COMMITTEE, start_year=2023, end_year=2025
    )
    ServiceFactory(
        person=alice,
        venue=cvpr,
        kind=ServiceKind.ORGANIZER,
        start_year=2024,
        end_year=2024,
        note="Efficient Large Vision Models Workshop (ELVM)",
    )
    ServiceFactory(venue=nsdi)

    section = sections.service_section(alice)
    html = render_to_string(section.template, {"section": section})

    assert section.slot == "main"
    items = re.findall(r"<li>(.*?)</li>", html, re.S)
    assert [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items] == [
        "2024 Organizer, CVPR (Efficient Large Vision Models Workshop (ELVM))",
        "2023 – 2025 Program committee, NSDI",
    ]
    assert '<a href="/venues/nsdi/">NSDI</a>' in html


def test_service_section_is_left_out_without_service():
    assert sections.service_section(PersonFactory()) is None


@pytest.mark.parametrize("item_count", [1, 5])
def test_service_section_query_count_is_constant(django_assert_num_queries, item_count):
    alice = PersonFactory()
    for _ in range(item_count):
        ServiceFactory(person=alice)

    with django_assert_num_queries(1):
        section = sections.service_section(alice)
        render_to_string(section.template, {"section": section})


# Co-authors ------------------------------------------------------------------------------------


def coauthor_ids(section) -> list[tuple[int, int]]:
    """(person id, shared papers) of the co-authors a section lists, in order."""
    return [(coauthor.person_id, count) for coauthor, count in section.context["coauthors"]]


def test_coauthors_section_ranks_by_shared_papers_then_name():
    alice = PersonFactory(name="Alice")
    bob = PersonFactory(name="Bob")
    carol = PersonFactory(name="Carol")
    dan = PersonFactory(name="Dan")
    paper_with(alice, carol, bob)
    paper_with(dan, alice, carol)
    paper_with(alice, bob)
    paper_with(dan)

    section = sections.coauthors_section(alice)

    assert section.slot == "aside"
    assert coauthor_ids(section) == [(bob.pk, 2), (carol.pk, 2), (dan.pk, 1)]
    assert section.context["total"] == 3


def test_coauthors_section_shows_the_top_twenty():
    alice = PersonFactory(name="Alice")
    frequent = PersonFactory(name="Zed Frequent")
    people = [PersonFactory(name=f"Co-author {n:02}") for n in range(25)]
    paper_with(alice, frequent, *people)
    paper_with(alice, frequent)

    section = sections.coauthors_section(alice)
    html = render_to_string(section.template, {"section": section})

    assert coauthor_ids(section) == [(frequent.pk, 2)] + [(p.pk, 1) for p in people[:19]]
    assert section.context["total"] == 26
    assert html.count("<li>") == 20
    assert '<p class="muted">Top 20 of 26 co-authors.</p>' in html


def test_coauthors_section_links_each_coauthor_with_the_count():
    alice = PersonFactory(name="Alice")
    bob = PersonFactory(name="Bob Li", slug="bob-li")
    paper_with(alice, bob)

    section = sections.coauthors_section(alice)
    html = render_to_string(section.template, {"section": section})

    assert (
        '<li><a href="/people/bob-li/">Bob Li</a> <span class="muted">(1 paper)</span></li>'
    ) in html


def test_coauthors_section_is_left_out_for_a_solo_author():
    alice = PersonFactory()
    paper_with(alice)

    assert sections.coauthors_section(alice) is None


def test_coauthors_section_reuses_the_papers_loaded_for_publications(
    django_assert_num_queries,
):
    alice = PersonFactory()
    paper_with(alice, PersonFactory())
    papers = sections.person_papers(alice)
    sections.publications_section(alice, papers)

    with django_assert_num_queries(0):
        section = sections.coauthors_section(alice, papers)

    assert len(section.context["coauthors"]) == 1


def test_section_builders_are_given_the_record_only_never_the_request():
    """Sections go into a fragment cached for every viewer: a builder that could read the
    request could put one viewer's page in front of another."""
    for builder in [*person_sections, *institution_sections]:
        assert list(inspect.signature(builder).parameters) in (["person"], ["institution"])


@pytest.mark.parametrize("item_count", [1, 5])
def test_person_sections_together_query_count_is_constant(django_assert_num_queries, item_count):
    alice = PersonFactory()
    for _ in range(item_count):
        paper = paper_with(alice, PersonFactory())
        PaperAwardFactory(paper=paper)
        paper.keywords.add(KeywordFactory())
        ServiceFactory(person=alice)

    # papers, bylines, awards, keywords, earlier versions (shared by publications and
    # co-authors); service
    with django_assert_num_queries(6):
        slots = build(person_sections, alice)
        for section in slots["main"] + slots["aside"]:
            if section.template.startswith("publications/"):
                render_to_string(section.template, {"section": section})

    ours = [s.template for s in slots["main"] + slots["aside"] if "publications/" in s.template]
    assert ours == [
        "publications/section_person_papers.html",
        "publications/section_person_service.html",
        "publications/section_person_coauthors.html",
    ]


# Through the person page (people/views.py) -----------------------------------------------------


def person_page_queries(client, slug) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/people/{slug}/")
    assert response.status_code == 200
    return len(queries)


def test_person_page_query_count_does_not_grow_with_papers(client):
    alice = PersonFactory(slug="alice")
    PaperAwardFactory(paper=paper_with(alice, PersonFactory()))
    ServiceFactory(person=alice)
    with_one = person_page_queries(client, "alice")
    cache.clear()
    for _ in range(4):
        PaperAwardFactory(paper=paper_with(alice, PersonFactory(), PersonFactory()))
        ServiceFactory(person=alice)

    assert person_page_queries(client, "alice") == with_one


@pytest.mark.parametrize("user", ["visitor", "member", "lab_admin"])
def test_person_page_shows_publications_and_coauthors_without_private_data(
    client, request, private_person, user
):
    if user != "visitor":
        client.force_login(request.getfixturevalue(user))
    alice = PersonFactory(name="Alice Chen", slug="alice-chen")
    paper_with(alice, private_person, title="Shared Work")
    ServiceFactory(person=alice, venue=VenueFactory(short_name="NSDI"))

    content = client.get("/people/alice-chen/").content.decode()

    assert '<h2 id="person-publications-heading">Publications</h2>' in content
    assert '<h2 id="person-service-heading">Service</h2>' in content
    assert '<h2 id="person-coauthors-heading">Co-authors</h2>' in content
    assert '<a href="/people/alice-chen/" class="author-self">Alice Chen</a>' in content
    assert '<a href="/people/pat-private/">Pat Private</a>' in content
    assert_no_private_data(content)


def test_private_persons_own_page_sections_leak_nothing(client, private_person):
    paper_with(private_person, PersonFactory(), title="Private's Paper")
    ServiceFactory(person=private_person)

    content = client.get("/people/pat-private/").content.decode()

    assert '<a href="/people/pat-private/" class="author-self">Pat Private</a>' in content
    assert_no_private_data(content)


# Institutions ----------------------------------------------------------------------------------


def test_institution_section_lists_papers_by_its_peoples_roles_and_affiliations():
    hkust = InstitutionFactory(slug="hkust", short_name="HKUST")
    lab = InstitutionFactory(parent=hkust)
    member = PersonFactory()
    RoleFactory(person=member, institution=lab)
    by_member = paper_with(member, year=2022)
    visitor = PersonFactory()
    by_visitor = paper_with(visitor, year=2023)
    by_visitor.authorships.get().affiliations.add(hkust)
    paper_with(PersonFactory(), year=2024)

    section = sections.institution_papers_section(hkust)
    html = render_to_string(section.template, {"section": section})

    assert section.slot == "main"
    assert [paper.pk for paper in section.context["papers"]] == [by_visitor.pk, by_member.pk]
    assert section.context["total"] == 2
    assert section.context["list_url"] == "/publications/?institution=hkust"
    assert '<a href="/publications/?institution=hkust">All papers by HKUST people</a>' in html
    assert html.count('<li class="paper">') == 2


def test_institution_section_shows_the_latest_twenty():
    hkust = InstitutionFactory(slug="hkust")
    member = PersonFactory()
    RoleFactory(person=member, institution=hkust)
    papers = [paper_with(member, year=2000 + n) for n in range(22)]

    section = sections.institution_papers_section(hkust)
    html = render_to_string(section.template, {"section": section})

    assert [paper.pk for paper in section.context["papers"]] == [p.pk for p in papers[::-1][:20]]
    assert section.context["total"] == 22
    assert "The latest 20 of <strong>22</strong> papers." in html


def test_institution_section_is_left_out_without_papers():
    assert sections.institution_papers_section(InstitutionFactory()) is None


@pytest.mark.parametrize("item_count", [1, 5])
def test_institution_section_query_count_is_constant(django_assert_num_queries, item_count):
    hkust = InstitutionFactory()
    for _ in range(item_count):
        author = PersonFactory()
        RoleFactory(person=author, institution=hkust)
        paper = paper_with(author, PersonFactory())
        PaperAwardFactory(paper=paper)
        paper.keywords.add(KeywordFactory())

    # papers; bylines; awards; keywords; earlier versions (the prefetch of with_versions());
    # the count
    with django_assert_num_queries(6):
        section = sections.institution_papers_section(hkust)
        render_to_string(section.template, {"section": section})

    assert len(section.context["papers"]) == item_count


def test_institution_page_shows_papers_by_its_people(client, private_person):
    hkust = InstitutionFactory(slug="hkust", short_name="HKUST")
    RoleFactory(person=private_person, institution=hkust)
    paper_with(private_person, title="Campus Paper")

    content = client.get("/institutions/hkust/").content.decode()

    assert '<h2 id="institution-papers-heading">Publications by its people</h2>' in content
    assert ">Campus Paper</a>" in content
    assert_no_private_data(content)


def test_person_sections_build_no_paper_or_byline_instance():
    alice = PersonFactory()
    for _ in range(3):
        paper_with(alice, PersonFactory(), PersonFactory())
    built = []

    def count(sender, **kwargs):
        built.append(sender.__name__)

    post_init.connect(count)
    try:
        slots = build(person_sections, alice)
        html = [render_to_string(s.template, {"section": s}) for s in slots["main"]]
    finally:
        post_init.disconnect(count)

    assert len(slots["main"][0].context["papers"]) == 3
    assert html[0].count('<li class="paper">') == 3
    assert built == []
