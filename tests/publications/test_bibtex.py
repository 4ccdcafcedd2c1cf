import bibtexparser
import pytest
from bibtexparser.middlewares import LatexDecodingMiddleware, SeparateCoAuthors, SplitNameParts
from django.core.management import call_command
from pylatexenc.latex2text import LatexNodes2Text

from publications.bibtex import (
    author_name_parts,
    citation_key,
    latex_escape,
    paper_to_bibtex,
    papers_to_bibtex,
    protect_title,
)
from publications.enums import PaperStatus, VenueKind
from publications.models import Paper
from tests.factories import (
    AuthorshipFactory,
    KeywordFactory,
    PaperFactory,
    PersonFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

_decoder = LatexNodes2Text()


def parse_back(text: str) -> list[dict]:
    """Read a .bib the way a consumer would: titles LaTeX-decoded, authors split into parts."""
    titles = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    names = bibtexparser.parse_string(
        text, append_middleware=[SeparateCoAuthors(), SplitNameParts()]
    )
    assert titles.failed_blocks == [] and names.failed_blocks == []
    parsed = []
    for decoded, split in zip(titles.entries, names.entries, strict=True):
        authors = split.fields_dict["author"].value if "author" in split.fields_dict else []
        parsed.append(
            {
                "key": decoded.key,
                "type": decoded.entry_type,
                "title": decoded["title"],
                "year": int(decoded["year"]) if "year" in decoded.fields_dict else None,
                "authors": [
                    (
                        _decoder.latex_to_text(" ".join(name.first)),
                        _decoder.latex_to_text(" ".join([*name.von, *name.last])),
                    )
                    for name in authors
                ],
                "fields": {f.key: f.value for f in decoded.fields},
            }
        )
    return parsed


def expected_authors(paper: Paper) -> list[tuple[str, str]]:
    authors = [author_name_parts(a) for a in paper.authorships.order_by("position")]
    if authors and not paper.authors_complete:
        authors.append(("", "others"))
    return authors


def test_papers_to_bibtex_round_trips_the_seed_papers():
    call_command("loaddata", "lab", verbosity=0)
    papers = list(Paper.objects.for_list())
    assert len(papers) == 52

    parsed = parse_back(papers_to_bibtex(papers))

    assert [(e["title"], e["year"]) for e in parsed] == [(p.title, p.year) for p in papers]
    assert [e["authors"] for e in parsed] == [expected_authors(p) for p in papers]
    assert len({e["key"] for e in parsed}) == 52


def test_seed_byline_names_come_back_in_order_with_accents():
    call_command("loaddata", "lab", verbosity=0)
    paper = Paper.objects.for_list().get(slug="llm-development-characterization-2024")

    parsed = parse_back(paper_to_bibtex(paper))

    assert parsed[0]["key"] == "hu2024characterization"
    assert parsed[0]["authors"][:3] == [("Qinghao", "Hu"), ("Zhisheng", "Ye"), ("Zerui", "Wang")]


@pytest.fixture
def nsdi_paper():
    venue = VenueFactory(
        name="USENIX Symposium on Networked Systems Design and Implementation",
        short_name="NSDI",
        slug="nsdi",
        kind=VenueKind.CONFERENCE,
    )
    paper = PaperFactory(
        title="Characterization of Large Language Model Development in the Datacenter",
        slug="llm-characterization",
        venue=venue,
        year=2024,
        month=4,
        doi="10.5555/llm_dev%2024",
        url="https://www.usenix.org/conference/nsdi24/presentation/hu",
        note="Invited Submission to USENIX ;login:",
    )
    hu = PersonFactory(name="Qinghao Hu", given_name="Qinghao", family_name="Hu")
    ixeia = PersonFactory(
        name="Ixeia Sánchez Pérez", given_name="Ixeia", family_name="Sánchez Pérez"
    )
    AuthorshipFactory(paper=paper, person=hu, position=1, equal_contribution=True)
    AuthorshipFactory(paper=paper, person=ixeia, position=2)
    return paper


def test_paper_to_bibtex_writes_an_inproceedings_entry(nsdi_paper):
    text = paper_to_bibtex(Paper.objects.for_list().get(pk=nsdi_paper.pk))

    assert text == (
        "@inproceedings{hu2024characterization,\n"
        "  title     = {Characterization of Large Language Model Development in the "
        "Datacenter},\n"
        "  author    = {Hu, Qinghao and Sánchez Pérez, Ixeia},\n"
        "  booktitle = {USENIX Symposium on Networked Systems Design and Implementation},\n"
        "  year      = {2024},\n"
        "  month     = apr,\n"
        "  doi       = {10.5555/llm_dev%2024},\n"
        "  url       = {https://www.usenix.org/conference/nsdi24/presentation/hu}\n"
        "}\n"
    )


def test_paper_to_bibtex_works_without_a_prefetch(nsdi_paper, django_assert_max_num_queries):
    paper = Paper.objects.get(pk=nsdi_paper.pk)

    # The byline rows with their people, the keywords.
    with django_assert_max_num_queries(3):
        text = paper_to_bibtex(paper)

    assert parse_back(text)[0]["authors"] == [("Qinghao", "Hu"), ("Ixeia", "Sánchez Pérez")]


def test_latex_special_characters_are_escaped_and_parse_back():
    title = r"R&D at 50% for $5: C# a_b {x} \path ~home -- ^up"
    paper = PaperFactory(title=title)
    AuthorshipFactory(paper=paper, person=PersonFactory(name="Ana O_Neil & Co"))

    text = paper_to_bibtex(paper)
    parsed = parse_back(text)

    assert latex_escape(title) == (
        r"R\&D at 50\% for \$5: C\# a\_b \{x\} \textbackslash{}path \textasciitilde{}home "
        r"-{}- \textasciicircum{}up"
    )
    # pylatexenc renders \textasciicircum as the modifier letter; everything else is exact.
    assert parsed[0]["title"] == title.replace("^", "ˆ")
    assert parsed[0]["authors"] == [("Ana", "O_Neil & Co")]


def test_protect_title_braces_words_with_inner_capitals_only():
    assert protect_title("FuseLink: Efficient GPU Communication over NICs in a Datacenter") == (
        "{FuseLink:} Efficient {GPU} Communication over {NICs} in a Datacenter"
    )


def test_name_with_a_bare_and_is_braced_so_it_stays_one_author():
    paper = PaperFactory()
    AuthorshipFactory(
        paper=paper,
        person=PersonFactory(name="Ana And", given_name="Ana and Bo", family_name="Lab"),
    )

    parsed = parse_back(paper_to_bibtex(paper))

    assert parsed[0]["authors"] == [("Ana and Bo", "Lab")]


def test_a_one_word_name_is_kept_whole_in_braces():
    paper = PaperFactory()
    AuthorshipFactory(paper=paper, person=PersonFactory(name="Plato"))

    text = paper_to_bibtex(paper)

    assert "author = {{Plato}}" in text.replace("  ", " ").replace("  ", " ")
    assert parse_back(text)[0]["authors"] == [("", "Plato")]


def test_printed_name_is_cited_as_printed():
    paper = PaperFactory()
    xiong = PersonFactory(name="Yingtong Xiong", given_name="Yingtong", family_name="Xiong")
    AuthorshipFactory(paper=paper, person=xiong, printed_name="Yingdong Xiong")

    assert parse_back(paper_to_bibtex(paper))[0]["authors"] == [("Yingdong", "Xiong")]


def test_incomplete_byline_ends_with_others():
    paper = PaperFactory(authors_complete=False)
    AuthorshipFactory(paper=paper, person=PersonFactory(name="Xudong Liao"))

    assert parse_back(paper_to_bibtex(paper))[0]["fields"]["author"] == "Liao, Xudong and others"


@pytest.mark.parametrize(
    ("venue_kind", "status", "entry_type", "venue_field"),
    [
        (VenueKind.CONFERENCE, PaperStatus.PUBLISHED, "inproceedings", {"booktitle": "Venue"}),
        (VenueKind.WORKSHOP, PaperStatus.PUBLISHED, "inproceedings", {"booktitle": "Venue"}),
        (VenueKind.JOURNAL, PaperStatus.PUBLISHED, "article", {"journal": "Venue"}),
        (VenueKind.JOURNAL, PaperStatus.ACCEPTED, "article", {"journal": "Venue"}),
        (VenueKind.PREPRINT, PaperStatus.PREPRINT, "misc", {"howpublished": "Venue"}),
        (VenueKind.CONFERENCE, PaperStatus.UNDER_REVIEW, "misc", {}),
        (VenueKind.OTHER, PaperStatus.PUBLISHED, "misc", {"howpublished": "Venue"}),
    ],
)
def test_entry_type_follows_venue_kind_and_status(venue_kind, status, entry_type, venue_field):
    paper = PaperFactory(venue=VenueFactory(name="Venue", kind=venue_kind), status=status)

    entry = parse_back(paper_to_bibtex(paper))[0]

    assert entry["type"] == entry_type
    venue_fields = {
        key: value
        for key, value in entry["fields"].items()
        if key in ("booktitle", "journal", "howpublished")
    }
    assert venue_fields == venue_field


def test_arxiv_preprint_gets_eprint_fields():
    paper = PaperFactory(
        title="LoongTrain",
        venue=None,
        year=None,
        status=PaperStatus.PREPRINT,
        arxiv_id="2403.07648",
    )

    fields = parse_back(paper_to_bibtex(paper))[0]["fields"]

    assert fields == {"title": "LoongTrain", "eprint": "2403.07648", "archiveprefix": "arXiv"}


def test_status_notes_say_to_appear_and_under_review_and_leave_curators_notes_out():
    accepted = PaperFactory(status=PaperStatus.ACCEPTED, note="")
    review = PaperFactory(status=PaperStatus.UNDER_REVIEW, note="Listed in a CV only")

    parsed = parse_back(papers_to_bibtex([accepted, review]))

    assert [e["fields"]["note"] for e in parsed] == ["To appear", "Under review"]


def test_colliding_keys_get_letters_in_slug_order():
    hu = PersonFactory(name="Qinghao Hu")
    papers = []
    for slug in ("zeta", "alpha"):
        paper = PaperFactory(slug=slug, title="Characterization of Things", year=2024)
        AuthorshipFactory(paper=paper, person=hu)
        papers.append(paper)
    other = PaperFactory(slug="other", title="The Other Study", year=2023)
    AuthorshipFactory(paper=other, person=hu)

    parsed = parse_back(papers_to_bibtex([*papers, other]))

    assert [e["key"] for e in parsed] == [
        "hu2024characterizationb",
        "hu2024characterizationa",
        "hu2023other",
    ]


def test_citation_key_folds_accents_and_skips_stopwords():
    paper = PaperFactory(title="Towards a Théorie of Everything", year=None)
    ixeia = PersonFactory(
        name="Ixeia Sánchez Pérez", given_name="Ixeia", family_name="Sánchez Pérez"
    )
    AuthorshipFactory(paper=paper, person=ixeia)

    assert citation_key(paper) == "sanchezpereztheorie"


# The citation fields, keywords and links (issue 13) ---------------------------------------------


@pytest.fixture
def cited_paper(nsdi_paper):
    Paper.objects.filter(pk=nsdi_paper.pk).update(
        volume="17",
        number="8",
        pages="1234–1246",
        article_number="42",
        publisher="USENIX Association & Friends",
        series="NSDI '24",
        isbn="978-1-939133-39-7",
        issn="2375-026X",
        event_place="Santa Clara, CA, USA",
        event_dates="April 16–18, 2024",
        pdf_url="hu-nsdi24.pdf",
        code_url="https://github.com/example/acme",
        slides_url="https://example.org/slides.pdf",
        poster_url="https://example.org/poster.pdf",
        video_url="https://example.org/talk",
        website_url="https://acme.example.org/",
        google_scholar_id="qyhmnyLat1gC",
    )
    nsdi_paper.keywords.add(
        KeywordFactory(name="datacenters"), KeywordFactory(name="LLM training & serving")
    )
    return Paper.objects.for_list().get(pk=nsdi_paper.pk)


def test_citation_fields_keywords_and_links_parse_back_to_the_same_values(cited_paper):
    (entry,) = parse_back(paper_to_bibtex(cited_paper))

    # As a LaTeX-decoding reader sees them: the same values as stored ("--" is an en dash).
    fields = entry["fields"]
    assert {name: fields.get(name) for name in CITATION_FIELDS} == {
        "volume": "17",
        "number": "8",
        "pages": "1234–1246",
        "articleno": "42",
        "publisher": "USENIX Association & Friends",
        "series": "NSDI '24",
        "address": "Santa Clara, CA, USA",
        "isbn": "978-1-939133-39-7",
        "issn": "2375-026X",
        "keywords": "datacenters, LLM training & serving",
        "pdf": "hu-nsdi24.pdf",
        "code": "https://github.com/example/acme",
        "slides": "https://example.org/slides.pdf",
        "poster": "https://example.org/poster.pdf",
        "video": "https://example.org/talk",
        "website": "https://acme.example.org/",
    }
    # Not citation data: the Scholar id is for the al-folio export; the dates have no field.
    text = paper_to_bibtex(cited_paper)
    assert "qyhmnyLat1gC" not in text
    assert "April" not in text


CITATION_FIELDS = (
    "volume",
    "number",
    "pages",
    "articleno",
    "publisher",
    "series",
    "address",
    "isbn",
    "issn",
    "keywords",
    "pdf",
    "code",
    "slides",
    "poster",
    "video",
    "website",
)


def test_raw_citation_fields_are_latex_escaped_and_pages_use_a_double_hyphen(cited_paper):
    library = bibtexparser.parse_string(paper_to_bibtex(cited_paper))

    (entry,) = library.entries
    assert entry["pages"] == "1234--1246"
    assert entry["publisher"] == r"USENIX Association \& Friends"
    assert entry["keywords"] == r"datacenters, LLM training \& serving"


def test_event_place_is_the_address_of_a_proceedings_paper_only():
    journal = VenueFactory(kind=VenueKind.JOURNAL)
    article = PaperFactory(venue=journal, event_place="Lisbon, Portugal", volume="3")

    (entry,) = parse_back(paper_to_bibtex(Paper.objects.for_list().get(pk=article.pk)))

    assert (entry["type"], entry["fields"].get("address"), entry["fields"]["volume"]) == (
        "article",
        None,
        "3",
    )


def test_bibtex_without_the_new_fields_stays_as_it_was(nsdi_paper):
    text = paper_to_bibtex(Paper.objects.for_list().get(pk=nsdi_paper.pk))

    assert not {"volume", "pages", "keywords", "pdf", "publisher"} & set(
        parse_back(text)[0]["fields"]
    )
