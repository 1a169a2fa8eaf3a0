"""The lock files (requirements/*.txt, `make lock`) pin what pyproject.toml asks for, with hashes for every package."""

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def _locked(path: Path) -> dict[str, str]:
    pins, current = {}, None
    for line in path.read_text().splitlines():
        match = PIN.match(line)
        if match:
            current = _name(match.group(1))
            pins[current] = match.group(2)
        elif current and "--hash=sha256:" in line:
            pins[current + ":hashed"] = "yes"
    return pins


def _declared(extra: str | None) -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"]) + (project["optional-dependencies"][extra] if extra else [])
    declared = {}
    for line in lines:
        match = PIN.match(line)
        assert match, f"pyproject.toml: «{line}» must be pinned with =="
        declared[_name(match.group(1))] = match.group(2)
    return declared


@pytest.mark.parametrize(("lock", "extra"), [("base.txt", None), ("test.txt", "test")])
def test_lock_file_pins_every_declared_dependency_with_hashes(lock, extra):
    locked = _locked(ROOT / "requirements" / lock)
    for name, version in _declared(extra).items():
        assert locked.get(name) == version, f"requirements/{lock}: {name}=={version} expected — run `make lock`"
    packages = [key for key in locked if not key.endswith(":hashed")]
    assert all(locked.get(f"{name}:hashed") for name in packages), "every locked package needs its hashes"
