import gc
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import signals
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from import_export.admin import ImportExportModelAdmin

from lab.core.bulk import collector_paused, insert_instances, new_instances
from people.models import Person
from publications import byline as byline_module
from publications.admin import PaperAdmin
from publications.admin_bibtex import BibtexConfirmForm, BibtexImportAdminMixin
from publications.bibtex import papers_to_bibtex
from publications.bibtex_import import (
    FORMATS,
    LOG_MESSAGE,
    MAX_BIBTEX_BYTES,
    BibtexError,
    BibtexPlan,
    BibtexPlanError,
    PlannedEntry,
    bibtex_import,
    bibtex_plan,
    decode_text,
    normalize_title,
    read_bibtex_bytes,
    skipped_file,
)
from publications.enums import PaperStatus, VenueKind
from publications.models import Authorship, Paper, Venue
from tests.factories import PaperFactory, PersonFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data" / "bibtex"
IMPORT_URL = "/admin/publications/paper/import-bibtex/"


def bib(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def counts() -> dict[str, int]:
    return {
        "papers": Paper.objects.count(),
        "people": Person.objects.count(),
        "venues": Venue.objects.count(),
        "authorships": Authorship.objects.count(),
        "log": LogEntry.objects.count(),
    }


def byline_of(paper: Paper) -> list[tuple[str, str]]:
    return [
        (a.person.name, a.printed_name)
        for a in paper.authorships.order_by("position").select_related("person")
    ]


@pytest.fixture
def lab(db):
    """What papers.bib meets: NSDI and arXiv are known, Qinghao Hu also signs "Q. Hu"."""
    return {
        "nsdi": VenueFactory(
            name="USENIX Symposium on Networked Systems Design and Implementation",
            short_name="NSDI",
            slug="nsdi",
        ),
        "arxiv": VenueFactory(
            name="arXiv", short_name="arXiv", slug="arxiv", kind=VenueKind.PREPRINT
        ),
        "hu": PersonFactory(name="Qinghao Hu", slug="qinghao-hu", aliases="Q. Hu"),
    }


# --- Reading ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"Ixeia S{\'a}nchez P{\'e}rez", "Ixeia Sánchez Pérez"),
        (r"J{\"o}rg M{\"u}ller", "Jörg Müller"),
        (r"Fran\c{c}ois", "François"),
        (r"Fran{\c c}ois", "François"),
        (r"{\O}stergaard", "Østergaard"),
        (
            r"Characterization of {Large Language Model} Development",
            "Characterization of Large Language Model Development",
        ),
        (r"We schedule 95% of jobs", "We schedule 95% of jobs"),
    ],
)
def test_decode_text_turns_latex_into_unicode(latex, text):
    assert decode_text(latex) == text


def test_normalize_title_folds_case_punctuation_braces_and_spaces():
    assert normalize_title("{Elastic} training -- at {SCALE}!") == normalize_title(
        "Elastic Training at Scale"
    )
    assert normalize_title("Elastic Training at Scale") == "elastic training at scale"


def test_plan_reads_papers_venues_dates_and_ordered_bylines(lab):
    plan = bibtex_plan(bib("papers.bib"))

    assert plan.errors == []
    assert [(e.key, e.action) for e in plan.entries] == [
        ("hu2024characterization", "new"),
        ("garcia2023scheduling", "new"),
        ("lefevre2025streams", "new"),
        ("wu2022edge", "new"),
    ]
    hu, garcia, lefevre, wu = plan.entries
    assert (hu.title, hu.year, hu.month, hu.status, hu.doi, hu.venue) == (
        "Characterization of Large Language Model Development in the Datacenter",
        2024,
        4,
        PaperStatus.PUBLISHED,
        "10.5555/3691825.3691864",
        lab["nsdi"],
    )
    assert [(a.name, a.person) for a in hu.authors] == [
        ("Q. Hu", lab["hu"]),  # matched by alias
        ("Ixeia Sánchez Pérez", None),
        ("Jörg Müller", None),
        ("François Lefèvre", None),
    ]
    assert hu.authors_complete is False  # "and others"
    assert (garcia.month, garcia.venue, garcia.new_venue.name, garcia.new_venue.kind) == (
        5,
        None,
        "IEEE Transactions on Parallel and Distributed Systems",
        VenueKind.JOURNAL,
    )
    assert garcia.abstract == (
        "GPU clusters are shared by many teams; we schedule 95% of jobs before their deadline."
    )
    assert [a.name for a in garcia.authors] == ["Ana García", "Qinghao Hu", "Søren Østergaard"]
    assert (lefevre.status, lefevre.arxiv_id, lefevre.venue, lefevre.year) == (
        PaperStatus.PREPRINT,
        "2501.01234",
        lab["arxiv"],
        2025,
    )
    assert (wu.month, wu.new_venue.name, wu.new_venue.short_name, wu.new_venue.kind) == (
        9,
        "ACM Workshop on Federated Systems",
        "FedSys",
        VenueKind.WORKSHOP,
    )
    assert [p.name for p in plan.new_people.values()] == [
        "Ixeia Sánchez Pérez",
        "Jörg Müller",
        "François Lefèvre",  # in two entries, one new person
        "Ana García",
        "Søren Østergaard",
        "Mei Wu",
        "Wei Zhang",
    ]


