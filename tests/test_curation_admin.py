"""Curation in the admin (lab.core.curation_admin): history with diffs and past bylines,
revert, deleted records and restore, merging two selected records; who may do what."""

import pytest
from django.contrib.auth.models import Permission

from people.models import Award, Person, Role
from publications.models import Paper, PaperAward, Service
from publications.services import paper_byline, paper_set_byline
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

PAPERS = "/admin/publications/paper"


@pytest.fixture
def edited_paper(lab_admin):
    """A paper edited twice: its title, then its byline and awards."""
    from lab.core.history import recorded

    with recorded("first", user=lab_admin):
        paper = PaperFactory(slug="lucid", title="Lucid v1")
        paper_set_byline(paper=paper, byline="Alice Ang; Bob Bai")
        PaperAward.objects.create(paper=paper, title="Best Paper")
    with recorded("second", user=lab_admin):
        paper.title = "Lucid v2"
        paper.save()
        paper_set_byline(paper=paper, byline="Bob Bai*; Carol Cao")
        paper.awards.all().delete()
    return paper


def test_paper_history_lists_versions_with_changes_and_the_byline_of_each(
    lab_admin_client, edited_paper
):
    response = lab_admin_client.get(f"{PAPERS}/{edited_paper.pk}/history/")

    content = response.content.decode()
    assert response.status_code == 200
    records = list(response.context["page_obj"])
    assert [r.history_change_reason for r in records] == ["second", "first"]
    assert [r.byline_at_version for r in records] == ["Bob Bai*; Carol Cao", "Alice Ang; Bob Bai"]
    assert "Lucid v1" in content and "Lucid v2" in content
    changes = records[0].history_delta_changes
    assert [(c["field"], c["old"], c["new"]) for c in changes] == [
        ("Title", "Lucid v1", "Lucid v2")
    ]


def test_reverting_a_paper_brings_back_its_fields_byline_and_awards(
    lab_admin_client, edited_paper
):
    first = edited_paper.history.order_by("history_date").first()
    url = f"{PAPERS}/{edited_paper.pk}/history/{first.history_id}/"

    preview = lab_admin_client.get(url)
    response = lab_admin_client.post(url)

    assert ("byline", "Bob Bai*; Carol Cao", "Alice Ang; Bob Bai") in preview.context["extra"]
    assert response.status_code == 302
    paper = Paper.objects.get(pk=edited_paper.pk)
    assert (paper.title, paper_byline(paper)) == ("Lucid v1", "Alice Ang; Bob Bai")
    assert list(paper.awards.values_list("title", flat=True)) == ["Best Paper"]
    latest = paper.history.latest("history_date")
    assert latest.history_change_reason.startswith("revert to the version of ")
    assert latest.history_user.username == "curator"


def test_a_revert_is_undone_by_reverting_again(lab_admin_client, edited_paper):
    versions = list(edited_paper.history.order_by("history_date"))
    lab_admin_client.post(f"{PAPERS}/{edited_paper.pk}/history/{versions[0].history_id}/")

    lab_admin_client.post(f"{PAPERS}/{edited_paper.pk}/history/{versions[-1].history_id}/")

    paper = Paper.objects.get(pk=edited_paper.pk)
    assert (paper.title, paper_byline(paper)) == ("Lucid v2", "Bob Bai*; Carol Cao")


def test_a_deleted_paper_is_listed_and_restored_with_its_byline_and_awards(
    lab_admin_client, edited_paper
):
    PaperAward.objects.create(paper=edited_paper, title="Distinguished Paper")
    lab_admin_client.post(f"{PAPERS}/{edited_paper.pk}/delete/", {"post": "yes"})

    listed = lab_admin_client.get(f"{PAPERS}/deleted/")
    version = listed.context["rows"][0]
    response = lab_admin_client.post(f"{PAPERS}/deleted/{version.history_id}/restore/")

    assert [str(v.instance) for v in listed.context["rows"]] == ["Lucid v2"]
    assert response.status_code == 302
    paper = Paper.objects.get(pk=edited_paper.pk)
    assert paper_byline(paper) == "Bob Bai*; Carol Cao"
    assert list(paper.awards.values_list("title", flat=True)) == ["Distinguished Paper"]
    assert lab_admin_client.get(f"{PAPERS}/deleted/").context["rows"] == []


def test_a_deleted_person_is_restored_with_roles_awards_and_service(lab_admin_client):
    person = PersonFactory(slug="pat")
    role, award = RoleFactory(person=person), AwardFactory(person=person)
    service = ServiceFactory(person=person, venue=VenueFactory())
    lab_admin_client.post(f"/admin/people/person/{person.pk}/delete/", {"post": "yes"})
    assert not Person.objects.filter(pk=person.pk).exists()
    version = lab_admin_client.get("/admin/people/person/deleted/").context["rows"][0]

    lab_admin_client.post(f"/admin/people/person/deleted/{version.history_id}/restore/")

    assert Person.objects.get(pk=person.pk).slug == "pat"
    assert list(Role.objects.filter(person_id=person.pk).values_list("pk", flat=True)) == [role.pk]
    assert list(Award.objects.filter(person_id=person.pk).values_list("pk", flat=True)) == [
        award.pk
    ]
    assert list(Service.objects.filter(person_id=person.pk).values_list("pk", flat=True)) == [
        service.pk
    ]


