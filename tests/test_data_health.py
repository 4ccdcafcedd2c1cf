"""The data-health page (/admin/data-health/, lab.health): a section per check with its count
and a row per problem linking to the record (and to the merge page for a pair), a CSV of the
whole report, a fixed number of queries; lab admins only."""

import csv
import io

import pytest

from lab import health
from publications.enums import PaperStatus
from publications.services import paper_set_byline
from tests.factories import (
    InstitutionFactory,
    PaperFactory,
    PersonFactory,
    RoleFactory,
    ServiceFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

URL = "/admin/data-health/"


def sections(response) -> dict[str, list[tuple[str, str]]]:
    return {
        section.key: [(row.label, row.detail) for row in section.rows]
        for section in response.context["sections"]
    }


def test_each_check_finds_its_problem_and_links_to_the_record(lab_admin_client):
    venue = VenueFactory(name="Symposium of Nothing", short_name="")
    complete = PaperFactory(title="Complete", venue=venue, doi="10.1145/1")
    paper_set_byline(paper=complete, byline="Alice Ang")
    incomplete = PaperFactory(title="Partial", authors_complete=False, doi="10.1145/2")
    paper_set_byline(paper=incomplete, byline="Alice Ang")
    missing = PaperFactory(title="No DOI", venue=None, status=PaperStatus.PUBLISHED)
    paper_set_byline(paper=missing, byline="Alice Ang")
    PersonFactory(name="Nobody Anywhere")
    InstitutionFactory(name="Nowhere University", country="")
    RoleFactory(person__name="Roleless Start", start_year=None, institution__country="HK")
    VenueFactory(name="Empty Venue", short_name="EV")
    # An advisor with nothing else, someone who only served a venue, and that venue are
    # on record: none of them is listed.
    RoleFactory(start_year=2020).advisors.add(PersonFactory(name="Only Advises"))
    ServiceFactory(person__name="Only Serves", venue__name="Only Served", venue__short_name="OS")

    response = lab_admin_client.get(URL)

    assert response.status_code == 200
    found = sections(response)
    assert found["incomplete-bylines"] == [("Partial", "2024")]
    assert found["published-missing"] == [("No DOI", "no venue, no DOI")]
    assert [label for label, _ in found["lonely-people"]] == ["Nobody Anywhere"]
    assert [label for label, _ in found["venues-without-short-name"]] == ["Symposium of Nothing"]
    assert [label for label, _ in found["venues-without-papers"]] == ["Empty Venue"]
    assert [label for label, _ in found["institutions-without-country"]] == [
        "Nowhere University"
    ]
    assert [label for label, _ in found["roles-without-start"]] == ["Roleless Start: Postdoc"]
    row = response.context["sections"][6].rows[0]  # published-missing
    assert row.url == f"/admin/publications/paper/{missing.pk}/change/"


def test_printed_names_far_from_the_persons_name_are_listed(lab_admin_client):
    paper = PaperFactory(title="Misprint")
    person = PersonFactory(name="Alice Ang", slug="alice-ang")
    paper_set_byline(paper=paper, byline="Bartholomew Quux <alice-ang>")
    close = PaperFactory(title="Close")
    paper_set_byline(paper=close, byline="A. Ang <alice-ang>")

    found = sections(lab_admin_client.get(URL))["printed-names"]

    assert found == [("Misprint, author 1", "printed “Bartholomew Quux”, linked to Alice Ang")]
    assert person.pk


def test_suspected_duplicates_come_with_evidence_and_a_merge_link(lab_admin_client):
    anna = PersonFactory(name="Anna Squicciarini", slug="anna")
    anna_c = PersonFactory(name="Anna C. Squicciarini", slug="anna-c")
    for number in range(3):
        co_author = PersonFactory(name=f"Coauthor {number}", slug=f"co-{number}")
        first, second = PaperFactory(), PaperFactory()
        co = f"Coauthor {number} <co-{number}>"
        paper_set_byline(paper=first, byline=f"Anna Squicciarini <anna>; {co}")
        paper_set_byline(paper=second, byline=f"Anna C. Squicciarini <anna-c>; {co}")
        assert co_author.pk

    response = lab_admin_client.get(URL)

    duplicates = next(s for s in response.context["sections"] if s.key == "duplicate-persons")
    assert len(duplicates.rows) == 1
    row = duplicates.rows[0]
    assert {anna.name, anna_c.name} == set(row.label.split(" / "))
    assert "co-author" in row.detail
    assert row.merge_url == f"/admin/people/person/merge/?ids={anna.pk},{anna_c.pk}"
    assert f'href="{row.merge_url}"' in response.content.decode().replace("&amp;", "&")


def test_the_whole_report_downloads_as_csv(lab_admin_client, monkeypatch):
    monkeypatch.setattr(health, "SHOWN", 1)
    for number in range(3):
        PersonFactory(name=f"Lonely {number}")

    page = lab_admin_client.get(URL)
    response = lab_admin_client.get(f"{URL}report.csv")

    assert "And 2 more: see the CSV." in page.content.decode()
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["section", "record", "detail", "admin page", "merge"]
    lonely = [row[1] for row in rows[1:] if row[0] == "People with nothing on record"]
    assert lonely == ["Lonely 0", "Lonely 1", "Lonely 2"]
    assert response["Content-Disposition"].startswith('attachment; filename="data-health-')


@pytest.mark.parametrize("item_count", [1, 5])
def test_data_health_runs_a_fixed_number_of_queries(
    lab_admin_client, django_assert_num_queries, item_count
):
    for number in range(item_count):
        paper = PaperFactory(authors_complete=False, venue=VenueFactory(short_name=""))
        paper_set_byline(paper=paper, byline=f"Person {number}; Other {number}")
        PersonFactory(name=f"Lonely {number}")
        RoleFactory(start_year=None, institution__country="")
    lab_admin_client.get(URL)

    with django_assert_num_queries(QUERIES):
        lab_admin_client.get(URL)


#: The session's user and their permissions (3) and the thirteen checks' reads (each a fixed
#: number: the duplicate detectors a few each, the others one): the same for 1 and 5 items.
QUERIES = 28


@pytest.mark.parametrize("who", ["visitor", "member"])
def test_data_health_is_for_lab_admins_only(client, request, who):
    if who == "member":
        client.force_login(request.getfixturevalue("member"))

    for path in (URL, f"{URL}report.csv"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_staff_without_the_lab_admins_permissions_are_refused(client):
    client.force_login(UserFactory(username="staffer", is_staff=True))

    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}report.csv").status_code == 403


def test_admin_index_links_to_data_health(lab_admin_client):
    assert f'href="{URL}"' in lab_admin_client.get("/admin/").content.decode()
