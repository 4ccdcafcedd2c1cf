"""Uploaded photos (MEDIA_ROOT) served by Django, in production too.

WhiteNoise serves only the collected static files, so without this view a photo would be a 404
in production. A proxy in front of the site can serve ``/media/`` itself instead (README,
"Configuration"); then set ``SERVE_MEDIA=false`` and this view is not mounted.

Only files under MEDIA_ROOT, and only the kinds of file photo uploads write
(lab.core.images), are served: any other name, a directory or a path that climbs out of
MEDIA_ROOT (``../``) is a 404. Stored photo names are random and never reused (a new photo gets
a new name), so the content behind a URL never changes and browsers and caches may keep it a
year without asking again (``immutable``).
"""

import re
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404
from django.urls import re_path
from django.views.decorators.http import require_safe
from django.views.static import serve

from lab.core.images import PHOTO_CONTENT_TYPES

CACHE_CONTROL = "public, max-age=31536000, immutable"


@require_safe
def media(request, path):
    content_type = PHOTO_CONTENT_TYPES.get(PurePosixPath(path).suffix.lower())
    if content_type is None:
        raise Http404("Not a photo.")
    try:
        # serve() normalises the path and joins it safely to the root (django.utils._os.safe_join);
        # it answers If-Modified-Since with a 304.
        response = serve(request, path, document_root=settings.MEDIA_ROOT)
    except SuspiciousFileOperation:
        # A path outside MEDIA_ROOT: the same answer as a file that is not there.
        raise Http404("No such photo.") from None
    if response.status_code == 200:
        response["Content-Type"] = content_type
    response["Cache-Control"] = CACHE_CONTROL
    response["X-Content-Type-Options"] = "nosniff"
    return response


def media_urlpatterns():
    """The URL of the media view under MEDIA_URL, or none when a proxy serves the photos
    (SERVE_MEDIA=false) or MEDIA_URL is on another host."""
    prefix = settings.MEDIA_URL.strip("/")
    if not settings.SERVE_MEDIA or not prefix or urlsplit(settings.MEDIA_URL).netloc:
        return []
    return [re_path(rf"^{re.escape(prefix)}/(?P<path>.+)$", media, name="media")]
