"""The citation exports written from plain rows (publications.bibtex, publications.csl): the same
bytes as bibtexparser's writer and json.dumps, from model instances and from streamed querysets;
what bibtexparser parses back; constant queries when the download streams."""

import io
import json

import bibtexparser
import pytest
from bibtexparser import BibtexFormat, Library
from bibtexparser.middlewares import (
    LatexDecodingMiddleware,
    SeparateCoAuthors,
    SplitNameParts,
    default_unparse_stack,
)
from bibtexparser.model import Entry, Field
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pylatexenc.latex2text import LatexNodes2Text

from publications import bibtex, exports
from publications.bibtex import (
    Author,
    CitedPaper,
    bibtex_entries,
    bibtex_export,
    bibtex_fields,
    bibtex_name,
    cited_export,
    papers_to_bibtex,
    record_type,
    records_key_pass,
    widest_field,
)
from publications.csl import _items_text, csl_export, csl_item, papers_to_csl
from publications.enums import PaperStatus, VenueKind
from publications.exports import papers_response
from publications.models import Authorship, Keyword, Paper, PaperAward
from tests.conftest import CITATION_QUERIES
from tests.factories import (
    AuthorshipFactory,
    KeywordFactory,
    PaperAwardFactory,
    PaperFactory,
    PersonFactory,
    VenueFactory,
)

_decoder = LatexNodes2Text()

# --- Generated records ------------------------------------------------------------------------

LATEX_SPECIALS = "&%$#_{}~^\\"
#: Words of titles and names: ASCII and other letters, digits, LaTeX's special characters.
_word = st.text(
    alphabet=st.sampled_from(
        [*"abcxyzABCXYZ019", *LATEX_SPECIALS, *"éüßøçñ", "中", "文", "Ж", "ł", "-", ":", "."]
    ),
    min_size=1,
    max_size=8,
)
_text = st.lists(_word, min_size=1, max_size=5).map(" ".join)
_maybe = st.one_of(st.just(""), _text)
_name_word = st.text(
    alphabet=st.sampled_from([*"abcxyzABCXYZ", *LATEX_SPECIALS, *"éüßøçñ", "中", "Ж", "ł", "-"]),
    min_size=1,
    max_size=8,
)
_author = st.builds(
    Author,
    given=st.one_of(st.just(""), st.lists(_name_word, min_size=1, max_size=2).map(" ".join)),
    family=st.lists(_name_word, min_size=1, max_size=2).map(" ".join),
    marks=st.sampled_from(["", "*", "†", "*†", "‡", "✉", "*†‡✉"]),
)
_link = st.one_of(st.just(""), st.just("https://example.org/a_b%20c?x=1&y=2"))


_pk = st.integers(1, 10**6)


@st.composite
def records(draw, pk=_pk):
    venue_kind = draw(st.one_of(st.none(), st.sampled_from(list(VenueKind.values))))
    values = {
        "pk": draw(pk),
        "slug": draw(st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)),
        "title": draw(_text),
        "year": draw(st.one_of(st.none(), st.integers(1950, 2030))),
        "month": draw(st.one_of(st.none(), st.integers(1, 12))),
        "status": draw(st.sampled_from(list(PaperStatus.values))),
        "doi": draw(st.sampled_from(["", "10.1145/3600006.3613152"])),
        "arxiv_id": draw(st.sampled_from(["", "2403.07648"])),
        "url": draw(_link),
        "pages": draw(st.sampled_from(["", "123–135", "7"])),
        "isbn": draw(st.sampled_from(["", "978-1-939133-39-7"])),
        "issn": draw(st.sampled_from(["", "2375-026X"])),
        "selected": draw(st.booleans()),
        "authors_complete": draw(st.booleans()),
        "venue_name": None if venue_kind is None else draw(_text),
        "venue_short_name": None if venue_kind is None else draw(_maybe),
        "venue_kind": venue_kind,
        "authors": draw(st.lists(_author, max_size=4)),
        "keywords": draw(st.lists(_text, max_size=3)),
        "awards": draw(st.lists(_text, max_size=2)),
    }
    for name in ("volume", "number", "article_number", "publisher", "series", "event_place"):
        values[name] = draw(_maybe)
    for name in ("event_dates", "note", "abstract", "google_scholar_id"):
        values[name] = draw(_maybe)
    for name in ("pdf_url", "code_url", "slides_url", "poster_url", "video_url", "website_url"):
        values[name] = draw(_link)
    return CitedPaper(**values)


