"""publications.duplicates: which venues and papers are suggested as one, which preprints as
versions of published papers, in which order and why; pairs kept apart or linked never; a
fixed number of queries."""

import pytest

from lab.core.duplicates import ScanStats
from publications.duplicates import (
    paper_suggestions,
    suggest_papers,
    suggest_venues,
    suggest_versions,
    suggestions_for,
    venue_suggestions,
)
from publications.enums import PaperStatus, VenueKind
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    PaperFactory,
    PersonFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

TITLE = "FuseLink: Fast GPU Communication for Large Model Training"


def pairs(suggestions) -> list[tuple[str, str, float]]:
    return [(str(s.first), str(s.second), s.score) for s in suggestions]


def venue(name, short_name="", **fields):
    return VenueFactory(name=name, short_name=short_name, **fields)


def paper(title, *authors, **fields):
    fields.setdefault("venue", None)
    record = PaperFactory(title=title, **fields)
    for position, person in enumerate(authors, start=1):
        AuthorshipFactory(paper=record, person=person, position=position)
    return record


@pytest.fixture
def authors():
    return [PersonFactory(name=name) for name in ("Ann Ames", "Bo Bai", "Cy Cole", "Di Dunn")]


# --- venues ------------------------------------------------------------------------------


def test_suggest_venues_proceedings_ordinals_years_ampersands_and_initials():
    cikm = venue("International Conference on Information and Knowledge Management", "CIKM")
    cikm2 = venue("Conference on Information & Knowledge Management")
    cikm3 = venue("CIKM")
    cikm19 = venue(
        "Proceedings of the 28th ACM International Conference on Information and Knowledge "
        "Management (CIKM '19)"
    )
    venue("ACM SIGKDD Conference on Knowledge Discovery and Data Mining", "KDD")

    suggestions = suggest_venues()

    assert [(s.first, s.second, s.score) for s in suggestions] == [
        (cikm, cikm2, 100.0),
        (cikm, cikm19, 95.6),
        (cikm2, cikm19, 95.6),
        (cikm, cikm3, 90.0),
        (cikm3, cikm19, 90.0),
        (cikm2, cikm3, 85.0),
    ]
    assert [s.evidence for s in suggestions] == [
        (
            "same name: International Conference on Information and Knowledge Management / "
            "Conference on Information & Knowledge Management",
            "CIKM: the initials of Conference on Information & Knowledge Management",
        ),
        (f"names 96% alike: {cikm.name} / {cikm19.name}", "same short name: CIKM"),
        (
            f"names 96% alike: {cikm2.name} / {cikm19.name}",
            "CIKM: the initials of Conference on Information & Knowledge Management",
        ),
        ("same short name: CIKM",),
        ("same short name: CIKM",),
        ("CIKM: the initials of Conference on Information & Knowledge Management",),
    ]
    assert {s.kind for s in suggestions} == {"venue"}


def test_suggest_venues_different_short_names_kinds_and_publishers_tell_apart():
    acm, ieee = InstitutionFactory(short_name="ACM"), InstitutionFactory(short_name="IEEE")
    hotnets = venue("ACM Workshop on Hot Topics in Networks", "HotNets", kind=VenueKind.WORKSHOP)
    hotnets2 = venue("Workshop on Hot Topics in Networks", kind=VenueKind.WORKSHOP)
    venue("Workshop on Hot Topics in Operating Systems", "HotOS", kind=VenueKind.WORKSHOP)
    venue("Journal on Hot Topics in Networks", kind=VenueKind.JOURNAL, publisher=ieee)
    ccs = venue("Conference on Computer Systems", "CCS", publisher=acm)
    ccs2 = venue("Conference on Computer Systems", publisher=ieee)
    venue("Workshop on Edge Computing 1", kind=VenueKind.WORKSHOP)
    venue("Workshop on Edge Computing 11", kind=VenueKind.WORKSHOP)

    suggestions = suggest_venues()

    assert [(s.first, s.second, s.score) for s in suggestions] == [
        (hotnets, hotnets2, 93.3),
        (ccs, ccs2, 90.0),
    ]
    assert [s.evidence for s in suggestions] == [
        (f"names 93% alike: {hotnets.name} / {hotnets2.name}",),
        (
            "same name",
            "CCS: the initials of Conference on Computer Systems",
            "published by ACM / IEEE",
        ),
    ]