def test_merge_action_leads_to_a_confirmation_then_merges(lab_admin_client):
    keep = PersonFactory(name="Anna Squicciarini", slug="anna")
    drop = PersonFactory(name="Anna C. Squicciarini", slug="anna-c")
    RoleFactory(person=drop)

    chosen = lab_admin_client.post(
        "/admin/people/person/",
        {"action": "merge_selected", "_selected_action": [keep.pk, drop.pk]},
    )
    page = lab_admin_client.get(chosen["Location"])
    done = lab_admin_client.post(
        "/admin/people/person/merge/",
        {"ids": f"{keep.pk},{drop.pk}", "keep": str(keep.pk), "confirm": "Merge"},
    )

    assert chosen["Location"] == f"/admin/people/person/merge/?ids={keep.pk},{drop.pk}"
    assert page.context["plan"].moves == ["1 role"]
    assert done.status_code == 302
    assert list(Person.objects.values_list("slug", flat=True)) == ["anna"]


def test_merge_page_lets_the_admin_choose_which_stays_and_shows_conflicts(lab_admin_client):
    first, second = PersonFactory(slug="a"), PersonFactory(slug="b")
    paper = PaperFactory(title="Shared")
    paper_set_byline(paper=paper, byline=f"{first.name}; {second.name}")

    page = lab_admin_client.get(
        f"/admin/people/person/merge/?ids={first.pk},{second.pk}&keep={second.pk}"
    )
    refused = lab_admin_client.post(
        "/admin/people/person/merge/",
        {"ids": f"{first.pk},{second.pk}", "keep": str(second.pk), "confirm": "Merge"},
    )

    assert (page.context["keep"], page.context["drop"]) == (second, first)
    assert "Both are authors of “Shared”" in page.content.decode()
    assert refused.status_code == 200
    assert Person.objects.count() == 2


def test_merge_action_needs_exactly_two_records(lab_admin_client):
    people = [PersonFactory() for _ in range(3)]

    response = lab_admin_client.post(
        "/admin/people/person/",
        {"action": "merge_selected", "_selected_action": [p.pk for p in people]},
        follow=True,
    )

    assert "Select exactly two records to merge." in response.content.decode()
    assert Person.objects.count() == 3


@pytest.mark.parametrize("model", ["people/person", "people/institution", "publications/venue",
                                   "publications/paper"])  # fmt: skip
def test_merge_needs_change_and_delete_permission(client, model):
    name = model.split("/")[1]
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(
        *Permission.objects.filter(codename__in=[f"view_{name}", f"change_{name}"])
    )
    client.force_login(viewer)

    changelist = client.get(f"/admin/{model}/")
    merge = client.get(f"/admin/{model}/merge/?ids=1,2")

    assert changelist.status_code == 200
    assert "merge_selected" not in changelist.content.decode()
    assert merge.status_code == 403


@pytest.mark.parametrize("path", ["merge/?ids=1,2", "deleted/", "deleted/1/restore/"])
def test_visitors_and_members_never_reach_curation_pages(client, member, path):
    visitor = client.get(f"/admin/people/person/{path}")
    client.force_login(member)
    as_member = client.get(f"/admin/people/person/{path}")

    for response in (visitor, as_member):
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_lab_admin_sees_the_merge_action_on_each_mergeable_changelist(lab_admin_client):
    PaperFactory(venue=VenueFactory(publisher=InstitutionFactory()))
    PersonFactory()
    mergeable = ("people/person", "people/institution", "publications/venue", "publications/paper")
    for model in mergeable:
        content = lab_admin_client.get(f"/admin/{model}/").content.decode()
        assert 'value="merge_selected"' in content, model


def test_a_persons_change_page_shows_suspected_duplicates_with_a_merge_link(lab_admin_client):
    anna = PersonFactory(name="Anna Squicciarini", slug="anna")
    anna_c = PersonFactory(name="Anna C. Squicciarini", slug="anna-c")
    for number in range(3):
        co = PersonFactory(name=f"Coauthor {number}", slug=f"co-{number}")
        for person in (anna, anna_c):
            paper = PaperFactory()
            byline = f"{person.name} <{person.slug}>; {co.name} <{co.slug}>"
            paper_set_byline(paper=paper, byline=byline)

    content = lab_admin_client.get(f"/admin/people/person/{anna.pk}/change/").content.decode()

    assert "Suspected duplicates" in content
    assert f'<a href="/admin/people/person/{anna_c.pk}/change/">Anna C. Squicciarini</a>' in content
    assert f'href="/admin/people/person/merge/?ids={anna.pk},{anna_c.pk}">Merge</a>' in content


def test_a_change_page_without_suspects_says_so(lab_admin_client):
    venue = VenueFactory(name="Unique Workshop", short_name="UW")

    content = lab_admin_client.get(f"/admin/publications/venue/{venue.pk}/change/").content.decode()

    assert "No suspected duplicates." in content
