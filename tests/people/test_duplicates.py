"""people.duplicates: which people and institutions are suggested as one, in which order, and
why; pairs kept apart or on one byline never; a fixed number of queries."""

import pytest

from lab.core.duplicates import ScanStats, Suggestion
from people.duplicates import (
    existing_matches,
    institution_suggestions,
    person_suggestions,
    suggest_institutions,
    suggest_people,
    suggestions_for,
)
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    PaperFactory,
    PersonFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db


def paper(*authors, venue=None, year=2020):
    """A paper by ``authors``, in this order, at ``venue`` (a new one unless given)."""
    record = PaperFactory(venue=venue or VenueFactory(short_name=""), year=year)
    for position, person in enumerate(authors, start=1):
        AuthorshipFactory(paper=record, person=person, position=position)
    return record


def pairs(suggestions: list[Suggestion]) -> list[tuple[str, str, float]]:
    return [(str(s.first), str(s.second), s.score) for s in suggestions]


@pytest.fixture
def crowd():
    """The rest of a lab's records: people enough that sharing a co-author or two is not
    chance (2 x 2 co-authors among 100 people: 0.04 shared by chance)."""
    return PersonFactory.create_batch(100)


# --- people ------------------------------------------------------------------------------


def test_suggest_people_initials_and_middle_names_with_shared_coauthors(crowd):
    anna_c = PersonFactory(name="Anna C. Squicciarini")
    anna_cinzia = PersonFactory(name="Anna Cinzia Squicciarini")
    anna = PersonFactory(name="Anna Squicciarini")
    bob, carol = PersonFactory(name="Bob Builder"), PersonFactory(name="Carol Danvers")
    cikm = VenueFactory(short_name="CIKM")
    paper(anna_c, bob, carol, venue=cikm, year=2019)
    paper(anna_cinzia, bob, carol, venue=cikm, year=2020)
    paper(anna, bob, venue=VenueFactory(short_name="SIGMOD"), year=2023)

    suggestions = suggest_people()

    assert pairs(suggestions) == [
        ("Anna C. Squicciarini", "Anna Cinzia Squicciarini", 89.7),
        ("Anna C. Squicciarini", "Anna Squicciarini", 68.4),
        ("Anna Cinzia Squicciarini", "Anna Squicciarini", 68.4),
    ]
    assert [s.evidence for s in suggestions] == [
        (
            "initials agree: Anna C. Squicciarini / Anna Cinzia Squicciarini",
            "2 shared co-authors",
            "both at CIKM",
            "papers in the same years: 2019 / 2020",
        ),
        (
            "middle initial on one only: Anna C. Squicciarini / Anna Squicciarini",
            "1 shared co-author",
            "papers years apart: 2019 / 2023",
        ),
        (
            "middle name on one only: Anna Cinzia Squicciarini / Anna Squicciarini",
            "1 shared co-author",
            "papers years apart: 2020 / 2023",
        ),
    ]
    assert {s.kind for s in suggestions} == {"person"}
    assert (suggestions[0].first, suggestions[0].second) == (anna_c, anna_cinzia)


def test_suggest_people_keeps_first_the_person_with_more_papers(crowd):
    jason = PersonFactory(name="Jason Hallstrom")
    jason_o = PersonFactory(name="Jason O. Hallstrom")
    dave = PersonFactory(name="Dave Grohl")
    paper(jason_o, dave, year=2010)
    paper(jason_o, year=2011)
    paper(jason, dave, year=2011)

    suggestions = suggest_people()

    # 56.25 for the names, 12 for Dave (less the 0.02 co-authors chance would share), 5 for
    # the years.
    assert pairs(suggestions) == [("Jason O. Hallstrom", "Jason Hallstrom", 73.1)]
    assert suggestions[0].evidence == (
        "middle initial on one only: Jason O. Hallstrom / Jason Hallstrom",
        "1 shared co-author",
        "papers in the same years: 2010–2011 / 2011",
    )
    assert suggestions[0].first == jason_o


