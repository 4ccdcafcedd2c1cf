"""Settings from the environment: safe locally, strict in production."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k7#p2VqL!x9Zr4mT0sWc8yHn3bGf6dJaE1uQoR5iYtKlMzXv-Np",
    "ALLOWED_HOSTS": "lab.example.org",
}


def manage(*args, **env):
    """Run manage.py in a fresh process with exactly these settings variables."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "lab.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_without_secret_key():
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": ""})

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = manage("check", **{**PRODUCTION, "ALLOWED_HOSTS": ""})

    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_bad_boolean_is_named():
    result = manage("check", DEBUG="maybe")

    assert "DEBUG must be true or false, not 'maybe'." in result.stderr


def test_check_deploy_is_clean_in_production_mode():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_upload_caps_come_from_the_environment_with_the_documented_defaults():
    shown = "from django.conf import settings; print(settings.IMPORT_MAX_ROWS)"
    shown += "; print(settings.IMPORT_MAX_UPLOAD_BYTES)"
    shell = ("shell", "-v", "0", "-c", shown)

    default = manage(*shell)
    chosen = manage(*shell, IMPORT_MAX_ROWS="500", IMPORT_MAX_UPLOAD_BYTES="2048")
    refused = manage("check", IMPORT_MAX_COLUMNS="-1")
    garbled = manage("check", IMPORT_MAX_SHEETS="many")

    assert default.stdout.split() == ["50000", str(10 * 1024 * 1024)]
    assert chosen.stdout.split() == ["500", "2048"]
    assert "IMPORT_MAX_COLUMNS must be a whole number above 0, not -1." in refused.stderr
    assert "IMPORT_MAX_SHEETS must be a whole number, not 'many'." in garbled.stderr


def test_local_defaults_need_no_configuration():
    result = manage("check")

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("env", "expected"),
    [({**PRODUCTION}, "60"), ({"DEBUG": "true"}, "0"), ({**PRODUCTION, "CONN_MAX_AGE": "5"}, "5")],
)
def test_database_connections_are_kept_a_minute_in_production_only(env, expected):
    """runserver (DEBUG) makes a thread per request: a kept connection would never be reused."""
    code = "from django.conf import settings; print(settings.DATABASES['default']['CONN_MAX_AGE'])"
    result = manage("shell", "--no-imports", "-c", code, **{"CONN_MAX_AGE": "", **env})

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [expected]


@pytest.mark.django_db
def test_setup_demo_refuses_in_production(settings):
    from django.core.management import CommandError, call_command

    settings.DEBUG = False

    with pytest.raises(CommandError, match="refuses to run with DEBUG off"):
        call_command("setup_demo")
