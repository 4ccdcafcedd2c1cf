"""Uploaded photos are checked, bounded and re-encoded (lab/core/images.py)."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from PIL import ExifTags, Image, ImageCms, ImageFile
from PIL.PngImagePlugin import PngInfo

from lab.core.images import MAX_PHOTO_BYTES, PhotoField, photo_clean
from tests.photos import (
    BLUE,
    RED,
    encoded,
    gif,
    jpeg_with_gps,
    pdf,
    png,
    png_header_only,
    two_halves,
    upload,
    webp,
)

STORED_NAME = re.compile(r"[0-9a-f]{32}\.(jpg|png|webp)")


def refusal(data: bytes, name: str = "me.jpg") -> str:
    with pytest.raises(ValidationError) as caught:
        photo_clean(upload(data, name))
    assert len(caught.value.messages) == 1
    return caught.value.messages[0]


def stored(data: bytes, name: str = "me.jpg") -> tuple[str, Image.Image]:
    photo = photo_clean(upload(data, name))
    image = Image.open(io.BytesIO(photo.read()))
    image.load()
    return photo.name, image


def close(colour, expected) -> bool:
    return all(abs(a - b) <= 12 for a, b in zip(colour, expected, strict=False))


def test_jpeg_loses_its_exif_and_is_turned_upright():
    original = Image.open(io.BytesIO(jpeg_with_gps()))
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo) != {}  # the GPS is really there
    assert "comment" in original.info

    name, image = stored(jpeg_with_gps(size=(300, 200)))

    assert STORED_NAME.fullmatch(name) and name.endswith(".jpg")
    assert (image.format, image.size) == ("JPEG", (200, 300))
    assert dict(image.getexif()) == {}
    assert "exif" not in image.info and "comment" not in image.info
    assert "icc_profile" not in image.info
    # Orientation 6 turns the picture a quarter clockwise: the red left half is now on top.
    assert close(image.getpixel((100, 40)), RED)
    assert close(image.getpixel((100, 260)), BLUE)


def test_png_and_webp_are_kept_in_their_format_with_transparency():
    png_name, png_image = stored(png(size=(64, 48)), "me.png")
    webp_name, webp_image = stored(webp(size=(64, 48)), "me.webp")

    assert (png_image.format, png_image.mode, png_image.size) == ("PNG", "RGBA", (64, 48))
    assert (webp_image.format, webp_image.mode, webp_image.size) == ("WEBP", "RGBA", (64, 48))
    assert png_name.endswith(".png") and webp_name.endswith(".webp")
    for image in (png_image, webp_image):
        assert close(image.getpixel((5, 5)), (*RED, 255))
        assert image.getpixel((62, 2))[3] == 0  # the transparent corner stays transparent


def test_png_text_chunks_and_colour_profile_are_dropped():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    text = PngInfo()
    text.add_text("Author", "Pat Private, 42 Hidden Lane")
    data = encoded(two_halves((20, 20)), "PNG", pnginfo=text, icc_profile=srgb)
    assert Image.open(io.BytesIO(data)).info["Author"]  # the metadata is really there

    _, image = stored(data, "me.png")

    assert image.info == {}


def test_oversized_photo_is_shrunk_to_1024_on_its_longest_side():
    _, wide = stored(encoded(two_halves((3000, 1500)), "JPEG"))
    _, tall = stored(png(size=(600, 2400), mode="RGB"), "tall.png")
    _, small = stored(png(size=(300, 200)), "small.png")

    assert (wide.size, tall.size, small.size) == ((1024, 512), (256, 1024), (300, 200))


def test_a_gif_is_refused_by_its_content_whatever_its_name():
    assert refusal(gif(), "me.jpg") == "The photo is a GIF; upload a JPEG, PNG or WebP."


@pytest.mark.parametrize(
    ("image_format", "expected"),
    [
        ("BMP", "The photo is a BMP; upload a JPEG, PNG or WebP."),
        ("TIFF", "The photo is a TIFF; upload a JPEG, PNG or WebP."),
        ("ICO", "The photo is an ICO; upload a JPEG, PNG or WebP."),
    ],
)
def test_other_image_formats_are_refused_by_name(image_format, expected):
    assert refusal(encoded(two_halves((16, 16)), image_format)) == expected


def test_a_pdf_named_jpg_is_refused():
    assert refusal(pdf(), "photo.jpg") == (
        "The file is a PDF document, not an image; upload a JPEG, PNG or WebP."
    )


def test_a_heic_photo_is_refused_by_name():
    heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + bytes(64)

    assert refusal(heic, "IMG_0001.HEIC") == (
        "The photo is a HEIC or AVIF image (a phone's format); upload a JPEG, PNG or WebP "
        "(phones and photo apps can export one)."
    )


def test_a_file_that_is_no_image_is_refused():
    assert refusal(b"just some text, saved as a .png", "me.png") == (
        "The file is not an image that can be read; upload a JPEG, PNG or WebP."
    )


def test_a_truncated_jpeg_is_refused_as_damaged():
    noise = Image.frombytes("RGB", (200, 200), bytes(range(256)) * 468 + bytes(192))
    data = encoded(noise, "JPEG")

    assert refusal(data[: len(data) // 2]) == (
        "The photo is damaged: it could not be read to the end. Please save it again and "
        "upload the new file."
    )


def test_a_photo_over_5_mb_is_refused_before_it_is_opened(monkeypatch):
    data = png(size=(8, 8)) + b"\0" * MAX_PHOTO_BYTES  # a valid PNG, padded past the cap
    monkeypatch.setattr(Image, "open", pytest.fail)  # Pillow must not even read the header

    assert refusal(data, "big.png") == (
        "The photo is 5.0\xa0MB; the largest allowed is 5 MB. Please upload a smaller image."
    )


@pytest.fixture
def no_decoding(monkeypatch):
    """Any attempt to decode pixels fails the test (Pillow's, not ours: headers are read
    without it)."""

    def decode(self, *args, **kwargs):
        pytest.fail("the pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decode)


def test_too_many_pixels_are_refused_from_the_header(no_decoding):
    assert refusal(png_header_only(8000, 6000), "me.png") == (
        "The photo is 8000 × 6000 pixels (48 megapixels); the largest allowed is 40 megapixels. "
        "Please upload a smaller image."
    )


def test_a_photo_above_pillows_own_limit_is_refused_by_its_size(no_decoding):
    """10,000² is above Pillow's warning limit (Image.MAX_IMAGE_PIXELS): the warning is not
    left to decide (the test run turns warnings into errors); our cap refuses it."""
    assert refusal(png_header_only(10_000, 10_000), "me.png") == (
        "The photo is 10000 × 10000 pixels (100 megapixels); the largest allowed is 40 "
        "megapixels. Please upload a smaller image."
    )


def test_a_decompression_bomb_is_refused_without_decoding_it(no_decoding):
    """30,000² (900 megapixels, 2.7 GB decoded) in a file of under 200 bytes: Pillow itself
    raises DecompressionBombError on opening it (above twice its limit), before any pixel."""
    bomb = png_header_only(30_000, 30_000)
    assert len(bomb) < 200

    assert refusal(bomb, "me.png") == (
        "The photo has more pixels than the 40 megapixels allowed. Please upload a smaller image."
    )


def test_photo_field_passes_an_unchanged_photo_through():
    field = PhotoField(required=False)

    assert field.clean(None, "people/3f2a.jpg") == "people/3f2a.jpg"
    assert field.clean(None, "") is None
    assert field.clean(False, "people/3f2a.jpg") is False  # "Clear" ticked: the photo goes


def test_photo_field_accepts_only_the_three_types_in_the_file_picker():
    assert PhotoField().widget.attrs["accept"] == "image/jpeg,image/png,image/webp"