def _bibtexparser_text(records_: list[CitedPaper]) -> str:
    """What bibtexparser 2's writer writes for the same entries (the previous implementation)."""
    passed = records_key_pass(records_)
    entries = []
    for p in records_:
        kind = record_type(p)
        fields = [
            Field(name, value, enclosing="no-enclosing")
            if name == "month"
            else Field(name, value[1:-1])
            for name, value in bibtex_fields(p, kind, [bibtex_name(a) for a in p.authors])
        ]
        entries.append(Entry(kind, passed.keys[p.pk], fields))
    bibtex_format = BibtexFormat()
    bibtex_format.indent = "  "
    bibtex_format.value_column = "auto"
    return bibtexparser.write_string(
        Library(entries),
        unparse_stack=default_unparse_stack(allow_inplace_modification=True),
        bibtex_format=bibtex_format,
    )


def _unique(records_: list[CitedPaper]) -> list[CitedPaper]:
    return list({p.pk: p for p in records_}.values())


@settings(max_examples=150, deadline=None)
@given(st.lists(records(), max_size=5).map(_unique))
def test_entries_are_written_as_bibtexparser_writes_them(records_):
    text = "".join(bibtex_entries_text(records_))

    assert text == _bibtexparser_text(records_)


def bibtex_entries_text(records_):
    passed = records_key_pass(records_)
    entries = list(bibtex_entries(records_, passed))
    return "\n\n".join(entries)


@settings(max_examples=300, deadline=None)
@given(records())
def test_widest_field_is_the_longest_field_name_written(p):
    names = [bibtex_name(a) for a in p.authors]

    written = max(len(name) for name, _ in bibtex_fields(p, record_type(p), names))

    assert widest_field(p, has_authors=bool(p.authors), has_keywords=bool(p.keywords)) == written


def _decoded(text: str) -> str:
    # pylatexenc renders \textasciicircum as the modifier letter ˆ; everything else is exact.
    return text.replace("ˆ", "^")


@settings(max_examples=200, deadline=None)
@given(records())
def test_generated_papers_parse_back_to_the_same_title_names_and_links(p):
    text = bibtex_entries_text([p])

    titles = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    names = bibtexparser.parse_string(
        text, append_middleware=[SeparateCoAuthors(), SplitNameParts()]
    )

    assert titles.failed_blocks == [] and names.failed_blocks == []
    (decoded,), (split,) = titles.entries, names.entries
    assert _decoded(decoded["title"]) == p.title
    expected = [(a.given, a.family) for a in p.authors]
    if expected and not p.authors_complete:
        expected.append(("", "others"))
    parsed = split.fields_dict["author"].value if p.authors else []
    assert [
        (
            _decoded(_decoder.latex_to_text(" ".join(n.first))),
            _decoded(_decoder.latex_to_text(" ".join([*n.von, *n.last]))),
        )
        for n in parsed
    ] == expected
    raw = bibtexparser.parse_string(text).entries[0]
    for name, value in (("url", p.url), ("code", p.code_url), ("doi", p.doi)):
        assert raw.fields_dict[name].value == value if value else name not in raw.fields_dict


@settings(max_examples=100, deadline=None)
@given(st.lists(records(), max_size=4).map(_unique))
def test_csl_json_is_written_as_json_dumps_writes_it(records_):
    passed = records_key_pass(records_)
    items = [csl_item(p, key=passed.keys[p.pk]) for p in records_]

    text = "".join(_items_text(records_, passed))

    assert text == json.dumps(items, ensure_ascii=False, indent=2)


# --- From the database ------------------------------------------------------------------------


@pytest.mark.django_db
def test_streamed_seed_export_is_the_instances_export_byte_for_byte():
    call_command("loaddata", "lab", verbosity=0)
    queryset = Paper.objects.order_by("slug")

    streamed = "".join(bibtex_export(queryset).chunks)

    assert streamed == papers_to_bibtex(list(queryset.for_list()))
    assert streamed.count("\n@") + 1 == 52
    assert json.loads("".join(csl_export(queryset).chunks)) == papers_to_csl(
        list(queryset.for_list())
    )


