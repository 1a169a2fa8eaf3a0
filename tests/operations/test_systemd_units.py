"""The systemd units of deploy/systemd as docs/operations.md installs them: every periodic job is a oneshot of its
own with a TimeoutStartSec and a timer of its own (a job that hangs on SMTP never holds the others back), the stale
tasks are looked for every few minutes, and the worker puts back its own tasks under the id it runs with."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

SYSTEMD = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
# job (unit name without «families-» and the suffix) → the manage.py command it runs
PERIODIC = {
    "send-notifications": "send_notifications",
    "publish-scheduled": "publish_scheduled",
    "requeue-stale-tasks": "requeue_stale_tasks",
    "backup": "backup",
    "clearsessions": "clearsessions",
}
SECONDS = {"s": 1, "sec": 1, "min": 60, "h": 3600}


def read(name: str) -> dict[str, list[str]]:
    unit: dict[str, list[str]] = {}
    for line in (SYSTEMD / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            unit.setdefault(key.strip(), []).append(value.strip())
    return unit


def seconds(span: str) -> float:
    """A systemd time span such as «10min», «1h», «90s» or «120»."""
    match = re.fullmatch(r"(\d+)\s*(s|sec|min|h)?", span)
    assert match, span
    return int(match.group(1)) * SECONDS[match.group(2) or "s"]


def test_no_unit_runs_several_jobs_in_a_row():
    assert not (SYSTEMD / "families-periodic.service").exists()
    for path in SYSTEMD.glob("*.service"):
        unit = read(path.name)
        if unit.get("Type") == ["oneshot"]:
            assert len(unit["ExecStart"]) == 1, f"{path.name}: one job per unit, so that one hang blocks nothing else"


@pytest.mark.parametrize("job", PERIODIC)
def test_each_periodic_job_has_its_own_timer_and_a_start_timeout(job):
    service, timer = read(f"families-{job}.service"), read(f"families-{job}.timer")
    assert service["Type"] == ["oneshot"]
    assert shlex.split(service["ExecStart"][0])[-1] == PERIODIC[job]
    assert len(service["TimeoutStartSec"]) == 1 and 0 < seconds(service["TimeoutStartSec"][0]) <= 3 * 3600
    assert timer.get("OnUnitActiveSec") or timer.get("OnCalendar")
    assert timer["WantedBy"] == ["timers.target"]
    # A job ends (or is stopped) before its timer fires again.
    if timer.get("OnUnitActiveSec"):
        assert seconds(service["TimeoutStartSec"][0]) <= seconds(timer["OnUnitActiveSec"][0])


def test_stale_tasks_are_looked_for_every_few_minutes():
    timer = read("families-requeue-stale-tasks.timer")
    assert seconds(timer["OnUnitActiveSec"][0]) <= 5 * 60


def test_the_worker_puts_back_its_own_tasks_under_the_id_it_runs_with():
    worker = read("families-worker.service")
    requeue = shlex.split(worker["ExecStartPre"][0])
    run = shlex.split(worker["ExecStart"][0])
    assert requeue[-3:-1] == ["requeue_stale_tasks", "--worker-id"]
    assert run[run.index("--worker-id") + 1] == requeue[-1]
    assert worker["Restart"] == ["always"]


def test_the_guide_installs_every_timer():
    guide = (SYSTEMD.parents[1] / "docs" / "operations.md").read_text()
    for path in SYSTEMD.glob("*.timer"):
        assert path.name in guide or path.stem in guide, f"docs/operations.md does not install {path.name}"