def test_plan_writes_nothing(lab):
    before = counts()

    bibtex_plan(bib("papers.bib"))

    assert counts() == before


def test_import_creates_papers_people_venues_and_log_entries(lab, lab_admin):
    before = counts()

    result = bibtex_import(text=bib("papers.bib"), user=lab_admin)

    assert counts() == {
        "papers": before["papers"] + 4,
        "people": before["people"] + 7,
        "venues": before["venues"] + 2,
        "authorships": before["authorships"] + 11,
        "log": before["log"] + 4 + 7 + 2,
    }
    hu = Paper.objects.get(doi="10.5555/3691825.3691864")
    assert (hu.slug, hu.venue, hu.year, hu.month, hu.authors_complete) == (
        "characterization-of-large-language-model-development-in-the-2024",
        lab["nsdi"],
        2024,
        4,
        False,
    )
    assert byline_of(hu) == [
        ("Qinghao Hu", "Q. Hu"),
        ("Ixeia Sánchez Pérez", ""),
        ("Jörg Müller", ""),
        ("François Lefèvre", ""),
    ]
    assert [a.marks for a in hu.authorships.order_by("position")] == ["", "", "", ""]
    ixeia = Person.objects.get(name="Ixeia Sánchez Pérez")
    assert (ixeia.slug, ixeia.given_name, ixeia.family_name) == (
        "ixeia-sanchez-perez",
        "Ixeia",
        "Sánchez Pérez",
    )
    lefevre = Paper.objects.get(arxiv_id="2501.01234")
    assert byline_of(lefevre) == [("François Lefèvre", ""), ("Qinghao Hu", "")]
    fedsys = Venue.objects.get(short_name="FedSys")
    assert (fedsys.slug, fedsys.name, fedsys.kind) == (
        "fedsys",
        "ACM Workshop on Federated Systems",
        VenueKind.WORKSHOP,
    )
    logged = LogEntry.objects.filter(object_id__in=[str(p.pk) for p in result.papers])
    assert sorted(
        (e.object_repr, e.user, e.action_flag, e.change_message)
        for e in logged.filter(content_type__model="paper")
    ) == sorted((p.title, lab_admin, ADDITION, LOG_MESSAGE) for p in result.papers)


def test_import_keeps_namesakes_apart(lab_admin):
    PersonFactory(name="Hao Wang", slug="hao-wang")
    PersonFactory(name="Hao Wang", slug="hao-wang-2")
    text = "@article{w, author={Wang, Hao}, title={T}, journal={J}, year=2024}"

    plan = bibtex_plan(text)

    assert plan.errors == [
        "entry w: author 1: “Hao Wang” matches more than one person (hao-wang, hao-wang-2); "
        "pick one by writing “Hao Wang <hao-wang>”"
    ]


def test_import_picks_a_namesake_by_slug(lab_admin):
    PersonFactory(name="Hao Wang", slug="hao-wang")
    second = PersonFactory(name="Hao Wang", slug="hao-wang-2")
    text = "@article{w, author={Wang, Hao <hao-wang-2>}, title={T}, journal={J}, year=2024}"

    result = bibtex_import(text=text, user=lab_admin)

    assert [a.person for a in result.papers[0].authorships.all()] == [second]


def test_person_with_name_matching_off_is_not_matched(lab_admin):
    PersonFactory(name="Hao Wang", slug="hao-wang", match_by_name=False)
    text = "@article{w, author={Hao Wang}, title={T}, journal={J}, year=2024}"

    plan = bibtex_plan(text)

    assert [(a.name, a.person) for a in plan.entries[0].authors] == [("Hao Wang", None)]