def test_suggest_people_given_and_family_names_swapped():
    PersonFactory(name="Wang Hao")
    PersonFactory(name="Hao Wang", given_name="Hao", family_name="Wang")
    PersonFactory(name="Wang, Hao")

    suggestions = suggest_people()

    # Hao Wang, whose name fields are filled in, is the one to keep.
    assert pairs(suggestions) == [
        ("Hao Wang", "Wang, Hao", 65.0),
        ("Hao Wang", "Wang Hao", 60.0),
        ("Wang Hao", "Wang, Hao", 60.0),
    ]
    assert [s.evidence for s in suggestions] == [
        # The name fields and the comma say which is the family name: one name, written twice.
        ("same name: Hao Wang / Wang, Hao",),
        ("given and family names swapped: Hao Wang / Wang Hao",),
        ("given and family names swapped: Wang Hao / Wang, Hao",),
    ]


def test_suggest_people_swapped_and_a_middle_initial_on_one_only():
    PersonFactory(name="Kenji P. Silva")
    PersonFactory(name="Silva Kenji")
    PersonFactory(name="Silva Kai")

    suggestions = suggest_people()

    assert pairs(suggestions) == [("Kenji P. Silva", "Silva Kenji", 55.0)]
    assert suggestions[0].evidence == (
        "given and family names swapped, middle initial on one only: "
        "Kenji P. Silva / Silva Kenji",
    )


def test_suggest_people_folds_accents_case_and_dots():
    PersonFactory(name="José García")
    PersonFactory(name="jose garcia")
    PersonFactory(name="J. R. Smith")
    PersonFactory(name="J R Smith")

    suggestions = suggest_people()

    assert [(s.score, s.evidence) for s in suggestions] == [
        (65.0, ("same name: J. R. Smith / J R Smith",)),
        (65.0, ("same name: José García / jose garcia",)),
    ]


@pytest.mark.parametrize(
    ("others", "score", "shared"),
    [
        (0, 61.2, "3 shared co-authors (3.3 by chance)"),
        (100, 85.3, "3 shared co-authors"),
    ],
)
def test_suggest_people_counts_only_the_coauthors_beyond_chance(others, score, shared):
    """People with many co-authors share some by chance: 5 and 4 co-authors among 8 people
    share 3.3 on average, among 108 people 0.2. Only the shared beyond that count."""
    PersonFactory.create_batch(others)
    jason_o, jason = PersonFactory(name="Jason O. Hallstrom"), PersonFactory(name="Jason Hallstrom")
    coauthors = [PersonFactory(name=f"Coauthor Number{n}") for n in range(5)]
    paper(jason_o, *coauthors, year=2020)
    paper(jason, *coauthors[:3], PersonFactory(name="Dee Dee"), year=2020)

    suggestions = suggest_people()

    assert pairs(suggestions) == [("Jason O. Hallstrom", "Jason Hallstrom", score)]
    assert suggestions[0].evidence[1] == shared


def test_suggest_people_namesakes_without_evidence_are_not_suggested():
    PersonFactory(name="Hao Wang")
    PersonFactory(name="Haoyu Wang")  # token-set score 88.9
    PersonFactory(name="Kai Chen")
    PersonFactory(name="Kaiqiang Chen")
    PersonFactory(name="Jason O. Hallstrom")
    PersonFactory(name="Jason Hallstrom")

    suggestions = suggest_people()

    assert pairs(suggestions) == [("Jason O. Hallstrom", "Jason Hallstrom", 56.2)]
    assert suggestions[0].evidence == (
        "middle initial on one only: Jason O. Hallstrom / Jason Hallstrom",
    )


def test_suggest_people_namesakes_with_evidence_rank_below_variants_with_the_same(crowd):
    hao, haoyu = PersonFactory(name="Hao Wang"), PersonFactory(name="Haoyu Wang")
    jason_o, jason = PersonFactory(name="Jason O. Hallstrom"), PersonFactory(name="Jason Hallstrom")
    coauthors = [PersonFactory(name=name) for name in ("Xavier Xu", "Yara Young", "Zoe Zed")]
    cikm = VenueFactory(short_name="CIKM")
    for person in (hao, haoyu, jason_o, jason):
        paper(person, *coauthors, venue=cikm, year=2020)

    suggestions = suggest_people()

    # 56.25 and 26.7 for the names; 24.5 for three shared co-authors (less the 0.09 chance
    # would share), 5 for CIKM, 5 for 2020.
    assert pairs(suggestions) == [
        ("Jason O. Hallstrom", "Jason Hallstrom", 90.8),
        ("Hao Wang", "Haoyu Wang", 61.2),
    ]
    assert suggestions[1].evidence == (
        "given names alike, not the same: Hao Wang / Haoyu Wang",
        "3 shared co-authors",
        "both at CIKM",
        "papers in the same years: 2020 / 2020",
    )


