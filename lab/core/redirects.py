"""Old addresses keep working: a page asked for by a slug a merged record had answers 301 to
the record it was merged into (``MergeableModel.former_slugs``: stored, not guessed)."""

import functools

from django.http import Http404, HttpResponsePermanentRedirect
from django.urls import reverse


def former_slug_target(model, slug: str):
    """The record of ``model`` that ``slug`` belonged to before a merge, or None."""
    for record in model._default_manager.filter(former_slugs__contains=slug).only(
        "pk", "slug", "former_slugs"
    ):
        if slug in record.former_slug_list:
            return record
    return None


def redirect_former_slugs(model):
    """For a view taking ``slug``: when it finds nothing (404) and ``slug`` is a former slug of
    a ``model`` record, answer 301 with the same URL for that record's slug (query kept)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                response = view(request, *args, **kwargs)
            except Http404:
                response = None
            if response is not None and response.status_code != 404:
                return response
            target = former_slug_target(model, kwargs.get("slug", ""))
            if target is None:
                if response is None:
                    raise Http404(f"No {model._meta.verbose_name} is at this address.")
                return response
            match = request.resolver_match
            url = reverse(match.view_name, args=args, kwargs={**kwargs, "slug": target.slug})
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)

        return wrapper

    return decorator
