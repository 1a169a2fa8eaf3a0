"""The import rules of pyproject.toml ([tool.importlinter], run by `make test`) hold, and they are not a formality: a
forbidden import added to a copy of the code fails them."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

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


def test_a_forbidden_import_breaks_them(tmp_path):
    code = copy_of_the_code(tmp_path)
    (code / "search" / "scratch.py").write_text("from referrals import selectors  # forbidden\n")
    result = lint_imports(code)
    assert result.returncode != 0
    assert "search.scratch -> referrals.selectors" in result.stdout
    assert "never import the referral module BROKEN" in result.stdout


def test_core_importing_an_app_breaks_them(tmp_path):
    code = copy_of_the_code(tmp_path)
    (code / "core" / "scratch.py").write_text("from directory import selectors  # core is the bottom floor\n")
    result = lint_imports(code)
    assert result.returncode != 0
    assert "core.scratch -> directory.selectors" in result.stdout
    assert "core is the bottom floor" in result.stdout


def test_only_the_demo_imports_the_demo(tmp_path):
    code = copy_of_the_code(tmp_path)
    (code / "website" / "scratch.py").write_text("from demo.pages import MEASURES  # forbidden\n")
    result = lint_imports(code)
    assert result.returncode != 0
    assert "website.scratch -> demo.pages" in result.stdout
    assert "imports the demo app (demo data and generators) BROKEN" in " ".join(result.stdout.split())


def test_the_databank_calling_search_breaks_them(tmp_path):
    code = copy_of_the_code(tmp_path)
    selectors = code / "directory" / "selectors.py"
    selectors.write_text(selectors.read_text(encoding="utf-8") + "\nfrom search import sync  # forbidden\n")
    result = lint_imports(code)
    assert result.returncode != 0
    assert "directory.selectors -> search.sync" in result.stdout
    assert "The databank's own modules never import search BROKEN" in result.stdout
