import pytest

from publications.byline import BylineEntry, BylineError, format_byline, parse_byline


def test_parse_byline_reads_names_and_marks_in_order():
    entries = parse_byline("Qinghao Hu*; Meng Zhang*; Peng Sun")

    assert entries == [
        BylineEntry(name="Qinghao Hu", equal_contribution=True),
        BylineEntry(name="Meng Zhang", equal_contribution=True),
        BylineEntry(name="Peng Sun"),
    ]


def test_parse_byline_reads_every_mark_and_a_slug():
    entries = parse_byline(
        "Yukang Chen*; Qinghao Hu*†; Meng Zhang‡; Kai Chen✉; Hao Wang <hao-wang-2>*"
    )

    assert [(e.name, e.marks, e.slug) for e in entries] == [
        ("Yukang Chen", "*", ""),
        ("Qinghao Hu", "*†", ""),
        ("Meng Zhang", "‡", ""),
        ("Kai Chen", "✉", ""),
        ("Hao Wang", "*", "hao-wang-2"),
    ]


def test_parse_byline_keeps_unicode_and_tidies_spaces():
    entries = parse_byline("  Ixeia   Sánchez Pérez ;Zhenghang Ren;  ")

    assert [e.name for e in entries] == ["Ixeia Sánchez Pérez", "Zhenghang Ren"]


@pytest.mark.parametrize(
    ("byline", "message"),
    [
        ("", "The byline is empty"),
        (" ; ", "The byline is empty"),
        ("Kaiqiang Xu, Decang Sun", "Author 1 (“Kaiqiang Xu, Decang Sun”) contains a comma"),
        ("Alice; *", "Author 2 (“*”) has no name"),
        ("Alice; Bo*b", "Author 2 (“Bo*b”): marks"),
        ("Alice <a> <b>", "Author 1 (“Alice <a> <b>”) names more than one slug"),
        ("Alice <Not A Slug>", "is not a slug"),
    ],
)
def test_parse_byline_errors_name_the_author(byline, message):
    with pytest.raises(BylineError) as error:
        parse_byline(byline)

    assert message in str(error.value)


def test_format_byline_round_trips():
    text = "Yukang Chen*; Qinghao Hu*†; Meng Zhang‡; Kai Chen✉"

    assert format_byline(parse_byline(text)) == text


def test_format_byline_writes_slug_only_when_asked():
    entries = parse_byline("Hao Wang <hao-wang-2>; Kai Chen")

    text = format_byline(entries, with_slug=lambda entry: entry.slug == "hao-wang-2")

    assert text == "Hao Wang <hao-wang-2>; Kai Chen"
