"""The layers of docs/architecture.md, as the import-linter contracts of pyproject.toml check
them (``make lint``): they hold for the project, and each rule fails when broken on purpose."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("lab", "people", "publications", "devtools")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(where: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=where,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def copy_of_the_project(target: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "templates", "static")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, target / package, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


def test_import_contracts_hold_for_the_project():
    result = lint_imports(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


BROKEN_RULES = {
    # people never imports publications, nor the project.
    "people imports publications": (
        "people/zz_break.py",
        "from publications import models",
        "people is not allowed to import publications",
    ),
    "people imports the project": (
        "people/zz_break.py",
        "from lab import workbook",
        "people is not allowed to import lab",
    ),
    # publications stands below the project: no lab.workbook, no lab.views.
    "publications imports the project": (
        "publications/zz_break.py",
        "from lab import workbook",
        "publications is not allowed to import lab",
    ),
    # The project never imports the dev tooling.
    "lab imports devtools": (
        "lab/zz_break.py",
        "import devtools.seed",
        "lab is not allowed to import devtools",
    ),
    # The shared floor imports neither app, nor the project around it.
    "lab.core imports an app": (
        "lab/core/zz_break.py",
        "import people.models",
        "lab.core is not allowed to import people",
    ),
    "lab.core imports the project": (
        "lab/core/zz_break.py",
        "import lab.settings",
        "lab.core is not allowed to import lab.settings",
    ),
}


@pytest.mark.parametrize(
    ("module", "code", "broken"), BROKEN_RULES.values(), ids=BROKEN_RULES.keys()
)
def test_import_contracts_fail_when_a_rule_is_broken(tmp_path, module, code, broken):
    project = copy_of_the_project(tmp_path)
    (project / module).write_text(f"{code}  # noqa\n")

    result = lint_imports(project)

    assert result.returncode == 1
    assert broken in result.stdout
    assert "zz_break" in result.stdout


def test_import_contracts_fail_for_a_lab_module_no_layer_lists(tmp_path):
    """The project contract is exhaustive: a new module of lab must be given its layer."""
    project = copy_of_the_project(tmp_path)
    (project / "lab" / "zz_new.py").write_text('"""A module nobody placed."""\n')

    result = lint_imports(project)

    assert result.returncode == 1
    assert "lab.zz_new" in result.stdout
