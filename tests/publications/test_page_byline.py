"""The byline tag and the one-paper include every list of papers uses."""

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string

from publications.enums import PaperStatus
from publications.models import Paper
from tests.factories import (
    AuthorshipFactory,
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
    return Paper.objects.for_list().get(pk=paper.pk)


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


def test_paper_include_renders_one_paper_without_queries(paper, django_assert_num_queries):
    with django_assert_num_queries(0):
        html = render_to_string("publications/_paper.html", {"paper": paper})

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


def test_paper_include_tags_unpublished_work_and_omits_missing_parts():
    paper = PaperFactory(slug="draft", venue=None, year=None, status=PaperStatus.PREPRINT)

    html = render_to_string(
        "publications/_paper.html", {"paper": Paper.objects.for_list().get(pk=paper.pk)}
    )

    assert '<div class="paper-meta"> <span class="tag">Preprint</span> </div>' in " ".join(
        html.split()
    )
    assert "paper-links" not in html
    assert 'class="venue"' not in html


@pytest.mark.parametrize("complete", [True, False])
def test_paper_items_renders_the_same_markup_as_the_paper_template(complete):
    lead = PersonFactory(name="Ada <Lead>")
    venue = VenueFactory(short_name="NS&DI")
    full = PaperFactory(
        title="Fast & <Safe>",
        venue=venue,
        year=2021,
        status=PaperStatus.PREPRINT,
        pdf_url="https://example.org/a.pdf?x=1&y=2",
        code_url="https://example.org/code",
        doi="10.1234/x<y>",
        authors_complete=complete,
    )
    AuthorshipFactory(paper=full, person=lead, position=1, corresponding=True)
    PaperAwardFactory(paper=full, title="Best <Paper>")
    bare = PaperFactory(title="Bare", venue=None, year=None, pdf_url="", code_url="", doi="")
    papers = list(Paper.objects.filter(pk__in=[full.pk, bare.pk]).for_display())

    expected = "".join(
        render_to_string("publications/_paper.html", {"paper": p, "highlight": lead.pk})
        for p in papers
    )
    rendered = Template("{% load publications_tags %}{% paper_items papers highlight %}").render(
        Context({"papers": papers, "highlight": lead.pk})
    )

    assert rendered == expected
    assert 'class="author-self"' in rendered
