from django.db import models
from django.utils.text import slugify


def unique_slug(queryset: models.QuerySet, text: str, *, max_length: int = 80) -> str:
    """A slug for ``text`` that no row of ``queryset`` uses: "hao-wang", then "hao-wang-2", ...

    Accents are transliterated by ``slugify`` ("Sánchez" -> "sanchez"); text with nothing
    sluggable falls back to "item". One query, whatever the number of namesakes.
    """
    base = slugify(text)[:max_length].strip("-") or "item"
    taken = set(queryset.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    suffix = 2
    while True:
        tail = f"-{suffix}"
        candidate = f"{base[: max_length - len(tail)].rstrip('-')}{tail}"
        if candidate not in taken:
            return candidate
        suffix += 1
