import csv
import io

import openpyxl
import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.test import RequestFactory

from people.exports import people_response
from people.models import Person
from people.resources import PersonResource
from tests.conftest import assert_no_private_data
from tests.factories import InstitutionFactory, PersonFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

PUBLIC_HEADERS = [
    "name",
    "slug",
    "given_name",
    "family_name",
    "aliases",
    "homepage",
    "orcid",
    "google_scholar",
    "dblp",
    "github",
    "linkedin",
    "research_interests",
    "current_roles",
]
MEMBER_HEADERS = [*PUBLIC_HEADERS, "email"]
# The lab does not exist in these tests, so the people list shows everyone.
URL = "/people/download.{fmt}?group=all"



def read_csv(response) -> list[list[str]]:
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def xlsx_rows(response) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def rows_of(response, fmt) -> list[list]:
    return read_csv(response) if fmt == "csv" else xlsx_rows(response)


@pytest.fixture
def ixeia():
    hkust = InstitutionFactory(name="HKUST University", short_name="HKUST")
    person = PersonFactory(
        name="Ixeia Sánchez Pérez",
        slug="ixeia",
        given_name="Ixeia",
        family_name="Sánchez Pérez",
        aliases="Ixeia Sanchez\nI. Sánchez Pérez",
        email="ixeia@example.org",
        homepage="https://example.org/ixeia",
        orcid="0000-0002-1825-0097",
        google_scholar="https://scholar.google.com/citations?user=abc",
        dblp="https://dblp.org/pid/1/2.html",
        github="ixeia",
        linkedin="https://www.linkedin.com/in/ixeia",
        research_interests="Networks\nSystems",
    )
    RoleFactory(person=person, title="Postdoc", institution=hkust, start_year=2022)
    RoleFactory(
        person=person,
        title="Teaching Assistant",
        unit="COMP 3511",
        institution=hkust,
        start_year=2021,
    )
    RoleFactory(person=person, title="Ph.D.", institution=hkust, start_year=2015, end_year=2020)
    RoleFactory(person=person, title="Visitor", institution=None, start_year=2018, end_unknown=True)
    return person


IXEIA_ROW = [
    "Ixeia Sánchez Pérez",
    "ixeia",
    "Ixeia",
    "Sánchez Pérez",
    "Ixeia Sanchez\nI. Sánchez Pérez",
    "https://example.org/ixeia",
    "0000-0002-1825-0097",
    "https://scholar.google.com/citations?user=abc",
    "https://dblp.org/pid/1/2.html",
    "ixeia",
    "https://www.linkedin.com/in/ixeia",
    "Networks\nSystems",
    "Postdoc, HKUST; Teaching Assistant, COMP 3511, HKUST",
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_visitor_download_has_public_columns_without_email(client, ixeia, fmt):
    response = client.get(URL.format(fmt=fmt))

    assert response["Content-Disposition"] == f'attachment; filename="people.{fmt}"'
    assert rows_of(response, fmt) == [PUBLIC_HEADERS, IXEIA_ROW]
    assert b"ixeia@example.org" not in response.content


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_member_download_adds_the_email_column(member_client, ixeia, fmt):
    response = member_client.get(URL.format(fmt=fmt))

    assert rows_of(response, fmt) == [MEMBER_HEADERS, [*IXEIA_ROW, "ixeia@example.org"]]


def test_lab_admin_download_has_email_but_no_private_fields(lab_admin_client, private_person):
    rows = read_csv(lab_admin_client.get(URL.format(fmt="csv")))

    assert rows[0] == MEMBER_HEADERS
    assert rows[1][0] == "Pat Private"
    assert rows[1][-1] == "pat@example.org"


def test_anonymous_download_is_not_served_a_members_cached_copy(client, member, ixeia):
    client.force_login(member)
    assert read_csv(client.get(URL.format(fmt="csv")))[0] == MEMBER_HEADERS
    client.logout()

    assert read_csv(client.get(URL.format(fmt="csv")))[0] == PUBLIC_HEADERS


def test_content_types(client, ixeia):
    assert client.get(URL.format(fmt="csv"))["Content-Type"] == "text/csv; charset=utf-8"
    assert client.get(URL.format(fmt="xlsx"))["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


@pytest.mark.parametrize("user", [None, "member", "lab_admin"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_people_downloads_never_contain_private_data(client, request, private_person, user, fmt):
    if user:
        client.force_login(request.getfixturevalue(user))

    response = client.get(URL.format(fmt=fmt))

    if fmt == "xlsx":
        text = " ".join(str(value) for row in xlsx_rows(response) for value in row)
    else:
        text = response.content.decode("utf-8-sig")
    assert "Pat Private" in text
    assert_no_private_data(text)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_download_follows_the_list_filter(client, fmt):
    PersonFactory(name="Alice Kept", slug="alice")
    PersonFactory(name="Bob Dropped", slug="bob")

    rows = rows_of(client.get(f"/people/download.{fmt}?group=all&q=alice"), fmt)

    assert [row[1] for row in rows[1:]] == ["alice"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_dangerous_cells_are_escaped(client, fmt):
    PersonFactory(name="=1+1", slug="evil", research_interests="@SUM(A1)", aliases="-2+3")

    row = rows_of(client.get(URL.format(fmt=fmt)), fmt)[1]

    assert (row[0], row[4], row[11]) == ("'=1+1", "'-2+3", "'@SUM(A1)")


def test_control_character_before_a_formula_does_not_make_a_formula_cell(client):
    # A member may type their own research interests; XLSX cannot hold U+0001, and dropping it
    # must not leave the formula bare.
    PersonFactory(slug="sly", research_interests='\x01=HYPERLINK("http://x.example")')

    csv_row = rows_of(client.get(URL.format(fmt="csv")), "csv")[1]
    response = client.get(URL.format(fmt="xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]

    assert csv_row[11] == '\'\x01=HYPERLINK("http://x.example")'
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    assert cells[11].value == '\'=HYPERLINK("http://x.example")'


def test_unknown_format_is_404(client):
    assert client.get("/people/download.bib").status_code == 404
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with pytest.raises(Http404):
        people_response(Person.objects.all(), "json", filename="people", request=request)


def test_download_refuses_post(client):
    assert client.post(URL.format(fmt="csv")).status_code == 405


def test_resource_leaves_email_out_unless_asked():
    assert PersonResource().get_export_headers() == PUBLIC_HEADERS
    assert PersonResource(include_email=True).get_export_headers() == MEMBER_HEADERS


@pytest.mark.parametrize("authenticated", [False, True])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("item_count", [1, 5])
def test_people_response_runs_constant_queries(
    django_assert_num_queries, authenticated, fmt, item_count
):
    for _ in range(item_count):
        person = PersonFactory()
        RoleFactory(person=person)
        RoleFactory(person=person, end_year=2021)
    request = RequestFactory().get("/")
    request.user = UserFactory() if authenticated else AnonymousUser()

    # People, then their roles with institutions.
    with django_assert_num_queries(2):
        response = people_response(Person.objects.all(), fmt, filename="people", request=request)

    assert len(rows_of(response, fmt)) == item_count + 1
