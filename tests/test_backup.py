"""``manage.py backup`` and ``manage.py restore``: every row of every table (ids kept), the
users, groups and their permissions, the history, and the uploaded photos, and back.

The round trip backs up the test database, holding the seed records, edits (history
versions), users, groups with permissions, an admin log entry, a session and a photo; restores
the file with ``manage.py restore`` in another process into an empty migrated database of its
own (a file on SQLite, a database on the same server on PostgreSQL); and compares every
table row by row. Content types and permissions are compared by natural key (each database
makes its own, under its own ids), and so is every column that refers to them.
"""

import io
import json
import stat
import zipfile

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection
from PIL import Image

from lab.core.history import recorded
from people.models import Person, Role
from publications.models import Paper
from tests.factories import PersonFactory, UserFactory
from tests.scratch import database_copy, manage, migrated_template, table_rows, vendor

pytestmark = pytest.mark.django_db

NATURAL_TABLES = ("django_content_type", "auth_permission")


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def records(media, client, lab_admin, member):
    """The seed records, with history, users, groups, permissions, a log entry, a session and
    a photo."""
    call_command("loaddata", "lab", verbosity=0)
    person = Person.objects.order_by("pk").first()
    other = Person.objects.order_by("pk").last()
    paper = Paper.objects.order_by("pk").first()
    role = Role.objects.order_by("pk").first()
    with recorded("edited before the backup", user=lab_admin):
        person.bio = "Edited before the backup."
        person.save()
        person.kept_apart.add(other)
        paper.title = f"{paper.title} (revised)"
        paper.save()
        role.advisors.add(other)
        role.delete()
    (media / "people").mkdir(parents=True)
    (media / "people" / "photo.png").write_bytes(png())
    (media / "people" / "notes.txt").write_text("not a photo\n", encoding="utf-8")
    person.photo = "people/photo.png"
    person.save()
    reviewers = Group.objects.create(name="Reviewers")
    reviewers.permissions.set(
        Permission.objects.filter(codename__in=["view_paper", "change_venue", "view_person"])
    )
    reviewer = UserFactory(username="reviewer", groups=[reviewers])
    reviewer.user_permissions.add(Permission.objects.get(codename="add_venue"))
    LogEntry.objects.create(
        user=lab_admin,
        content_type=ContentType.objects.get_for_model(Paper),
        object_id=str(paper.pk),
        object_repr=str(paper),
        action_flag=CHANGE,
        change_message="Edited before the backup.",
    )
    client.force_login(member)  # a session: not backed up


def comparable_tables(wrapper) -> dict[str, list[tuple]]:
    """Every table's rows; content types and permissions by natural key, without their ids."""
    content_types = {
        pk: (app_label, model)
        for pk, app_label, model in table_rows(
            wrapper, "django_content_type", ["id", "app_label", "model"]
        )
    }
    permissions = {
        pk: (codename, *content_types[content_type])
        for pk, codename, content_type in table_rows(
            wrapper, "auth_permission", ["id", "codename", "content_type_id"]
        )
    }
    natural = {ContentType: content_types, Permission: permissions}
    tables = {"django_migrations": table_rows(wrapper, "django_migrations", ["app", "name"])}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [
            field
            for field in model._meta.local_concrete_fields
            if not (model._meta.db_table in NATURAL_TABLES and field.primary_key)
        ]
        rows = table_rows(wrapper, model._meta.db_table, [field.column for field in fields])
        translate = [natural.get(field.related_model) for field in fields]
        tables[model._meta.db_table] = sorted(
            (
                tuple(
                    value if names is None or value is None else names[value]
                    for value, names in zip(row, translate, strict=True)
                )
                for row in rows
            ),
            key=repr,
        )
    return tables


def sequences_behind_their_ids(wrapper) -> list[str]:
    """PostgreSQL: the tables whose id sequence would hand out an id already taken."""
    behind = []
    with wrapper.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table, pk = model._meta.db_table, model._meta.pk
            if model._meta.proxy or pk.get_internal_type() not in ("AutoField", "BigAutoField"):
                continue
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk.column])
            (sequence,) = cursor.fetchone()
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
            last, called = cursor.fetchone()
            cursor.execute(f'SELECT max("{pk.column}") FROM "{table}"')  # noqa: S608
            (highest,) = cursor.fetchone()
            if highest is not None and (last + 1 if called else last) <= highest:
                behind.append(table)
    return behind


