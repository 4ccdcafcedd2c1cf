"""Databases of their own for the tests that run ``manage.py`` in another process (killed
imports, backups): files beside the test's temporary files on SQLite, databases on the test
database's server on PostgreSQL, so each run tests the database the suite runs on.

A template is migrated once per test process (``migrated_template``; ``seeded_template`` adds
the seed fixture and a superuser ``curator``) and copied for each test (``database_copy``):
copying a file, or ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
from django.db import connection
from django.db.utils import load_backend

ROOT = Path(__file__).resolve().parent.parent
SUPERUSER = "curator"


@dataclass(frozen=True)
class Database:
    """A scratch database: ``name`` is the file (SQLite) or the database's name."""

    name: str

    @property
    def url(self) -> str:
        if vendor() == "sqlite":
            return f"sqlite:///{self.name}"
        settings = connection.settings_dict
        user = quote(settings["USER"] or "", safe="")
        password = f":{quote(settings['PASSWORD'], safe='')}" if settings["PASSWORD"] else ""
        host = settings["HOST"] or "127.0.0.1"
        port = settings["PORT"] or 5432
        return f"postgres://{user}{password}@{host}:{port}/{self.name}"

    @property
    def journal(self) -> Path:
        """SQLite's rollback journal: it exists while a write transaction is open."""
        return Path(f"{self.name}-journal")

    def wrapper(self):
        """A Django connection to this database (the caller closes it), reading rows with the
        same conversions as the test database's."""
        settings = {**connection.settings_dict, "NAME": self.name}
        return load_backend(settings["ENGINE"]).DatabaseWrapper(settings, alias="scratch")


def vendor() -> str:
    return connection.vendor


def manage(*args: str, database: Database, timeout: float = 180, **env: str):
    """``manage.py args`` in a fresh process on ``database``, with the project's settings."""
    environment = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}},
        "DJANGO_SETTINGS_MODULE": "lab.settings",
        "DATABASE_URL": database.url,
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _admin():
    """A connection to the PostgreSQL server's maintenance database (autocommit)."""
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def _create(name: str, *, template: str | None = None) -> None:
    with _admin() as admin:
        if template:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            admin.execute(f'CREATE DATABASE "{name}"')


def _drop(name: str) -> None:
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@functools.cache
def _template_directory() -> Path:
    directory = Path(tempfile.mkdtemp(prefix="lab-scratch-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return directory


def _new(stem: str, *, template: Database | None = None, directory: Path | None = None):
    if vendor() == "sqlite":
        path = (directory or _template_directory()) / f"{stem}-{uuid.uuid4().hex[:8]}.sqlite3"
        if template:
            shutil.copyfile(template.name, path)
        return Database(str(path))
    name = f"{connection.settings_dict['NAME']}_{stem}_{uuid.uuid4().hex[:8]}"[:63]
    _create(name, template=template.name if template else None)
    return Database(name)


def _checked(result) -> None:
    assert result.returncode == 0, result.stdout + result.stderr


@functools.cache
def migrated_template() -> Database:
    """An empty database, migrated: the target of a restore."""
    database = _new("migrated")
    if vendor() == "postgresql":
        atexit.register(_drop, database.name)
    _checked(manage("migrate", "--noinput", "-v", "0", database=database))
    return database


@functools.cache
def seeded_template() -> Database:
    """A migrated database with the seed fixture's records and the superuser ``curator``."""
    database = _new("seeded", template=migrated_template())
    if vendor() == "postgresql":
        atexit.register(_drop, database.name)
    _checked(manage("loaddata", "lab", "-v", "0", database=database))
    _checked(
        manage(
            "createsuperuser",
            "--noinput",
            "--username",
            SUPERUSER,
            "--email",
            "curator@example.org",
            database=database,
            DJANGO_SUPERUSER_PASSWORD="curator-password",
        )
    )
    return database


@contextlib.contextmanager
def database_copy(template: Database, directory: Path) -> Iterator[Database]:
    """A copy of ``template`` for one test, dropped after it (files go with ``directory``)."""
    database = _new("copy", template=template, directory=directory)
    try:
        yield database
    finally:
        if vendor() == "postgresql":
            _drop(database.name)


def table_rows(wrapper, table: str, columns: list[str] | None = None) -> list[tuple]:
    """Every row of ``table`` (the ``columns`` given, or all), sorted."""
    quote_name = wrapper.ops.quote_name
    selected = ", ".join(quote_name(column) for column in columns) if columns else "*"
    with wrapper.cursor() as cursor:
        cursor.execute(f"SELECT {selected} FROM {quote_name(table)}")  # noqa: S608 - our tables
        return sorted(cursor.fetchall(), key=repr)


def every_table(wrapper) -> dict[str, list[tuple]]:
    """Every row of every table of the database, by table."""
    with wrapper.cursor() as cursor:
        tables = wrapper.introspection.table_names(cursor)
    return {table: table_rows(wrapper, table) for table in tables}