@pytest.mark.parametrize(
    ("booktitle", "short_name"),
    [
        (
            "Proceedings of the 21st USENIX Symposium on Networked Systems Design and "
            "Implementation (NSDI '24)",
            "NSDI",
        ),
        ("USENIX Symposium on Networked Systems Design and Implementation", "NSDI"),
        ("usenix symposium on networked systems design and implementation", "NSDI"),
        ("nsdi", "NSDI"),
        ("21st USENIX NSDI 2024", "NSDI"),
        ("Proceedings of the 2023 USENIX Annual Technical Conference (USENIX ATC 23)", "ATC"),
    ],
)
def test_booktitle_matches_a_known_venue(booktitle, short_name, lab):
    VenueFactory(name="USENIX Annual Technical Conference", short_name="ATC", slug="atc")
    text = f"@inproceedings{{k, author={{A B}}, title={{T}}, booktitle={{{booktitle}}}, year=2024}}"

    plan = bibtex_plan(text)

    assert plan.entries[0].venue.short_name == short_name
    assert plan.new_venues == {}


@pytest.mark.parametrize(
    ("month", "number"),
    [("apr", 4), ("{Apr.}", 4), ("{April}", 4), ("4", 4), ('"04"', 4), ("sep", 9), ("{Sept}", 9)],
)
def test_month_macros_names_and_numbers(month, number):
    text = f"@article{{k, author={{A B}}, title={{T}}, journal={{J}}, year=2024, month={month}}}"

    assert bibtex_plan(text).entries[0].month == number


def test_string_macros_and_concatenation_are_resolved():
    text = (
        '@string{conf = "Conference on Things"}\n'
        '@inproceedings{k, author={A B}, title={T}, booktitle=conf # " (ConfT 2024)", year=2024}'
    )

    entry = bibtex_plan(text).entries[0]

    assert (entry.new_venue.name, entry.new_venue.short_name) == ("Conference on Things", "ConfT")


# --- Errors: named per entry, all or nothing --------------------------------------------------


def test_entry_errors_name_the_entry_and_the_field():
    plan = bibtex_plan(bib("invalid_fields.bib"))

    assert plan.errors == [
        "entry hu2024: no title",
        "entry nodate2023: no year",
        "entry badyear: year “20x4” is not a year between 1900 and 2100",
        "entry badyear: month “Smarch” is not a month (jan … dec, or 1 … 12)",
        "entry baddoi: doi “doi.org/not-a-doi” is not a DOI (e.g. 10.1145/3600006.3613152)",
        "entry nobody: no author",
        "entry macro: booktitle uses “sosp23”, which is not an @string defined in the file; "
        "put the text in braces",
        "entry knuth1997: @book is not a paper; papers are @article, @inproceedings or @misc",
        "entry twice: author 2 (“Mei Wu”) is the same person as author 1",
    ]


def test_corrupt_entry_is_named_and_nothing_is_written(lab, lab_admin):
    before = counts()

    with pytest.raises(BibtexPlanError) as raised:
        bibtex_import(text=bib("corrupt.bib"), user=lab_admin)

    assert raised.value.plan.errors == [
        "entry broken2023: cannot be read (line 9): Unexpected block start: `@misc`. "
        "Was still looking for field-value closing `}`"
    ]
    # The two good entries around it would create papers, a person and a venue: none exist.
    assert [e.action for e in raised.value.plan.entries] == ["new", "error", "new"]
    assert counts() == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file has no BibTeX entries (@article{…}, @inproceedings{…})."),
        (
            "title,year\nA paper,2024\n",
            "The file has no BibTeX entries (@article{…}, @inproceedings{…}).",
        ),
        (
            "@article{a, author={A B}, title={T}, journal={J}, year=2024}\n"
            "@article{a, author={C D}, title={U}, journal={J}, year=2024}",
            "entry a: the key is used by an earlier entry of the file; keys must be unique",
        ),
        (
            "@article{a, author={A B}, title={T}, journal={J}, year=2024, url={ftp://x}}",
            "entry a: url “ftp://x” is not a web address (http:// or https://)",
        ),
        (
            "@article{a, author={A B}, title={T}, journal={J}, year=2024, eprint={12}}",
            "entry a: eprint “12” is not an arXiv id (e.g. 2403.07648)",
        ),
    ],
)
def test_file_and_entry_errors(text, message):
    assert message in bibtex_plan(text).errors


def test_read_bibtex_bytes_refuses_big_binary_and_non_utf8_files():
    with pytest.raises(BibtexError, match="larger than 2 MB"):
        read_bibtex_bytes(b" " * (MAX_BIBTEX_BYTES + 1))
    with pytest.raises(BibtexError, match="not a text file"):
        read_bibtex_bytes(b"PK\x03\x04\x00\x00")
    with pytest.raises(BibtexError) as raised:
        read_bibtex_bytes("@article{k, title={Caf\u00e9}}".encode("latin-1"))
    assert str(raised.value) == (
        "The file is not UTF-8 text (byte 0xe9 at position 22): save it as UTF-8 and try again."
    )
    assert read_bibtex_bytes("\ufeff@misc{k}".encode()) == "@misc{k}"


