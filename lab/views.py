from urllib.parse import urlencode

from django.conf import settings
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from lab.core.bounds import SHORTENED, bounded_search
from lab.core.cache import Fragment, cached_fragment, public_page, render_page
from people.models import Institution, Person
from publications.models import Paper, Venue

SEARCH_LIMIT = 10
RECENT_PAPERS = 8


@require_safe
def healthz(request):
    """A liveness check for a load balancer or a monitor: this app server answers requests.

    It reads neither the database nor the cache (so it says nothing about them) and is never
    cached, which also makes it the trivial request the load test measures the pages against
    (``manage.py load_test``, docs/benchmarks.md)."""
    response = HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


@require_safe
@public_page
def home(request):
    """What the lab is, who is in it now, what it published lately, and how much is recorded.
    The same for every viewer: loaded once per generation of the records."""
    body = cached_fragment(
        ("home",), lambda: Fragment.render("lab/home_body.html", _home_context())
    )
    return render_page(request, "lab/home.html", {"body": body})


def _home_context() -> dict:
    lab = Institution.objects.filter(slug=settings.LAB_INSTITUTION).first()
    members = (
        list(Person.objects.current_members(lab).with_lab_roles(lab)) if lab is not None else []
    )
    recent = (
        Paper.objects.exclude(year=None)
        .works()
        .order_by(F("year").desc(), F("month").desc(nulls_last=True), "-created")
        .for_display()[:RECENT_PAPERS]
    )
    counts = [
        ("people", Person.objects.count()),
        # Works, not records: a preprint and the paper it was published as count once.
        ("papers", Paper.objects.works().count()),
        ("venues", Venue.objects.count()),
        ("institutions", Institution.objects.count()),
    ]
    return {
        "lab_name": settings.LAB_NAME,
        "lab_description": settings.LAB_DESCRIPTION,
        "lab": lab,
        "members": members,
        "recent_papers": list(recent),
        "counts": counts,
    }


def _search_group(key, label, queryset, more_url):
    items = list(queryset[: SEARCH_LIMIT + 1])
    return {
        "key": key,
        "label": label,
        "items": items[:SEARCH_LIMIT],
        # Count only when the first page is full: one query fewer in the common case.
        "count": queryset.count() if len(items) > SEARCH_LIMIT else len(items),
        "more_url": more_url,
    }


@require_safe
@public_page(params={"q": ""})
def search(request):
    """Search people (name, aliases), papers (every word in the title, system name, abstract or
    an author's name), venues and institutions (name, short name). Each group shows its first
    matches and links to the full, filtered list, which matches the same (one definition)."""
    query, shortened = bounded_search(request.GET.get("q", ""))
    results = []
    if query:
        q = urlencode({"q": query})
        # Each group matches exactly what the list its "All N" link opens matches: the same
        # queryset method, so the count and the list agree.
        people = Person.objects.search(query)
        papers = Paper.objects.matching(query).works().for_display()
        venues = Venue.objects.matching(query)
        institutions = Institution.objects.matching(query)
        results = [
            _search_group("people", "People", people, f"{reverse('people:list')}?group=all&{q}"),
            _search_group("papers", "Papers", papers, f"{reverse('publications:list')}?{q}"),
            _search_group("venues", "Venues", venues, f"{reverse('publications:venues')}?{q}"),
            _search_group(
                "institutions",
                "Institutions",
                institutions,
                f"{reverse('people:institutions')}?{q}",
            ),
        ]
    return render(
        request,
        "lab/search.html",
        {
            "query": query,
            "shortened": SHORTENED if shortened else "",
            "results": results,
            "total": sum(group["count"] for group in results),
            "section": "search",
        },
    )
