"""The fast path of the .bib splitter makes the blocks bibtexparser makes, or steps aside."""

from pathlib import Path

import bibtexparser
import pytest
from bibtexparser.model import ImplicitComment
from hypothesis import given, settings
from hypothesis import strategies as st

from devtools.management.commands.benchmark_paper_import import as_bibtex, generated_papers
from publications.bibtex_import.parse import _without_front_matter
from publications.bibtex_import.split import _plain_entries, split_blocks

CORPUS = Path(__file__).resolve().parent.parent / "data" / "bibtex"


def shape(blocks) -> list[tuple]:
    """What the import reads of each block (comments between blocks are not read)."""
    return [
        (
            type(block).__name__,
            getattr(block, "entry_type", None),
            getattr(block, "key", None),
            getattr(block, "value", None),
            block.start_line,
            block.raw,
            [(item.key, item.value) for item in getattr(block, "fields", [])],
        )
        for block in blocks
        if not isinstance(block, ImplicitComment)
    ]


def library_shape(text: str) -> list[tuple]:
    return shape(bibtexparser.parse_string(text, parse_stack=[]).blocks)


def bib_files() -> list[Path]:
    return sorted(CORPUS.rglob("*.bib"))


@pytest.mark.parametrize("path", bib_files(), ids=lambda path: str(path.relative_to(CORPUS)))
def test_every_file_of_the_corpus_splits_as_bibtexparser_splits_it(path):
    text = _without_front_matter(path.read_text(encoding="utf-8-sig"))
    assert shape(split_blocks(text)) == library_shape(text)


def test_exported_files_take_the_fast_path_and_broken_ones_do_not():
    fast = {
        str(path.relative_to(CORPUS))
        for path in bib_files()
        if _plain_entries(_without_front_matter(path.read_text(encoding="utf-8-sig"))) is not None
    }
    # Plain entries (and @string) as each source writes them.
    for name in (
        "acm/acm.bib",
        "alfolio/papers.bib",
        "dblp/dblp.bib",
        "ieee/ieee.bib",
        "papers.bib",
        "scholar/citations.bib",
        "zotero/library.bib",
    ):
        assert name in fast
    # A block left open: bibtexparser's recovery decides what the file holds.
    assert "corrupt.bib" not in fast
    assert "alfolio/papers_with_errors.bib" not in fast


def test_the_benchmark_file_takes_the_fast_path():
    text = as_bibtex(generated_papers(300, 6))
    blocks = _plain_entries(text)
    assert blocks is not None and len(blocks) == 300
    assert shape(blocks) == library_shape(text)


@pytest.mark.parametrize(
    "text",
    [
        # Each is left to bibtexparser.
        "@comment{jabref-meta: databaseType:bibtex;}\n@misc{a, title = {A}}\n",
        '@preamble{ "\\newcommand{\\noop}[1]{}" }\n@misc{a, title = {A}}\n',
        "@misc(a, title = {A})\n",
        "@misc{a, title = {A}}\n% a comment between entries\n@misc{b, title = {B}}\n",
        "@misc{a, title = {A}}\n@misc{a, title = {B}}\n",
        "@misc{a, title = {A}, Title = {B}, title = {C}}\n",
        '@misc{a, title = "with {braces} inside quotes"}\n',
        "@misc{a, title = {{{{{five deep}}}}}}\n",
        "@misc{a, title = {A} junk}\n",
        "@misc{a, title = {open\n@misc{b, title = {B}}\n",
        "text @misc{a, title = {A}}\n",
        "@misc{a, title = {line end after a backslash \\\n here}}\n",
    ],
)
def test_what_the_fast_path_leaves_to_bibtexparser(text):
    assert _plain_entries(text) is None
    assert shape(split_blocks(text)) == library_shape(text)


@pytest.mark.parametrize(
    "text",
    [
        "@misc{a}\n",
        "@misc{a,}\n",
        '@Article{ key:2020 ,\n  Author = {M{\\"u}ller, J.} ,\n year = 2020 ,}\n',
        '@misc{a, title = "quoted \\" text", note = {escaped \\} brace}}\n',
        '@misc{a, title = {A} # " and " # b, month = jan}\n',
        "@STRING{v = {VLDB}}\n@misc{a, journal = v}\n",
        "---\n@misc{a, title = {A}}\n\n\n  @misc{b, title = {B, with @ inside}}",
    ],
)
def test_shapes_the_fast_path_reads(text):
    blocks = _plain_entries(text)
    assert blocks is not None
    assert shape(blocks) == library_shape(text)


# Generated entries: characters that delimit, escape or start blocks, in values of every
# shape. The fast path either declines or makes exactly bibtexparser's blocks.
_TEXT = st.lists(
    st.sampled_from([*'ab {}"\\@,=#\n%()é∗', "\\{", '\\"', "{x}", "\n@misc{"]),
    max_size=12,
).map("".join)
_VALUE = st.one_of(
    _TEXT.map(lambda text: "{" + text + "}"),
    _TEXT.map(lambda text: '"' + text + '"'),
    st.sampled_from(["2020", "jan", "v", "{a} # b", '"a" # {b}']),
    _TEXT,
)
_FIELD = st.tuples(st.sampled_from(["title", "author", "Year", "note", "title"]), _VALUE)
_ENTRY = st.tuples(
    st.sampled_from(["misc", "Article", "string", "inproceedings"]),
    st.sampled_from(["a", "b", "key:1", "a"]),
    st.lists(_FIELD, max_size=4),
    st.sampled_from([",", ""]),
    st.sampled_from(["\n", "\n\n", " ", "\n  ", "\nx\n"]),
)


def _write(entry) -> str:
    entry_type, key, fields, trailing, after = entry
    if entry_type == "string":
        name, value = fields[0] if fields else ("v", "{V}")
        return f"@string{{{name} = {value}}}{after}"
    body = ",\n  ".join(f"{name} = {value}" for name, value in fields)
    return f"@{entry_type}{{{key},\n  {body}{trailing}\n}}{after}"


@settings(max_examples=300, deadline=None)
@given(st.lists(_ENTRY, min_size=1, max_size=4))
def test_generated_files_split_as_bibtexparser_splits_them(entries):
    text = "".join(_write(entry) for entry in entries)
    blocks = _plain_entries(text)
    if blocks is not None:
        assert shape(blocks) == library_shape(text)


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(alphabet=list("abcXYZ 019-é∗'.:"), min_size=1, max_size=20),
            st.text(alphabet=list("abc {}"), max_size=6).filter(_balanced),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_generated_plain_files_take_the_fast_path(values):
    text = "\n".join(
        f"@inproceedings{{k{number},\n  title = {{{title}}},\n  note = {{{note}}},\n}}\n"
        for number, (title, note) in enumerate(values)
    )
    blocks = _plain_entries(text)
    assert blocks is not None
    assert shape(blocks) == library_shape(text)
