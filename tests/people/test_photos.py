"""Profile photos uploaded by members (their profile form) and by lab admins (the person admin)
are checked by content, bounded, re-encoded without metadata and stored under a random name."""

import re

import pytest
from django.contrib.admin.widgets import AdminFileWidget
from PIL import ExifTags, Image

from lab.core.images import PhotoField
from people.models import Person
from tests.photos import (
    BLUE,
    RED,
    encoded,
    gif,
    jpeg_with_gps,
    open_stored,
    pdf,
    png,
    png_header_only,
    two_halves,
    upload,
    webp,
)

pytestmark = pytest.mark.django_db

EDIT_URL = "/people/pat-private/edit/"
PROFILE = {"bio": "", "research_interests": "", "github": ""}
STORED = re.compile(r"people/[0-9a-f]{32}\.(jpg|png|webp)")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def owner_client(client, member, private_person):
    private_person.user = member
    private_person.save()
    client.force_login(member)
    return client


def post_profile(client, photo):
    return client.post(EDIT_URL, {**PROFILE, "photo": photo})


def stored_photo(person) -> Image.Image:
    person.refresh_from_db()
    assert STORED.fullmatch(person.photo.name), person.photo.name
    return open_stored(person.photo.path)


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def photo_errors(response) -> list[str]:
    assert response.status_code == 200
    return response.context["form"].errors["photo"]


def test_profile_photo_jpeg_is_stored_without_exif_upright_and_renamed(
    owner_client, private_person
):
    data = jpeg_with_gps(size=(300, 200))
    assert Image.open(upload(data, "x.jpg")).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    response = post_profile(owner_client, upload(data, "IMG_2041 at home.jpg"))

    assert response.status_code == 302
    image = stored_photo(private_person)
    assert private_person.photo.name.endswith(".jpg")
    assert "IMG_2041" not in private_person.photo.name
    assert (image.format, image.size) == ("JPEG", (200, 300))
    assert dict(image.getexif()) == {}
    assert "exif" not in image.info and "comment" not in image.info
    with open(private_person.photo.path, "rb") as stored:
        raw = stored.read()
    assert b"Exif" not in raw and b"PhoneMaker" not in raw and b"taken at home" not in raw
    assert image.getpixel((100, 30))[0] > 150  # upright: the red half on top


@pytest.mark.parametrize(
    ("data", "name", "image_format", "extension"),
    [(png(), "me.png", "PNG", ".png"), (webp(), "me.webp", "WEBP", ".webp")],
    ids=["png", "webp"],
)
def test_profile_photo_png_and_webp_are_accepted(
    owner_client, private_person, data, name, image_format, extension
):
    response = post_profile(owner_client, upload(data, name, f"image/{extension[1:]}"))

    assert response.status_code == 302
    image = stored_photo(private_person)
    assert (image.format, image.size) == (image_format, (64, 48))
    assert private_person.photo.name.endswith(extension)


def test_profile_photo_oversized_is_resized(owner_client, private_person):
    big = upload(encoded(two_halves((4000, 3000)), "JPEG"), "big.jpg")

    response = post_profile(owner_client, big)

    assert response.status_code == 302
    assert stored_photo(private_person).size == (1024, 768)


