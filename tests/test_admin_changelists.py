"""The big change lists (papers, people, byline rows) cost the same whatever the size of the
tables: one count (of the filtered list), no count of the whole table beside it, no date
hierarchy scanning every row, people's paper counts without grouping every byline row
(docs/benchmarks.md, "Admin change lists"). Their query counts are flat: tests/test_admin.py."""

import pytest
from django import forms
from django.contrib.admin import AllValuesFieldListFilter, helpers, site
from django.contrib.admin.templatetags.admin_list import _boolean_icon, results
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.db.models.signals import post_init
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils.html import format_html
from django.utils.translation import gettext as _

from lab.core.admin import boolean_icon
from lab.core.changelists import DistinctValuesListFilter, GenerationCountPaginator
from lab.core.curation_admin import CurationChangeList
from people.models import Person
from publications.models import Authorship, Paper
from tests.factories import AuthorshipFactory, PaperFactory, PersonFactory, VenueFactory

pytestmark = pytest.mark.django_db

CHANGE_LISTS = [
    "/admin/publications/paper/",
    "/admin/people/person/",
    "/admin/publications/authorship/",
]


@pytest.fixture
def lab():
    people = [PersonFactory() for _ in range(3)]
    for number in range(4):
        paper = PaperFactory(title=f'Paper {number} <b>&"')
        for position, person in enumerate(people, start=1):
            AuthorshipFactory(paper=paper, person=person, position=position)
    return people


