"""The one slug allocator: "hao-wang", then "hao-wang-2", "hao-wang-3", ...

``SlugAllocator`` hands out slugs free of a set of taken ones (and remembers each it gives);
``unique_slug`` and ``unique_slugs`` fill that set from the database with the slugs the new ones
could collide with, read by exact look-ups on the candidates (an index hit each), never by
reading the whole table. Accents are transliterated by ``slugify`` ("Sánchez" -> "sanchez");
text with nothing sluggable falls back to "item". A suffixed slug is cut so that it still fits
in ``max_length`` ("a-very-long-tit-2").
"""

import functools
from collections.abc import Iterable

from django.db import models
from django.db.models import Q
from django.utils.text import slugify

from lab.core.bulk import filter_in

#: Suffixed candidates looked up at once per text ("x", "x-2" ... "x-4"); when all are taken
#: (many namesakes), the slugs starting like the text are read instead.
CANDIDATES = 4


@functools.lru_cache(maxsize=65536)  # a bulk write asks for each text's base twice
def slug_base(text: str, max_length: int) -> str:
    return slugify(text)[:max_length].strip("-") or "item"


def suffixed(base: str, suffix: int, max_length: int) -> str:
    """``base`` with "-<suffix>", cut so that the whole fits in ``max_length``."""
    tail = f"-{suffix}"
    return f"{base[: max_length - len(tail)].rstrip('-')}{tail}"


def _candidates(base: str, max_length: int) -> list[str]:
    """``base`` and its first suffixed forms ("x", "x-2" ... "x-<CANDIDATES>")."""
    if len(base) + len(f"-{CANDIDATES}") <= max_length:  # the same as ``suffixed``: no cut
        return [base, *(f"{base}-{n}" for n in range(2, CANDIDATES + 1))]
    return [base, *(suffixed(base, n, max_length) for n in range(2, CANDIDATES + 1))]


class SlugAllocator:
    """Free slugs given the ones already taken; each slug handed out counts as taken."""

    def __init__(self, taken: Iterable[str] = (), *, max_length: int = 80):
        self.taken = set(taken)
        self.max_length = max_length

    def __call__(self, text: str) -> str:
        base = slug_base(text, self.max_length)
        slug, suffix = base, 2
        while slug in self.taken:
            slug, suffix = suffixed(base, suffix, self.max_length), suffix + 1
        self.taken.add(slug)
        return slug


def _chunks(values: list[str], size: int):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def taken_slugs(queryset: models.QuerySet, texts: Iterable[str], *, max_length: int) -> set[str]:
    """The slugs of ``queryset`` that slugs for ``texts`` could collide with.

    One query for all the candidates ("x", "x-2", ... for each text), plus one for
    the texts whose candidates are all taken (or that appear more than ``CANDIDATES`` times):
    for those, every slug starting like their base, cut short enough to cover suffixed ones.
    """
    bases: dict[str, int] = {}
    for text in texts:
        base = slug_base(text, max_length)
        bases[base] = bases.get(base, 0) + 1
    candidates = {base: _candidates(base, max_length) for base in bases}
    values = list({slug for slugs in candidates.values() for slug in slugs})
    taken: set[str] = set()
    # One parameter whatever the number of candidates (filter_in): one query.
    taken.update(filter_in(queryset, "slug", values).order_by().values_list("slug", flat=True))
    crowded = [
        base
        for base, slugs in candidates.items()
        if bases[base] + (sum(slug in taken for slug in slugs) if taken else 0) > CANDIDATES
    ]
    if crowded:
        # Every candidate of a crowded base starts with its first max_length - 12 characters
        # (a suffix takes at most 12: "-" and 11 digits).
        prefixes = sorted({base[: max(max_length - 12, 1)] for base in crowded})
        for chunk in _chunks(prefixes, 200):  # OR chains deeper than ~1,000 overflow SQLite
            condition = Q()
            for prefix in chunk:
                condition |= Q(slug__startswith=prefix)
            taken.update(queryset.filter(condition).order_by().values_list("slug", flat=True))
    return taken


def unique_slugs(
    queryset: models.QuerySet, texts: Iterable[str], *, max_length: int = 80
) -> list[str]:
    """A free slug of ``queryset`` for each of ``texts``, each also distinct from the ones
    before it, for records created together (``bulk_create``). See ``taken_slugs`` for the
    queries: a fixed number whatever the size of the table."""
    texts = list(texts)
    if not texts:
        return []
    allocate = SlugAllocator(
        taken_slugs(queryset, texts, max_length=max_length), max_length=max_length
    )
    return [allocate(text) for text in texts]


def unique_slug(queryset: models.QuerySet, text: str, *, max_length: int = 80) -> str:
    """A slug for ``text`` that no row of ``queryset`` uses (one query, usually)."""
    return unique_slugs(queryset, [text], max_length=max_length)[0]