def test_suggest_venues_a_series_is_one_venue_whatever_the_year():
    cikm = venue("CIKM")
    cikm19 = venue("Proceedings of CIKM '19")
    cikm2019 = venue("CIKM 2019")
    # Explicit short names that differ outweigh names that are alike.
    venue("ACM Conference on Computer and Communications Security", "CCS")
    venue("ACM Asia Conference on Computer and Communications Security", "AsiaCCS")

    suggestions = suggest_venues()

    assert [(s.first, s.second, s.score, s.evidence) for s in suggestions] == [
        (cikm, cikm2019, 100.0, ("same name: CIKM / CIKM 2019", "same short name: CIKM")),
        (cikm, cikm19, 100.0, (
            "same name: CIKM / Proceedings of CIKM '19", "same short name: CIKM")),
        (cikm19, cikm2019, 100.0, (
            "same name: Proceedings of CIKM '19 / CIKM 2019", "same short name: CIKM")),
    ]  # fmt: skip


def test_suggest_venues_says_what_the_publishers_and_kinds_add():
    acm = InstitutionFactory(name="Association for Computing Machinery", short_name="ACM")
    first = venue("Symposium on Cloud Computing", "SoCC", publisher=acm)
    second = venue("ACM Symposium on Cloud Computing", publisher=acm)
    third = venue("Symposium on Cloud Computing", kind=VenueKind.JOURNAL)

    suggestions = suggest_venues()

    assert [(s.first, s.second, s.score, s.evidence) for s in suggestions] == [
        (first, second, 97.6, (
            f"names 93% alike: {first.name} / {second.name}", "both published by ACM")),
        (first, third, 85.0, ("same name", "a conference and a journal")),
        (second, third, 77.6, (
            f"names 93% alike: {second.name} / {third.name}", "a conference and a journal")),
    ]  # fmt: skip


def test_suggest_venues_never_a_pair_kept_apart():
    cikm = venue("International Conference on Information and Knowledge Management", "CIKM")
    cikm2 = venue("Conference on Information & Knowledge Management")
    cikm3 = venue("CIKM")
    cikm.kept_apart.add(cikm2)

    assert [(s.first, s.second) for s in suggest_venues()] == [(cikm, cikm3), (cikm2, cikm3)]
    assert [(s.first, s.second) for s in venue_suggestions(cikm)] == [(cikm, cikm3)]


@pytest.mark.parametrize("item_count", [1, 5])
def test_venue_queries_are_constant(django_assert_num_queries, item_count):
    acm = InstitutionFactory(short_name="ACM")
    for topic in ("Databases", "Graphics", "Robotics", "Security", "Compilers")[:item_count]:
        venue(f"Symposium on {topic}", f"S{topic}", publisher=acm)
        venue(f"ACM Symposium on {topic}", publisher=acm)
    mine = venue("Conference on Information & Knowledge Management", "CIKM")
    venue("CIKM")

    # venues, kept-apart pairs, publishers
    with django_assert_num_queries(3):
        everything = suggest_venues()
    with django_assert_num_queries(3):
        found = venue_suggestions(mine)

    assert len(everything) == item_count + 1
    assert pairs(found) == [("CIKM", "CIKM", 90.0)]
    assert suggestions_for(mine) == found


# --- papers ------------------------------------------------------------------------------


def test_suggest_papers_same_title_and_authors_within_a_year(authors):
    nsdi = venue("Symposium on Networked Systems Design and Implementation", "NSDI")
    first = paper(TITLE, *authors[:3], venue=nsdi, year=2023, doi="10.1145/1")
    second = paper(TITLE.upper().replace(":", " -"), *authors[:3], venue=nsdi, year=2024)
    third = paper(TITLE, *authors[:3], venue=nsdi, year=2025)  # two years after the first
    paper(TITLE, authors[3], venue=nsdi, year=2023)  # someone else's paper

    suggestions = suggest_papers()

    # Both 100: "FUSELINK - ..." before "FuseLink: ..." in the order of the names.
    assert [(s.first, s.second, s.score) for s in suggestions] == [
        (second, third, 100.0),
        (first, second, 100.0),
    ]
    assert suggestions[1].evidence == (
        "same title but for case, accents and punctuation",
        "same authors",
        "years 2023 / 2024",
        "both at NSDI",
    )
    assert {s.kind for s in suggestions} == {"paper"}
    assert [(s.first, s.second) for s in paper_suggestions(first)] == [(first, second)]
    assert [(s.first, s.second) for s in paper_suggestions(third)] == [(second, third)]


