"""The anonymous page cache: public pages are rendered once per change of the records.

Visitors see the same page for the same URL, so a rendered page is kept in the cache under a key
made of the URL and a *generation* number. Every write to a record of `people` or `publications`
bumps the generation (signals connected in `LabConfig.ready`, plus `invalidate_pages()` for bulk
writes that send no signals), so the next request renders afresh; old entries simply expire.
Logged-in users always get a fresh page: what they see depends on who they are. The parts of
a page that are the same for every viewer (a person's publications, a list's results) are kept
as *fragments* under the same generation (`cached_fragment`), so a member's page is built from
them, and a write invalidates them exactly like the pages.

Fragments of HTML are kept as UTF-8 bytes (`Fragment`) and a page that shows them is rendered
with `render_page`, which renders the page's own template around markers and splices the bytes
in: a member's request then neither decodes the fragment from the cache nor encodes it again
(a prolific author's 1.2 MB profile cost a member 2.5 ms of 7 that way).
"""

import functools
import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, QueryDict
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.safestring import SafeString

from lab.core.records import LAB_APPS

GENERATION_KEY = "lab:pages:generation"


def _generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # add() keeps a concurrent request's value rather than resetting it.
        cache.add(GENERATION_KEY, 1, timeout=None)
        generation = cache.get(GENERATION_KEY, 1)
    return generation


def generation() -> int:
    """The current generation of the records: every write to them bumps it."""
    return _generation()


_MISSING = object()
# Longer keys are hashed (memcached refuses keys over 250 characters).
_MAX_KEY_PART = 160


def fragment_key(key_parts) -> str:
    """The cache key of a fragment for the current generation."""
    parts = ":".join(str(part) for part in key_parts)
    if len(parts) > _MAX_KEY_PART:
        parts = hashlib.sha256(parts.encode()).hexdigest()
    return f"lab:fragment:{_generation()}:{parts}"


def cached_fragment(key_parts, build, timeout=None):
    """``build()``'s value (rendered HTML, or anything picklable, None included), kept until the
    next write to the records. ``key_parts`` must name everything the value depends on; it
    must not depend on the viewer. ``build`` runs the queries, so a hit runs none."""
    key = fragment_key(key_parts)
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = build()
        cache.set(key, value, settings.PAGE_CACHE_SECONDS if timeout is None else timeout)
    return value


# The fragments a render_page() call has met so far, in order; None outside one.
_spliced: ContextVar[list[bytes] | None] = ContextVar("lab_spliced_fragments", default=None)
# Random per process, so no text of a template or a record can be taken for a marker.
_MARKER = secrets.token_hex(8)
_MARKER_RE = re.compile(rb"<!--%s:(\d+)-->" % _MARKER.encode())


class Fragment:
    """A part of a page rendered once (with auto-escaping) and kept as UTF-8 bytes.

    In a template it renders as its HTML; inside `render_page` as a marker that the page's
    bytes replace, so a large fragment is never decoded or re-encoded per request. Pickled as
    its bytes (the cache then copies them instead of decoding UTF-8)."""

    __slots__ = ("html",)

    def __init__(self, html: bytes):
        self.html = html

    @classmethod
    def render(cls, template_name: str, context: dict) -> "Fragment":
        """``template_name`` rendered without the request (nothing of the viewer gets in),
        without the template file's final newline."""
        return cls(render_to_string(template_name, context).removesuffix("\n").encode())

    def __reduce__(self):
        return (Fragment, (self.html,))

    def __bool__(self) -> bool:
        return bool(self.html)

    def __eq__(self, other) -> bool:
        return isinstance(other, Fragment) and other.html == self.html

    __hash__ = None

    def __str__(self) -> SafeString:
        pieces = _spliced.get()
        if pieces is None:
            return SafeString(self.html.decode())
        pieces.append(self.html)
        return SafeString(f"<!--{_MARKER}:{len(pieces) - 1}-->")

    __html__ = __str__


def render_page(request, template_name: str, context: dict, status: int = 200) -> HttpResponse:
    """Like ``django.shortcuts.render``, with the page's `Fragment` values spliced in as bytes."""
    pieces: list[bytes] = []
    token = _spliced.set(pieces)
    try:
        html = render_to_string(template_name, context, request)
    finally:
        _spliced.reset(token)
    content = html.encode()
    if pieces:
        chunks = _MARKER_RE.split(content)  # text, index, text, index, ..., text
        chunks[1::2] = [pieces[int(index)] for index in chunks[1::2]]
        content = b"".join(chunks)
    return HttpResponse(content, status=status)


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (or evicted): any new number invalidates
        cache.set(GENERATION_KEY, 2, timeout=None)


def invalidate_pages() -> None:
    """Forget every cached page: now, and again once the current transaction commits, so a
    request racing the transaction cannot re-cache the old records under the new generation."""
    _bump()
    transaction.on_commit(_bump)


def on_record_change(sender, **kwargs) -> None:
    if sender._meta.app_label in LAB_APPS:
        invalidate_pages()


def canonical_query(query: QueryDict, params: Mapping[str, str]) -> QueryDict:
    """``query`` as a page reads it: only the parameters in ``params`` (name -> default
    value), the last value of each, blanks and defaults left out, in name order. Junk
    parameters (``?x=1``), their order and spelled-out defaults (``?page=1``) then make neither
    a new cache entry nor a new rendering (the cache key sorts the names)."""
    canonical = QueryDict(mutable=True)
    for name in query:  # the request's order, for the links a page builds from it
        value = query.get(name, "")
        if name in params and value.strip() and value != params[name]:
            canonical[name] = value
    canonical._mutable = False
    return canonical


def query_key(query: QueryDict) -> str:
    """A query string as a cache key part: the same parameters in any order give one key."""
    return urlencode(sorted(query.items()))


def public_page(view=None, *, params: Mapping[str, str] | Sequence[str] = ()):
    """Serve a GET of this view to anonymous visitors from the page cache; ``params`` are the
    query parameters the view reads (with their defaults, when a mapping).

    The view sees the query as ``canonical_query`` makes it, for every viewer, and the cache
    key is the path and that query, so unknown parameters cannot make the site render (or
    store) a page again. Only complete 200 responses that set no cookie are stored (a page with
    a CSRF token sets one).
    """
    if view is None:
        return functools.partial(public_page, params=params)
    defaults = dict(params) if isinstance(params, Mapping) else dict.fromkeys(params, "")

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        request.GET = canonical_query(request.GET, defaults)
        if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        key = f"lab:page:{_generation()}:{request.path}?{query_key(request.GET)}"
        if len(key) > _MAX_KEY_PART:
            key = "lab:page:" + hashlib.sha256(key.encode()).hexdigest()
        response = cache.get(key)
        if response is not None:
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        patch_vary_headers(response, ("Cookie",))
        if response.status_code == 200 and not response.cookies and not response.streaming:
            cache.set(key, response, settings.PAGE_CACHE_SECONDS)
        return response

    return wrapper
