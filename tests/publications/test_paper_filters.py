import pytest
from django.test import RequestFactory

from people.enums import RoleKind
from publications.enums import PaperStatus, VenueKind
from publications.filters import PaperFilter, SelectedPaperFilter, VenueFilter
from publications.models import Paper, Venue
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    KeywordFactory,
    PaperFactory,
    PersonFactory,
    RoleFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db


def filtered(params: dict, filterset_class=PaperFilter, base=None) -> list[str]:
    request = RequestFactory().get("/publications/", params)
    filterset = filterset_class(
        request.GET or None,
        queryset=Paper.objects.all() if base is None else base,
        request=request,
    )
    return list(filterset.papers.values_list("slug", flat=True))


def test_paper_filter_without_parameters_lists_every_paper_newest_first():
    PaperFactory(slug="old", year=2019)
    PaperFactory(slug="undated", year=None, status=PaperStatus.PREPRINT)
    PaperFactory(slug="new", year=2023)

    assert filtered({}) == ["undated", "new", "old"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"year_min": "2020"}, ["y2023", "y2021"]),
        ({"year_max": "2021"}, ["y2021", "y2019"]),
        ({"year_min": "2020", "year_max": "2022"}, ["y2021"]),
        ({"year_min": "2021", "year_max": "2021"}, ["y2021"]),
    ],
)
def test_paper_filter_by_year_range_keeps_years_inside_it(params, expected):
    for year in (2019, 2021, 2023):
        PaperFactory(slug=f"y{year}", year=year)
    PaperFactory(slug="undated", year=None)

    assert filtered(params) == expected


def test_paper_filter_by_venue_slug():
    nsdi = VenueFactory(slug="nsdi")
    PaperFactory(slug="at-nsdi", venue=nsdi)
    PaperFactory(slug="elsewhere")
    PaperFactory(slug="no-venue", venue=None)

    assert filtered({"venue": "nsdi"}) == ["at-nsdi"]


def test_paper_filter_with_an_unknown_venue_shows_nothing_and_says_why():
    PaperFactory(slug="any")
    request = RequestFactory().get("/publications/", {"venue": "no-such-venue"})

    filterset = PaperFilter(request.GET, queryset=Paper.objects.all(), request=request)

    assert list(filterset.papers) == []
    assert list(filterset.errors) == ["venue"]


def test_paper_filter_by_venue_kind():
    PaperFactory(slug="journal-paper", venue=VenueFactory(kind=VenueKind.JOURNAL))
    PaperFactory(slug="conference-paper", venue=VenueFactory(kind=VenueKind.CONFERENCE))

    assert filtered({"kind": "journal"}) == ["journal-paper"]
    assert filtered({"kind": "conference"}) == ["conference-paper"]


def test_paper_filter_by_status():
    PaperFactory(slug="out", status=PaperStatus.PUBLISHED)
    PaperFactory(slug="on-arxiv", status=PaperStatus.PREPRINT)
    PaperFactory(slug="in-review", status=PaperStatus.UNDER_REVIEW)

    assert filtered({"status": "preprint"}) == ["on-arxiv"]
    assert filtered({"status": "under_review"}) == ["in-review"]


def test_paper_filter_by_person_lists_their_papers_only():
    alice = PersonFactory(slug="alice")
    bob = PersonFactory(slug="bob")
    AuthorshipFactory(paper=PaperFactory(slug="alice-solo", year=2024), person=alice, position=1)
    shared = PaperFactory(slug="shared", year=2023)
    AuthorshipFactory(paper=shared, person=bob, position=1)
    AuthorshipFactory(paper=shared, person=alice, position=2)
    AuthorshipFactory(paper=PaperFactory(slug="bob-solo"), person=bob, position=1)

    assert filtered({"person": "alice"}) == ["alice-solo", "shared"]