# --- Duplicates -------------------------------------------------------------------------------


def test_duplicates_of_seed_and_existing_papers_are_reported_and_not_created(lab_admin):
    call_command("loaddata", "lab", verbosity=0)
    seed = Paper.objects.get(slug="llm-development-characterization-2024")
    by_doi = PaperFactory(title="Old Survey", doi="10.1145/3638757.x", year=2021)
    by_title = PaperFactory(title="Elastic Training at Scale", year=2023)
    before = counts()

    result = bibtex_import(text=bib("duplicates.bib"), user=lab_admin)

    assert [
        (e.key, e.action, e.duplicate_reason, e.duplicate_of, e.duplicate_of_entry)
        for e in result.plan.entries
    ] == [
        ("seedcopy2024", "duplicate", "same title and year", seed, ""),
        ("doicopy", "duplicate", "same DOI", by_doi, ""),  # DOIs ignore case
        ("titlecopy", "duplicate", "same title and year", by_title, ""),
        ("fresh2025", "new", "", None, ""),
        ("fresh2025again", "duplicate", "same title and year", None, "fresh2025"),
    ]
    assert [p.title for p in result.papers] == ["A Genuinely New Preprint"]
    assert counts()["papers"] == before["papers"] + 1
    assert Person.objects.filter(name="Else Somebody").exists() is False


def test_duplicate_doi_within_the_file_is_reported():
    text = (
        "@article{a, author={A B}, title={One}, journal={J}, year=2024, doi={10.1000/ABC}}\n"
        "@article{b, author={A B}, title={Two}, journal={J}, year=2024, "
        "doi={https://doi.org/10.1000/abc}}"
    )

    plan = bibtex_plan(text)

    assert [(e.key, e.action, e.duplicate_reason, e.duplicate_of_entry) for e in plan.entries] == [
        ("a", "new", "", ""),
        ("b", "duplicate", "same DOI", "a"),
    ]


# --- Queries ----------------------------------------------------------------------------------


def generated_bib(count: int, offset: int = 0) -> str:
    """``count`` entries, each by one known person and two new ones, at a known venue."""
    return "\n".join(
        f"@inproceedings{{gen{n},\n  author = {{Hu, Qinghao and Author{n}, Alpha and "
        f"Author{n}, Beta}},\n  title = {{Generated Paper Number {n}}},\n"
        f"  booktitle = {{NSDI}},\n  year = {{2024}},\n  doi = {{10.9999/gen.{n}}},\n}}"
        for n in range(offset, offset + count)
    )


@pytest.mark.parametrize("item_count", [1, 5])
def test_plan_runs_a_constant_number_of_queries(lab, item_count, django_assert_num_queries):
    text = generated_bib(item_count)

    # People, venues, candidate duplicates.
    with django_assert_num_queries(3):
        plan = bibtex_plan(text)

    assert len(plan.new_papers) == item_count


def test_plan_parses_each_byline_once(lab, monkeypatch):
    """The plan reads the people its bylines name and resolves the bylines from one parse of
    each (it parsed each twice: for the matcher, then to resolve it)."""
    parsed = Counter()
    parse_entry = byline_module._parse_entry

    def counted(text, number):
        parsed[text] += 1
        return parse_entry(text, number)

    monkeypatch.setattr(byline_module, "_parse_entry", counted)
    plan = bibtex_plan(generated_bib(3))

    assert len(plan.new_papers) == 3
    assert all(entry.authors for entry in plan.new_papers)
    assert sum(parsed.values()) == 9  # three entries of three authors
    assert parsed["Qinghao Hu"] == 3


def test_collector_paused_holds_gc_off_until_the_last_block_ends():
    assert gc.isenabled()

    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block is still running
    assert gc.isenabled()

    with pytest.raises(ValueError), collector_paused():
        raise ValueError
    assert gc.isenabled()


