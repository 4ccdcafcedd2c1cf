"""Paper.title_key: the stored key of a paper's title (publications.titles): its bulk and
migration fills, and the imports' duplicate check that looks it up. The writes that keep it,
shared with the other stored keys: tests/test_keys.py."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from publications.bibtex_import import bibtex_import, bibtex_plan
from publications.models import Paper
from publications.titles import normalize_title
from tests.factories import PaperFactory, VenueFactory

pytestmark = pytest.mark.django_db

ACCENTED = "Résumé Parsing for Café-Scale {Networks}"


def stored_key(paper: Paper) -> str:
    return Paper.objects.values_list("title_key", flat=True).get(pk=paper.pk)


def test_bulk_create_stores_the_key():
    venue = VenueFactory()
    [paper] = Paper.objects.bulk_create(
        [Paper(title=ACCENTED, slug="bulk", venue=venue, year=2024)]
    )
    assert stored_key(paper) == normalize_title(ACCENTED)


def test_the_migration_fills_the_keys_of_the_papers_already_there():
    papers = [PaperFactory(title=title) for title in (ACCENTED, "Plain Title", "ﬁ" * 500)]
    Paper.objects.update(title_key="")
    migration = importlib.import_module("publications.migrations.0010_paper_title_key")

    # What the migration uses of its schema editor: the connection.
    migration.fill_title_keys(apps, SimpleNamespace(connection=connection))

    assert [stored_key(p) for p in papers] == [
        "resume parsing for cafe scale networks",
        "plain title",
        "fi" * 250,
    ]


def test_import_finds_the_paper_by_its_stored_key_and_year(lab_admin):
    known = PaperFactory(title=ACCENTED, year=2023)
    PaperFactory(title="Unrelated", year=2023)
    text = (
        "@article{again, author={Some One}, title={resume parsing for CAFE scale networks.},"
        " journal={J}, year=2023}\n"
        "@article{later, author={Some One}, title={Résumé Parsing for Café-Scale Networks},"
        " journal={J}, year=2024}\n"
    )

    plan = bibtex_plan(text)
    assert [(e.key, e.action, e.duplicate_reason, e.duplicate_of) for e in plan.entries] == [
        ("again", "duplicate", "same title and year", known),
        ("later", "new", "", None),  # the same title in another year: a paper of its own
    ]

    result = bibtex_import(text=text, user=lab_admin)
    [created] = result.papers
    assert stored_key(created) == "resume parsing for cafe scale networks"
    assert created.year == 2024

    # A stored key that went stale (a title changed by update(), which no field hook sees)
    # is not found: the key, not the title, is what the check looks up.
    Paper.objects.filter(pk=known.pk).update(title_key="something else")
    [entry, _] = bibtex_plan(text).entries
    assert (entry.action, entry.duplicate_of) == ("new", None)