def test_suggest_people_a_letter_off_in_a_long_family_name_with_evidence(crowd):
    anna = PersonFactory(name="Anna Squicciarini")
    typo = PersonFactory(name="Anna C. Squiciarini")
    PersonFactory(name="Shu Chen")
    PersonFactory(name="Shu Cheng")  # a letter off in a short family name: another name
    bob, carol = PersonFactory(name="Bob Builder"), PersonFactory(name="Carol Danvers")
    paper(anna, bob, carol, year=2019)
    paper(typo, bob, carol, year=2019)

    suggestions = suggest_people()

    assert [(s.first, s.second, s.score) for s in suggestions] == [(anna, typo, 65.8)]
    assert suggestions[0].evidence == (
        "family names nearly the same: Anna Squicciarini / Anna C. Squiciarini",
        "2 shared co-authors",
        "papers in the same years: 2019 / 2019",
    )


def test_suggest_people_different_given_names_never_however_much_evidence():
    kai, kenji = PersonFactory(name="Kai Chen"), PersonFactory(name="Kenji Chen")
    wei_a, wei_b = PersonFactory(name="Wei A. Lin"), PersonFactory(name="Wei B. Lin")
    coauthors = [PersonFactory(name=f"Coauthor Number{n}") for n in range(3)]
    for person in (kai, kenji, wei_a, wei_b):
        paper(person, *coauthors, year=2020)

    assert suggest_people() == []


def test_suggest_people_aliases_count_as_names_but_do_not_override_given_names():
    kai = PersonFactory(name="Kai Chen", aliases="K. Chen")
    PersonFactory(name="Kenji Chen")
    k_chen = PersonFactory(name="K Chen")

    suggestions = suggest_people()

    assert pairs(suggestions) == [("Kai Chen", "K Chen", 65.0), ("Kenji Chen", "K Chen", 50.0)]
    assert suggestions[0].evidence == ("same name: K. Chen (alias of Kai Chen) / K Chen",)
    assert suggestions[1].evidence == ("initials agree: Kenji Chen / K Chen",)
    assert (suggestions[0].first, suggestions[0].second) == (kai, k_chen)


def test_suggest_people_never_two_authors_of_one_paper():
    first = PersonFactory(name="Hao Wang", slug="hao-wang")
    second = PersonFactory(name="Hao Wang", slug="hao-wang-2")
    assert pairs(suggest_people()) == [("Hao Wang", "Hao Wang", 65.0)]

    paper(first, second)

    assert suggest_people() == []
    assert person_suggestions(first) == []


def test_suggest_people_never_a_pair_kept_apart():
    first = PersonFactory(name="Hao Wang", slug="hao-wang")
    second = PersonFactory(name="Hao Wang", slug="hao-wang-2")
    third = PersonFactory(name="Hao Wang", slug="hao-wang-3")
    assert len(suggest_people()) == 3

    first.kept_apart.add(second)

    assert [(s.first, s.second) for s in suggest_people()] == [(first, third), (second, third)]
    assert [(s.first, s.second) for s in person_suggestions(first)] == [(first, third)]
    assert [(s.first, s.second) for s in person_suggestions(second)] == [(second, third)]


def test_suggest_people_says_when_one_is_matched_by_slug_only():
    PersonFactory(name="Hao Wang", slug="hao-wang")
    PersonFactory(name="Hao Wang", slug="hao-wang-2", match_by_name=False)

    suggestions = suggest_people()

    assert pairs(suggestions) == [("Hao Wang", "Hao Wang", 55.0)]
    assert suggestions[0].evidence == (
        "same name",
        "Hao Wang (hao-wang-2) is matched by slug only",
    )


def test_suggest_people_limit_and_stats():
    for number in range(3):
        PersonFactory(name=f"Jason O. Hallstrom{number}")
        PersonFactory(name=f"Jason Hallstrom{number}")
    PersonFactory(name="Someone Else")
    stats = ScanStats()

    suggestions = suggest_people(limit=2, stats=stats)

    assert len(suggestions) == 2
    assert (stats.records, stats.suggestions) == (7, 3)
    assert 3 <= stats.candidate_pairs < stats.naive_pairs == 21