def test_suggest_papers_weighs_the_bylines_identifiers_and_numbers(authors):
    a, b, c, d = authors
    # Two of three authors: suggested; one of three: not.
    two = paper("Rethinking Congestion Control", a, b, c, year=2020)
    paper("Rethinking Congestion Control", a, b, d, year=2020, arxiv_id="2001.00001")
    paper("Rethinking Congestion Control", a, PersonFactory(), PersonFactory(), year=2021)
    # The same authors, but two DOIs: suggested lower, saying so.
    doi = paper("Towards Robust Load Balancing", a, b, year=2021, doi="10.1145/10")
    paper("Towards Robust Load Balancing", a, b, year=2021, doi="10.1145/20")
    # A letter off: suggested; another number: not.
    paper("Understanding Failure Recovery in Production Clusters", a, year=2019)
    paper("Understanding Failure Recovery in Production Clusters.", a, year=2019)
    paper("Understanding Failure Recovery in Production Clusterz", a, year=2019)
    paper("Scaling Model Serving, Part 1", a, b, year=2022)
    paper("Scaling Model Serving, Part 2", a, b, year=2022)

    suggestions = suggest_papers()

    assert [(s.first.title, s.score, s.evidence) for s in suggestions] == [
        ("Understanding Failure Recovery in Production Clusters", 100.0, (
            "same title but for case, accents and punctuation", "same authors", "both 2019")),
        ("Understanding Failure Recovery in Production Clusters", 93.4, (
            "titles 98% alike", "same authors", "both 2019")),
        ("Understanding Failure Recovery in Production Clusters.", 93.4, (
            "titles 98% alike", "same authors", "both 2019")),
        ("Rethinking Congestion Control", 81.7, (
            "same title", "2 shared authors (bylines of 3 and 3)", "both 2020")),
        ("Towards Robust Load Balancing", 75.0, (
            "same title", "same authors", "both 2021",
            "different DOIs: 10.1145/10 / 10.1145/20")),
    ]  # fmt: skip
    assert suggestions[3].second == two  # the one with an arXiv id is kept
    assert suggestions[4].first == doi


def test_suggest_papers_never_a_pair_kept_apart_or_linked(authors):
    first = paper(TITLE, *authors, year=2023)
    second = paper(TITLE, *authors, year=2023)
    third = paper(TITLE, *authors, year=2023)
    assert len(suggest_papers()) == 3

    first.kept_apart.add(second)
    third.published_version = first
    third.save()

    assert [(s.first, s.second) for s in suggest_papers()] == [(second, third)]
    assert [(s.first, s.second) for s in paper_suggestions(first)] == []


# --- versions ----------------------------------------------------------------------------


def test_suggest_versions_a_preprint_and_its_published_paper(authors):
    arxiv = venue("arXiv", "arXiv", kind=VenueKind.PREPRINT)
    nsdi = venue("Symposium on Networked Systems Design and Implementation", "NSDI")
    preprint = paper(
        TITLE, *authors, venue=arxiv, year=2022, status=PaperStatus.PREPRINT, arxiv_id="2203.1"
    )
    published = paper(TITLE + ".", *authors[:3], venue=nsdi, year=2023)
    others = [authors[0], PersonFactory(), PersonFactory(), PersonFactory()]
    paper(TITLE, *others, year=2024)  # one author of four in common
    paper(TITLE, *authors, year=2019)  # years before the preprint

    suggestions = suggest_versions()

    assert [(s.kind, s.first, s.second, s.score) for s in suggestions] == [
        ("version", published, preprint, 93.8)
    ]
    assert suggestions[0].evidence == (
        "same title but for case, accents and punctuation",
        "3 shared authors (bylines of 4 and 3)",
        "preprint 2022, published 2023",
        "published at NSDI",
    )
    # A preprint and its published paper are versions, not duplicates.
    assert [(s.first, s.second) for s in suggest_papers()] == []


