"""Rendering papers: the byline with its marks, links and the highlighted person.

A person's page can list hundreds of papers with thousands of authors, so the links are built
from a URL pattern reversed once per request and page (``reverse()`` per author was most of the
page's time), and the HTML by escaping each value rather than through format_html().
"""

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from publications.byline import MARK_TABLE
from publications.enums import PaperStatus
from publications.validators import is_relative_pdf, pdf_href

register = template.Library()

# Each mark's sign on a byline, titled with its label (publications.byline.MARK_TABLE).
_MARK_HTML = {
    mark.field: f'<span class="mark" title="{escape(mark.label)}">{escape(mark.sign)}</span>'
    for mark in MARK_TABLE
}
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


def _author_html(authorship, highlight, url: tuple[str, str]) -> str:
    person = authorship.person
    css = ' class="author-self"' if highlight and person.pk == highlight else ""
    marks = "".join(html for field, html in _MARK_HTML.items() if getattr(authorship, field))
    href = f"{url[0]}{escape(person.slug)}{url[1]}"
    return f'<a href="{href}"{css}>{escape(authorship.display_name)}</a>{marks}'


def _highlight_id(highlight) -> int | None:
    try:
        return int(highlight) if highlight not in (None, "") else None
    except (TypeError, ValueError):
        return None


@register.simple_tag
def byline(paper, highlight=None) -> SafeString:
    """The paper's authors as links, with their marks, from the prefetched authorships
    (Paper.objects.for_list()): no query. ``highlight`` is a person's id, shown as the page's
    own person. An incomplete author list ends in "et al."."""
    return _byline(paper, _highlight_id(highlight))


def _byline(paper, highlight: int | None) -> SafeString:
    url = _url_pattern("people:detail")
    authors = ", ".join(_author_html(a, highlight, url) for a in paper.authorships.all())
    if not paper.authors_complete:
        et_al = '<span title="The author list is incomplete.">et al.</span>'
        authors = f"{authors}, {et_al}" if authors else et_al
    return mark_safe(authors)  # noqa: S308 - every value above is escaped


@register.filter
def version_where(paper) -> str:
    """Where and when a version of a work came out, to name a link to it: "arXiv 2023"."""
    return " ".join(str(part) for part in (paper.venue or "", paper.year or "") if part)


def _version_links(paper, paper_pattern) -> str:
    """The item's links to the work's other versions, from Paper.objects.with_versions(): the
    paper it was published as (when the list shows an earlier version without it) and its
    earlier versions ("Preprint: arXiv 2023")."""
    versions = []
    if paper.published_version is not None:
        versions.append(("Published as", paper.published_version))
    for earlier in paper.earlier_versions.all():
        label = "Preprint" if earlier.status == PaperStatus.PREPRINT else "Earlier version"
        versions.append((label, earlier))
    return "".join(
        f'<li>{label}: <a href="{paper_pattern[0]}{escape(version.slug)}{paper_pattern[1]}">'
        f"{escape(version_where(version) or version.title)}</a></li>"
        for label, version in versions
    )


#: A paper's own links, in the order pages list them: (field, label).
PAPER_LINKS = (
    ("pdf_url", "PDF"),
    ("code_url", "Code"),
    ("slides_url", "Slides"),
    ("poster_url", "Poster"),
    ("video_url", "Video"),
    ("website_url", "Website"),
)


@register.filter
def pdf_link(value: str) -> str:
    """Where a paper's PDF link goes (publications.validators.pdf_href): "" when the PDF is a
    relative file name and ``PAPER_PDF_BASE_URL`` is not set; the page then shows the name."""
    return pdf_href(value)


@register.filter
def relative_pdf(value: str) -> bool:
    return is_relative_pdf(value)


def _own_links(paper) -> str:
    """The paper's PDF, code, slides, poster, video and website links as list items."""
    items = []
    for field, label in PAPER_LINKS:
        value = getattr(paper, field)
        href = pdf_href(value) if field == "pdf_url" else value
        if href:
            items.append(f'<li><a href="{escape(href)}">{label}</a></li>')
    return "\n    ".join(items)


def _keywords_html(paper, pattern: tuple[str, str]) -> str:
    """ "Keywords: GPU, machine learning", each linking to the publication list filtered by
    it, from the prefetched keywords (Paper.objects.for_display())."""
    links = ", ".join(
        f'<a href="{pattern[0]}{escape(k.slug)}{pattern[1]}">{escape(k.name)}</a>'
        for k in paper.keywords.all()
    )
    return f'\n  <div class="paper-keywords">Keywords: {links}</div>' if links else ""


def _keyword_pattern() -> tuple[str, str]:
    """The publication list filtered by a keyword: what comes before and after its slug."""
    key = ("keyword-filter", get_urlconf(), get_script_prefix())
    if key not in _patterns:
        _patterns[key] = (escape(reverse("publications:list") + "?keyword="), "")
    return _patterns[key]


def _paper_item(paper, highlight: int | None, paper_pattern, venue_pattern) -> str:
    """One paper of a list: ``<li class="paper">`` with title, byline, venue, year, status,
    award badges, keywords and links (to its other versions too)."""
    title = escape(paper.title)
    href = f"{paper_pattern[0]}{escape(paper.slug)}{paper_pattern[1]}"
    venue = paper.venue
    if venue is not None:
        venue_href = f"{venue_pattern[0]}{escape(venue.slug)}{venue_pattern[1]}"
        venue_html = f'<a class="venue" href="{venue_href}">{escape(venue)}</a>'
    else:
        venue_html = ""
    status = (
        f'<span class="tag">{escape(paper.get_status_display())}</span>'
        if paper.status != "published"
        else ""
    )
    awards = "".join(f'<span class="badge">{escape(a.title)}</span>' for a in paper.awards.all())
    parts = [
        '<li class="paper">\n',
        f'  <div class="paper-title"><a href="{href}">{title}</a></div>\n',
        f'  <div class="byline">{_byline(paper, highlight)}</div>\n',
        '  <div class="paper-meta">\n',
        f"    {venue_html}\n",
        f"    {paper.year if paper.year else ''}\n",
        f"    {status}\n",
        f"    {awards}\n",
        "  </div>",
        _keywords_html(paper, _keyword_pattern()),
        "\n  ",
    ]
    versions = _version_links(paper, paper_pattern)
    own = _own_links(paper)
    if own or paper.doi or versions:
        doi = f'<li><a href="https://doi.org/{escape(paper.doi)}">DOI</a></li>' if paper.doi else ""
        parts.append(
            f'\n  <ul class="paper-links" aria-label="Links for {title}">\n'
            f"    {own}\n    {doi}\n    {versions}\n  </ul>\n  "
        )
    parts.append("\n</li>\n")
    return "".join(parts)


@register.simple_tag
def paper_items(papers, highlight=None) -> SafeString:
    """Papers of a list, each an ``<li class="paper">``, from their prefetched venue, byline,
    awards, keywords and other versions (Paper.objects.for_display()), built in Python rather than a
    template: a page can list hundreds of papers, and a template per paper was most of its
    time."""
    highlight = _highlight_id(highlight)
    paper_pattern = _url_pattern("publications:paper")
    venue_pattern = _url_pattern("publications:venue")
    html = "".join(_paper_item(p, highlight, paper_pattern, venue_pattern) for p in papers)
    return mark_safe(html)  # noqa: S308 - every value above is escaped


@register.inclusion_tag("publications/_legend.html")
def mark_legend() -> dict:
    """The legend under author lists: every mark of MARK_TABLE with its label."""
    return {"marks": MARK_TABLE}
