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


def _paper_item(paper, highlight: int | None, paper_pattern, venue_pattern) -> str:
    """One paper of a list: ``<li class="paper">`` with title, byline, venue, year, status,
    award badges and links (to its other versions too)."""
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
        "  </div>\n  ",
    ]
    versions = _version_links(paper, paper_pattern)
    if paper.pdf_url or paper.code_url or paper.doi or versions:
        pdf = f'<li><a href="{escape(paper.pdf_url)}">PDF</a></li>' if paper.pdf_url else ""
        code = f'<li><a href="{escape(paper.code_url)}">Code</a></li>' if paper.code_url else ""
        doi = f'<li><a href="https://doi.org/{escape(paper.doi)}">DOI</a></li>' if paper.doi else ""
        parts.append(
            f'\n  <ul class="paper-links" aria-label="Links for {title}">\n'
            f"    {pdf}\n    {code}\n    {doi}\n    {versions}\n  </ul>\n  "
        )
    parts.append("\n</li>\n")
    return "".join(parts)


@register.simple_tag
def paper_items(papers, highlight=None) -> SafeString:
    """Papers of a list, each an ``<li class="paper">``, from their prefetched venue, byline,
    awards and other versions (Paper.objects.for_display()), built in Python rather than a
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
