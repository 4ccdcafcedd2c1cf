"""The headless Chromium the browser tests drive.

Playwright's own browser download (``playwright install``) needs the internet, so the tests drive
the distribution's Chromium instead. ``ensure_chromium()`` returns its path; when it is missing and
we are root on Debian, it installs Debian's ``chromium`` and ``chromium-driver`` packages first.

Run directly (``python tools/browsers.py``) it prints the path, installing Chromium if needed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

# Debian's name first (package "chromium"), then the names other systems use.
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
DEBIAN_PACKAGES = ("chromium", "chromium-driver")
# Overrides the search, e.g. for a Chrome installed elsewhere.
ENV_VARIABLE = "LAB_CHROMIUM"


class BrowserError(RuntimeError):
    """Chromium is missing and cannot be installed here."""


def find_chromium() -> Path | None:
    """The Chromium executable: $LAB_CHROMIUM when set, else the first candidate found."""
    given = os.environ.get(ENV_VARIABLE)
    if given:
        path = Path(given)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise BrowserError(f"{ENV_VARIABLE}={given} is not an executable file")
        return path
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def ensure_chromium() -> Path:
    """The Chromium executable, installed with apt-get when missing and we are root on Debian."""
    found = find_chromium()
    if found:
        return found
    if not Path("/etc/debian_version").exists() or not shutil.which("apt-get"):
        raise BrowserError(
            "Chromium is not installed and this is not Debian: install Chromium or Chrome "
            f"and set {ENV_VARIABLE} to its executable"
        )
    if os.geteuid() != 0:
        raise BrowserError(
            "Chromium is not installed; as root run: apt-get install chromium chromium-driver"
        )
    print("Installing Chromium with apt-get (for the browser tests)...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "--no-install-recommends", *DEBIAN_PACKAGES],
    ):
        result = subprocess.run(command, env=env, check=False)  # noqa: S603 - fixed argv
        if result.returncode != 0:
            raise BrowserError(f"`{' '.join(command)}` failed with exit code {result.returncode}")
    found = find_chromium()
    if not found:
        raise BrowserError(f"apt-get installed {', '.join(DEBIAN_PACKAGES)} but no chromium found")
    return found


if __name__ == "__main__":
    try:
        print(ensure_chromium())
    except BrowserError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
