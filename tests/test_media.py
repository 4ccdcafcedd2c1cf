"""Uploaded photos are served by Django (lab/media.py), in production mode too."""

import pytest
from django.test import override_settings
from django.urls import resolve

from lab.media import media_urlpatterns
from tests.photos import encoded, png, two_halves, webp
from tests.test_settings import ROOT, manage

pytestmark = pytest.mark.django_db

CACHE_CONTROL = "public, max-age=31536000, immutable"
PHOTO = "people/0123456789abcdef0123456789abcdef.jpg"


@pytest.fixture
def media_root(settings, tmp_path):
    """MEDIA_ROOT with one JPEG in it, and a JPEG just outside it; production mode."""
    settings.DEBUG = False
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "people").mkdir(parents=True)
    (tmp_path / "media" / PHOTO).write_bytes(encoded(two_halves((20, 20)), "JPEG"))
    (tmp_path / "outside.jpg").write_bytes(b"not yours")
    return settings.MEDIA_ROOT


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture(params=["visitor", "member", "lab admin"])
def any_client(request, client, member, lab_admin):
    """Photos are public: everyone gets the same answer."""
    users = {"visitor": None, "member": member, "lab admin": lab_admin}
    if users[request.param]:
        client.force_login(users[request.param])
    return client


def test_photo_is_served_in_production_with_type_and_cache_headers(any_client, media_root):
    response = any_client.get(f"/media/{PHOTO}")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == CACHE_CONTROL
    assert response["X-Content-Type-Options"] == "nosniff"
    assert body(response) == (media_root / PHOTO).read_bytes()


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [("a.png", png(), "image/png"), ("a.webp", webp(), "image/webp")],
)
def test_png_and_webp_photos_have_their_content_type(client, media_root, name, data, content_type):
    (media_root / "people" / name).write_bytes(data)

    response = client.get(f"/media/people/{name}")

    assert (response.status_code, response["Content-Type"]) == (200, content_type)
    assert response["Cache-Control"] == CACHE_CONTROL
    assert body(response) == data


def test_photo_head_has_the_headers(client, media_root):
    response = client.head(f"/media/{PHOTO}")
    response.close()

    assert (response.status_code, response["Content-Type"]) == (200, "image/jpeg")
    assert response["Cache-Control"] == CACHE_CONTROL


def test_photo_not_modified_keeps_the_cache_headers(client, media_root):
    first = client.get(f"/media/{PHOTO}")
    first.close()
    last_modified = first["Last-Modified"]

    response = client.get(f"/media/{PHOTO}", headers={"if-modified-since": last_modified})

    assert (response.status_code, response["Cache-Control"]) == (304, CACHE_CONTROL)


@pytest.mark.parametrize(
    "path",
    [
        "/media/../outside.jpg",
        "/media/people/../../outside.jpg",
        "/media/people/%2e%2e/%2e%2e/outside.jpg",
        "/media/..%2foutside.jpg",
        "/media//etc/passwd.jpg",
    ],
)
def test_paths_out_of_media_root_are_404(client, media_root, path):
    assert (media_root.parent / "outside.jpg").is_file()  # there is something to reach

    assert client.get(path).status_code == 404


def test_files_that_are_not_photos_are_404(client, media_root):
    (media_root / "people" / "page.html").write_text("<script>alert(1)</script>")
    (media_root / "people" / "notes.txt").write_text("hello")

    assert client.get("/media/people/page.html").status_code == 404
    assert client.get("/media/people/notes.txt").status_code == 404


def test_missing_photo_and_directory_are_404(client, media_root):
    assert client.get("/media/people/ffffffffffffffffffffffffffffffff.jpg").status_code == 404
    assert client.get("/media/people/").status_code == 404
    assert client.get("/media/people.jpg/").status_code == 404


def test_photo_other_methods_are_405(client, media_root):
    assert client.post(f"/media/{PHOTO}").status_code == 405
    assert client.delete(f"/media/{PHOTO}").status_code == 405


def test_media_url_is_mounted_whatever_debug():
    assert resolve(f"/media/{PHOTO}").url_name == "media"


@override_settings(SERVE_MEDIA=False)
def test_media_view_is_not_mounted_when_a_proxy_serves_media():
    assert media_urlpatterns() == []


@override_settings(MEDIA_URL="https://photos.example.org/media/")
def test_media_view_is_not_mounted_for_media_on_another_host():
    assert media_urlpatterns() == []


def test_static_root_and_serve_media_come_from_the_environment(tmp_path):
    shown = ("shell", "-v", "0", "-c", "from django.conf import settings as s; "
             "print(s.STATIC_ROOT, s.SERVE_MEDIA)")  # fmt: skip

    default = manage(*shown)
    chosen = manage(*shown, STATIC_ROOT=str(tmp_path), SERVE_MEDIA="false")
    garbled = manage("check", SERVE_MEDIA="sometimes")

    assert default.stdout.split() == [str(ROOT / "staticfiles"), "True"]
    assert chosen.stdout.split() == [str(tmp_path), "False"]
    assert "SERVE_MEDIA must be true or false, not 'sometimes'." in garbled.stderr