def sql_of(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize("url", CHANGE_LISTS)
def test_a_change_list_counts_once_and_scans_no_dates(lab, lab_admin_client, url):
    statements = sql_of(lab_admin_client, url)

    counts = [sql for sql in statements if "COUNT(" in sql.upper() and "__count" in sql]
    assert len(counts) == 1, counts  # the paginator's; not the whole table's besides
    assert not any("MIN(" in sql.upper() or "DATE_TRUNC" in sql.upper() for sql in statements)
    assert not any("django_datetime_trunc" in sql for sql in statements)


def test_the_paper_change_list_reads_only_what_its_columns_show(lab, lab_admin_client):
    statements = sql_of(lab_admin_client, "/admin/publications/paper/")
    response = lab_admin_client.get("/admin/publications/paper/")

    assert not any("publications_paperaward" in sql for sql in statements)
    assert not any("publications_keyword" in sql for sql in statements)
    byline = [sql for sql in statements if 'FROM "publications_authorship"' in sql]
    assert len(byline) == 1 and '"people_person"."email"' not in byline[0]
    assert response.content.decode().count(lab[0].name) == 4  # each paper's byline


def test_the_paper_change_list_makes_no_byline_objects(lab, lab_admin_client):
    """The byline column is written from plain values (publications.services.printed_bylines),
    as the papers' own bylines print: marks, printed names, a paper without authors empty."""
    first = Authorship.objects.filter(person=lab[1]).select_related("paper").first()
    first.printed_name, first.equal_contribution = "P. Printed", True
    first.save()
    lonely = PaperFactory(title="No authors yet")
    made = []

    def count(sender, **kwargs):
        made.append(sender)

    for model in (Authorship, Person):
        post_init.connect(count, sender=model)
    try:
        response = lab_admin_client.get("/admin/publications/paper/")
    finally:
        for model in (Authorship, Person):
            post_init.disconnect(count, sender=model)

    assert made == []
    rows = {paper.pk: paper.printed_byline for paper in response.context["cl"].result_list}
    for paper in Paper.objects.for_list():
        assert rows[paper.pk] == site._registry[Paper].byline(
            Paper.objects.for_list().get(pk=paper.pk)
        )
    assert "P. Printed*" in rows[first.paper.pk]
    assert rows[lonely.pk] == ""


@pytest.mark.parametrize("value", [True, False, None])
def test_a_boolean_cell_is_django_s_own_icon(value):
    assert boolean_icon(value) == _boolean_icon(value)
    with override_settings(STATIC_URL="/elsewhere/"):
        assert boolean_icon(value) == _boolean_icon(value)
        assert "/elsewhere/admin/img/" in boolean_icon(value)
    assert boolean_icon(value) == _boolean_icon(value)


@pytest.mark.parametrize("model", [Paper, Person, Authorship])
def test_a_change_list_links_each_row_as_django_does(lab, rf, lab_admin, model):
    """CurationChangeList writes each row's link from one reverse() per page."""
    request = rf.get("/")
    request.user = lab_admin
    changelist = site._registry[model].get_changelist_instance(request)
    opts = model._meta

    assert len(changelist.result_list) == model.objects.count() > 0
    for row in changelist.result_list:
        assert changelist.url_for_result(row) == ChangeList.url_for_result(changelist, row)
        assert changelist.url_for_result(row) == (
            f"/admin/{opts.app_label}/{opts.model_name}/{row.pk}/change/"
        )


def test_people_s_paper_counts_are_right_without_grouping_byline_rows(lab, lab_admin_client):
    PersonFactory(name="Nobody Yet")

    statements = sql_of(lab_admin_client, "/admin/people/person/?o=5")  # by papers
    response = lab_admin_client.get("/admin/people/person/?o=5")

    # A subquery per person shown, not a join of every person with every byline row.
    assert not any('JOIN "publications_authorship"' in sql for sql in statements)
    counts = {person.name: person.paper_count for person in response.context["cl"].result_list}
    assert counts == {**{person.name: 4 for person in lab}, "Nobody Yet": 0}
    assert Person.objects.with_paper_count().get(name="Nobody Yet").paper_count == 0


@pytest.mark.parametrize("model", [Paper, Person])
def test_the_row_checkbox_is_django_s_own_markup(lab, model):
    obj = model.objects.first()
    obj.name = obj.title = 'Odd <b>&" name'  # escaped the same way
    attrs = {
        "class": "action-select",
        "aria-label": format_html(_("Select this object for an action - {}"), obj),
    }
    djangos = forms.CheckboxInput(attrs, lambda value: False).render(
        helpers.ACTION_CHECKBOX_NAME, str(obj.pk)
    )

    assert site._registry[model].action_checkbox(obj) == djangos


def _curation_lists(request):
    return [
        (model, admin)
        for model, admin in site._registry.items()
        if issubclass(admin.get_changelist(request), CurationChangeList)
    ]


@pytest.mark.parametrize("query", ["", "?o=-1", "?o=2.1&p=1", "?q=a", "?_popup=1&_to_field=id"])
def test_every_change_list_writes_its_rows_as_django_does(rf, client, superuser, query):
    """CurationChangeList.result_rows (the columns worked out once per page) writes every
    cell of every curation change list byte for byte as Django's items_for_result does, and
    the page shows those rows: with the ordering and search kept in the rows' links (the
    preserved filters), and for a popup (Django's own rows then)."""
    call_command("loaddata", "lab", verbosity=0)
    client.force_login(superuser)
    lists = _curation_lists(rf.get("/"))
    assert len(lists) >= 10
    compared = 0
    for model, admin in lists:
        if "q=" in query and not admin.search_fields:
            continue
        opts = model._meta
        page = client.get(f"/admin/{opts.app_label}/{opts.model_name}/{query}")
        assert page.status_code == 200, model
        changelist = page.context["cl"]
        if model.objects.exists():
            assert changelist.result_list, model
        ours = [list(row) for row in changelist.result_rows()]
        assert ours == [list(row) for row in results(changelist)], model
        origins = {template.origin.name for template in page.templates}
        assert any(name.endswith("library_templates/admin/change_list.html") for name in origins)
        html = page.content.decode()
        for row in ours:
            assert f"<tr>{''.join(row)}</tr>" in html, model
        if query.startswith("?o=") and ours:
            assert "_changelist_filters=o%3D" in "".join(ours[0]), model
        compared += len(ours)
    assert compared > 50


def test_a_change_list_s_column_of_a_model_property_and_of_a_date(lab, rf, superuser):
    """The columns result_rows looks up per row with Django's own lookup_field: an attribute or
    property of the model and __str__; a date column gets Django's "nowrap"."""
    admin = site._registry[Paper]
    request = rf.get("/")
    request.user = superuser
    changelist = admin.get_changelist_instance(request)
    changelist.formset = None
    changelist.list_display = ["action_checkbox", "__str__", "slug", "created", "venue", "pk"]
    changelist.list_display_links = ["slug"]

    ours = [list(row) for row in changelist.result_rows()]

    assert ours == [list(row) for row in results(changelist)]
    assert 'class="field-created nowrap"' in ours[0][3]
    assert ours[0][2].startswith('<th class="field-slug"><a href="/admin/publications/paper/')


# --- what a change list reads besides its rows (lab.core.changelists) ---------------------------


def count_queries(statements: list[str]) -> list[str]:
    return [sql for sql in statements if "COUNT(" in sql.upper()]


def test_the_count_is_kept_until_the_next_write_and_stays_exact(lab, lab_admin_client):
    url = "/admin/publications/paper/"
    first = sql_of(lab_admin_client, url)
    assert len(count_queries(first)) == 1
    again = sql_of(lab_admin_client, url)
    assert count_queries(again) == []  # paging, sorting, coming back: counted once
    assert "4 papers" in lab_admin_client.get(url).content.decode()

    PaperFactory(title="A fifth", year=1999)  # a write forgets the kept count
    after = sql_of(lab_admin_client, url)
    assert len(count_queries(after)) == 1
    assert "5 papers" in lab_admin_client.get(url).content.decode()
    # A filtered list has a count of its own.
    filtered = lab_admin_client.get(url, {"year": "1999"}).content.decode()
    assert "1 paper" in filtered and "5 papers" not in filtered


def test_a_kept_count_needs_a_model_whose_writes_forget_the_cache(django_user_model):
    with pytest.raises(ImproperlyConfigured, match="LAB_APPS"):
        _ = GenerationCountPaginator(django_user_model.objects.order_by("pk"), 10).count
    assert GenerationCountPaginator(Paper.objects.filter(pk__in=[]), 10).count == 0


def test_the_year_filter_offers_django_s_choices_by_a_skip_scan(rf, lab_admin):
    for year in (2021, 2019, 2021, 2024, None):
        PaperFactory(year=year)
    request = rf.get("/admin/publications/paper/")
    request.user = lab_admin
    field, admin = Paper._meta.get_field("year"), site._registry[Paper]
    django_s = AllValuesFieldListFilter(field, request, {}, Paper, admin, "year")

    ours = DistinctValuesListFilter(field, request, {}, Paper, admin, "year")
    with CaptureQueriesContext(connection) as queries:
        choices = list(ours.lookup_choices)
        assert list(ours.lookup_choices) == choices
    assert len(queries) == 1  # read once, when asked (not by an export's change list)
    assert sorted(choices, key=str) == sorted(django_s.lookup_choices, key=str)
    assert choices == [2019, 2021, 2024, None] or choices == [None, 2019, 2021, 2024]
    assert "DISTINCT" not in queries.captured_queries[0]["sql"].upper()
    # Each probe is an index look-up of the list's index, on either database.
    sql = queries.captured_queries[0]["sql"]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "publications_paper_list_order" in plan
    assert "Seq Scan" not in plan and "SCAN publications_paper" not in plan


def test_the_sidebar_reads_no_whole_table_and_keeps_the_venues(lab, lab_admin_client):
    url = "/admin/publications/paper/"
    statements = sql_of(lab_admin_client, url)
    assert not any("SELECT DISTINCT" in sql.upper() for sql in statements)
    venue_reads = [sql for sql in statements if 'FROM "publications_venue"' in sql]
    assert len(venue_reads) == 1  # the filter's choices
    assert not [s for s in sql_of(lab_admin_client, url) if 'FROM "publications_venue"' in s]

    VenueFactory(short_name="JUSTADDED")  # a write forgets the kept choices
    assert "JUSTADDED" in lab_admin_client.get(url).content.decode()