def test_collector_paused_leaves_a_disabled_collector_disabled():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_new_instances_hold_what_the_model_would_make():
    values = {"name": "Ada Byron", "given_name": "Ada", "family_name": "Byron", "slug": "ada"}

    made, other = new_instances(Person, [values, values])
    expected = Person(**values)

    fields = Person._meta.concrete_fields
    assert [made.serializable_value(f.name) for f in fields] == [
        expected.serializable_value(f.name) for f in fields
    ]
    assert made._state.adding and made.pk is None and made._state.db is None
    assert other.name == "Ada Byron" and other is not made
    # What Model.__init__ leaves in the instance, no more, no less, and nothing shared.
    assert sorted(made.__dict__) == sorted(expected.__dict__)
    assert made._state is not other._state


@pytest.mark.django_db
def test_insert_instances_of_varying_fields_write_what_the_whole_rows_write():
    now = timezone.now()
    rows = [
        {"name": name, "given_name": given, "family_name": family, "slug": slug}
        for name, given, family, slug in (
            ("Ada Byron", "Ada", "Byron", "ada"),
            ("Ixeia Pérez", "Ixeia", "Pérez", "ixeia"),
        )
    ]
    whole = new_instances(Person, [{**row, "created": now, "modified": now} for row in rows])
    varied = new_instances(
        Person,
        [{**row, "slug": row["slug"] + "-2", "created": now, "modified": now} for row in rows],
    )

    insert_instances(Person, whole)
    insert_instances(Person, varied, varying=("name", "given_name", "family_name", "slug"))

    written = {
        person.pop("slug"): person
        for person in Person.objects.order_by("pk").values(
            *(f.attname for f in Person._meta.concrete_fields if f.attname != "id")
        )
    }
    assert written["ada-2"] == written["ada"] and written["ixeia-2"] == written["ixeia"]
    assert written["ixeia"]["family_name"] == "Pérez"
    with pytest.raises(TypeError, match="plain values"):
        lazy = new_instances(Person, [{"name": gettext_lazy("Ada"), "slug": "ada-3"}])
        insert_instances(Person, lazy, varying=("name", "slug"))


def test_new_instances_run_init_receivers():
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.name)

    signals.post_init.connect(receiver, sender=Person)
    try:
        made = new_instances(Person, [{"name": "Ada Byron", "slug": "ada"}])
    finally:
        signals.post_init.disconnect(receiver, sender=Person)

    assert seen == ["Ada Byron"] and made[0].slug == "ada"


def test_imported_papers_come_with_their_venues(lab, lab_admin, django_assert_num_queries):
    result = bibtex_import(text=generated_bib(2), user=lab_admin)

    with django_assert_num_queries(0):
        venues = [paper.venue for paper in result.papers]

    assert venues == [lab["nsdi"], lab["nsdi"]]


def test_plan_and_import_run_with_the_collector_paused(lab, lab_admin):
    enabled = []

    def record(execute, sql, params, many, context):
        enabled.append(gc.isenabled())
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        bibtex_plan(generated_bib(3))
        plan_queries = len(enabled)
        bibtex_import(text=generated_bib(3), user=lab_admin)

    assert 0 < plan_queries < len(enabled)
    assert set(enabled) == {False}
    assert gc.isenabled()


def test_a_refused_import_turns_the_collector_back_on(lab, lab_admin):
    with pytest.raises(BibtexPlanError):
        bibtex_import(text=bib("corrupt.bib"), user=lab_admin)

    assert gc.isenabled()


@pytest.mark.parametrize(("item_count", "offset"), [(10, 0), (50, 100)])
def test_import_runs_the_same_queries_for_ten_or_fifty_entries(lab, lab_admin, item_count, offset):
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        result = bibtex_import(text=generated_bib(item_count, offset), user=lab_admin)

    assert (len(result.papers), len(result.people)) == (item_count, 2 * item_count)
    # An executemany (the byline rows on SQLite) is logged as "<n> times: INSERT ...".
    statements = [re.sub(r"^\d+ times: ", "", q["sql"]) for q in queries.captured_queries]
    selects = [sql for sql in statements if sql.lstrip("(").startswith("SELECT")]
    # The plan: people, venues, candidate duplicates. The apply: the slugs of people and of
    # papers (no new venue here); the ids of the new people and papers (inserted as plain
    # values, read back by slug) and of the new byline rows (for their first versions); the
    # content types of paper and person for the admin log.
    assert len(selects) == 3 + 2 + 3 + 2
    # The people, papers, byline rows and the admin log's lines go in as plain values, one
    # statement each (lab.core.bulk.insert_rows), on SQLite too.
    expected = {model._meta.db_table: 1 for model in (Person, Paper, Authorship, LogEntry)}
    # And every new record's first version, one statement per kind too (plain values:
    # lab.core.history.record_versions).
    expected.update(
        (model.history.model._meta.db_table, 1) for model in (Person, Paper, Authorship)
    )
    inserts = Counter(
        table
        for sql in statements
        for table in expected
        if sql.startswith(f'INSERT INTO "{table}"')
    )
    assert inserts == expected
    assert item_count > 10 or set(expected.values()) == {1}
    others = [sql for sql in statements if not sql.lstrip("(").startswith(("SELECT", "INSERT"))]
    assert all("SAVEPOINT" in sql for sql in others), others  # the transaction's, nothing else


