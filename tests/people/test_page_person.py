"""The person profile (/people/<slug>/)."""

import copy
import re

import pytest

from people import sections
from people.enums import InstitutionKind, RoleKind, Term
from tests.conftest import assert_no_private_data
from tests.factories import (
    AuthorshipFactory,
    AwardFactory,
    InstitutionFactory,
    KeywordFactory,
    PersonFactory,
    RoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db



@pytest.fixture
def hao(db):
    """A profile with one of everything the page shows."""
    hkust = InstitutionFactory(name="HKUST University", short_name="HKUST", slug="hkust")
    lab = InstitutionFactory(
        name="iSING Lab", short_name="iSING", slug="ising-lab", kind=InstitutionKind.LAB
    )
    pku = InstitutionFactory(name="Peking University", short_name="PKU", slug="pku")
    kai = PersonFactory(name="Kai Chen", slug="kai-chen")
    person = PersonFactory(
        name="Hao Wang",
        slug="hao-wang",
        email="hao@example.org",
        homepage="https://hao.example.org",
        orcid="0000-0002-1825-0097",
        google_scholar="https://scholar.google.com/citations?user=abc",
        dblp="https://dblp.org/pid/1/2",
        github="haowang",
        linkedin="https://www.linkedin.com/in/haowang",
        bio="I build **networks**.\n\n<script>alert('x')</script>",
        research_interests="Datacenter networks\n\nRDMA\n",
    )
    phd = RoleFactory(
        person=person,
        kind=RoleKind.EDUCATION,
        title="Ph.D. Candidate in Computer Science",
        institution=hkust,
        unit="iSING Lab",
        start_year=2019,
        start_month=8,
        thesis_title="Fast Networks",
    )
    phd.advisors.add(kai)
    RoleFactory(
        person=person,
        kind=RoleKind.EDUCATION,
        title="BSc in Computer Science",
        institution=pku,
        start_year=2015,
        end_year=2019,
    )
    RoleFactory(
        person=person,
        kind=RoleKind.MEMBERSHIP,
        title="Ph.D. student",
        institution=lab,
        start_year=2019,
        description="- built *things*\n- [bad](javascript:alert(1))",
    )
    RoleFactory(
        person=person,
        kind=RoleKind.TEACHING,
        title="Teaching Assistant",
        institution=hkust,
        unit="COMP 3511 - Operating Systems",
        term=Term.FALL,
        start_year=2020,
        end_year=2020,
    )
    AwardFactory(
        person=person,
        title="Google Ph.D. Fellowship",
        year=2023,
        end_year=2025,
        issuer=InstitutionFactory(name="Google", slug="google", kind=InstitutionKind.COMPANY),
    )
    return person


def h1s(content):
    return re.findall(r"<h1[ >].*?</h1>", content, flags=re.S)


def test_person_detail_header(client, hao):
    response = client.get("/people/hao-wang/")
    content = response.content.decode()

    assert response.status_code == 200
    assert h1s(content) == ["<h1>Hao Wang</h1>"]
    assert "<title>Hao Wang · " in content
    assert '<li aria-current="page">Hao Wang</li>' in content
    assert '<span class="avatar avatar-large" aria-hidden="true">HW</span>' in content
    assert [str(role.title) for role in response.context["current_roles"]] == [
        "Ph.D. Candidate in Computer Science",
        "Ph.D. student",
    ]
    assert (
        '<p class="lede">Ph.D. Candidate in Computer Science, iSING Lab, '
        '<a href="/institutions/hkust/">HKUST University</a></p>'
    ) in content


def test_person_detail_links(client, hao):
    content = client.get("/people/hao-wang/").content.decode()

    assert '<a href="https://hao.example.org" rel="noopener">Homepage</a>' in content
    assert (
        '<a href="https://orcid.org/0000-0002-1825-0097" rel="noopener">'
        "ORCID 0000-0002-1825-0097</a>"
    ) in content
    assert (
        '<a href="https://scholar.google.com/citations?user=abc" rel="noopener">Google Scholar</a>'
    ) in content
    assert '<a href="https://dblp.org/pid/1/2" rel="noopener">DBLP</a>' in content
    assert '<a href="https://github.com/haowang" rel="noopener">GitHub</a>' in content
    assert '<a href="https://www.linkedin.com/in/haowang" rel="noopener">LinkedIn</a>' in content


def test_person_detail_photo_has_alt_text(client):
    PersonFactory(name="Ana Klimovic", slug="ana", photo="people/ana.png")

    content = client.get("/people/ana/").content.decode()

    assert '<img class="avatar avatar-large" src="/media/people/ana.png" alt="Ana Klimovic"' in (
        content
    )


def test_person_detail_email_for_members_only(client, member, hao):
    visitor_content = client.get("/people/hao-wang/").content.decode()
    client.force_login(member)
    member_content = client.get("/people/hao-wang/").content.decode()

    assert "hao@example.org" not in visitor_content
    assert '<a href="mailto:hao@example.org">hao@example.org</a>' in member_content


def test_person_detail_bio_is_markdown_sanitised(client, hao):
    content = client.get("/people/hao-wang/").content.decode()

    assert '<div class="prose"><p>I build <strong>networks</strong>.</p>' in content
    assert "alert('x')" not in content
    assert "<script>alert" not in content


def test_person_detail_research_interests_one_per_line(client, hao):
    content = client.get("/people/hao-wang/").content.decode()

    assert '<ul class="interests"><li>Datacenter networks</li><li>RDMA</li></ul>' in content


def test_person_detail_timeline(client, hao):
    response = client.get("/people/hao-wang/")
    content = response.content.decode()

    assert [(r.title, r.dates) for r in response.context["positions"]] == [
        ("Ph.D. student", "2019 – present")
    ]
    assert [(r.title, r.dates) for r in response.context["education"]] == [
        ("Ph.D. Candidate in Computer Science", "Aug 2019 – present"),
        ("BSc in Computer Science", "2015 – 2019"),
    ]
    assert '<span class="dates">Aug 2019 – present</span>' in content
    assert '<span class="dates">2015 – 2019</span>' in content
    assert (
        "<strong>Ph.D. Candidate in Computer Science</strong>, iSING Lab, "
        '<a href="/institutions/hkust/">HKUST University</a>'
    ) in content
    assert '<div>Advised by <a href="/people/kai-chen/">Kai Chen</a></div>' in content
    assert "<div>Thesis: <cite>Fast Networks</cite></div>" in content
    assert '<span class="tag">Lab membership</span>' in content
    assert "<li>built <em>things</em></li>" in content
    assert '<li><a rel="noopener noreferrer">bad</a></li>' in content
    assert "javascript:" not in content


def test_person_detail_lists_several_advisors(client, hao):
    role = hao.roles.get(title="BSc in Computer Science")
    role.advisors.add(
        PersonFactory(name="Ann A", slug="ann"),
        PersonFactory(name="Bo B", slug="bo"),
        PersonFactory(name="Cy C", slug="cy"),
    )

    content = client.get("/people/hao-wang/").content.decode()

    assert (
        '<div>Advised by <a href="/people/ann/">Ann A</a>, <a href="/people/bo/">Bo B</a> '
        'and <a href="/people/cy/">Cy C</a></div>'
    ) in content


def test_person_detail_orders_ongoing_roles_first(client):
    person = PersonFactory(slug="p")
    RoleFactory(person=person, title="Old", start_year=2010, end_year=2012)
    RoleFactory(person=person, title="Undated but current", start_year=None)
    RoleFactory(person=person, title="Ended, date unknown", start_year=None, end_unknown=True)
    RoleFactory(person=person, title="Recent", start_year=2015, end_year=2020)

    response = client.get("/people/p/")

    assert [r.title for r in response.context["positions"]] == [
        "Undated but current",
        "Recent",
        "Old",
        "Ended, date unknown",
    ]


def test_person_detail_awards_and_teaching(client, hao):
    content = client.get("/people/hao-wang/").content.decode()

    assert '<span class="dates">2023 – 2025</span>' in content
    assert (
        '<strong>Google Ph.D. Fellowship</strong>, <a href="/institutions/google/">Google</a>'
    ) in content
    assert '<h2 id="teaching-heading">Teaching</h2>' in content
    assert '<span class="dates">Fall 2020</span>' in content
    assert "<strong>Teaching Assistant</strong>, COMP 3511 - Operating Systems, " in content


def test_person_detail_empty_profile_has_no_empty_sections(client):
    PersonFactory(name="Nobody Much", slug="nobody")

    content = client.get("/people/nobody/").content.decode()

    assert h1s(content) == ["<h1>Nobody Much</h1>"]
    assert "<h2" not in content


def test_person_detail_edit_link_for_the_person_only(client, hao):
    owner = UserFactory(username="hao")
    hao.user = owner
    hao.save()
    other = UserFactory(username="other")

    visitor = client.get("/people/hao-wang/").content.decode()
    client.force_login(other)
    stranger = client.get("/people/hao-wang/").content.decode()
    client.force_login(owner)
    own = client.get("/people/hao-wang/").content.decode()

    link = '<a class="button" href="/people/hao-wang/edit/">Edit your profile</a>'
    assert link in own
    assert link not in visitor
    assert link not in stranger
    assert "Edit in admin" not in own


def test_person_detail_admin_link_for_lab_admins(client, lab_admin, member, hao):
    link = f'href="/admin/people/person/{hao.pk}/change/">Edit in admin</a>'
    client.force_login(member)
    assert link not in client.get("/people/hao-wang/").content.decode()
    client.force_login(lab_admin)
    assert link in client.get("/people/hao-wang/").content.decode()


@pytest.fixture
def extra_sections(settings):
    """Two sections, main and aside, registered the way the publications app registers its own."""
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["APP_DIRS"] = False
    templates[0]["OPTIONS"]["loaders"] = [
        (
            "django.template.loaders.locmem.Loader",
            {"tests/section.html": '<section class="extra">{{ section.context.text }}</section>'},
        ),
        "django.template.loaders.app_directories.Loader",
    ]
    settings.TEMPLATES = templates

    def main(obj):
        return sections.Section("tests/section.html", {"text": f"Main about {obj.name}"})

    def aside(obj):
        return sections.Section("tests/section.html", {"text": f"Aside {obj.slug}"}, "aside")

    def nothing(obj):
        return None

    added = [main, aside, nothing]
    for registry in (sections.person_sections, sections.institution_sections):
        registry.extend(added)
    yield
    for registry in (sections.person_sections, sections.institution_sections):
        for builder in added:
            registry.remove(builder)


def test_person_detail_includes_registered_sections_in_their_slots(client, hao, extra_sections):
    content = client.get("/people/hao-wang/").content.decode()

    main = '<section class="extra">Main about Hao Wang</section>'
    aside = '<section class="extra">Aside hao-wang</section>'
    assert main in content
    assert aside in content
    assert content.index(main) < content.index('<aside aria-label="More about Hao Wang">')
    assert content.index('<aside aria-label="More about Hao Wang">') < content.index(aside)


def test_person_detail_missing_is_404(client):
    assert client.get("/people/no-one/").status_code == 404


def test_person_detail_rejects_post(client, hao):
    assert client.post("/people/hao-wang/").status_code == 405


@pytest.mark.parametrize("who", ["visitor", "member", "lab_admin"])
def test_person_detail_never_shows_private_data(client, private_person, who, request):
    if who != "visitor":
        client.force_login(request.getfixturevalue(who))
    RoleFactory(person=private_person, start_year=2020)
    AuthorshipFactory(person=private_person)

    response = client.get("/people/pat-private/")

    assert response.status_code == 200
    assert h1s(response.content.decode()) == ["<h1>Pat Private</h1>"]
    assert_no_private_data(response.content)


@pytest.mark.parametrize("item_count", [1, 5])
def test_person_detail_query_count_is_constant(client, django_assert_num_queries, item_count):
    person = PersonFactory(slug="busy")
    for number in range(item_count):
        role = RoleFactory(person=person, start_year=2000 + number)
        role.advisors.add(PersonFactory(), PersonFactory())
        AwardFactory(person=person, issuer=InstitutionFactory())
        AuthorshipFactory(person=person).paper.keywords.add(KeywordFactory())

    # person, roles, advisors, awards; then the publications sections (papers: 5, with the
    # keywords and the earlier versions' prefetch of Paper.objects.with_versions(); service: 1)
    with django_assert_num_queries(10):
        response = client.get("/people/busy/")
    assert len(response.context["positions"]) == item_count


def test_person_detail_orders_teaching_terms_within_a_year(client):
    person = PersonFactory(slug="ta")
    for term, year in [(Term.SPRING, 2021), (Term.FALL, 2020), (Term.FALL, 2021)]:
        RoleFactory(
            person=person, kind=RoleKind.TEACHING, term=term, start_year=year, end_year=year
        )

    response = client.get("/people/ta/")

    assert [role.dates for role in response.context["teaching"]] == [
        "Fall 2021",
        "Spring 2021",
        "Fall 2020",
    ]


def test_institution_detail_includes_registered_sections_in_their_slots(client, extra_sections):
    InstitutionFactory(name="Some Lab", slug="some-lab")

    content = client.get("/institutions/some-lab/").content.decode()

    main = '<section class="extra">Main about Some Lab</section>'
    aside = '<section class="extra">Aside some-lab</section>'
    assert content.index(main) < content.index('<aside aria-label="About Some Lab">')
    assert content.index('<aside aria-label="About Some Lab">') < content.index(aside)
