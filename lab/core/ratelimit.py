"""How often one client may ask for something costly: a fixed-window counter in Django's cache.

Visitors' whole-list downloads (`limit_downloads`) are counted per client address in windows of
``DOWNLOAD_RATE_WINDOW`` seconds; past ``DOWNLOAD_RATE_LIMIT`` the answer is 429 with
``Retry-After`` until the window ends. The counter lives in the default cache, Redis in
production, so every app server counts against the same number; ``cache.add`` starts a window
and ``cache.incr`` counts in it, both atomic in Redis (and under a lock in the local-memory
cache), so parallel requests cannot slip past the limit together.

Written here rather than taken from django-ratelimit (4.1.0, 2023): its decorator answers 403
unless a middleware and an error view are added, gives that view no time left for
``Retry-After``, and its system checks fail on the local-memory cache (an error) and warn on
Django's own Redis cache, which ``check --deploy --fail-level WARNING`` would refuse.

``client_ip`` is also django-axes' ``AXES_CLIENT_IP_CALLABLE``: log-in throttling and the
download limit see the same address (docs/security.md).
"""

import functools
import ipaddress
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

#: An IPv6 client counts as its /64: a home or office network gets one and may use any address
#: in it, so counting single addresses would let one client take a fresh one per request.
IPV6_PREFIX = 64


def _address(value: str) -> str | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        network = ipaddress.ip_network(f"{address}/{IPV6_PREFIX}", strict=False)
        return str(network.network_address)
    return str(address)


def client_ip(request) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or behind a proxy the header named by
    ``CLIENT_IP_HEADER`` (the last address of a list: the one the nearest proxy added, which a
    client cannot forge). A header that is missing or holds no address falls back to
    ``REMOTE_ADDR``. IPv6 addresses are cut to their /64 network."""
    header = settings.CLIENT_IP_HEADER
    if header:
        meta_key = "HTTP_" + header.upper().replace("-", "_")
        forwarded = request.META.get(meta_key, "").split(",")[-1]
        address = _address(forwarded) if forwarded.strip() else None
        if address is not None:
            return address
    return _address(request.META.get("REMOTE_ADDR", ""))


def count_request(scope: str, client: str, *, limit: int, window: int) -> int | None:
    """Count one request of ``client`` in the current fixed window of ``window`` seconds.
    Returns None while within ``limit``; past it, the whole seconds until the window ends."""
    now = time.time()
    number = int(now // window)
    key = f"lab:ratelimit:{scope}:{client}:{number}"
    # A little longer than the window, so the count cannot expire before the window ends.
    timeout = window + 5
    if cache.add(key, 1, timeout):
        count = 1
    else:
        try:
            count = cache.incr(key)
        # Evicted between add and incr, or Redis unreachable (lab.core.redis_cache then answers
        # as an empty cache): this request starts the count again, so an outage lifts the limit.
        except ValueError:
            cache.add(key, 1, timeout)
            count = 1
    if count <= limit:
        return None
    return max(1, math.ceil((number + 1) * window - now))


def _wait(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    if minutes == 0:
        return f"{rest} second{'s' if rest != 1 else ''}"
    minutes += 1 if rest else 0
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def too_many_downloads(retry_after: int, *, limit: int, window: int) -> HttpResponse:
    """429 with ``Retry-After`` and a short plain-text body: the client asked for a file, so
    a script or a browser shows the reason as it is."""
    body = (
        f"Too many downloads from your address: at most {limit} every {_wait(window)}.\n"
        f"Try again in {_wait(retry_after)}. Members who log in are not limited.\n"
    )
    response = HttpResponse(body, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    return response


def limit_downloads(view):
    """Limit a whole-list download view for visitors: every anonymous request counts (served
    from the page cache or not, found or not), logged-in users are never counted.

    Wrap the view from outside, where its URL is declared: the count is taken before the page
    cache (``lab.core.cache.public_page``) or anything else runs, so a refused request costs
    one cache increment. Cache hits count too: a client decides whether its request is a hit
    (any new query string is a miss), so a limit that skipped hits would still have to sit
    between the page cache and the view, in the views themselves."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            client = client_ip(request) or "unknown"
            limit, window = settings.DOWNLOAD_RATE_LIMIT, settings.DOWNLOAD_RATE_WINDOW
            retry_after = count_request("downloads", client, limit=limit, window=window)
            if retry_after is not None:
                return too_many_downloads(retry_after, limit=limit, window=window)
        return view(request, *args, **kwargs)

    return wrapper
