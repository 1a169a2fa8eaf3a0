"""The import rules of pyproject.toml ([tool.importlinter], run by `make test`) hold, and they are not a formality: a
forbidden import added to a copy of the code fails them."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["root_packages"]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env={"PYTHONPATH": str(cwd)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def copy_of_the_code(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_rules_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


# (module written to, the import added, the edge lint-imports names, the contract it says is broken)
FORBIDDEN = [
    (
        "search/scratch.py",
        "from referrals import selectors",
        "search.scratch -> referrals.selectors",
        "never import the referral module BROKEN",
    ),
    (
        "core/scratch.py",
        "from directory import selectors",
        "core.scratch -> directory.selectors",
        "core is the bottom floor",
    ),
    (
        "website/scratch.py",
        "from demo.pages import MEASURES",
        "website.scratch -> demo.pages",
        "imports the demo app (demo data and generators) BROKEN",
    ),
    (
        "directory/selectors.py",
        "from search import sync",
        "directory.selectors -> search.sync",
        "The databank's own modules never import search BROKEN",
    ),
]


@pytest.mark.parametrize(("module", "line", "edge", "contract"), FORBIDDEN)
def test_a_forbidden_import_breaks_them(tmp_path, module, line, edge, contract):
    code = copy_of_the_code(tmp_path)
    path = code / module
    before = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(before + f"\n{line}  # forbidden\n", encoding="utf-8")
    result = lint_imports(code)
    assert result.returncode != 0
    output = " ".join(result.stdout.split())  # contract names wrap in lint-imports' report
    assert edge in output
    assert contract in output