@pytest.mark.parametrize("item_count", [1, 5])
def test_suggest_people_query_count_is_constant(django_assert_num_queries, item_count):
    for number in range(item_count):
        coauthor = PersonFactory(name=f"Coauthor Person{number}")
        paper(PersonFactory(name=f"Anna C. Family{number}"), coauthor)
        paper(PersonFactory(name=f"Anna Family{number}"), coauthor)

    # people, byline rows, venues, kept-apart pairs
    with django_assert_num_queries(4):
        suggestions = suggest_people()

    assert len(suggestions) == item_count


@pytest.mark.parametrize("item_count", [1, 5])
def test_person_suggestions_are_those_of_the_person(django_assert_num_queries, item_count):
    wei = PersonFactory(name="Wei Chen")
    coauthor = PersonFactory(name="Coauthor Person")
    paper(wei, coauthor)
    for letter in "ABCDE"[:item_count]:
        paper(PersonFactory(name=f"Wei {letter}. Chen"), coauthor)
    PersonFactory(name="Anna Squicciarini")
    PersonFactory(name="Anna C. Squicciarini")

    # people, kept-apart pairs, byline rows of the candidates' papers, venues
    with django_assert_num_queries(4):
        suggestions = person_suggestions(wei)

    assert [str(s.other(wei)) for s in suggestions] == [
        f"Wei {letter}. Chen" for letter in "ABCDE"[:item_count]
    ]
    assert all(s.involves(wei) for s in suggestions)
    assert suggestions_for(wei) == suggestions


# --- import previews ---------------------------------------------------------------------


def test_existing_matches_finds_the_people_a_new_name_may_be():
    anna_cinzia = PersonFactory(name="Anna Cinzia Squicciarini")
    anna_b = PersonFactory(name="Anna B. Squicciarini")
    bob, dave = PersonFactory(name="Bob Builder"), PersonFactory(name="Dave Grohl")
    paper(anna_cinzia, bob)
    paper(anna_b, dave)

    matches = existing_matches(
        {
            "Anna C. Squicciarini": {"Bob Builder", "Someone New"},
            "A. Squicciarini": {"dave grohl"},
            "Zed Unknown": set(),
        }
    )

    assert matches == {
        "Anna C. Squicciarini": [
            Suggestion(
                "person",
                anna_cinzia,
                "Anna C. Squicciarini",
                72.0,
                (
                    "initials agree: Anna Cinzia Squicciarini / Anna C. Squicciarini",
                    "1 shared co-author",
                ),
            )
        ],
        # Anna Cinzia's initials agree too, but without a shared co-author that is too little.
        "A. Squicciarini": [
            Suggestion(
                "person",
                anna_b,
                "A. Squicciarini",
                58.7,
                ("initials agree: Anna B. Squicciarini / A. Squicciarini", "1 shared co-author"),
            )
        ],
        "Zed Unknown": [],
    }


def test_existing_matches_never_someone_listed_on_the_same_entry():
    hao = PersonFactory(name="Hao Wang")
    assert [s.first for s in existing_matches({"H. Wang": set()})["H. Wang"]] == [hao]

    assert existing_matches({"H. Wang": {"Hao Wang"}}) == {"H. Wang": []}


def test_existing_matches_of_nothing_runs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert existing_matches({}) == {}


@pytest.mark.parametrize("item_count", [1, 5])
def test_existing_matches_query_count_is_constant(django_assert_num_queries, item_count):
    entries = {}
    for number in range(item_count):
        coauthor = PersonFactory(name=f"Coauthor Person{number}")
        paper(PersonFactory(name=f"Jason O. Family{number}"), coauthor)
        entries[f"Jason Family{number}"] = {f"Coauthor Person{number}"}

    # people, the candidates' and co-authors' papers
    with django_assert_num_queries(2):
        matches = existing_matches(entries)

    assert [len(found) for found in matches.values()] == [1] * item_count
    assert {found[0].evidence[1] for found in matches.values()} == {"1 shared co-author"}


# --- institutions ------------------------------------------------------------------------


@pytest.fixture
def universities():
    hku = InstitutionFactory(name="The University of Hong Kong", short_name="HKU", country="HK")
    return {
        "hku": hku,
        "hku2": InstitutionFactory(name="Univ. of Hong Kong", short_name="", country="HK"),
        "hku3": InstitutionFactory(name="HKU", short_name="", country=""),
        "hkust": InstitutionFactory(
            name="The Hong Kong University of Science and Technology",
            short_name="HKUST",
            country="HK",
        ),
        "hkust2": InstitutionFactory(
            name="Hong Kong Univ. of Science & Technology", short_name="", country="HK"
        ),
        "cs": InstitutionFactory(
            name="Department of Computer Science", short_name="", parent=hku, country="HK"
        ),
        "cs2": InstitutionFactory(
            name="Dept. of Computer Science", short_name="", parent=hku, country="HK"
        ),
    }


