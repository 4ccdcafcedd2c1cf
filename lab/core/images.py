"""Uploaded photos: checked, bounded and re-encoded before anything stores them.

A photo is accepted when Pillow reads it as a JPEG, PNG or WebP, whatever its name or the
content type the browser declared. The caps are checked as early as they can be: the size in
bytes before the file is opened, the number of pixels from the header before a single pixel is
decoded (a small file can declare a huge image: a decompression bomb). The pixels are then
decoded, turned upright (EXIF orientation), shrunk so the longest side is at most
``MAX_PHOTO_SIDE`` and re-encoded into a fresh image, so nothing but the pixels survives: no
EXIF (GPS position, camera serial), XMP, comments or text chunks. An embedded colour profile is
applied first (the pixels become sRGB) and then dropped too. The stored file gets a new random
name: the uploader's file name says nothing to visitors, and a name is never reused, which is
what lets the media view (lab/media.py) mark photos immutable.
"""

import io
import secrets
import warnings

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000
MAX_PHOTO_SIDE = 1024

# Pillow's format name -> what the photo is stored as. MPO is the JPEG of cameras and phones
# that add a second picture (a depth map, a preview); the first picture is kept.
ACCEPTED_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP"}
ACCEPTED_WORDS = "a JPEG, PNG or WebP"
# The stored format -> (file extension, content type, encoder options).
ENCODINGS = {
    "JPEG": (".jpg", "image/jpeg", {"quality": 85, "optimize": True, "progressive": True}),
    "PNG": (".png", "image/png", {"optimize": True}),
    "WEBP": (".webp", "image/webp", {"quality": 85, "method": 4}),
}
# Content types of what photo_clean() writes, by extension (the media view serves only these).
PHOTO_CONTENT_TYPES = {extension: content_type for extension, content_type, _ in ENCODINGS.values()}

# Files people upload by mistake that Pillow does not open, named in the refusal.
_KNOWN_OTHER_FILES = [
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
]
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif")
_FORMAT_WORDS = {"WEBP": "WebP", "JPEG2000": "JPEG 2000", "MPO": "JPEG"}


class PhotoField(forms.FileField):
    """A form field for a profile photo: a new upload comes out of ``clean`` checked and
    re-encoded by :func:`photo_clean`, under a random name; an unchanged photo stays as it is."""

    def to_python(self, data):
        upload = super().to_python(data)
        return None if upload is None else photo_clean(upload)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.FileInput) and "accept" not in widget.attrs:
            attrs["accept"] = ",".join(sorted({t for _, t, _ in ENCODINGS.values()}))
        return attrs


def photo_clean(upload) -> SimpleUploadedFile:
    """The photo in ``upload`` re-encoded (upright, at most ``MAX_PHOTO_SIDE`` pixels a side,
    without metadata) under a new random name; ``ValidationError`` naming what is wrong."""
    if upload.size > MAX_PHOTO_BYTES:
        raise ValidationError(
            "The photo is %(size)s; the largest allowed is %(limit)s. Please upload a smaller "
            "image.",
            code="file_too_large",
            params={"size": filesizeformat(upload.size), "limit": f"{MAX_PHOTO_BYTES >> 20} MB"},
        )
    upload.seek(0)
    head = upload.read(32)
    upload.seek(0)
    image = _open(upload, head)
    stored_as = ACCEPTED_FORMATS[image.format]
    try:
        pixels = _decoded(image, stored_as)
    except Exception as error:  # Pillow raises many kinds (OSError, SyntaxError, ValueError...)
        raise ValidationError(
            "The photo is damaged: it could not be read to the end. Please save it again and "
            "upload the new file.",
            code="damaged_image",
        ) from error
    finally:
        image.close()
    extension, content_type, options = ENCODINGS[stored_as]
    buffer = io.BytesIO()
    pixels.save(buffer, format=stored_as, **options)
    return SimpleUploadedFile(
        f"{secrets.token_hex(16)}{extension}", buffer.getvalue(), content_type=content_type
    )


