"""Rendering papers: the byline with its marks, links and the highlighted person.

A person's page can list hundreds of papers with thousands of authors, so the lists are built
from plain rows (publications.listing.PaperItem; papers loaded with for_display() are turned
into the same items), the links from a URL pattern reversed once per request and page
(``reverse()`` per author was most of the page's time), and the HTML by escaping each value
rather than through format_html().
"""

import html as html_lib

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from publications.byline import MARK_TABLE
from publications.enums import PaperStatus
from publications.listing import PAPER_LINKS, Author, PaperItem
from publications.validators import is_relative_pdf, pdf_href

register = template.Library()

# Each mark's sign on a byline, titled with its label (publications.byline.MARK_TABLE).
_MARK_HTML = {
    mark.field: f'<span class="mark" title="{escape(mark.label)}">{escape(mark.sign)}</span>'
    for mark in MARK_TABLE
}
#: The signs after a name, by the marks as one number (Author.marks: bit n, the n-th mark).
_MARKS_HTML = {
    mask: "".join(html for bit, html in enumerate(_MARK_HTML.values()) if mask & (1 << bit))
    for mask in range(1 << len(MARK_TABLE))
}
#: Django's escape() without its lazy-string wrapper, for the plain str values of a list (from
#: the database): the same characters escaped (html.escape), thousands of times per page.
_escape = html_lib.escape
LINK_LABELS = dict(PAPER_LINKS)
_PLACEHOLDER = "slug-placeholder"
_patterns: dict[tuple, tuple[str, str]] = {}


def _url_pattern(viewname: str) -> tuple[str, str]:
    """What comes before and after the slug in the URL of a view that takes one slug, reversed
    once per URLconf: bylines build thousands of links. Slugs need no quoting in a URL."""
    key = (viewname, get_urlconf(), get_script_prefix())
    if key not in _patterns:
        url = reverse(viewname, args=[_PLACEHOLDER])
        before, _, after = url.partition(_PLACEHOLDER)
        _patterns[key] = (escape(before), escape(after))
    return _patterns[key]


def _author_html(author: Author, highlight, url: tuple[str, str]) -> str:
    css = ' class="author-self"' if highlight and author.person_id == highlight else ""
    marks = _MARKS_HTML[author.marks]
    href = f"{url[0]}{_escape(author.slug)}{url[1]}"
    return f'<a href="{href}"{css}>{_escape(author.display_name)}</a>{marks}'


def _highlight_id(highlight) -> int | None:
    try:
        return int(highlight) if highlight not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _item(paper) -> PaperItem:
    """A paper of a list as plain values: a PaperItem as it comes, or made from a paper loaded
    with Paper.objects.for_display()."""
    return paper if isinstance(paper, PaperItem) else PaperItem.from_paper(paper)


@register.simple_tag
def byline(paper, highlight=None) -> SafeString:
    """The paper's authors as links, with their marks, from a PaperItem or the prefetched
    authorships (Paper.objects.for_list()): no query. ``highlight`` is a person's id, shown as
    the page's own person. An incomplete author list ends in "et al."."""
    if isinstance(paper, PaperItem):
        authors, complete = paper.authors, paper.authors_complete
    else:
        authors = [Author.of(a) for a in paper.authorships.all()]
        complete = paper.authors_complete
    return _byline(authors, complete, _highlight_id(highlight))


def _byline(
    authors: list[Author],
    complete: bool,
    highlight: int | None,
    url: tuple[str, str] | None = None,
    made: dict | None = None,
) -> SafeString:
    """``made``: the HTML of the places met so far, by what it prints, for a list whose
    bylines share the highlight and URL: a person's page prints the person on each of their
    papers, and their co-authors again and again (a thousand and more places)."""
    url = url or _url_pattern("people:detail")
    if made is None:
        html = ", ".join([_author_html(author, highlight, url) for author in authors])
    else:
        places = []
        for author in authors:
            key = (author.person_id, author.slug, author.name, author.printed_name, author.marks)
            place = made.get(key)
            if place is None:
                place = made[key] = _author_html(author, highlight, url)
            places.append(place)
        html = ", ".join(places)
    if not complete:
        et_al = '<span title="The author list is incomplete.">et al.</span>'
        html = f"{html}, {et_al}" if html else et_al
    return mark_safe(html)  # noqa: S308 - every value above is escaped


@register.filter
def version_where(paper) -> str:
    """Where and when a version of a work came out, to name a link to it: "arXiv 2023"."""
    return " ".join(str(part) for part in (paper.venue or "", paper.year or "") if part)


def _version_links(paper: PaperItem, paper_pattern) -> str:
    """The item's links to the work's other versions: the paper it was published as (when the
    list shows an earlier version without it) and its earlier versions ("Preprint: arXiv
    2023")."""
    versions = []
    if paper.published_version is not None:
        versions.append(("Published as", paper.published_version))
    for earlier in paper.earlier_versions:
        label = "Preprint" if earlier.status == PaperStatus.PREPRINT else "Earlier version"
        versions.append((label, earlier))
    return "".join(
        f'<li>{label}: <a href="{paper_pattern[0]}{_escape(version.slug)}{paper_pattern[1]}">'
        f"{_escape(version.label)}</a></li>"
        for label, version in versions
    )


