"""Lab membership derived from roles: current members, alumni and co-authors."""

import pytest
from django.core.management import call_command

from people.enums import InstitutionKind, RoleKind
from people.models import Institution, Person, Role
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    PaperFactory,
    PersonFactory,
    RoleFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab():
    university = InstitutionFactory(name="Uni", slug="uni")
    return InstitutionFactory(
        name="Systems Lab", slug="systems-lab", kind=InstitutionKind.LAB, parent=university
    )


def slugs(queryset):
    return sorted(queryset.values_list("slug", flat=True))


def test_current_members_have_an_ongoing_role_at_the_lab(lab):
    RoleFactory(person__slug="now", institution=lab, start_year=2020)
    RoleFactory(person__slug="gone", institution=lab, start_year=2015, end_year=2019)
    RoleFactory(person__slug="outsider", start_year=2020)

    assert slugs(Person.objects.current_members(lab)) == ["now"]
    assert slugs(Person.objects.alumni(lab)) == ["gone"]
    assert slugs(Person.objects.lab_members(lab)) == ["gone", "now"]


def test_alumni_include_a_role_ended_at_an_unknown_date(lab):
    RoleFactory(person__slug="left", institution=lab, start_year=None, end_unknown=True)

    assert slugs(Person.objects.alumni(lab)) == ["left"]
    assert slugs(Person.objects.current_members(lab)) == []


def test_alumni_exclude_someone_with_one_ended_and_one_ongoing_lab_role(lab):
    person = PersonFactory(slug="returned")
    RoleFactory(person=person, institution=lab, start_year=2015, end_year=2016)
    RoleFactory(person=person, institution=lab, start_year=2020)

    assert slugs(Person.objects.current_members(lab)) == ["returned"]
    assert slugs(Person.objects.alumni(lab)) == []


def test_alumni_keep_a_current_role_elsewhere(lab):
    person = PersonFactory(slug="moved-on")
    RoleFactory(person=person, institution=lab, start_year=2015, end_year=2019)
    RoleFactory(person=person, start_year=2019)

    assert slugs(Person.objects.alumni(lab)) == ["moved-on"]
    assert slugs(Person.objects.current_members(lab)) == []


def test_roles_at_units_and_their_units_count_but_not_deeper_or_the_parent(lab):
    group = InstitutionFactory(slug="group", parent=lab)
    team = InstitutionFactory(slug="team", parent=group)
    too_deep = InstitutionFactory(slug="too-deep", parent=team)
    RoleFactory(person__slug="in-group", institution=group)
    RoleFactory(person__slug="in-team", institution=team)
    RoleFactory(person__slug="too-deep", institution=too_deep)
    RoleFactory(person__slug="at-university", institution=lab.parent)

    assert slugs(Person.objects.current_members(lab)) == ["in-group", "in-team"]


def test_students_advised_by_lab_people_are_members(lab):
    professor = RoleFactory(person__slug="professor", institution=lab, start_year=None).person
    outsider = PersonFactory(slug="outside-professor")
    student_role = RoleFactory(
        person__slug="student",
        kind=RoleKind.EDUCATION,
        institution=lab.parent,
        start_year=2020,
        end_year=2025,
    )
    student_role.advisors.add(professor)
    other_role = RoleFactory(person__slug="other-student", institution=lab.parent)
    other_role.advisors.add(outsider)

    assert slugs(Person.objects.alumni(lab)) == ["student"]
    assert slugs(Person.objects.current_members(lab)) == ["professor"]
    assert list(Role.objects.of_lab(lab).filter(person__slug="student")) == [student_role]


def test_members_of_one_lab_are_not_members_of_another(lab):
    other_lab = InstitutionFactory(slug="other-lab", kind=InstitutionKind.LAB)
    RoleFactory(person__slug="ours", institution=lab)
    RoleFactory(person__slug="theirs", institution=other_lab)

    assert slugs(Person.objects.current_members(lab)) == ["ours"]
    assert slugs(Person.objects.current_members(other_lab)) == ["theirs"]


def test_lab_methods_chain_without_duplicates(lab):
    person = PersonFactory(name="Ada Lovelace", slug="ada", aliases="A. Lovelace")
    RoleFactory(person=person, institution=lab, title="Postdoc")
    RoleFactory(person=person, institution=lab, title="Research Fellow")
    RoleFactory(person__name="Bob Byte", person__slug="bob", institution=lab)

    assert slugs(Person.objects.current_members(lab).search("a. love")) == ["ada"]
    assert Person.objects.current_members(lab).count() == 2
    assert slugs(Person.objects.search("BYTE").current_members(lab)) == ["bob"]


def test_coauthors_share_a_paper_with_a_member_and_are_not_members(lab):
    member = RoleFactory(person__slug="member", institution=lab).person
    alum = RoleFactory(person__slug="alum", institution=lab, start_year=2010, end_year=2012).person
    friend = PersonFactory(slug="friend")
    alum_friend = PersonFactory(slug="alum-friend")
    PersonFactory(slug="stranger")
    for _ in range(2):  # two shared papers still list the friend once
        paper = PaperFactory()
        AuthorshipFactory(paper=paper, person=member, position=1)
        AuthorshipFactory(paper=paper, person=friend, position=2)
    paper = PaperFactory()
    AuthorshipFactory(paper=paper, person=alum, position=1)
    AuthorshipFactory(paper=paper, person=alum_friend, position=2)
    unrelated = PaperFactory()
    AuthorshipFactory(paper=unrelated, person=PersonFactory(slug="stranger-2"), position=1)

    assert slugs(Person.objects.coauthors(lab)) == ["alum-friend", "friend"]
    assert Person.objects.coauthors(lab).count() == 2


def test_lab_queryset_family_is_the_institution_and_two_levels_of_units(lab):
    group = InstitutionFactory(slug="group", parent=lab)
    InstitutionFactory(slug="team", parent=group)

    assert slugs(Institution.objects.family(lab)) == ["group", "systems-lab", "team"]
    assert slugs(Institution.objects.family(lab.parent)) == ["group", "systems-lab", "uni"]


def test_seed_lab_current_members_alumni_and_coauthors():
    call_command("loaddata", "lab", verbosity=0)
    lab = Institution.objects.get(slug="ising-lab")

    assert slugs(Person.objects.current_members(lab)) == ["hao-wang", "kai-chen"]
    assert slugs(Person.objects.alumni(lab)) == ["kaiqiang-xu", "xudong-liao"]
    coauthors = slugs(Person.objects.coauthors(lab))
    assert len(coauthors) == 52
    assert coauthors[:4] == ["bin-cui", "bowen-liu", "chaoliang-zeng", "chonlam-lao"]
    # Qinghao Hu and his co-authors share no paper with the lab.
    assert {"qinghao-hu", "song-han"} & set(coauthors) == set()