def test_import_writes_bylines_in_order_with_marks_and_printed_names(lab, lab_admin):
    text = (
        "@inproceedings{x, author={Hu, Qinghao and Zed, Ana}, title={Marked Paper},"
        " booktitle={NSDI}, year=2024}"
    )

    result = bibtex_import(text=text, user=lab_admin)

    paper = Paper.objects.for_list().get(pk=result.papers[0].pk)
    assert [(a.position, a.person.name, a.printed_name) for a in paper.authorships.all()] == [
        (1, "Qinghao Hu", ""),
        (2, "Ana Zed", ""),
    ]
    assert paper.venue.short_name == "NSDI" and paper.slug == "marked-paper-2024"


# --- Round trip with the site's export --------------------------------------------------------


def test_export_then_import_gives_back_the_seed_papers(lab_admin):
    call_command("loaddata", "lab", verbosity=0)
    papers = list(Paper.objects.for_list().order_by("slug"))
    exported = papers_to_bibtex(papers)
    expected = {(p.title, p.year): [a.person.slug for a in p.authorships.all()] for p in papers}
    people_before = Person.objects.count()
    Paper.objects.all().delete()

    result = bibtex_import(text=exported, user=lab_admin)

    imported = {
        (p.title, p.year): [a.person.slug for a in p.authorships.all()]
        for p in Paper.objects.for_list()
    }
    assert imported == expected
    assert result.people == []
    assert Person.objects.count() == people_before


# --- Admin ------------------------------------------------------------------------------------


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (DATA / name).read_bytes(), content_type="text/x-bibtex")


def test_admin_form_page(lab_admin_client):
    response = lab_admin_client.get(IMPORT_URL)

    assert response.status_code == 200
    content = response.content.decode()
    label = (
        "BibTeX file"
        if len(FORMATS) == 1
        else "File (" + ", ".join(fmt.label for fmt in FORMATS.values()) + ")"
    )
    assert f'<label for="id_bibtex_file">{label}:</label>' in content
    assert '<label for="id_bibtex_text">Or paste BibTeX:</label>' in content
    assert 'name="payload"' not in content


def test_admin_preview_writes_nothing_and_offers_confirm(lab, lab_admin_client):
    before = counts()

    response = lab_admin_client.post(IMPORT_URL, {"bibtex_file": upload("papers.bib")})

    assert response.status_code == 200
    assert counts() == before
    content = response.content.decode()
    assert "4 new papers, 0 duplicates, 0 errors." in content
    hu_url = reverse("admin:people_person_change", args=[lab["hu"].pk])
    assert f'<a href="{hu_url}">Q. Hu</a> (as Qinghao Hu)' in content
    assert "Ixeia Sánchez Pérez <strong>(new person)</strong>" in content
    assert "ACM Workshop on Federated Systems (FedSys), workshop" in content
    assert 'name="payload"' in content
    payload = response.context["confirm_payload"]
    assert BibtexConfirmForm({"payload": payload}).is_valid()


def test_admin_confirm_imports_and_logs(lab, lab_admin, lab_admin_client):
    preview = lab_admin_client.post(IMPORT_URL, {"bibtex_text": bib("papers.bib")})
    before = counts()

    response = lab_admin_client.post(IMPORT_URL, {"payload": preview.context["confirm_payload"]})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:publications_paper_changelist")
    assert counts()["papers"] == before["papers"] + 4
    assert (
        LogEntry.objects.filter(
            user=lab_admin, change_message=LOG_MESSAGE, content_type__model="paper"
        ).count()
        == 4
    )
    follow = lab_admin_client.get(response["Location"])
    assert [str(m) for m in follow.context["messages"]] == [
        "Imported 4 papers, 7 new people, 2 new venues from BibTeX."
    ]


def test_admin_refuses_a_tampered_payload(lab, lab_admin_client):
    preview = lab_admin_client.post(IMPORT_URL, {"bibtex_text": bib("papers.bib")})
    payload = preview.context["confirm_payload"]
    value, _, signature = payload.rpartition(":")
    before = counts()

    response = lab_admin_client.post(IMPORT_URL, {"payload": f"{value}x:{signature}"})

    assert response.status_code == 400
    assert counts() == before
    assert "The confirmation does not match the preview: upload the file again." in (
        response.content.decode()
    )