@pytest.mark.django_db
@pytest.mark.parametrize("sort", ["newest", "oldest", "title", "venue"])
def test_a_short_list_read_whole_is_the_long_list_streamed(monkeypatch, sort):
    """Up to SHORT_LIST papers, a list is read whole (its related rows by paper, grouped in
    memory; keys from the records); past it, keyed by the key pass and streamed in the papers'
    order: both give the same keys and records (seed data: marks, printed names, keywords,
    awards, abstracts)."""
    call_command("loaddata", "lab", verbosity=0)
    queryset = Paper.objects.sorted_by(sort)
    options = {"abstracts": True, "awards": True}

    short_pass, short = cited_export(queryset, **options)
    short = list(short)
    monkeypatch.setattr(bibtex, "SHORT_LIST", 0)
    long_pass, streamed = cited_export(queryset, **options)

    assert short_pass == long_pass
    assert short == list(streamed)
    assert [p.pk for p in short] == list(queryset.values_list("pk", flat=True))
    assert sum(len(p.authors) for p in short) == Authorship.objects.count()
    assert sum(len(p.keywords) for p in short) == Paper.keywords.through.objects.count()
    assert sum(len(p.awards) for p in short) == PaperAward.objects.count() > 0


_db_name = st.lists(_name_word, min_size=1, max_size=2).map(" ".join)


@pytest.mark.django_db
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    titles=st.lists(_text, min_size=1, max_size=4),
    names=st.lists(st.tuples(_db_name, _db_name), min_size=1, max_size=4),
    sort=st.sampled_from(["newest", "oldest", "title", "venue"]),
)
def test_generated_papers_stream_as_their_instances_write(titles, names, sort):
    Paper.objects.all().delete()
    Keyword.objects.all().delete()
    venues = [VenueFactory(kind=VenueKind.CONFERENCE), VenueFactory(kind=VenueKind.JOURNAL), None]
    people = [
        PersonFactory(name=f"{given} {family}", given_name=given, family_name=family)
        for given, family in names
    ]
    for number, title in enumerate(titles):
        paper = PaperFactory(title=title, venue=venues[number % 3], year=2020 + number % 2)
        for position, person in enumerate(people[: number + 1], start=1):
            AuthorshipFactory(paper=paper, person=person, position=position, lead=position == 2)
        paper.keywords.add(KeywordFactory(name=f"{title[:20]} {number}"))
    queryset = Paper.objects.sorted_by(sort)

    streamed = "".join(bibtex_export(queryset).chunks)

    assert streamed == papers_to_bibtex(list(queryset.for_list()))
    parsed = bibtexparser.parse_string(streamed, append_middleware=[LatexDecodingMiddleware()])
    assert [_decoded(e["title"]) for e in parsed.entries] == [p.title for p in queryset]


@pytest.fixture
def streaming(monkeypatch):
    """Every list streams, however short."""
    monkeypatch.setattr(exports, "STREAM_FROM_PAPERS", 0)


def _papers(item_count):
    for _ in range(item_count):
        paper = PaperFactory(venue=VenueFactory(kind=VenueKind.CONFERENCE), arxiv_id="")
        AuthorshipFactory(paper=paper)
        AuthorshipFactory(paper=paper, equal_contribution=True)
        PaperAwardFactory(paper=paper)
        paper.keywords.add(KeywordFactory(), KeywordFactory())