def files(root) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_backup_restored_into_an_empty_database_has_every_row_and_file(
    records, media, tmp_path
):
    backup = tmp_path / "lab-backup.zip"
    out = io.StringIO()
    call_command("backup", str(backup), stdout=out)
    restored_media = tmp_path / "restored-media"

    with database_copy(migrated_template(), tmp_path) as target:
        result = manage(
            "restore", str(backup), database=target, MEDIA_ROOT=str(restored_media)
        )
        wrapper = target.wrapper()
        try:
            restored = comparable_tables(wrapper)
            with wrapper.cursor() as cursor:
                introspected = set(wrapper.introspection.table_names(cursor))
            behind = sequences_behind_their_ids(wrapper) if vendor() == "postgresql" else []
        finally:
            wrapper.close()
    original = comparable_tables(connection)

    assert result.returncode == 0, result.stderr
    manifest = json.loads(zipfile.ZipFile(backup).read("manifest.json"))
    rows = sum(table["rows"] for table in manifest["tables"])
    assert out.getvalue().startswith(f"Backed up {rows} rows of {len(manifest['tables'])} tables")
    assert result.stdout.startswith(f"Restored {rows} rows of {len(manifest['tables'])} tables")
    assert introspected == set(original)  # every table of the database is compared
    assert len(original["django_session"]) == 1 and restored["django_session"] == []
    del original["django_session"], restored["django_session"]
    assert [table for table in original if restored[table] != original[table]] == []
    # The comparison saw the records, their history, the accounts and the log.
    assert len(original["people_person"]) == Person.objects.count() > 100
    assert len(original["people_historicalperson"]) >= 3
    assert len(original["people_historicalperson_kept_apart"]) >= 1
    assert len(original["auth_user_groups"]) == 3
    assert len(original["auth_group_permissions"]) > 3
    assert len(original["auth_user_user_permissions"]) == 1
    assert len(original["django_admin_log"]) == 1
    assert behind == []
    assert files(restored_media) == files(media)
    assert sorted(files(media)) == ["people/notes.txt", "people/photo.png"]


def test_backup_file_is_readable_by_its_owner_only_and_complete(photo, tmp_path):
    backup = tmp_path / "lab-backup.zip"
    backup.write_bytes(b"yesterday's backup")

    call_command("backup", str(backup), stdout=io.StringIO())

    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert sorted(path.name for path in tmp_path.iterdir() if "backup" in path.name) == [
        "lab-backup.zip"
    ]
    with zipfile.ZipFile(backup) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert archive.read("media/people/photo.png") == photo.read_bytes()
    assert "data/people.historicalperson.jsonl" in names
    assert "data/auth.user_groups.jsonl" in names
    assert "data/sessions.session.jsonl" not in names


def test_backup_into_a_missing_directory_fails_and_writes_nothing(tmp_path):
    target = tmp_path / "missing" / "lab-backup.zip"

    with pytest.raises(CommandError, match=r"Backup failed, .* not written: .*No such file"):
        call_command("backup", str(target))

    assert not target.parent.exists()


def backup_with(path, tmp_path, change) -> str:
    """A copy of the backup ``path`` whose manifest ``change`` edits (extra members: a dict)."""
    copy = tmp_path / "edited-backup.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(copy, "w") as target:
        manifest = json.loads(source.read("manifest.json"))
        extra = change(manifest) or {}
        for item in source.infolist():
            if item.filename != "manifest.json":
                target.writestr(item, source.read(item))
        for name, content in extra.items():
            target.writestr(name, content)
        target.writestr("manifest.json", json.dumps(manifest))
    return str(copy)


@pytest.fixture
def photo(media):
    path = media / "people" / "photo.png"
    path.parent.mkdir(parents=True)
    path.write_bytes(png())
    return path


@pytest.fixture
def empty_backup(photo, tmp_path):
    """A backup of the test database before any record (the rows migrate makes only), and of
    one photo."""
    path = tmp_path / "empty-backup.zip"
    call_command("backup", str(path), stdout=io.StringIO())
    return path


def test_restore_refuses_a_database_that_is_not_empty(empty_backup, photo, member):
    PersonFactory(name="Already Here")
    photo.unlink()

    with pytest.raises(CommandError, match=r"Nothing restored: The database is not empty") as err:
        call_command("restore", str(empty_backup))

    assert (
        "Rows in: auth.user_groups (1), auth.user (1), people.historicalperson (1), "
        "people.person (1). Create a new database"
    ) in str(err.value)
    assert [person.name for person in Person.objects.all()] == ["Already Here"]
    assert not photo.exists()


def test_restore_refuses_a_backup_of_other_migrations(empty_backup, tmp_path):
    edited = backup_with(
        empty_backup,
        tmp_path,
        lambda manifest: manifest["migrations"].append(["people", "9999_future"]),
    )

    with pytest.raises(CommandError, match=r"migrations are not the backup's") as err:
        call_command("restore", edited)

    assert "Applied in the backup only: people.9999_future. In the database only: none." in str(
        err.value
    )


def test_restore_refuses_a_media_file_outside_media_root(empty_backup, media, tmp_path):
    def escape(manifest):
        manifest["media"].append({"name": "../escaped.txt", "size": 4, "sha256": "0" * 64})
        return {"media/../escaped.txt": b"evil"}

    edited = backup_with(empty_backup, tmp_path, escape)

    with pytest.raises(CommandError, match=r"outside MEDIA_ROOT: \.\./escaped\.txt"):
        call_command("restore", edited)

    assert not (media.parent / "escaped.txt").exists()


def test_restore_refuses_media_root_holding_other_files_of_the_same_name(empty_backup, photo):
    photo.write_bytes(b"another photo")

    with pytest.raises(CommandError, match=r"holds other files under the backup's names: "):
        call_command("restore", str(empty_backup))

    assert photo.read_bytes() == b"another photo"


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    not_a_zip = tmp_path / "notes.zip"
    not_a_zip.write_text("hello", encoding="utf-8")
    other_zip = tmp_path / "other.zip"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("readme.txt", "hello")

    with pytest.raises(CommandError, match=r"notes\.zip is not a backup"):
        call_command("restore", str(not_a_zip))
    with pytest.raises(CommandError, match=r"other\.zip is not a backup of Lab Records"):
        call_command("restore", str(other_zip))