def test_paper_filter_person_choices_are_the_lab_people_and_the_one_asked_for(settings):
    lab = InstitutionFactory(slug="the-lab")
    settings.LAB_INSTITUTION = "the-lab"
    member = PersonFactory(slug="member")
    RoleFactory(person=member, institution=lab, kind=RoleKind.MEMBERSHIP)
    group_member = PersonFactory(slug="group-member")
    RoleFactory(person=group_member, institution=InstitutionFactory(parent=lab))
    PersonFactory(slug="outsider")
    PersonFactory(slug="coauthor")
    request = RequestFactory().get("/publications/", {"person": "coauthor"})

    filterset = PaperFilter(request.GET, queryset=Paper.objects.all(), request=request)

    choices = [str(value) for value, _ in filterset.form.fields["person"].choices]
    assert sorted(choices) == ["", "coauthor", "group-member", "member"]
    assert filterset.is_valid()


def test_paper_filter_by_institution_through_a_role():
    hkust = InstitutionFactory(slug="hkust")
    staff = PersonFactory()
    RoleFactory(person=staff, institution=hkust, start_year=2015, end_year=2018)
    AuthorshipFactory(paper=PaperFactory(slug="by-former-staff"), person=staff, position=1)
    AuthorshipFactory(paper=PaperFactory(slug="by-outsider"), position=1)

    assert filtered({"institution": "hkust"}) == ["by-former-staff"]


def test_paper_filter_by_institution_includes_roles_in_its_units():
    hkust = InstitutionFactory(slug="hkust")
    cse = InstitutionFactory(slug="hkust-cse", parent=hkust)
    lab = InstitutionFactory(slug="ising-lab", parent=cse)
    student = PersonFactory()
    RoleFactory(person=student, institution=lab)
    AuthorshipFactory(paper=PaperFactory(slug="lab-paper"), person=student, position=1)
    AuthorshipFactory(paper=PaperFactory(slug="other-paper"), position=1)

    assert filtered({"institution": "hkust"}) == ["lab-paper"]
    assert filtered({"institution": "hkust-cse"}) == ["lab-paper"]
    assert filtered({"institution": "ising-lab"}) == ["lab-paper"]


def test_paper_filter_by_institution_does_not_include_its_parent():
    hkust = InstitutionFactory(slug="hkust")
    InstitutionFactory(slug="ising-lab", parent=hkust)
    professor = PersonFactory()
    RoleFactory(person=professor, institution=hkust)
    AuthorshipFactory(paper=PaperFactory(slug="university-paper"), person=professor, position=1)

    assert filtered({"institution": "ising-lab"}) == []


def test_paper_filter_by_institution_through_an_authorship_affiliation():
    msr = InstitutionFactory(slug="msr")
    visitor = PersonFactory()
    authorship = AuthorshipFactory(
        paper=PaperFactory(slug="affiliated", year=2022), person=visitor, position=1
    )
    authorship.affiliations.add(msr)
    # Same person, a paper without the affiliation: no role there, so not listed.
    AuthorshipFactory(
        paper=PaperFactory(slug="unaffiliated", year=2021), person=visitor, position=1
    )

    assert filtered({"institution": "msr"}) == ["affiliated"]


def test_paper_filter_by_institution_lists_a_paper_once_however_many_authors_match():
    hkust = InstitutionFactory(slug="hkust")
    paper = PaperFactory(slug="crowded")
    for position in (1, 2, 3):
        author = PersonFactory()
        RoleFactory(person=author, institution=hkust)
        RoleFactory(person=author, institution=hkust, title="Ph.D.")
        AuthorshipFactory(paper=paper, person=author, position=position).affiliations.add(hkust)

    assert filtered({"institution": "hkust"}) == ["crowded"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("scheduling", ["in-title"]),
        ("SCHEDULING", ["in-title"]),
        ("straggler", ["in-abstract"]),
        ("Cheng", ["by-name"]),
        ("Lindqvist", ["by-alias"]),
        ("Chan T.", ["as-printed"]),
        ("GPU scheduling", ["in-title"]),
        ("GPU straggler", []),
    ],
)
def test_paper_filter_by_text_searches_title_abstract_and_author_names(query, expected):
    PaperFactory(slug="in-title", title="GPU Scheduling at Scale", year=2024)
    PaperFactory(slug="in-abstract", title="Training", abstract="We find straggler nodes.")
    named = PersonFactory(name="Mei Cheng")
    AuthorshipFactory(paper=PaperFactory(slug="by-name", title="Networks"), person=named)
    aliased = PersonFactory(name="Anna Berg", aliases="A. Lindqvist\nAnna B.")
    AuthorshipFactory(paper=PaperFactory(slug="by-alias", title="Storage"), person=aliased)
    printed = PersonFactory(name="Tai Chen")
    AuthorshipFactory(
        paper=PaperFactory(slug="as-printed", title="Caches"),
        person=printed,
        printed_name="Chan T.",
    )

    assert filtered({"q": query}) == expected


