"""The byline and paper-item tags every list of papers uses."""

import pytest
from django.db.models.signals import post_init
from django.template import Context, Template

from publications.enums import PaperStatus
from publications.listing import paper_list_items
from publications.models import Paper
from tests.factories import (
    AuthorshipFactory,
    KeywordFactory,
    PaperAwardFactory,
    PaperFactory,
    PersonFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper():
    paper = PaperFactory(
        slug="fast",
        title="Fast <Collectives>",
        year=2024,
        venue=VenueFactory(slug="nsdi", short_name="NSDI"),
        pdf_url="https://example.org/fast.pdf",
        code_url="https://github.com/example/fast",
        doi="10.5555/fast",
    )
    alice = PersonFactory(name="Alice Chen", slug="alice-chen")
    bob = PersonFactory(name="Bob Li", slug="bob-li")
    carol = PersonFactory(name="Carol Wu", slug="carol-wu")
    AuthorshipFactory(paper=paper, person=alice, position=1, equal_contribution=True, lead=True)
    AuthorshipFactory(
        paper=paper,
        person=bob,
        position=2,
        equal_contribution=True,
        mentee=True,
        printed_name="B. Li",
    )
    AuthorshipFactory(paper=paper, person=carol, position=3, corresponding=True)
    PaperAwardFactory(paper=paper, title="Best Paper Award")
    # As pages load papers: paper_items reads the prefetched versions too.
    return Paper.objects.for_display().get(pk=paper.pk)


def render_byline(paper, highlight=None) -> str:
    template = Template("{% load publications_tags %}{% byline paper highlight %}")
    return template.render(Context({"paper": paper, "highlight": highlight}))


ALICE = (
    '<a href="/people/alice-chen/">Alice Chen</a>'
    '<span class="mark" title="equal contribution">*</span>'
    '<span class="mark" title="system/project lead">†</span>'
)
BOB = (
    '<a href="/people/bob-li/">B. Li</a>'
    '<span class="mark" title="equal contribution">*</span>'
    '<span class="mark" title="mentee">‡</span>'
)
CAROL = (
    '<a href="/people/carol-wu/">Carol Wu</a>'
    '<span class="mark" title="corresponding author">✉</span>'
)


def test_byline_links_every_author_with_their_marks_and_printed_name(
    paper, django_assert_num_queries
):
    with django_assert_num_queries(0):
        html = render_byline(paper)

    assert html == f"{ALICE}, {BOB}, {CAROL}"


def test_byline_highlights_the_given_person(paper):
    bob_id = paper.authorships.all()[1].person_id

    html = render_byline(paper, highlight=bob_id)

    bob_self = BOB.replace('href="/people/bob-li/">', 'href="/people/bob-li/" class="author-self">')
    assert html == f"{ALICE}, {bob_self}, {CAROL}"


def test_byline_of_an_incomplete_author_list_ends_in_et_al(paper):
    paper.authors_complete = False

    html = render_byline(paper)

    assert html.endswith(f'{CAROL}, <span title="The author list is incomplete.">et al.</span>')


def test_byline_escapes_names():
    paper = PaperFactory()
    AuthorshipFactory(paper=paper, person=PersonFactory(name="<b>Eve</b>", slug="eve"))

    html = render_byline(Paper.objects.for_list().get(pk=paper.pk))

    assert html == '<a href="/people/eve/">&lt;b&gt;Eve&lt;/b&gt;</a>'


def render_items(papers, highlight=None) -> str:
    return Template("{% load publications_tags %}{% paper_items papers highlight %}").render(
        Context({"papers": list(papers), "highlight": highlight})
    )


def test_paper_items_renders_one_paper_without_queries(paper, django_assert_num_queries):
    with django_assert_num_queries(0):
        html = render_items([paper])

    assert " ".join(html.split()) == " ".join(
        f"""<li class="paper">
          <div class="paper-title"><a href="/papers/fast/">Fast &lt;Collectives&gt;</a></div>
          <div class="byline">{ALICE}, {BOB}, {CAROL}</div>
          <div class="paper-meta">
            <a class="venue" href="/venues/nsdi/">NSDI</a> 2024
            <span class="badge">Best Paper Award</span>
          </div>
          <ul class="paper-links" aria-label="Links for Fast &lt;Collectives&gt;">
            <li><a href="https://example.org/fast.pdf">PDF</a></li>
            <li><a href="https://github.com/example/fast">Code</a></li>
            <li><a href="https://doi.org/10.5555/fast">DOI</a></li>
          </ul>
        </li>""".split()
    )


def test_paper_items_tag_unpublished_work_and_omit_missing_parts():
    paper = PaperFactory(slug="draft", venue=None, year=None, status=PaperStatus.PREPRINT)

    html = render_items(Paper.objects.filter(pk=paper.pk).for_display())

    assert '<div class="paper-meta"> <span class="tag">Preprint</span> </div>' in " ".join(
        html.split()
    )
    assert "paper-links" not in html
    assert 'class="venue"' not in html


def test_paper_items_escapes_every_value_and_highlights_the_person():
    lead = PersonFactory(name="Ada <Lead>", slug="ada")
    full = PaperFactory(
        title="Fast & <Safe>",
        slug="fast",
        venue=VenueFactory(short_name="NS&DI", slug="nsdi"),
        year=2021,
        status=PaperStatus.PREPRINT,
        pdf_url="https://example.org/a.pdf?x=1&y=2",
        code_url="https://example.org/code",
        doi="10.1234/x<y>",
        authors_complete=False,
    )
    AuthorshipFactory(paper=full, person=lead, position=1, corresponding=True)
    PaperAwardFactory(paper=full, title="Best <Paper>")

    html = render_items(Paper.objects.filter(pk=full.pk).for_display(), highlight=lead.pk)

    assert " ".join(html.split()) == (
        '<li class="paper"> <div class="paper-title"><a href="/papers/fast/">Fast &amp; '
        "&lt;Safe&gt;</a></div> "
        '<div class="byline"><a href="/people/ada/" class="author-self">Ada &lt;Lead&gt;</a>'
        '<span class="mark" title="corresponding author">✉</span>, '
        '<span title="The author list is incomplete.">et al.</span></div> '
        '<div class="paper-meta"> <a class="venue" href="/venues/nsdi/">NS&amp;DI</a> 2021 '
        '<span class="tag">Preprint</span> <span class="badge">Best &lt;Paper&gt;</span> </div> '
        '<ul class="paper-links" aria-label="Links for Fast &amp; &lt;Safe&gt;"> '
        '<li><a href="https://example.org/a.pdf?x=1&amp;y=2">PDF</a></li> '
        '<li><a href="https://example.org/code">Code</a></li> '
        '<li><a href="https://doi.org/10.1234/x&lt;y&gt;">DOI</a></li> </ul> </li>'
    )


def test_paper_items_link_keywords_and_every_link_escaped(settings):
    settings.PAPER_PDF_BASE_URL = ""
    paper = PaperFactory(
        title="Tagged",
        slug="tagged",
        venue=None,
        year=2022,
        pdf_url="tagged.pdf",  # a relative file name, not linked without PAPER_PDF_BASE_URL
        slides_url="https://example.org/s?a=1&b=2",
        poster_url="https://example.org/poster",
        video_url="https://example.org/video",
        website_url="https://example.org/site",
    )
    paper.keywords.add(
        KeywordFactory(name="R&D <tools>", slug="r-d-tools"), KeywordFactory(name="GPU", slug="gpu")
    )

    html = render_items(Paper.objects.filter(pk=paper.pk).for_display())

    assert " ".join(html.split()) == (
        '<li class="paper"> <div class="paper-title"><a href="/papers/tagged/">Tagged</a></div> '
        '<div class="byline"></div> <div class="paper-meta"> 2022 </div> '
        '<div class="paper-keywords">Keywords: <a href="/publications/?keyword=gpu">GPU</a>, '
        '<a href="/publications/?keyword=r-d-tools">R&amp;D &lt;tools&gt;</a></div> '
        '<ul class="paper-links" aria-label="Links for Tagged"> '
        '<li><a href="https://example.org/s?a=1&amp;b=2">Slides</a></li> '
        '<li><a href="https://example.org/poster">Poster</a></li> '
        '<li><a href="https://example.org/video">Video</a></li> '
        '<li><a href="https://example.org/site">Website</a></li> </ul> </li>'
    )


def test_paper_items_link_a_relative_pdf_under_the_base_url(settings):
    settings.PAPER_PDF_BASE_URL = "https://lab.example.org/assets/pdf"
    paper = PaperFactory(slug="rel", pdf_url="2024/my paper.pdf")

    html = render_items(Paper.objects.filter(pk=paper.pk).for_display())

    assert '<a href="https://lab.example.org/assets/pdf/2024/my%20paper.pdf">PDF</a>' in html


# Plain rows (publications.listing) -------------------------------------------------------------


@pytest.fixture
def listed(paper):
    """The fixture paper with every part a list item shows (keywords, an earlier version with a
    venue, one with neither venue nor year), and a preprint published as it."""
    paper.keywords.add(KeywordFactory(name="GPU", slug="gpu"), KeywordFactory(name="<ML>"))
    arxiv = VenueFactory(slug="arxiv", short_name="", name="arXiv")
    PaperFactory(
        slug="fast-arxiv",
        published_version=paper,
        status=PaperStatus.PREPRINT,
        venue=arxiv,
        year=2023,
    )
    PaperFactory(
        slug="fast-draft",
        title="Fast <draft>",
        published_version=paper,
        venue=None,
        year=None,
        status=PaperStatus.UNDER_REVIEW,
    )
    return Paper.objects.filter(slug__startswith="fast")


def test_paper_items_from_plain_rows_render_as_from_model_instances(listed, paper):
    bob = paper.authorships.all()[1].person_id

    from_rows = render_items(paper_list_items(listed), highlight=bob)

    assert from_rows == render_items(listed.for_display(), highlight=bob)
    assert "Keywords: " in from_rows and "Published as" in from_rows
    assert "Earlier version: <a" in from_rows and "Preprint: <a" in from_rows
    assert from_rows.count('class="author-self"') == 1


def test_byline_from_a_plain_row_is_the_byline_from_the_instance(listed, paper):
    (item,) = paper_list_items(listed.filter(pk=paper.pk))

    assert render_byline(item, highlight=paper.authorships.all()[0].person_id) == render_byline(
        paper, highlight=paper.authorships.all()[0].person_id
    )


@pytest.mark.parametrize("item_count", [1, 5])
def test_paper_list_items_query_count_is_constant(django_assert_num_queries, item_count):
    for n in range(item_count):
        listed = PaperFactory(slug=f"p{n}")
        AuthorshipFactory(paper=listed, position=1)
        AuthorshipFactory(paper=listed, position=2)
        PaperAwardFactory(paper=listed)
        listed.keywords.add(KeywordFactory())
        PaperFactory(published_version=listed)

    # papers with venue and published version; byline rows; awards; keywords; earlier versions
    with django_assert_num_queries(5):
        items = paper_list_items(Paper.objects.filter(published_version=None))

    assert [len(item.authors) for item in items] == [2] * item_count
    assert [len(item.earlier_versions) for item in items] == [1] * item_count


def test_paper_list_items_builds_no_model_instance(listed):
    built = []

    def count(sender, **kwargs):
        built.append(sender)

    post_init.connect(count)
    try:
        items = paper_list_items(listed)
        render_items(items)
    finally:
        post_init.disconnect(count)

    assert [(item.slug, len(item.authors)) for item in items] == [
        ("fast-draft", 0),
        ("fast", 3),
        ("fast-arxiv", 0),
    ]
    assert built == []


def test_paper_items_print_each_place_as_it_is_on_that_paper(paper):
    """A list's bylines share the HTML of places printed alike (the same person, printed name
    and marks), never of places that differ in any of them."""
    bob = paper.authorships.get(position=2).person
    second = PaperFactory(slug="second", title="Second")
    AuthorshipFactory(paper=second, person=bob, position=1)  # no mark, his own name
    AuthorshipFactory(paper=second, person=paper.authorships.get(position=3).person, position=2)
    third = PaperFactory(slug="third", title="Third")
    AuthorshipFactory(paper=third, person=bob, position=1, printed_name="B. Li", mentee=True)
    papers = paper_list_items(Paper.objects.filter(pk__in=[paper.pk, second.pk, third.pk]))
    by_slug = {item.slug: item for item in papers}

    html = render_items([by_slug["fast"], by_slug["second"], by_slug["third"]], highlight=bob.pk)

    bylines = [line for line in html.splitlines() if 'class="byline"' in line]
    bob_self = BOB.replace('">B. Li</a>', '" class="author-self">B. Li</a>')
    assert bylines[0] == f'  <div class="byline">{ALICE}, {bob_self}, {CAROL}</div>'
    assert bylines[1] == (
        '  <div class="byline"><a href="/people/bob-li/" class="author-self">Bob Li</a>, '
        '<a href="/people/carol-wu/">Carol Wu</a></div>'  # her mark is the first paper's
    )
    assert bylines[2] == (
        '  <div class="byline"><a href="/people/bob-li/" class="author-self">B. Li</a>'
        '<span class="mark" title="mentee">‡</span></div>'
    )