def test_suggest_institutions_the_abbreviations_and_short_names(universities):
    # Units of another institution are other units, whatever their names.
    hkust = universities["hkust"]
    InstitutionFactory(name="Department of Computer Science", short_name="", parent=hkust)

    suggestions = suggest_institutions()

    assert pairs(suggestions) == [
        ("Department of Computer Science", "Dept. of Computer Science", 95.0),
        ("The Hong Kong University of Science and Technology (HKUST)",
         "Hong Kong Univ. of Science & Technology", 90.0),
        ("The University of Hong Kong (HKU)", "Univ. of Hong Kong", 90.0),
        ("The University of Hong Kong (HKU)", "HKU", 85.0),
    ]  # fmt: skip
    assert [s.evidence for s in suggestions] == [
        (
            "same name: Department of Computer Science / Dept. of Computer Science",
            "both units of The University of Hong Kong",
            "both in Hong Kong",
        ),
        (
            "same name: The Hong Kong University of Science and Technology / "
            "Hong Kong Univ. of Science & Technology",
            "HKUST: the initials of Hong Kong Univ. of Science & Technology",
            "both in Hong Kong",
        ),
        (
            "same name: The University of Hong Kong / Univ. of Hong Kong",
            "both in Hong Kong",
        ),
        ("same short name: HKU",),
    ]
    assert {s.kind for s in suggestions} == {"institution"}


def test_suggest_institutions_other_countries_and_short_names_tell_apart():
    InstitutionFactory(name="Northbridge University", short_name="", country="GB")
    InstitutionFactory(name="University of Northbridge", short_name="", country="US")
    InstitutionFactory(name="Northbridge Univ.", short_name="NU", country="GB")
    InstitutionFactory(name="Northbridge Univ", short_name="NBU", country="GB")

    suggestions = suggest_institutions()

    assert pairs(suggestions) == [
        ("Northbridge Univ (NBU)", "Northbridge University", 90.0),
        ("Northbridge Univ. (NU)", "Northbridge University", 90.0),
    ]


def test_suggest_institutions_never_a_unit_and_its_institution():
    university = InstitutionFactory(name="Stonebrook University", short_name="", country="DE")
    InstitutionFactory(name="Stonebrook University Hospital", short_name="", country="DE")
    assert len(suggest_institutions()) == 1

    InstitutionFactory(
        name="Stonebrook University Hospital", short_name="", parent=university, country="DE"
    )

    assert pairs(suggest_institutions()) == [
        ("Stonebrook University Hospital", "Stonebrook University Hospital", 90.0),
        ("Stonebrook University", "Stonebrook University Hospital", 75.0),
    ]


def test_suggest_institutions_never_a_pair_kept_apart(universities):
    universities["hku"].kept_apart.add(universities["hku2"])

    suggestions = suggest_institutions()

    assert ("The University of Hong Kong (HKU)", "Univ. of Hong Kong", 90.0) not in pairs(
        suggestions
    )
    assert len(suggestions) == 3
    assert pairs(institution_suggestions(universities["hku"])) == [
        ("The University of Hong Kong (HKU)", "HKU", 85.0)
    ]


@pytest.mark.parametrize("item_count", [1, 5])
def test_institution_queries_are_constant(django_assert_num_queries, item_count):
    for number in range(item_count):
        InstitutionFactory(name=f"Riverton Institute {number}", short_name="", country="CA")
        InstitutionFactory(name=f"Riverton Inst. {number}", short_name="", country="CA")
    one = InstitutionFactory(name="Clearwater College", short_name="", country="HK")
    InstitutionFactory(name="Clearwater Coll.", short_name="", country="HK")

    # institutions, kept-apart pairs
    with django_assert_num_queries(2):
        everything = suggest_institutions()
    with django_assert_num_queries(2):
        mine = institution_suggestions(one)

    assert len(everything) == item_count + 1
    assert pairs(mine) == [("Clearwater College", "Clearwater Coll.", 90.0)]
    assert suggestions_for(one) == mine


def test_suggestions_for_refuses_other_records():
    with pytest.raises(TypeError, match="No duplicates are suggested for Paper"):
        suggestions_for(PaperFactory())