def test_paper_filter_selected_box_keeps_the_selected_papers():
    PaperFactory(slug="featured", selected=True)
    PaperFactory(slug="plain", selected=False)

    assert filtered({"selected": "on"}) == ["featured"]
    assert sorted(filtered({"q": ""})) == ["featured", "plain"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("newest", ["undated", "b-2024-may", "a-2024-feb", "c-2021"]),
        ("oldest", ["c-2021", "a-2024-feb", "b-2024-may", "undated"]),
        ("title", ["a-2024-feb", "b-2024-may", "c-2021", "undated"]),
        ("venue", ["b-2024-may", "undated", "c-2021", "a-2024-feb"]),
    ],
)
def test_paper_filter_sorts(sort, expected):
    atc = VenueFactory(short_name="ATC")
    nsdi = VenueFactory(short_name="NSDI")
    PaperFactory(slug="a-2024-feb", title="Alpha", year=2024, month=2, venue=None)
    PaperFactory(slug="b-2024-may", title="Beta", year=2024, month=5, venue=atc)
    PaperFactory(slug="c-2021", title="Gamma", year=2021, venue=nsdi)
    PaperFactory(slug="undated", title="Omega", year=None, venue=nsdi)

    assert filtered({"sort": sort}) == expected


def test_paper_filter_with_an_unknown_sort_is_invalid_and_shows_nothing():
    PaperFactory(slug="any")

    assert filtered({"sort": "random"}) == []


def test_paper_filters_combine():
    nsdi = VenueFactory(slug="nsdi")
    alice = PersonFactory(slug="alice")
    papers = [("hit", nsdi, 2022), ("wrong-year", nsdi, 2018), ("other", None, 2022)]
    for slug, venue, year in papers:
        AuthorshipFactory(paper=PaperFactory(slug=slug, venue=venue, year=year), person=alice)

    assert filtered({"person": "alice", "venue": "nsdi", "year_min": "2020"}) == ["hit"]


def test_selected_paper_filter_has_no_selected_box():
    request = RequestFactory().get("/publications/selected/")

    filterset = SelectedPaperFilter(None, queryset=Paper.objects.selected(), request=request)

    assert "selected" not in filterset.form.fields
    assert list(filterset.form.fields) == [
        "q",
        "year_min",
        "year_max",
        "person",
        "institution",
        "venue",
        "keyword",
        "kind",
        "status",
        "sort",
    ]


def test_venue_filter_by_kind_and_text():
    VenueFactory(slug="nsdi", short_name="NSDI", name="Networked Systems Design")
    VenueFactory(slug="tpds", short_name="TPDS", name="Parallel Systems", kind=VenueKind.JOURNAL)
    VenueFactory(slug="sigmod", short_name="SIGMOD", name="Management of Data")

    def venues(params):
        filterset = VenueFilter(params, queryset=Venue.objects.all())
        return list(filterset.venues.values_list("slug", flat=True))

    assert venues({"kind": "journal"}) == ["tpds"]
    assert venues({"q": "systems"}) == ["nsdi", "tpds"]
    assert venues({"q": "sigmod"}) == ["sigmod"]
    assert venues({"q": "systems", "kind": "conference"}) == ["nsdi"]


def test_paper_filter_by_keyword_lists_the_papers_tagged_with_it():
    gpu, other = KeywordFactory(name="GPU", slug="gpu"), KeywordFactory(name="RDMA", slug="rdma")
    PaperFactory(slug="tagged-gpu", year=2024).keywords.add(gpu)
    PaperFactory(slug="tagged-both", year=2023).keywords.add(gpu, other)
    PaperFactory(slug="tagged-other", year=2022).keywords.add(other)
    PaperFactory(slug="untagged", year=2021)

    assert filtered({"keyword": "gpu"}) == ["tagged-gpu", "tagged-both"]
    assert filtered({"keyword": "rdma"}) == ["tagged-both", "tagged-other"]
    assert len(filtered({})) == 4
