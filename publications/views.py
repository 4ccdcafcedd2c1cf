"""Public pages of papers and venues, and their downloads. Thin: load, filter, render."""


from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from lab.core.bounds import SHORTENED
from lab.core.cache import Fragment, cached_fragment, public_page, query_key, render_page
from lab.core.models import format_partial_date
from people.models import Person
from publications.bibtex import paper_to_bibtex
from publications.exports import papers_response
from publications.filters import YEAR_SORTS, PaperFilter, SelectedPaperFilter, VenueFilter
from publications.listing import paper_list_items
from publications.models import (
    Paper,
    Service,
    Venue,
)
from publications.paper_page import paper_for_page

PAPERS_PER_PAGE = 50
# The query parameters each page reads, with their defaults (lab.core.cache.public_page).
PAGE_PARAMS = {"page": "1"}
PAPER_PARAMS = {**dict.fromkeys(PaperFilter.base_filters, ""), "sort": "newest"}
LIST_PARAMS = {**PAPER_PARAMS, **PAGE_PARAMS}
SELECTED_LIST_PARAMS = {
    **dict.fromkeys(SelectedPaperFilter.base_filters, ""),
    "sort": "newest",
    **PAGE_PARAMS,
}
DOWNLOAD_FORMATS = [
    ("csv", "CSV"),
    ("xlsx", "XLSX"),
    ("bib", "BibTeX"),
    ("json", "CSL-JSON"),
    ("ris", "RIS"),
    ("alfolio.bib", "al-folio"),
    ("hugoblox.zip", "Hugo Blox"),
]


def _page(request, queryset):
    """One page of ``queryset``; a page number past the end gives the last page."""
    page = Paginator(queryset, PAPERS_PER_PAGE).get_page(request.GET.get("page"))
    page.elided_range = list(
        page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    )
    return page


def _papers_page(request, papers):
    """One page of ``papers`` as list items (publications.listing). The page is picked by the
    papers' ids alone, in the list's order made total by the id (a subquery of the first list
    query), and only its papers are then read whole: a deep page skips narrow rows (on
    PostgreSQL entries of the covering index in the default order, migration 0007) instead of
    sorting and skipping every paper's whole row. The filters are not repeated around the
    page's ids (a text search's would be)."""
    query = papers.query
    ordering = list(query.order_by) or (
        list(Paper._meta.ordering) if query.default_ordering else []
    )
    # Papers of the same year, month and title keep one order, so none shows on two pages.
    ordering.append("pk")
    page = _page(request, papers.order_by(*ordering).values_list("pk", flat=True))
    page.object_list = paper_list_items(
        Paper.objects.filter(pk__in=page.object_list).order_by(*ordering)
    )
    return page


def _paper_list(request, *, filterset_class, base, title, lede, selected_view=False):
    """A paper list: the filter form and the results are the same for every viewer, so each is
    a fragment cached until the next write, for its path and query; a hit runs no query."""
    filterset = None

    def get_filterset():
        nonlocal filterset
        if filterset is None:
            filterset = filterset_class(request.GET or None, queryset=base, request=request)
        return filterset

    def build_filters():
        context = {"filter": get_filterset(), "path": request.path}
        html = render_to_string("publications/_paper_filters.html", context)
        return Fragment(html.strip().encode())

    def build_results():
        found = get_filterset()
        page = _papers_page(request, found.papers)
        # The download is the list as filtered: every page, so without "page".
        download_query = request.GET.copy()
        download_query.pop("page", None)
        if selected_view:
            download_query["selected"] = "on"
        context = {
            "filter": found,
            "page": page,
            "by_year": found.sort_key in YEAR_SORTS,
            "formats": DOWNLOAD_FORMATS,
            "download_query": download_query.urlencode(),
            "query": request.GET,  # for {% querystring %}: the fragment never sees the request
            "shortened_message": SHORTENED,
        }
        html = render_to_string("publications/_paper_results.html", context)
        return {
            "number": page.number,
            "html": Fragment(html.strip().encode()),
            # A filter value that is not valid (an unknown venue, a year out of range) is a
            # bad request: the page says what is wrong, with status 400.
            "valid": not (found.is_bound and found.errors),
        }

    form_query = request.GET.copy()
    form_query.pop("page", None)
    filters_html = cached_fragment(
        ("paper-filters", request.path, query_key(form_query)), build_filters
    )
    results = cached_fragment(
        ("paper-results", request.path, query_key(request.GET)), build_results
    )
    context = {
        "title": title,
        "lede": lede,
        "selected_view": selected_view,
        "filters_html": filters_html,
        "results_html": results["html"],
        "page_number": results["number"],
        "section": "publications",
    }
    status = 200 if results.get("valid", True) else 400
    return render_page(request, "publications/paper_list.html", context, status=status)