def test_admin_shows_a_fresh_preview_when_records_changed_since(lab, lab_admin_client):
    preview = lab_admin_client.post(IMPORT_URL, {"bibtex_text": bib("papers.bib")})
    PaperFactory(title="Edge Caching for Federated Learning", year=2022)
    before = counts()

    response = lab_admin_client.post(IMPORT_URL, {"payload": preview.context["confirm_payload"]})

    assert response.status_code == 200
    assert counts() == before
    assert [e.action for e in response.context["plan"].entries] == [
        "new",
        "new",
        "new",
        "duplicate",
    ]
    assert [str(m) for m in response.context["messages"]] == [
        "The records changed since the preview: check the new preview and confirm again."
    ]


def test_admin_preview_with_errors_offers_no_all_or_nothing_confirm(lab, lab_admin_client):
    response = lab_admin_client.post(IMPORT_URL, {"bibtex_file": upload("corrupt.bib")})

    content = response.content.decode()
    assert response.status_code == 200
    assert response.context["can_confirm"] is False
    assert "Confirm import of" not in content
    # Only "Import all but the entries with errors" (tests/.../test_admin_bibtex_entries.py).
    assert 'name="skip_errors"' in content
    assert "<li>entry broken2023: cannot be read (line 9): Unexpected block start:" in content


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Upload a .bib file or paste BibTeX entries."),
        (
            {"bibtex_text": "@misc{a}", "bibtex_file": "file"},
            "Upload a file or paste text, not both.",
        ),
        (
            {"bibtex_file": "big"},
            "The file is larger than 2 MB: split it and import the parts one by one.",
        ),
    ],
)
def test_admin_form_errors(lab_admin_client, data, message):
    if data.get("bibtex_file") == "file":
        data["bibtex_file"] = SimpleUploadedFile("a.bib", b"@misc{a}")
    elif data.get("bibtex_file") == "big":
        data["bibtex_file"] = SimpleUploadedFile("a.bib", b"%" * (MAX_BIBTEX_BYTES + 1))

    response = lab_admin_client.post(IMPORT_URL, data)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [message]


def test_admin_import_needs_add_and_change_permission(client):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_paper"),
        Permission.objects.get(codename="change_paper"),
    )
    client.force_login(viewer)

    assert client.get(IMPORT_URL).status_code == 403
    assert client.post(IMPORT_URL, {"bibtex_text": "@misc{a}"}).status_code == 403
    changelist = client.get(reverse("admin:publications_paper_changelist"))
    assert "Import BibTeX" not in changelist.content.decode()


PAPER_ONLY = ["view_paper", "add_paper", "change_paper"]
ALL_IT_WRITES = [*PAPER_ONLY, "add_venue", "add_person", "add_authorship"]


@pytest.mark.parametrize(
    ("codenames", "status"),
    [(PAPER_ONLY, 403), (ALL_IT_WRITES, 200)],
    ids=["papers-only", "papers-venues-people-bylines"],
)
def test_admin_import_needs_to_add_what_the_entries_bring(client, codenames, status):
    # An import creates venues, people and byline rows: permission on papers is not enough.
    curator = UserFactory(username="curator", is_staff=True)
    curator.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(curator)

    assert client.get(IMPORT_URL).status_code == status
    changelist = client.get(reverse("admin:publications_paper_changelist")).content.decode()
    assert ("Import BibTeX" in changelist) is (status == 200)


def test_command_refuses_a_user_who_may_only_add_and_change_papers(lab):
    curator = UserFactory(username="curator", is_staff=True)
    curator.user_permissions.set(Permission.objects.filter(codename__in=PAPER_ONLY))

    with pytest.raises(CommandError, match="curator may not import BibTeX"):
        call_command("import_bibtex", str(DATA / "papers.bib"), "--user", "curator")

    assert Paper.objects.count() == 0


@pytest.mark.parametrize("who", ["member", "visitor"])
def test_members_and_visitors_are_sent_to_the_admin_login(client, member, who):
    if who == "member":
        client.force_login(member)

    response = client.get(IMPORT_URL)

    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={IMPORT_URL}"


def test_admin_import_wrong_method(lab_admin_client):
    assert lab_admin_client.put(IMPORT_URL).status_code == 405


def test_changelist_has_the_import_button(lab_admin_client):
    response = lab_admin_client.get(reverse("admin:publications_paper_changelist"))

    assert f'<li><a href="{IMPORT_URL}">Import BibTeX</a></li>' in response.content.decode()