def _open(upload, head: bytes) -> Image.Image:
    """The image, with only its header read; refused when it is not an accepted format or
    declares more than MAX_PHOTO_PIXELS pixels."""
    too_many = ValidationError(
        "The photo has more pixels than the %(limit)s megapixels allowed. Please upload a "
        "smaller image.",
        code="too_many_pixels",
        params={"limit": MAX_PHOTO_PIXELS // 1_000_000},
    )
    try:
        # Pillow's own limit (Image.MAX_IMAGE_PIXELS, about 89 megapixels) is above ours: above
        # it Image.open() warns, which is noise here (the size is refused just below), and above
        # twice it raises DecompressionBombError before the size can be asked.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(upload)
    except Image.DecompressionBombError:
        raise too_many from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        message = _other_file(head) or (
            f"The file is not an image that can be read; upload {ACCEPTED_WORDS}."
        )
        raise ValidationError(message, code="not_an_image") from error
    if image.format not in ACCEPTED_FORMATS:
        name = _FORMAT_WORDS.get(image.format, image.format)
        article = "an" if name[:1] in "AEFHILMNORSX" else "a"
        image.close()
        raise ValidationError(
            "The photo is %(article)s %(format)s; upload %(accepted)s.",
            code="unsupported_format",
            params={"article": article, "format": name, "accepted": ACCEPTED_WORDS},
        )
    width, height = image.size
    if width * height > MAX_PHOTO_PIXELS:
        image.close()
        raise ValidationError(
            "The photo is %(width)s × %(height)s pixels (%(megapixels)s megapixels); the "
            "largest allowed is %(limit)s megapixels. Please upload a smaller image.",
            code="too_many_pixels",
            params={
                "width": width,
                "height": height,
                "megapixels": round(width * height / 1_000_000),
                "limit": MAX_PHOTO_PIXELS // 1_000_000,
            },
        )
    return image


def _other_file(head: bytes) -> str:
    """The refusal of a file people upload by mistake that Pillow does not open, or ""."""
    for magic, kind in _KNOWN_OTHER_FILES:
        if head.startswith(magic):
            return f"The file is {kind}, not an image; upload {ACCEPTED_WORDS}."
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return (
            f"The photo is a HEIC or AVIF image (a phone's format); upload {ACCEPTED_WORDS} "
            "(phones and photo apps can export one)."
        )
    return ""


def _decoded(image: Image.Image, stored_as: str) -> Image.Image:
    """Decode, turn upright, shrink, convert to sRGB: a fresh image holding only pixels."""
    if stored_as == "JPEG":
        # Lets the decoder skip detail the resize throws away (1/2, 1/4, 1/8 scale).
        image.draft("RGB", (MAX_PHOTO_SIDE, MAX_PHOTO_SIDE))
    icc_profile = image.info.get("icc_profile")
    upright = ImageOps.exif_transpose(image)
    upright.thumbnail((MAX_PHOTO_SIDE, MAX_PHOTO_SIDE), Image.Resampling.LANCZOS)
    mode = "RGBA" if stored_as != "JPEG" and upright.has_transparency_data else "RGB"
    converted = _to_srgb(upright, icc_profile, mode)
    # A new image has an empty `info`: no EXIF, XMP, ICC profile, comment or text survives.
    return Image.frombytes(mode, converted.size, converted.tobytes())


def _to_srgb(image: Image.Image, icc_profile: bytes | None, mode: str) -> Image.Image:
    """The pixels in ``mode``, converted from the embedded colour profile to sRGB (what
    browsers assume once the profile is gone) when there is one that fits them."""
    # CMYK pixels need their profile before they become RGB; everything else after.
    converted = image if image.mode == "CMYK" and icc_profile else image.convert(mode)
    if not icc_profile:
        return converted
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        return ImageCms.profileToProfile(
            converted, source, ImageCms.createProfile("sRGB"), outputMode=mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        # A broken profile, or one for other pixels (a grey profile): the pixels as they are.
        return converted.convert(mode)
