"""Person.name_key, the stored key of a person's name (people.names.NameKeyField): its migration
fill and the imports' insert of new people (the writes shared with the other stored keys:
tests/test_keys.py); and the imports' matcher that reads only the people a file names by
it (people.matching.PersonMatcher.for_names), instead of every person."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from people.matching import NameMatchError, PersonMatcher, people_named
from people.models import Person
from publications.bibtex_import import bibtex_import, bibtex_plan
from tests.factories import AuthorshipFactory, PaperFactory, PersonFactory

pytestmark = pytest.mark.django_db

ACCENTED = "Ixeia Sánchez-Pérez"


def stored_key(person: Person) -> str:
    return Person.objects.values_list("name_key", flat=True).get(pk=person.pk)


def test_the_migration_fills_the_keys_of_the_people_already_there():
    people = [PersonFactory(name=name) for name in (ACCENTED, "Kai Chen")]
    Person.objects.update(name_key="")
    migration = importlib.import_module("people.migrations.0004_person_name_key")

    migration.fill_name_keys(apps, SimpleNamespace(connection=connection))

    assert [stored_key(p) for p in people] == ["ixeia sanchez perez", "kai chen"]


def test_the_people_a_bibtex_import_creates_have_their_keys(lab_admin):
    text = (
        "@article{a, author={Sánchez-Pérez, Ixeia and Chen, Kai}, title={One},"
        " journal={J}, year=2024}\n"
    )
    bibtex_import(text=text, user=lab_admin)

    keys = dict(Person.objects.values_list("name", "name_key"))
    assert keys == {"Ixeia Sánchez-Pérez": "ixeia sanchez perez", "Kai Chen": "kai chen"}


# --- the matcher of the names a file holds -----------------------------------------------------


@pytest.fixture
def people():
    """Two namesakes, an aliased person, one only reachable by slug, and many nobody names."""
    return {
        "ixeia": PersonFactory(name=ACCENTED, slug="ixeia"),
        "hao": PersonFactory(name="Hao Wang", slug="hao-wang"),
        "hao-2": PersonFactory(name="Hao Wang", slug="hao-wang-2"),
        "aliased": PersonFactory(name="Luke Huang", slug="luke", aliases="L. J. Huang"),
        "hidden": PersonFactory(name="Kai Chen", slug="kai-chen", match_by_name=False),
        "others": PersonFactory.create_batch(30),
    }


def test_for_names_reads_only_the_people_the_names_may_mean_in_one_query(people):
    with CaptureQueriesContext(connection) as queries:
        matcher = PersonMatcher.for_names(["Ixeia Sanchez Perez", "L. J. Huang", "Nobody Here"])
    assert len(queries) == 1
    read = set(matcher._by_slug)
    # The named one (another spelling of the name: its key) and the aliased (few, read whole).
    assert read == {"ixeia", "luke"}

    with CaptureQueriesContext(connection) as queries:
        assert matcher.match("ixeia sánchez pérez") == people["ixeia"]
        assert matcher.match("L J Huang") == people["aliased"]  # an alias
        assert matcher.match("Nobody Here") is None
    assert len(queries) == 0  # all declared: nothing read again


def test_a_name_or_slug_not_declared_is_read_when_asked(people):
    matcher = PersonMatcher.for_names([])

    with CaptureQueriesContext(connection) as queries:
        with pytest.raises(NameMatchError, match="more than one person"):
            matcher.match("Hao Wang")
        assert matcher.match("Hao Wang", slug="hao-wang-2") == people["hao-2"]
        assert matcher.match("Kai Chen") is None  # not matched by name...
        assert matcher.match("Kai Chen", slug="kai-chen") == people["hidden"]  # ...by slug
        assert matcher.is_unambiguous("Ixeia Sanchez Perez", people["ixeia"])
    # One query for each name not declared; none for the slugs, read with the names.
    assert len(queries) == 3
    with pytest.raises(NameMatchError, match="no person has the slug"):
        matcher.match("Anyone", slug="no-such-slug")


def test_for_names_answers_what_the_matcher_of_everyone_answers(people):
    names = ["Hao Wang", "Ixeia Sanchez Perez", "L. J. Huang", "Kai Chen", "Researcher 3", "X"]
    everyone = PersonMatcher.from_database()
    named = PersonMatcher.for_names(names, slugs=["hao-wang"])

    def answer(matcher, name, slug=""):
        try:
            person = matcher.match(name, slug=slug)
        except NameMatchError as error:
            return str(error)
        return person and person.pk

    for name in names:
        assert answer(named, name) == answer(everyone, name)
        assert answer(named, name, "hao-wang") == answer(everyone, name, "hao-wang")


def test_the_look_ups_use_the_indexes():
    """Each part of the matcher's query is an index look-up (on PostgreSQL with scans off, so
    that a tiny table's plan shows whether the index can serve at all)."""
    query = people_named(["hao wang"], ["hao-wang"], aliased=True)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = query.explain()
    for index in ("person_name_key", "person_with_aliases"):
        assert index in plan


def test_a_bibtex_plan_and_the_admin_paper_form_read_no_whole_table_of_people(
    people, lab_admin_client
):
    """Every query of people the plan and the form make names what it looks for."""
    text = (
        "@article{a, author={Wang, Hao and Sánchez Pérez, Ixeia and Zhu, New},"
        " title={One}, journal={J}, year=2024}\n"
    )
    with CaptureQueriesContext(connection) as queries:
        plan = bibtex_plan(text)
    [entry] = plan.entries
    assert "more than one person" in " ".join(entry.errors)  # the namesakes: still refused

    paper = PaperFactory()
    AuthorshipFactory(paper=paper, person=people["hao-2"], position=1)
    AuthorshipFactory(paper=paper, person=people["ixeia"], position=2)
    url = reverse("admin:publications_paper_change", args=[paper.pk])
    with CaptureQueriesContext(connection) as form_queries:
        response = lab_admin_client.get(url)
    assert response.status_code == 200
    # The namesake keeps its slug on the byline, the unambiguous name does not.
    assert "Hao Wang &lt;hao-wang-2&gt;; Ixeia Sánchez-Pérez" in response.content.decode()

    people_table = connection.ops.quote_name(Person._meta.db_table)
    reads = [
        q["sql"]
        for q in [*queries.captured_queries, *form_queries.captured_queries]
        if f"FROM {people_table}" in q["sql"]
    ]
    assert reads
    assert all(" WHERE " in sql for sql in reads), reads
