from collections.abc import Iterable

from django.db import models
from django.utils.text import slugify


def _base(text: str, max_length: int) -> str:
    return slugify(text)[:max_length].strip("-") or "item"


def _free(base: str, taken: set[str], max_length: int) -> str:
    """``base``, or the first of "base-2", "base-3", ... not in ``taken``."""
    if base not in taken:
        return base
    suffix = 2
    while True:
        tail = f"-{suffix}"
        candidate = f"{base[: max_length - len(tail)].rstrip('-')}{tail}"
        if candidate not in taken:
            return candidate
        suffix += 1


def unique_slug(queryset: models.QuerySet, text: str, *, max_length: int = 80) -> str:
    """A slug for ``text`` that no row of ``queryset`` uses: "hao-wang", then "hao-wang-2", ...

    Accents are transliterated by ``slugify`` ("Sánchez" -> "sanchez"); text with nothing
    sluggable falls back to "item". One query, whatever the number of namesakes.
    """
    base = _base(text, max_length)
    taken = set(queryset.filter(slug__startswith=base).values_list("slug", flat=True))
    return _free(base, taken, max_length)


def unique_slugs(
    queryset: models.QuerySet, texts: Iterable[str], *, max_length: int = 80
) -> list[str]:
    """``unique_slug`` for each of ``texts``, each also distinct from the ones before it, for
    records created together (``bulk_create``). One query, whatever the number of texts: it
    reads every slug of ``queryset`` (thousands for a lab, cheaper than a query per text)."""
    texts = list(texts)
    if not texts:
        return []
    taken = set(queryset.values_list("slug", flat=True))
    slugs = []
    for text in texts:
        slug = _free(_base(text, max_length), taken, max_length)
        taken.add(slug)
        slugs.append(slug)
    return slugs
