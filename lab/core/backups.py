"""The whole site in one file, and back: ``backup(path)`` and ``restore(path)``.

A backup is a zip file:

- ``manifest.json``: what the file holds (the tables with their numbers of rows, the media
  files with their sizes and SHA-256, the migrations the database had, when and from which
  database it was taken);
- ``data/<app>.<model>.jsonl``: the rows of every table but the sessions, a JSON object per line
  in Django's serialization format (that of ``dumpdata --format jsonl``), read in one
  transaction so that they fit together. Every table keeps its ids, many-to-many link tables
  included (they are written as tables of their own), so the history tables still point at
  their records, and date-times keep their microseconds. Content types and permissions, which
  every migrated database makes for itself under its own ids, are written by natural key
  (``["people", "person"]``), and so is every reference to them;
- ``media/...``: every file under MEDIA_ROOT (the uploaded photos).

``restore`` goes into an empty database migrated by the same code (the same migrations
applied; nothing in any table the backup holds but what ``migrate`` makes) and refuses
anything else, naming what is in the way. In one transaction it replaces the groups
``migrate`` made with the backup's, merges the content types and permissions by natural key,
inserts every other row with its id, checks the foreign keys, moves the id sequences past the
restored ids and writes the media files; an error writes nothing, and removes the files it
wrote.

Rows are inserted as ``manage.py loaddata`` inserts them (``save(raw=True)``): no history
version is recorded, and ``auto_now`` times are kept, not set to now.

Why not ``dumpdata`` and ``loaddata`` as they are: ``dumpdata`` cuts date-times to
milliseconds, writes many-to-many links as lists (the link rows lose their ids) and, with
natural keys, drops the ids that the history tables and the admin log point at; without them,
the content types and permissions of the backup collide with the target's. A file per table,
read line by line, also keeps the memory of a restore small whatever the size of the lab.
"""

import datetime
import hashlib
import io
import json
import os
import time
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.jsonl import Serializer as JSONLSerializer
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from lab.core.cache import invalidate_pages

FORMAT = "lab-records backup"
VERSION = 1
MANIFEST = "manifest.json"

#: Rows every migrated database makes for itself, under ids of its own: written by natural key
#: and merged with the target's on restore (content types first: permissions name them).
NATURAL = ("contenttypes.contenttype", "auth.permission")
#: Rows ``migrate`` makes that a restore replaces with the backup's (children first).
REPLACED = ("auth.group_permissions", "auth.group")
#: Not backed up: sessions are throwaway (everyone logs in again after a restore).
LEFT_OUT = ("sessions.session",)

#: Rows read per query while writing a table.
CHUNK = 2000
#: A buffer of this size is read from the zip at a time while hashing or copying a file.
BLOCK = 1 << 20


class BackupError(ValueError):
    """A backup or restore refused, with the reason; nothing was written."""


@dataclass
class Summary:
    rows: int = 0
    tables: int = 0
    media: int = 0
    media_bytes: int = 0


def backed_up_models() -> list:
    """Every model whose table a backup holds: the natural-key ones first, in NATURAL's order."""
    models = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.label_lower not in LEFT_OUT
    ]
    return sorted(
        models,
        key=lambda model: (
            NATURAL.index(model._meta.label_lower)
            if model._meta.label_lower in NATURAL
            else len(NATURAL)
        ),
    )


def _is_natural(model) -> bool:
    return model._meta.label_lower in NATURAL


class _Serializer(JSONLSerializer):
    """Django's JSON Lines serializer made a faithful copy: ids kept but for NATURAL (by
    natural key, and so are references to them); no many-to-many fields (their link tables
    are backed up as tables); microseconds kept (DjangoJSONEncoder cuts them)."""

    def get_dump_object(self, obj):
        data = {"model": str(obj._meta)}
        if not _is_natural(obj):
            data["pk"] = self._value_from_field(obj, obj._meta.pk)
        data["fields"] = self._current
        return data

    def _value_from_field(self, obj, field):
        value = field.value_from_object(obj)
        if isinstance(value, datetime.datetime | datetime.time):
            return value.isoformat()
        return super()._value_from_field(obj, field)

    def handle_fk_field(self, obj, field):
        if _is_natural(field.related_model):
            related = getattr(obj, field.name)
            self._current[field.name] = related.natural_key() if related else None
        else:
            self._current[field.name] = self._value_from_field(obj, field)

    def handle_m2m_field(self, obj, field):
        pass