class ImportExportPaperAdmin(BibtexImportAdminMixin, ImportExportModelAdmin):
    """PaperAdmin as it will be once django-import-export is mixed in."""


import_export_site = admin.AdminSite(name="admin")
import_export_site.register(Paper, ImportExportPaperAdmin)
urlpatterns = [path("admin/", import_export_site.urls)]


@pytest.mark.urls(__name__)
def test_import_button_sits_beside_django_import_export_buttons(lab_admin_client):
    response = lab_admin_client.get("/admin/publications/paper/")

    content = response.content.decode()
    assert response.status_code == 200
    assert f'<li><a href="{IMPORT_URL}">Import BibTeX</a></li>' in content
    assert "<a href='/admin/publications/paper/import/' class=\"import_link\">Import</a>" in content
    assert '<a href="/admin/publications/paper/export/?" class="export_link">Export</a>' in content


def test_paper_admin_uses_the_mixin():
    assert isinstance(admin.site._registry[Paper], BibtexImportAdminMixin)
    assert issubclass(PaperAdmin, BibtexImportAdminMixin)


# --- Command ----------------------------------------------------------------------------------


def test_command_dry_run_prints_the_preview_and_writes_nothing(lab, capsys):
    before = counts()

    call_command("import_bibtex", str(DATA / "papers.bib"), "--dry-run")

    assert counts() == before
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "new        hu2024characterization: Characterization of Large Language Model Development "
        "in the Datacenter [NSDI, 2024] Q. Hu; Ixeia Sánchez Pérez (new); Jörg Müller (new); "
        "François Lefèvre (new); et al."
    )
    assert out[-2:] == ["4 new, 0 duplicate, 0 with errors", "Dry run: nothing written."]


def test_command_imports_under_the_user(lab, lab_admin, capsys):
    call_command("import_bibtex", str(DATA / "papers.bib"), "--user", lab_admin.username)

    assert capsys.readouterr().out.splitlines()[-1] == (
        "Imported 4 paper(s), 7 new people, 2 new venue(s)."
    )
    assert LogEntry.objects.filter(user=lab_admin, content_type__model="paper").count() == 4


def test_command_fails_on_errors_and_writes_nothing(lab, lab_admin, capsys):
    before = counts()

    with pytest.raises(CommandError, match=r"^1 error\(s\): nothing imported\.$"):
        call_command("import_bibtex", str(DATA / "corrupt.bib"), "--user", lab_admin.username)

    assert counts() == before
    assert "ERROR      entry broken2023: cannot be read (line 9)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "Pass --user USERNAME (imports are recorded in the admin log), or --dry-run."),
        (["--user", "nobody"], "No user is called “nobody”."),
        (
            ["--user", "member"],
            "member may not import BibTeX: it needs to add and change papers, and to add "
            "venues, people and byline rows.",
        ),
    ],
)
def test_command_needs_a_user_who_may_import(lab, member, arguments, message):
    with pytest.raises(CommandError) as raised:
        call_command("import_bibtex", str(DATA / "papers.bib"), *arguments)

    assert str(raised.value) == message
    assert Paper.objects.count() == 0


# --- The file of the entries left out, in their format -------------------------------------------


def _errors(*raws: str) -> list:
    entries = []
    for number, raw in enumerate(raws, start=1):
        entry = PlannedEntry(key=f"k{number}", line=number, raw=raw)
        entry.error("no year")
        entries.append(entry)
    return entries


def test_skipped_file_of_ris_records_is_ris():
    entries = _errors("TY  - JOUR\nTI  - One\nER  - ", "TY  - CONF\nTI  - Two\nER  - \n")

    text = skipped_file(BibtexPlan(entries=entries), entries, "ris")

    assert text == "TY  - JOUR\nTI  - One\nER  - \n\nTY  - CONF\nTI  - Two\nER  - \n"


def test_skipped_file_of_csl_json_items_is_a_json_array():
    entries = _errors('{"type": "article", "title": "One"}', "{not json", '{"title": "Two"}')

    text = skipped_file(BibtexPlan(entries=entries), entries, "csljson")

    assert json.loads(text) == [{"type": "article", "title": "One"}, {"title": "Two"}]


def test_skipped_file_of_bibtex_entries_says_what_is_wrong():
    entries = _errors("@misc{k1, title={T}, author={A B}}")

    text = skipped_file(BibtexPlan(entries=entries), entries, "bibtex")

    assert text.splitlines()[-2:] == ["% entry k1: no year", "@misc{k1, title={T}, author={A B}}"]
