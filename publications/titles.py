"""A title's key (``normalize_title``) and the stored, indexed copy of it (``TitleKeyField``).

Two spellings of one title share a key: case, accents, punctuation, braces and spacing folded
away ("Fast {RDMA}-Based Scheduling" and "fast rdma based scheduling"). The imports find the
papers a file repeats by this key and the year; stored in an indexed column, the key is looked
up for the titles a file holds, instead of every title of the file's years being read and
folded again for each preview and import.
"""

import re
import unicodedata

from django.db import models
from django.db.models import signals

_TITLE_NOISE = re.compile(r"[\W_]+")


def normalize_title(title: str) -> str:
    """The key two spellings of a title share: case, accents, punctuation, braces and spacing
    folded away."""
    if title.isascii():
        stripped = title  # nothing to decompose (the common case, and a fast one)
    else:
        decomposed = unicodedata.normalize("NFKD", title)
        stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _TITLE_NOISE.sub(" ", stripped).strip().casefold()


class TitleKeyField(models.CharField):
    """The ``normalize_title`` key of the model's ``source`` field, kept by every write that
    goes through a field's ``pre_save`` (``save()``, ``bulk_create``) and by raw saves
    (``loaddata``, the backups' restore: a ``pre_save`` receiver, since a raw save takes the
    values as they are). Not a form field; writes of plain values (``insert_rows``) give it
    themselves, and an ``update()`` or ``bulk_update`` of the title must set it too."""

    def __init__(self, *args, source: str = "title", **kwargs):
        self.source = source
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.source != "title":
            kwargs["source"] = self.source
        for option, value in (("editable", False), ("blank", True), ("default", "")):
            if kwargs.get(option, not value) == value:
                kwargs.pop(option, None)
        return name, path, args, kwargs

    def key_for(self, text: str) -> str:
        """The key stored for a ``source`` of ``text`` (cut to the column's length: folding
        can lengthen a text, "ﬁ" becoming "fi")."""
        return normalize_title(text)[: self.max_length]

    def key(self, instance) -> str:
        return self.key_for(getattr(instance, self.source))

    def pre_save(self, model_instance, add):
        value = self.key(model_instance)
        setattr(model_instance, self.attname, value)
        return value

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only=private_only)
        if not cls._meta.abstract:
            signals.pre_save.connect(self._raw_save, sender=cls, weak=False)

    def _raw_save(self, sender, instance, raw=False, **kwargs):
        if raw:
            setattr(instance, self.attname, self.key(instance))
