"""Merging duplicates (people.services, publications.services.curation): what moves, what is
refused, and the dropped record's old address answering 301."""

import pytest

from lab.core.merging import MergeError
from people.models import Person, Role
from people.services import institution_merge, person_merge, person_merge_plan
from publications.models import Authorship, Paper, PaperAward, Service, Venue
from publications.services import paper_byline, paper_merge, paper_set_byline, venue_merge
from tests.factories import (
    AwardFactory,
    InstitutionFactory,
    PaperFactory,
    PersonFactory,
    RoleFactory,
    ServiceFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def anna():
    return PersonFactory(name="Anna Squicciarini", slug="anna-squicciarini", email="")


@pytest.fixture
def anna_c():
    return PersonFactory(
        name="Anna C. Squicciarini",
        slug="anna-c-squicciarini",
        email="anna@example.org",
        aliases="A. C. Squicciarini",
    )


def test_person_merge_moves_bylines_keeping_positions_marks_and_printing(anna, anna_c):
    first = PaperFactory(slug="first")
    paper_set_byline(paper=first, byline="Bob Bai; Anna C. Squicciarini*✉ <anna-c-squicciarini>")
    second = PaperFactory(slug="second")
    paper_set_byline(paper=second, byline="Anna Squicciarini†; Carol Cao")
    before = {paper.slug: paper_byline(paper) for paper in (first, second)}

    kept = person_merge(keep=anna, drop=anna_c, user=UserFactory(username="curator"))

    assert not Person.objects.filter(slug="anna-c-squicciarini").exists()
    assert {paper.slug: paper_byline(paper) for paper in (first, second)} == before
    row = Authorship.objects.get(paper=first, person=kept)
    assert (row.position, row.printed_name, row.marks) == (2, "Anna C. Squicciarini", "*✉")


def test_person_merge_moves_roles_awards_service_advising_and_the_login(anna, anna_c):
    lab = InstitutionFactory()
    role = RoleFactory(person=anna_c, institution=lab)
    student_role = RoleFactory(person=PersonFactory(), institution=lab)
    student_role.advisors.add(anna_c)
    award = AwardFactory(person=anna_c)
    service = ServiceFactory(person=anna_c)
    login = UserFactory(username="anna")
    Person.objects.filter(pk=anna_c.pk).update(user=login)

    kept = person_merge(keep=anna, drop=anna_c)

    assert [r.pk for r in kept.roles.all()] == [role.pk]
    assert list(student_role.advisors.all()) == [kept]
    assert [a.pk for a in kept.awards.all()] == [award.pk]
    assert [s.pk for s in Service.objects.filter(person=kept)] == [service.pk]
    assert Person.objects.get(pk=kept.pk).user == login


def test_person_merge_fills_empty_fields_adds_aliases_and_keeps_the_old_slug(anna, anna_c):
    kept = person_merge(keep=anna, drop=anna_c)

    kept.refresh_from_db()
    assert kept.name == "Anna Squicciarini"
    assert kept.email == "anna@example.org"
    assert kept.alias_list == ["Anna C. Squicciarini", "A. C. Squicciarini"]
    assert kept.former_slug_list == ["anna-c-squicciarini"]


def test_person_merge_is_recorded_in_both_histories(anna, anna_c):
    curator = UserFactory(username="curator")

    person_merge(keep=anna, drop=anna_c, user=curator)

    reason = "merge of anna-c-squicciarini into anna-squicciarini"
    kept = Person.history.filter(id=anna.pk).latest("history_date")
    dropped = Person.history.filter(id=anna_c.pk).latest("history_date")
    assert (kept.history_type, kept.history_change_reason, kept.history_user) == (
        "~",
        reason,
        curator,
    )
    assert (dropped.history_type, dropped.history_change_reason) == ("-", reason)


def test_person_merge_refuses_two_authors_of_one_paper_naming_it(anna, anna_c):
    paper = PaperFactory(title="Shared Work")
    byline = "Anna Squicciarini; Anna C. Squicciarini <anna-c-squicciarini>"
    paper_set_byline(paper=paper, byline=byline)

    with pytest.raises(MergeError) as error:
        person_merge(keep=anna, drop=anna_c)

    assert "Both are authors of “Shared Work”" in str(error.value)
    assert Person.objects.filter(pk=anna_c.pk).exists()
    assert paper.authorships.count() == 2


def test_person_merge_refuses_two_logins_and_people_kept_apart(anna, anna_c):
    Person.objects.filter(pk=anna.pk).update(user=UserFactory(username="a1"))
    Person.objects.filter(pk=anna_c.pk).update(user=UserFactory(username="a2"))
    with pytest.raises(MergeError) as logins:
        person_merge(keep=anna, drop=anna_c)
    other = PersonFactory()
    anna.kept_apart.add(other)
    with pytest.raises(MergeError) as apart:
        person_merge(keep=anna, drop=other)

    assert "Both have a login (a1 and a2)" in str(logins.value)
    assert "marked as not the same" in str(apart.value)
    assert Person.objects.filter(pk__in=[anna_c.pk, other.pk]).count() == 2


def test_person_merge_plan_says_what_moves(anna, anna_c):
    RoleFactory(person=anna_c)
    paper = PaperFactory()
    paper_set_byline(paper=paper, byline="Anna C. Squicciarini <anna-c-squicciarini>")

    plan = person_merge_plan(keep=anna, drop=anna_c)

    assert (plan.moves, plan.conflicts) == (["1 role", "1 place on a byline"], [])


def test_merged_persons_old_address_answers_301(client, anna, anna_c):
    person_merge(keep=anna, drop=anna_c)

    page = client.get("/people/anna-c-squicciarini/")
    papers = client.get("/people/anna-c-squicciarini/papers.bib")

    assert (page.status_code, page["Location"]) == (301, "/people/anna-squicciarini/")
    assert (papers.status_code, papers["Location"]) == (
        301,
        "/people/anna-squicciarini/papers.bib",
    )


def test_institution_merge_moves_roles_units_publishers_awards_and_affiliations():
    keep = InstitutionFactory(slug="university-of-x", country="")
    drop = InstitutionFactory(slug="univ-of-x", country="HK")
    unit = InstitutionFactory(parent=drop)
    role = RoleFactory(institution=drop)
    venue = VenueFactory(publisher=drop)
    award = AwardFactory(issuer=drop)
    paper = PaperFactory()
    paper_set_byline(paper=paper, byline="Alice Ang")
    paper.authorships.get().affiliations.add(drop)

    kept = institution_merge(keep=keep, drop=drop)

    unit.refresh_from_db(), role.refresh_from_db(), venue.refresh_from_db(), award.refresh_from_db()
    assert (unit.parent, role.institution, venue.publisher, award.issuer) == (kept,) * 4
    assert list(paper.authorships.get().affiliations.all()) == [kept]
    assert (kept.country, kept.former_slug_list) == ("HK", ["univ-of-x"])


def test_venue_merge_moves_papers_and_service_and_redirects(client):
    keep = VenueFactory(slug="cikm", short_name="CIKM")
    drop = VenueFactory(slug="cikm-2", short_name="")
    paper, service = PaperFactory(venue=drop), ServiceFactory(venue=drop)

    venue_merge(keep=keep, drop=drop)

    paper.refresh_from_db(), service.refresh_from_db()
    assert (paper.venue, service.venue) == (keep, keep)
    assert not Venue.objects.filter(pk=drop.pk).exists()
    response = client.get("/venues/cikm-2/")
    assert (response.status_code, response["Location"]) == (301, "/venues/cikm/")


def test_paper_merge_takes_awards_ids_and_the_byline_it_lacks(client):
    keep = PaperFactory(slug="keep", doi="")
    drop = PaperFactory(slug="dup", doi="10.1145/1", arxiv_id="2401.00001")
    paper_set_byline(paper=drop, byline="Alice Ang*; Bob Bai")
    PaperAward.objects.create(paper=drop, title="Best Paper")
    preprint = PaperFactory(slug="pre", published_version=drop)

    kept = paper_merge(keep=keep, drop=drop)

    kept.refresh_from_db(), preprint.refresh_from_db()
    assert (kept.doi, kept.arxiv_id) == ("10.1145/1", "2401.00001")
    assert paper_byline(kept) == "Alice Ang*; Bob Bai"
    assert list(kept.awards.values_list("title", flat=True)) == ["Best Paper"]
    assert preprint.published_version == kept
    assert not Paper.objects.filter(slug="dup").exists()
    response = client.get("/papers/dup/")
    assert (response.status_code, response["Location"]) == (301, "/papers/keep/")


def test_paper_merge_refuses_two_different_dois():
    keep, drop = PaperFactory(doi="10.1145/a"), PaperFactory(doi="10.1145/b")

    with pytest.raises(MergeError) as error:
        paper_merge(keep=keep, drop=drop)

    assert "Different DOIs (10.1145/a and 10.1145/b)" in str(error.value)
    assert Paper.objects.count() == 2


def test_role_of_the_dropped_person_keeps_its_history(anna, anna_c):
    role = RoleFactory(person=anna_c)

    person_merge(keep=anna, drop=anna_c)

    last = Role.history.filter(id=role.pk).latest("history_date")
    assert (last.person_id, last.history_change_reason) == (
        anna.pk,
        "merge of anna-c-squicciarini into anna-squicciarini",
    )