def _natural_key_joins(model) -> list[str]:
    """What to join so that natural keys need no query per row (a permission's natural key
    holds its content type's)."""
    joins = []
    for field in model._meta.concrete_fields:
        if field.is_relation and _is_natural(field.related_model):
            joins.append(field.name)
            if field.related_model._meta.label_lower == "auth.permission":
                joins.append(f"{field.name}__content_type")
    if model._meta.label_lower == "auth.permission":
        joins.append("content_type")
    return joins


def _applied_migrations(using: str) -> list[list[str]]:
    applied = MigrationRecorder(connections[using]).applied_migrations()
    return sorted([app, name] for app, name in applied)


@contextmanager
def _snapshot(using: str):
    """One transaction for every read, so that the tables fit together. On PostgreSQL it is
    REPEATABLE READ: every query sees the database as it was at the first one. SQLite holds its
    read lock until the end, so writers wait (at most their timeout)."""
    connection = connections[using]
    outer = connection.in_atomic_block
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql" and not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _media_files(media_root: Path) -> list[tuple[str, Path]]:
    if not media_root.is_dir():
        return []
    return sorted(
        (path.relative_to(media_root).as_posix(), path)
        for path in media_root.rglob("*")
        if path.is_file()
    )


def _sha256(file) -> str:
    digest = hashlib.sha256()
    while block := file.read(BLOCK):
        digest.update(block)
    return digest.hexdigest()


def backup(path: Path, *, media_root: Path, using: str = DEFAULT_DB_ALIAS) -> Summary:
    """Write every table but the sessions and every file under ``media_root`` to the zip file
    ``path`` (readable by its owner only). The file is written under a temporary name and
    renamed when complete: a failed backup leaves any earlier file of that name as it was."""
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    summary = Summary()
    tables, media = [], []
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    try:
        # Created readable by its owner only (an older partial file is made so too).
        with os.fdopen(os.open(partial, flags, 0o600), "wb") as file:
            os.fchmod(file.fileno(), 0o600)
            with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                with _snapshot(using):
                    migrations = _applied_migrations(using)
                    for model in backed_up_models():
                        tables.append(_write_table(archive, model, using))
                for name, source in _media_files(media_root):
                    media.append(_write_media(archive, name, source))
                manifest = {
                    "format": FORMAT,
                    "version": VERSION,
                    "created": timezone.now().isoformat(),
                    "database": connections[using].vendor,
                    "migrations": migrations,
                    "tables": tables,
                    "media": media,
                }
                archive.writestr(MANIFEST, json.dumps(manifest, indent=1))
            # On disk before it takes the name: a crash cannot leave a truncated backup there.
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    summary.tables = len(tables)
    summary.rows = sum(table["rows"] for table in tables)
    summary.media = len(media)
    summary.media_bytes = sum(item["size"] for item in media)
    return summary


def _write_table(archive: zipfile.ZipFile, model, using: str) -> dict:
    label = model._meta.label_lower
    member = f"data/{label}.jsonl"
    rows = (
        model._base_manager.using(using)
        .order_by("pk")
        .select_related(*_natural_key_joins(model))
        .iterator(chunk_size=CHUNK)
    )
    counted = _Counted(rows)
    entry = zipfile.ZipInfo(member, date_time=time.localtime()[:6])
    entry.compress_type = zipfile.ZIP_DEFLATED
    with io.TextIOWrapper(
        archive.open(entry, "w", force_zip64=True), encoding="utf-8", newline="\n"
    ) as text:
        _Serializer().serialize(counted, stream=text)
    return {"model": label, "file": member, "rows": counted.count}


class _Counted:
    def __init__(self, iterable):
        self.iterable = iterable
        self.count = 0

    def __iter__(self):
        for item in self.iterable:
            self.count += 1
            yield item


def _write_media(archive: zipfile.ZipFile, name: str, source: Path) -> dict:
    with source.open("rb") as file:
        sha256 = _sha256(file)
    # Photos are compressed already: stored as they are.
    archive.write(source, f"media/{name}", compress_type=zipfile.ZIP_STORED)
    return {"name": name, "size": source.stat().st_size, "sha256": sha256}


# --- restore ------------------------------------------------------------------------------------


