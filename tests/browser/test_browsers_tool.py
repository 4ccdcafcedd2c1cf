"""tools/browsers.py finds the Chromium the browser tests drive (no browser is started here)."""

import os
import stat

import pytest

from tools.browsers import ENV_VARIABLE, BrowserError, ensure_chromium, find_chromium


def fake_executable(path):
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_find_chromium_returns_the_executable_named_by_lab_chromium(tmp_path, monkeypatch):
    chrome = fake_executable(tmp_path / "chrome")
    monkeypatch.setenv(ENV_VARIABLE, str(chrome))

    assert find_chromium() == chrome
    assert ensure_chromium() == chrome


def test_find_chromium_fails_when_lab_chromium_is_not_executable(tmp_path, monkeypatch):
    not_executable = tmp_path / "chrome"
    not_executable.write_text("")
    monkeypatch.setenv(ENV_VARIABLE, str(not_executable))

    with pytest.raises(BrowserError, match=f"{ENV_VARIABLE}=.* is not an executable file"):
        find_chromium()


def test_find_chromium_finds_the_system_chromium_without_lab_chromium(monkeypatch):
    monkeypatch.delenv(ENV_VARIABLE, raising=False)

    found = find_chromium()

    # The browser tests need one: a machine without it fails here with a clear cause.
    assert found is not None, "no Chromium installed: run `python tools/browsers.py`"
    assert os.access(found, os.X_OK)
