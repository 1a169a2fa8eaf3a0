"""The configuration reference in docs/operations.md, generated from the code that reads the environment.

Every `os.environ.get("NAME", default)`, `os.getenv(...)` and `env_bool / env_int / env_float / env_list("NAME",
default)` in the scanned files becomes a row: the variable, its default as written in the code, the setting it
feeds and the comment above it. `manage.py settings_reference --write` rewrites the section between the markers;
tests/website/test_settings_reference.py fails when the document and the code disagree, so it cannot drift.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["website/settings.py", "core/metrics.py", "core/backup/services.py"]
DOCUMENT = ROOT / "docs" / "operations.md"
START, END = "<!-- settings-reference:start -->", "<!-- settings-reference:end -->"


@dataclass
class Variable:
    name: str
    default: str
    setting: str
    note: str
    source: str


def _is_reader(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in {"env_bool", "env_int", "env_float", "env_list"}
    if isinstance(func, ast.Attribute) and func.attr in {"get", "getenv"}:
        owner = func.value
        return (isinstance(owner, ast.Attribute) and owner.attr == "environ") or (
            isinstance(owner, ast.Name) and owner.id == "os"
        )
    return False


def _comment_above(lines: list[str], lineno: int) -> str:
    notes, index = [], lineno - 2
    while index >= 0 and lines[index].strip().startswith("#"):
        notes.insert(0, lines[index].strip().lstrip("#").strip())
        index -= 1
    return " ".join(notes)


def collect() -> list[Variable]:
    found: dict[str, Variable] = {}
    for relative in SOURCES:
        text = (ROOT / relative).read_text()
        lines = text.splitlines()
        tree = ast.parse(text)
        for statement in ast.walk(tree):
            # the expression a statement evaluates itself (not the statements nested in its body)
            own = getattr(statement, "test", None) if isinstance(statement, ast.If | ast.While) else None
            if isinstance(statement, ast.Assign | ast.AnnAssign | ast.Expr | ast.Return):
                own = statement.value
            if own is None:
                continue
            targets = getattr(statement, "targets", None) or [getattr(statement, "target", None)]
            setting = next((t.id for t in targets if isinstance(t, ast.Name)), "")
            if relative != SOURCES[0]:
                setting = ""  # outside the settings module: the table names the file instead
            for node in ast.walk(own):
                if not (isinstance(node, ast.Call) and _is_reader(node) and node.args):
                    continue
                first = node.args[0]
                if not (isinstance(first, ast.Constant) and isinstance(first.value, str)) or first.value == "":
                    continue
                if first.value in found:
                    continue
                default = ast.unparse(node.args[1]) if len(node.args) > 1 else "—"
                note = _comment_above(lines, statement.lineno) or _comment_above(lines, node.lineno)
                found[first.value] = Variable(first.value, default, setting, note, relative)
    return sorted(found.values(), key=lambda v: (v.source != SOURCES[0], v.name))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render() -> str:
    rows = [
        "| variable | default (as in the code) | setting | explanation from the code |",
        "|---|---|---|---|",
    ]
    for variable in collect():
        rows.append(
            f"| `{variable.name}` | `{_cell(variable.default)}` | {variable.setting or variable.source} | "
            f"{_cell(variable.note)} |"
        )
    return "\n".join([START, *rows, END])


def current_section(text: str) -> str:
    start, end = text.find(START), text.find(END)
    return text[start : end + len(END)] if start >= 0 and end > start else ""


def write() -> bool:
    """Rewrite the section in docs/operations.md; True when it changed."""
    text = DOCUMENT.read_text()
    section = current_section(text)
    fresh = render()
    if section == fresh:
        return False
    DOCUMENT.write_text(text.replace(section, fresh) if section else text.rstrip("\n") + "\n\n" + fresh + "\n")
    return True