@pytest.mark.django_db
@pytest.mark.parametrize(("fmt", "awards"), [("bib", 0), ("json", 0), ("alfolio.bib", 1)])
@pytest.mark.parametrize("item_count", [1, 5])
def test_streamed_downloads_run_constant_queries(
    streaming, list_length, django_assert_num_queries, fmt, awards, item_count
):
    _papers(item_count)
    request = RequestFactory().get("/")

    with django_assert_num_queries(CITATION_QUERIES[list_length] + awards):
        response = papers_response(Paper.objects.all(), fmt, filename="all", request=request)
        content = b"".join(response.streaming_content)

    assert isinstance(response, StreamingHttpResponse)
    if fmt == "json":
        assert len(json.loads(content)) == item_count
    else:
        assert content.count(b"\n@") == item_count - (not content.startswith(b"---"))


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["bib", "json", "alfolio.bib"])
def test_a_long_list_streams_the_same_file(client, monkeypatch, fmt):
    _papers(3)
    whole = client.get(f"/publications/download.{fmt}?sort=venue")
    monkeypatch.setattr(exports, "STREAM_FROM_PAPERS", 3)
    cache.clear()  # the page cache keeps the whole file for visitors; a stream is not kept

    streamed = client.get(f"/publications/download.{fmt}?sort=venue")

    assert not whole.streaming and streamed.streaming
    assert streamed["Content-Disposition"] == whole["Content-Disposition"]
    assert streamed["Content-Type"] == whole["Content-Type"]
    assert b"".join(streamed.streaming_content) == whole.content


@pytest.mark.django_db
def test_benchmark_exports_prints_each_export_with_its_queries_and_memory():
    _papers(3)
    out = io.StringIO()

    call_command("benchmark_exports", stdout=out)

    lines = [line for line in out.getvalue().splitlines() if line.startswith("export ")]
    figures = [dict(part.split("=") for part in line.split()[1:]) for line in lines]
    assert [(f["format"], f["papers"], f["queries"]) for f in figures] == [
        # A short list, read whole (tests.conftest.CITATION_QUERIES).
        ("bib", "3", "3"),
        ("json", "3", "3"),
        ("ris", "3", "3"),
        ("alfolio.bib", "3", "4"),
        ("hugoblox.zip", "3", "4"),
        # The paper admin's export: the rows' streamed queries (publications.rows).
        ("admin.csv", "3", "6"),
        ("admin.xlsx", "3", "6"),
    ]
    assert "target memory growth < 50 MB: met" in out.getvalue()


@pytest.mark.django_db
def test_a_long_csv_streams_the_same_file(client, monkeypatch):
    _papers(7)
    whole = client.get("/publications/download.csv")
    monkeypatch.setattr(exports, "STREAM_FROM_PAPERS", 3)
    cache.clear()

    streamed = client.get("/publications/download.csv")

    assert not whole.streaming and streamed.streaming
    assert streamed["Content-Disposition"] == whole["Content-Disposition"]
    assert streamed["Content-Type"] == whole["Content-Type"]
    assert b"".join(streamed.streaming_content) == whole.content
    assert whole.content.count(b"\r\n") == 8  # the header and seven papers


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["bib", "json", "alfolio.bib"])
def test_a_streamed_file_is_the_papers_of_its_key_pass(streaming, list_length, fmt):
    """The related rows are looked up by the pks the list's first query read instead of
    repeating the list's filter (a person's works): a paper the person gains while the file is
    read is not half in it."""
    person = PersonFactory()
    first = PaperFactory(venue=VenueFactory(kind=VenueKind.CONFERENCE), title="Kept in the file")
    AuthorshipFactory(paper=first, person=person)
    request = RequestFactory().get("/")

    with CaptureQueriesContext(connection) as queries:
        response = papers_response(
            Paper.objects.by(person).works(), fmt, filename="theirs", request=request
        )
        made = len(queries)
        later = PaperFactory(venue=VenueFactory(kind=VenueKind.CONFERENCE), title="Added meanwhile")
        AuthorshipFactory(paper=later, person=person)
        content = b"".join(response.streaming_content).decode()

    assert "Kept in the file" in content
    assert "Added meanwhile" not in content
    # Short: the file read whole as the response is made; long: the first papers and the
    # key pass, then the streams as the file is read.
    assert (
        made
        == {"short": CITATION_QUERIES["short"] + (fmt == "alfolio.bib"), "long": 2}[list_length]
    )
    # The list's filter (the byline join of Paper.objects.by(person)) in its first query and
    # the key pass only.
    filtered = [q for q in queries.captured_queries if f'"person_id" = {person.pk}' in q["sql"]]
    assert len(filtered) == {"short": 1, "long": 2}[list_length]