def restore(path: Path, *, media_root: Path, using: str = DEFAULT_DB_ALIAS) -> Summary:
    """Restore the backup ``path`` into the empty database ``using`` and ``media_root`` (see
    the module docstring). Raises BackupError, having written nothing, when it cannot."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise BackupError(f"{path} is not a backup: {error}") from None
    with archive:
        manifest = _read_manifest(archive, path)
        _check_migrations(manifest, using)
        _check_empty(manifest, using)
        media = _check_media(archive, manifest, Path(media_root))
        written: list[Path] = []
        try:
            with transaction.atomic(using=using):
                summary = _load(archive, manifest, using)
                for name, target in media:
                    _extract(archive, name, target, written)
                invalidate_pages()
        except BaseException:
            for target in written:
                target.unlink(missing_ok=True)
            raise
    summary.media = len(manifest["media"])
    summary.media_bytes = sum(item["size"] for item in manifest["media"])
    return summary


def _read_manifest(archive: zipfile.ZipFile, path) -> dict:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (KeyError, ValueError):
        raise BackupError(f"{path} is not a backup of Lab Records: it has no manifest.") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError(
            f"{path} is not a backup this version of Lab Records reads "
            f"(format {manifest.get('format')!r}, version {manifest.get('version')!r})."
        )
    return manifest


def _check_migrations(manifest: dict, using: str) -> None:
    backed_up = {tuple(item) for item in manifest["migrations"]}
    here = {tuple(item) for item in _applied_migrations(using)}
    if backed_up == here:
        return
    missing = ", ".join(f"{app}.{name}" for app, name in sorted(backed_up - here)) or "none"
    extra = ", ".join(f"{app}.{name}" for app, name in sorted(here - backed_up)) or "none"
    raise BackupError(
        "The database's migrations are not the backup's: restore with the version of Lab "
        "Records the backup was taken with, into a database it migrated (manage.py migrate), "
        f"then upgrade. Applied in the backup only: {missing}. In the database only: {extra}."
    )


def _check_empty(manifest: dict, using: str) -> None:
    in_the_way = []
    for table in manifest["tables"]:
        label = table["model"]
        if label in NATURAL or label in REPLACED:
            continue
        count = apps.get_model(label)._base_manager.using(using).count()
        if count:
            in_the_way.append(f"{label} ({count})")
    if in_the_way:
        raise BackupError(
            "The database is not empty: restore goes into an empty database, migrated "
            "(manage.py migrate) and never used, so nothing is overwritten. Rows in: "
            f"{', '.join(in_the_way)}. Create a new database and migrate it (or empty this "
            "one with manage.py flush, which deletes everything in it)."
        )


def _check_media(archive: zipfile.ZipFile, manifest: dict, media_root: Path):
    """The (member name, target path) of each media file to write; refuses names that leave
    MEDIA_ROOT, and files already there with other content."""
    root = media_root.resolve()
    planned, different = [], []
    for item in manifest["media"]:
        name = PurePosixPath(item["name"])
        target = (root / name).resolve()
        if name.is_absolute() or ".." in name.parts or not target.is_relative_to(root):
            raise BackupError(f"The backup names a media file outside MEDIA_ROOT: {name}.")
        if target.exists():
            with target.open("rb") as file:
                if _sha256(file) != item["sha256"]:
                    different.append(str(name))
            continue
        planned.append((f"media/{name}", target))
    if different:
        raise BackupError(
            f"MEDIA_ROOT ({root}) holds other files under the backup's names: "
            f"{', '.join(different)}. Restore into an empty MEDIA_ROOT."
        )
    return planned


def _load(archive: zipfile.ZipFile, manifest: dict, using: str) -> Summary:
    connection = connections[using]
    summary = Summary(tables=len(manifest["tables"]))
    for label in REPLACED:
        apps.get_model(label)._base_manager.using(using).all().delete()
    models = []
    with connection.constraint_checks_disabled():
        for table in manifest["tables"]:
            model = apps.get_model(table["model"])
            models.append(model)
            rows = 0
            with io.TextIOWrapper(archive.open(table["file"]), encoding="utf-8") as text:
                for row in serializers.deserialize("jsonl", text, using=using):
                    # A natural-key row may be the target's own already: saved over it.
                    row.save(using=using, force_insert=not _is_natural(model))
                    rows += 1
            if rows != table["rows"]:
                raise BackupError(
                    f"The backup is damaged: {table['file']} holds {rows} rows, not "
                    f"{table['rows']}."
                )
            summary.rows += rows
    connection.check_constraints(table_names=[model._meta.db_table for model in models])
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
    return summary


def _extract(archive: zipfile.ZipFile, member: str, target: Path, written: list[Path]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with archive.open(member) as source, target.open("xb") as file:
        written.append(target)
        while block := source.read(BLOCK):
            file.write(block)
