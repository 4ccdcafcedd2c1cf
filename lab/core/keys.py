"""A stored, indexed key of another field (``KeyField``): the folded form two spellings of
one text share, kept by the model itself so that imports look records up by the keys of the
texts a file holds (an index look-up each) instead of reading and folding every record.

A subclass says how a text is folded (``normalize``): publications.titles.TitleKeyField for
a paper's title, people.names.NameKeyField for a person's name. A model with a key inherits
``KeyedModel``, whose ``save(update_fields=...)`` writes a key with its source.
"""

from django.db import models
from django.db.models import signals


class KeyField(models.CharField):
    """The ``normalize``\\ d key of the model's ``source`` field, kept by every write that goes
    through a field's ``pre_save`` (``save()``, ``bulk_create``; ``KeyedModel.save`` adds the
    key to ``update_fields`` naming its source) and by raw saves (``loaddata``, the backups'
    restore: a ``pre_save`` receiver, since a raw save takes the values as they are). Not a
    form field; writes of plain values (``insert_rows``) give it themselves (``key_for``;
    ``lab.core.bulk.insert_instances`` does), and an ``update()`` or ``bulk_update`` of the
    source must set it too. The model inherits ``KeyedModel``."""

    #: The source field's name when none is given.
    default_source = ""

    def __init__(self, *args, source: str = "", **kwargs):
        self.source = source or self.default_source
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    @staticmethod
    def normalize(text: str) -> str:
        raise NotImplementedError

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.source != self.default_source:
            kwargs["source"] = self.source
        for option, value in (("editable", False), ("blank", True), ("default", "")):
            if kwargs.get(option, not value) == value:
                kwargs.pop(option, None)
        return name, path, args, kwargs

    def key_for(self, text: str) -> str:
        """The key stored for a ``source`` of ``text`` (cut to the column's length: folding
        can lengthen a text, "ﬁ" becoming "fi")."""
        return self.normalize(text)[: self.max_length]

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


class KeyedModel(models.Model):
    """A model with stored keys (``KeyField``): a ``save(update_fields=...)`` that names a
    key's source writes the key with it (the field makes it in ``pre_save``, which Django calls
    only for the fields named)."""

    class Meta:
        abstract = True

    def save(self, *args, update_fields=None, **kwargs):
        if update_fields is not None:
            named = set(update_fields)
            keys = {
                f.name
                for f in self._meta.concrete_fields
                if isinstance(f, KeyField) and f.source in named
            }
            update_fields = named | keys
        super().save(*args, update_fields=update_fields, **kwargs)