def test_suggest_versions_not_when_already_linked(authors):
    preprint = paper(TITLE, *authors, year=2022, status=PaperStatus.PREPRINT)
    published = paper(TITLE, *authors, year=2023, status=PaperStatus.ACCEPTED)
    assert [(s.first, s.second, s.score) for s in suggest_versions()] == [
        (published, preprint, 100.0)
    ]
    assert suggest_versions()[0].evidence[2] == "preprint 2022, accepted 2023"

    preprint.published_version = published
    preprint.save()

    assert suggest_versions() == []
    assert paper_suggestions(preprint) == []


def test_suggest_versions_not_for_a_preprint_linked_to_another_paper(authors):
    preprint = paper(TITLE, *authors, year=2022, status=PaperStatus.PREPRINT)
    published = paper(TITLE, *authors, year=2023)
    other = paper(TITLE, *authors, year=2023, doi="10.1145/9")
    preprint.published_version = other
    preprint.save()

    assert suggest_versions() == []
    assert [(s.kind, s.first, s.second) for s in paper_suggestions(published)] == [
        ("paper", other, published)
    ]


def test_suggest_versions_never_a_pair_kept_apart(authors):
    preprint = paper(TITLE, *authors, year=2022, status=PaperStatus.PREPRINT)
    published = paper(TITLE, *authors, year=2023)
    published.kept_apart.add(preprint)

    assert suggest_versions() == []
    assert paper_suggestions(published) == []


def test_paper_suggestions_gives_both_kinds(authors):
    preprint = paper(TITLE, *authors, year=2022, status=PaperStatus.PREPRINT)
    published = paper(TITLE, *authors, year=2023)
    duplicate = paper(TITLE, *authors, year=2023, doi="10.1145/3")
    paper("Another Paper Entirely", *authors, year=2023)

    found = paper_suggestions(published)

    # Both 100, the same titles: in the order of the records.
    assert [(s.kind, s.first, s.second, s.score) for s in found] == [
        ("version", published, preprint, 100.0),
        ("paper", duplicate, published, 100.0),
    ]
    assert suggestions_for(published) == found
    assert [(s.kind, s.first, s.second) for s in paper_suggestions(preprint)] == [
        ("version", published, preprint),
        ("version", duplicate, preprint),
    ]


@pytest.mark.parametrize("item_count", [1, 5])
def test_paper_queries_are_constant(django_assert_num_queries, item_count, authors):
    nsdi = venue("Symposium on Networked Systems Design and Implementation", "NSDI")
    for number in range(item_count):
        title = f"Elastic Cache Management for Edge Computing, Take {number}"
        paper(title, *authors, year=2020, status=PaperStatus.PREPRINT)
        paper(title, *authors, venue=nsdi, year=2021)
        paper(title, *authors, venue=nsdi, year=2021)
    mine = paper(TITLE, *authors, venue=nsdi, year=2024)
    paper(TITLE, *authors, venue=nsdi, year=2024)
    stats = ScanStats()

    # papers, byline rows, kept-apart pairs, venues
    with django_assert_num_queries(4):
        duplicates = suggest_papers(stats=stats)
    with django_assert_num_queries(4):
        versions = suggest_versions()
    # titles, the candidates, their byline rows, venues, kept-apart pairs
    with django_assert_num_queries(5):
        found = paper_suggestions(mine)

    assert len(duplicates) == item_count + 1
    assert len(versions) == 2 * item_count
    assert [(s.kind, s.second.title) for s in found] == [("paper", TITLE)]
    assert (stats.records, stats.suggestions) == (3 * item_count + 2, item_count + 1)


def test_suggestions_for_people_and_institutions_goes_to_people():
    hao = PersonFactory(name="Hao Wang")
    PersonFactory(name="Hao Wang")
    hku = InstitutionFactory(name="The University of Hong Kong", short_name="HKU")
    InstitutionFactory(name="HKU", short_name="")

    assert [s.kind for s in suggestions_for(hao)] == ["person"]
    assert [s.kind for s in suggestions_for(hku)] == ["institution"]
    with pytest.raises(TypeError, match="No duplicates are suggested for Service"):
        from tests.factories import ServiceFactory

        suggestions_for(ServiceFactory())