def _description(paper: Paper) -> str:
    """The meta description: "Alice Chen, Bob Li. NSDI 2024."."""
    names = ", ".join(a.display_name for a in paper.authorships.all())
    where = " ".join(str(part) for part in (paper.venue or "", paper.year or "") if part)
    return ". ".join(part for part in (names, where) if part) + "."


@require_safe
@public_page(params=LIST_PARAMS)
def paper_list(request):
    return _paper_list(
        request,
        filterset_class=PaperFilter,
        base=Paper.objects.all(),
        title="Publications",
        lede="Papers by the lab's people.",
    )


@require_safe
@public_page(params=SELECTED_LIST_PARAMS)
def selected_papers(request):
    return _paper_list(
        request,
        filterset_class=SelectedPaperFilter,
        base=Paper.objects.selected(),
        title="Selected publications",
        lede="Papers the lab features.",
        selected_view=True,
    )


def filter_errors_response(filterset) -> HttpResponseBadRequest:
    """400: the filters are not valid; the message names each one and what is wrong."""
    lines = [
        f"{filterset.form.fields[name].label or name}: {' '.join(errors)}"
        for name, errors in filterset.errors.items()
    ]
    text = "The download's filters are not valid:\n" + "\n".join(lines) + "\n"
    return HttpResponseBadRequest(text, content_type="text/plain; charset=utf-8")


@require_safe
@public_page(params=PAPER_PARAMS)
def paper_list_download(request, fmt):
    filterset = PaperFilter(request.GET or None, queryset=Paper.objects.all(), request=request)
    if filterset.is_bound and filterset.errors:
        return filter_errors_response(filterset)
    return papers_response(filterset.papers, fmt, filename="publications", request=request)


def _paper_page_parts(slug: str) -> dict[str, str]:
    """What a paper's page shows, rendered: it is the same for every viewer."""
    paper = paper_for_page(slug)
    if paper is None:
        raise Http404("No paper has this address.")
    context = {
        "paper": paper,
        "when": format_partial_date(paper.year, paper.month),
        "bibtex": paper_to_bibtex(paper),
    }
    return {
        "title": paper.title,
        "description": _description(paper),
        "article": Fragment.render("publications/_paper_article.html", context),
    }


@require_safe
@public_page
def paper_detail(request, slug):
    """A paper's page, rendered once per generation of the records (lab.core.cache): a hit runs no
    query."""
    parts = cached_fragment(("paper-page", slug), lambda: _paper_page_parts(slug))
    return render_page(
        request,
        "publications/paper_detail.html",
        {"parts": parts, "section": "publications"},
    )


@require_safe
@public_page
def paper_bibtex(request, slug):
    papers = Paper.objects.filter(slug=slug)
    get_object_or_404(papers)
    return papers_response(papers, "bib", filename=slug, request=request)


@require_safe
@public_page(params=dict.fromkeys(VenueFilter.base_filters, ""))
def venue_list(request):
    filterset = VenueFilter(request.GET or None, queryset=Venue.objects.for_list())
    context = {
        "filter": filterset,
        "venues": filterset.venues,
        "section": "venues",
        "shortened_message": SHORTENED,
    }
    status = 400 if filterset.is_bound and filterset.errors else 200
    return render(request, "publications/venue_list.html", context, status=status)


@require_safe
@public_page(params=PAGE_PARAMS)
def venue_detail(request, slug):
    venue = get_object_or_404(Venue.objects.select_related("publisher"), slug=slug)
    context = {
        "venue": venue,
        "page": _papers_page(request, venue.papers.works()),
        "services": Service.objects.filter(venue=venue).select_related("person"),
        "formats": DOWNLOAD_FORMATS,
        "section": "venues",
        "query": request.GET,
    }
    return render(request, "publications/venue_detail.html", context)


@require_safe
@public_page
def venue_papers_download(request, slug, fmt):
    venue = get_object_or_404(Venue.objects.all(), slug=slug)
    return papers_response(venue.papers.works(), fmt, filename=venue.slug, request=request)


@require_safe
@public_page
def person_papers_download(request, slug, fmt):
    person = get_object_or_404(Person.objects.all(), slug=slug)
    return papers_response(
        Paper.objects.by(person).works(), fmt, filename=f"{person.slug}-papers", request=request
    )