@register.filter
def pdf_link(value: str) -> str:
    """Where a paper's PDF link goes (publications.validators.pdf_href): "" when the PDF is a
    relative file name and ``PAPER_PDF_BASE_URL`` is not set; the page then shows the name."""
    return pdf_href(value)


@register.filter
def relative_pdf(value: str) -> bool:
    return is_relative_pdf(value)


def _own_links(paper: PaperItem) -> str:
    """The paper's PDF, code, slides, poster, video and website links as list items."""
    items = []
    for name, value in paper.links:
        if not value:
            continue
        href = pdf_href(value) if name == "pdf_url" else value
        if href:
            items.append(f'<li><a href="{_escape(href)}">{LINK_LABELS[name]}</a></li>')
    return "\n    ".join(items)


def _keywords_html(paper: PaperItem, pattern: tuple[str, str]) -> str:
    """ "Keywords: GPU, machine learning", each linking to the publication list filtered by
    it."""
    links = ", ".join(
        f'<a href="{pattern[0]}{_escape(slug)}{pattern[1]}">{_escape(name)}</a>'
        for slug, name in paper.keywords
    )
    return f'\n  <div class="paper-keywords">Keywords: {links}</div>' if links else ""


def _keyword_pattern() -> tuple[str, str]:
    """The publication list filtered by a keyword: what comes before and after its slug."""
    key = ("keyword-filter", get_urlconf(), get_script_prefix())
    if key not in _patterns:
        _patterns[key] = (escape(reverse("publications:list") + "?keyword="), "")
    return _patterns[key]


def _paper_item(paper: PaperItem, highlight: int | None, patterns, made: dict) -> str:
    """One paper of a list: ``<li class="paper">`` with title, byline, venue, year, status,
    award badges, keywords and links (to its other versions too). ``made``: see _byline."""
    paper_pattern, venue_pattern, keyword_pattern, person_pattern = patterns
    title = _escape(paper.title)
    href = f"{paper_pattern[0]}{_escape(paper.slug)}{paper_pattern[1]}"
    if paper.venue is not None:
        venue_slug, venue_label = paper.venue
        venue_href = f"{venue_pattern[0]}{_escape(venue_slug)}{venue_pattern[1]}"
        venue_html = f'<a class="venue" href="{venue_href}">{_escape(venue_label)}</a>'
    else:
        venue_html = ""
    status = (
        f'<span class="tag">{_escape(paper.status_display)}</span>'
        if paper.status != "published"
        else ""
    )
    awards = "".join(f'<span class="badge">{_escape(award)}</span>' for award in paper.awards)
    byline_html = _byline(paper.authors, paper.authors_complete, highlight, person_pattern, made)
    parts = [
        '<li class="paper">\n',
        f'  <div class="paper-title"><a href="{href}">{title}</a></div>\n',
        f'  <div class="byline">{byline_html}</div>\n',
        '  <div class="paper-meta">\n',
        f"    {venue_html}\n",
        f"    {paper.year if paper.year else ''}\n",
        f"    {status}\n",
        f"    {awards}\n",
        "  </div>",
        _keywords_html(paper, keyword_pattern),
        "\n  ",
    ]
    versions = _version_links(paper, paper_pattern)
    own = _own_links(paper)
    if own or paper.doi or versions:
        doi = (
            f'<li><a href="https://doi.org/{_escape(paper.doi)}">DOI</a></li>' if paper.doi else ""
        )
        parts.append(
            f'\n  <ul class="paper-links" aria-label="Links for {title}">\n'
            f"    {own}\n    {doi}\n    {versions}\n  </ul>\n  "
        )
    parts.append("\n</li>\n")
    return "".join(parts)


@register.simple_tag
def paper_items(papers, highlight=None) -> SafeString:
    """Papers of a list, each an ``<li class="paper">``: PaperItems
    (publications.listing.paper_list_items) or papers loaded with
    Paper.objects.for_display(), built in Python rather than a template: a page can list
    hundreds of papers, and a template per paper was most of its time."""
    highlight = _highlight_id(highlight)
    patterns = (
        _url_pattern("publications:paper"),
        _url_pattern("publications:venue"),
        _keyword_pattern(),
        _url_pattern("people:detail"),
    )
    made: dict = {}
    html = "".join([_paper_item(_item(p), highlight, patterns, made) for p in papers])
    return mark_safe(html)  # noqa: S308 - every value above is escaped


@register.inclusion_tag("publications/_legend.html")
def mark_legend() -> dict:
    """The legend under author lists: every mark of MARK_TABLE with its label."""
    return {"marks": MARK_TABLE}