@pytest.mark.parametrize(
    ("data", "name", "content_type", "message"),
    [
        (gif(), "me.gif", "image/gif", "The photo is a GIF; upload a JPEG, PNG or WebP."),
        # The name and the declared type say JPEG; the content decides.
        (
            pdf(),
            "me.jpg",
            "image/jpeg",
            "The file is a PDF document, not an image; upload a JPEG, PNG or WebP.",
        ),
        (
            png_header_only(30_000, 30_000),
            "bomb.png",
            "image/png",
            "The photo has more pixels than the 40 megapixels allowed. Please upload a smaller "
            "image.",
        ),
        (
            png_header_only(8000, 6000),
            "wide.png",
            "image/png",
            "The photo is 8000 × 6000 pixels (48 megapixels); the largest allowed is 40 "
            "megapixels. Please upload a smaller image.",
        ),
    ],
    ids=["gif", "pdf-named-jpg", "decompression-bomb", "48-megapixels"],
)
def test_profile_photo_refused_with_a_message_naming_why(
    owner_client, private_person, settings, data, name, content_type, message
):
    response = post_profile(owner_client, upload(data, name, content_type))

    assert photo_errors(response) == [message]
    assert message in response.content.decode()
    private_person.refresh_from_db()
    assert private_person.photo.name == ""
    assert stored_files(settings.MEDIA_ROOT) == []


def test_profile_photo_kept_when_the_form_is_saved_without_a_new_one(owner_client, private_person):
    post_profile(owner_client, upload(png(), "me.png", "image/png"))
    private_person.refresh_from_db()
    first = private_person.photo.name

    response = owner_client.post(EDIT_URL, {**PROFILE, "bio": "New bio."})

    assert response.status_code == 302
    private_person.refresh_from_db()
    assert (private_person.photo.name, private_person.bio) == (first, "New bio.")


# The admin: a lab admin adds a person, or changes one, with a photo.


def admin_person_data(client, url="/admin/people/person/add/", **fields):
    """The person admin's form with no inline rows (whatever inlines the apps add)."""
    inlines = client.get(url).context["inline_admin_formsets"]
    data = {"name": "Ada Photo", "slug": "ada-photo", "match_by_name": "on"}
    for inline in inlines:
        prefix = inline.formset.prefix
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data | fields


def test_admin_person_form_uses_the_photo_field_with_the_admin_widget(lab_admin_client):
    response = lab_admin_client.get("/admin/people/person/add/")

    field = response.context["adminform"].form.fields["photo"]
    assert (type(field), type(field.widget)) == (PhotoField, AdminFileWidget)
    assert 'accept="image/jpeg,image/png,image/webp"' in response.content.decode()


def test_admin_photo_jpeg_is_stored_without_exif_and_renamed(lab_admin_client):
    photo = upload(jpeg_with_gps(size=(2400, 1600)), "IMG_0001.jpg")

    data = admin_person_data(lab_admin_client, photo=photo)

    response = lab_admin_client.post("/admin/people/person/add/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    person = Person.objects.get(slug="ada-photo")
    image = stored_photo(person)
    assert (image.format, image.size) == ("JPEG", (683, 1024))
    assert dict(image.getexif()) == {}
    assert image.getpixel((340, 100))[:3] == pytest.approx(RED, abs=20)
    assert image.getpixel((340, 900))[:3] == pytest.approx(BLUE, abs=20)


def test_admin_photo_gif_is_refused(lab_admin_client):
    data = admin_person_data(lab_admin_client, photo=upload(gif(), "ada.jpg"))

    response = lab_admin_client.post("/admin/people/person/add/", data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["photo"] == [
        "The photo is a GIF; upload a JPEG, PNG or WebP."
    ]
    assert not Person.objects.filter(slug="ada-photo").exists()


def test_admin_photo_replaced_on_a_change_gets_a_new_name(lab_admin_client, private_person):
    private_person.photo = "people/0123456789abcdef0123456789abcdef.jpg"
    private_person.save()
    url = f"/admin/people/person/{private_person.pk}/change/"
    data = admin_person_data(
        lab_admin_client, url, name=private_person.name, slug=private_person.slug
    )

    response = lab_admin_client.post(url, data | {"photo": upload(webp(), "new.webp")})

    assert response.status_code == 302, response.context["adminform"].form.errors
    image = stored_photo(private_person)
    assert private_person.photo.name.endswith(".webp")
    assert private_person.photo.name != "people/0123456789abcdef0123456789abcdef.jpg"
    assert image.format == "WEBP"
