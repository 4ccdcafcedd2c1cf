import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from people.matching import PersonMatcher
from people.models import Person
from publications.byline import BylineError
from publications.models import Authorship
from publications.services import AuthorSpec, paper_byline, paper_set_authorships, paper_set_byline
from tests.factories import AuthorshipFactory, InstitutionFactory, PaperFactory, PersonFactory

pytestmark = pytest.mark.django_db


def byline_of(paper):
    return [
        (a.position, a.person.slug, a.printed_name, a.marks)
        for a in paper.authorships.order_by("position").select_related("person")
    ]


def test_set_byline_creates_new_people_with_parsed_names():
    paper = PaperFactory()

    result = paper_set_byline(paper=paper, byline="Qinghao Hu*; Meng Zhang*; Peng Sun")

    assert byline_of(paper) == [
        (1, "qinghao-hu", "", "*"),
        (2, "meng-zhang", "", "*"),
        (3, "peng-sun", "", ""),
    ]
    assert [p.slug for p in result.created] == ["qinghao-hu", "meng-zhang", "peng-sun"]
    assert result.changed is True
    hu = Person.objects.get(slug="qinghao-hu")
    assert (hu.given_name, hu.family_name) == ("Qinghao", "Hu")


def test_set_byline_matches_existing_people_by_name_ignoring_accents_and_case():
    ixeia = PersonFactory(name="Ixeia Sánchez Pérez", slug="ixeia")
    paper = PaperFactory()

    result = paper_set_byline(paper=paper, byline="ixeia sanchez perez; Ana Klimovic")

    assert byline_of(paper)[0] == (1, "ixeia", "ixeia sanchez perez", "")
    assert [p.name for p in result.created] == ["Ana Klimovic"]
    assert Person.objects.filter(pk=ixeia.pk).count() == 1


def test_set_byline_matches_by_alias_and_keeps_the_printed_name():
    xiong = PersonFactory(name="Yingtong Xiong", slug="yingtong-xiong", aliases="Yingdong Xiong")
    paper = PaperFactory()

    paper_set_byline(paper=paper, byline="Diandian Gu; Yingdong Xiong")

    assert byline_of(paper)[1] == (2, xiong.slug, "Yingdong Xiong", "")


def test_set_byline_refuses_an_ambiguous_namesake_and_writes_nothing():
    PersonFactory(name="Hao Wang", slug="hao-wang")
    PersonFactory(name="Hao Wang", slug="hao-wang-2")
    paper = PaperFactory()

    with pytest.raises(BylineError) as error:
        paper_set_byline(paper=paper, byline="New Person; Hao Wang; Kai Chen")

    assert "Author 2" in str(error.value)
    assert "hao-wang, hao-wang-2" in str(error.value)
    assert not Authorship.objects.exists()
    assert not Person.objects.filter(name="New Person").exists()


def test_set_byline_picks_a_namesake_by_slug():
    PersonFactory(name="Hao Wang", slug="hao-wang")
    other = PersonFactory(name="Hao Wang", slug="hao-wang-2")
    paper = PaperFactory()

    paper_set_byline(paper=paper, byline="Hao Wang <hao-wang-2>*")

    assert byline_of(paper) == [(1, other.slug, "", "*")]


def test_set_byline_never_matches_someone_with_name_matching_off():
    kept_apart = PersonFactory(name="Hao Wang", slug="hao-wang", match_by_name=False)
    paper = PaperFactory()

    result = paper_set_byline(paper=paper, byline="Hao Wang")

    assert [p.slug for p in result.created] == ["hao-wang-2"]
    assert byline_of(paper) == [(1, "hao-wang-2", "", "")]
    assert kept_apart.authorships.count() == 0


def test_set_byline_refuses_the_same_person_twice():
    PersonFactory(name="Kai Chen", slug="kai-chen", aliases="K. Chen")
    paper = PaperFactory()

    with pytest.raises(BylineError) as error:
        paper_set_byline(paper=paper, byline="Kai Chen; Hao Wang; K. Chen")

    assert str(error.value) == "Author 3 (“K. Chen”) is the same person as author 1."


def test_set_byline_refuses_an_unknown_slug():
    with pytest.raises(BylineError) as error:
        paper_set_byline(paper=PaperFactory(), byline="Hao Wang <nobody>")

    assert "no person has the slug “nobody”" in str(error.value)


def test_set_byline_reorders_and_changes_marks():
    paper = PaperFactory()
    paper_set_byline(paper=paper, byline="Alice Ang; Bob Bai; Carol Cao")

    result = paper_set_byline(paper=paper, byline="Carol Cao*; Alice Ang*; Bob Bai✉")

    assert result.changed is True
    assert byline_of(paper) == [
        (1, "carol-cao", "", "*"),
        (2, "alice-ang", "", "*"),
        (3, "bob-bai", "", "✉"),
    ]


def test_set_byline_unchanged_writes_nothing():
    paper = PaperFactory()
    paper_set_byline(paper=paper, byline="Alice Ang; Bob Bai*")
    matcher = PersonMatcher.from_database()

    with CaptureQueriesContext(connection) as queries:
        result = paper_set_byline(paper=paper, byline="Alice Ang; Bob Bai*", matcher=matcher)

    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert not {"INSERT", "UPDATE", "DELETE"} & set(statements)
    assert statements.count("SELECT") == 2  # affiliations, authorships
    assert result.changed is False
    assert result.created == []


def test_set_authorships_keeps_affiliations_across_reorder():
    paper = PaperFactory()
    hkust = InstitutionFactory(short_name="HKUST")
    first = AuthorshipFactory(paper=paper, position=1)
    second = AuthorshipFactory(paper=paper, position=2)
    first.affiliations.add(hkust)

    paper_set_authorships(
        paper=paper, authors=[AuthorSpec(person=second.person), AuthorSpec(person=first.person)]
    )

    moved = Authorship.objects.get(paper=paper, person=first.person)
    assert moved.position == 2
    assert list(moved.affiliations.all()) == [hkust]


def test_paper_byline_formats_marks_and_slugs_for_namesakes():
    PersonFactory(name="Hao Wang", slug="hao-wang")
    PersonFactory(name="Hao Wang", slug="hao-wang-2")
    paper = PaperFactory()
    paper_set_byline(paper=paper, byline="Hao Wang <hao-wang-2>*; Kai Chen✉")

    text = paper_byline(paper, matcher=PersonMatcher.from_database())

    assert text == "Hao Wang* <hao-wang-2>; Kai Chen✉"
    paper_set_byline(paper=paper, byline=text)  # round-trips
    assert byline_of(paper)[0][1] == "hao-wang-2"
