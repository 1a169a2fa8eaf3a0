"""pip-audit over a lock file, with a summary that says how much could really be checked.

Fails (exit 1) when a locked package has a known vulnerability. PyPI's advisory feed is read per release
(https://pypi.org/pypi/<name>/<version>/json); a network that reaches only the package index answers 404 there, and
pip-audit then skips the package instead of checking it. The summary counts those skips loudly; with
AUDIT_REQUIRE_FEED=1 (a CI runner with the open internet) a skipped package fails the audit too. A skipped package
pinned at its newest release is still checked against the advisories PyPI lists on the project's page.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

SKIPPED_VERSION = re.compile(r"\(([^()]+)\)$")


def _check_latest(dependency: dict) -> None:
    """Where the per-release feed is out of reach, the project's page (/pypi/<name>/json) may still answer: its
    «vulnerabilities» are those of the newest release, so they settle a pin that is the newest release."""
    found = SKIPPED_VERSION.search(dependency["skip_reason"])
    if "version" not in dependency and found:  # pip-audit names the version of a skipped package only here
        dependency["version"] = found.group(1)
    url = f"https://pypi.org/pypi/{dependency['name']}/json"
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            page = json.load(answer)
    except (OSError, ValueError):
        return
    if page.get("info", {}).get("version") != dependency.get("version"):
        return
    dependency.pop("skip_reason")
    dependency["vulns"] = [
        {"id": v["id"], "fix_versions": v.get("fixed_in") or []}
        for v in page.get("vulnerabilities") or []
        if not v.get("withdrawn")
    ]


def main(lock: str) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        report_path = Path(tmp) / "audit.json"
        command = [
            str(Path(sys.executable).with_name("pip-audit")),
            "--requirement",
            lock,
            "--require-hashes",
            "--disable-pip",
            "--progress-spinner",
            "off",
            "--format",
            "json",
            "--output",
            str(report_path),
        ]
        run = subprocess.run(command, capture_output=True, text=True)
        if not report_path.exists():
            print(run.stdout, run.stderr, sep="\n")
            print("pip-audit не выполнился: см. вывод выше.")
            return 1
        report = json.loads(report_path.read_text())
    dependencies = report["dependencies"]
    for dependency in dependencies:
        if dependency.get("skip_reason"):
            _check_latest(dependency)
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = len(dependencies) - len(skipped)
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "нет"
            print(f"УЯЗВИМОСТЬ {dependency['name']}=={dependency['version']}: {vuln['id']} (исправлено в: {fixes})")
    print(
        f"pip-audit {lock}: пакетов {len(dependencies)}, проверено {audited}, уязвимых {len(vulnerable)}, "
        f"не проверено {len(skipped)}"
    )
    if skipped:
        print(
            "ВНИМАНИЕ: фид уязвимостей PyPI недоступен для этих пакетов (ответ 404 — сеть видит только индекс "
            "пакетов): " + ", ".join(sorted(d["name"] for d in skipped))
        )
    if vulnerable:
        return 1
    if skipped and os.environ.get("AUDIT_REQUIRE_FEED") == "1":
        print("AUDIT_REQUIRE_FEED=1: непроверенные пакеты считаются ошибкой.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "requirements/test.txt"))
