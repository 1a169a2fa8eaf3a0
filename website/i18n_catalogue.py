"""The interface catalogues (website/locale/<lang>/LC_MESSAGES/django.po) hold the strings of the public site and
the kiosks only: `makemessages` also collects the workspace (/cabinet/) and the admin, which stay Russian, so
`manage.py public_messages` runs it and then keeps the entries of the public files and the choice labels that
public pages show (kinds of cost, weekdays, forms of a measure…). A fuzzy guess of msgmerge is never kept."""

from __future__ import annotations

import re
from fnmatch import fnmatch

from django.apps import apps

PUBLIC_SOURCES = [
    "templates/404.html",
    "templates/500.html",
    "templates/base.html",
    "templates/directory/*.html",
    "templates/directory/includes/*",
    "templates/website/guide/form.html",
    "templates/includes/*",
    "templates/kiosk/*",
    "templates/kiosk/includes/*",
    "templates/website/*",
    "templates/website/blocks/*",
    "templates/referrals/help_request.html",
    "templates/referrals/help_request_sent.html",
    "directory/filters.py",
    "directory/forms.py",
    "directory/selectors.py",
    "directory/templatetags/*",
    "referrals/intake.py",
    "search/selectors.py",
    "search/views.py",
    "website/accessibility.py",
    "website/kiosk/views.py",
    "website/kiosk/middleware.py",
    "website/settings.py",
]
NOT_PUBLIC = ["templates/directory/admin/*"]
# Messages of shared validators that the public request form shows.
PUBLIC_MESSAGES = {
    "Телефон не распознан: укажите его в виде +7 999 123-45-67.",
    "Такого номера телефона не существует: проверьте цифры.",
}


def is_public(reference: str) -> bool:
    path = reference.split(":")[0]
    return any(fnmatch(path, p) for p in PUBLIC_SOURCES) and not any(fnmatch(path, p) for p in NOT_PUBLIC)


def choice_labels(app_labels=("directory", "website")) -> set[str]:
    """The source strings of the choices of the models (lazy labels keep them in `_args`)."""
    labels = set()
    for app_label in app_labels:
        for model in apps.get_app_config(app_label).get_models():
            if "spreadsheet" in model.__module__:  # the import journal is admin only
                continue
            for field in model._meta.get_fields():
                for _value, label in getattr(field, "flatchoices", None) or []:
                    label = getattr(label, "_args", [label])[0]
                    if isinstance(label, str):
                        labels.add(label)
    return labels


# -- a small reader and writer of the .po format that msgmerge writes --------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    text = text.strip()[1:-1]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), text)


def _quote(key: str, value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    lines = escaped.split("\n")
    parts = [line + "\\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    if len(parts) <= 1 and len(key) + len(escaped) + 3 <= 100:
        return f'{key} "{"".join(parts)}"\n'
    chunks = []
    for part in parts:
        while len(part) > 98 and part.rfind(" ", 0, 98) > 0:
            cut = part.rfind(" ", 0, 98)
            chunks.append(part[: cut + 1])
            part = part[cut + 1 :]
        chunks.append(part)
    return f'{key} ""\n' + "".join(f'"{chunk}"\n' for chunk in chunks)


def read_po(text: str) -> list[dict]:
    entries = []
    for block in re.split(r"\n\s*\n", text.strip()):
        entry = {"comments": [], "refs": [], "flags": [], "msgid": "", "msgid_plural": None, "msgstr": {}}
        entry["obsolete"] = False
        key = None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry["obsolete"] = True
            elif line.startswith("#:"):
                entry["refs"] += line[2:].split()
            elif line.startswith("#,"):
                entry["flags"] += [flag.strip() for flag in line[2:].split(",")]
            elif line.startswith("#|"):
                continue
            elif line.startswith("#"):
                entry["comments"].append(line)
            elif line.startswith("msgid_plural"):
                key, entry["msgid_plural"] = "msgid_plural", _unquote(line[12:])
            elif line.startswith("msgid"):
                key, entry["msgid"] = "msgid", _unquote(line[5:])
            elif line.startswith("msgstr["):
                key = int(line[7 : line.index("]")])
                entry["msgstr"][key] = _unquote(line[line.index("]") + 1 :])
            elif line.startswith("msgstr"):
                key, entry["msgstr"][0] = 0, _unquote(line[6:])
            elif line.startswith('"'):
                if isinstance(key, int):
                    entry["msgstr"][key] += _unquote(line)
                else:
                    entry[key] += _unquote(line)
        entries.append(entry)
    return entries


def write_po(entries: list[dict]) -> str:
    blocks = []
    for entry in entries:
        text = "".join(line + "\n" for line in entry["comments"])
        if entry["refs"]:
            text += "#: " + " ".join(entry["refs"]) + "\n"
        if entry["flags"]:
            text += "#, " + ", ".join(entry["flags"]) + "\n"
        text += _quote("msgid", entry["msgid"])
        if entry["msgid_plural"] is None:
            text += _quote("msgstr", entry["msgstr"].get(0, ""))
        else:
            text += _quote("msgid_plural", entry["msgid_plural"])
            text += "".join(_quote(f"msgstr[{n}]", entry["msgstr"][n]) for n in sorted(entry["msgstr"]))
        blocks.append(text)
    return "\n".join(blocks)


def keep_public(text: str, labels: set[str]) -> tuple[str, list[str]]:
    """The catalogue with only the public entries (header kept); also the msgids still without a translation."""
    header, *entries = read_po(text)
    kept, untranslated = [header], []
    for entry in entries:
        public = any(is_public(ref) for ref in entry["refs"]) or entry["msgid"] in labels | PUBLIC_MESSAGES
        if entry["obsolete"] or not public:
            continue
        if "fuzzy" in entry["flags"]:
            entry["msgstr"] = {n: "" for n in entry["msgstr"]}
            entry["flags"] = [flag for flag in entry["flags"] if flag != "fuzzy"]
        entry["comments"] = [line for line in entry["comments"] if line.startswith("#.")]
        if not all(entry["msgstr"].values()):
            untranslated.append(entry["msgid"])
        kept.append(entry)
    return write_po(kept), untranslated
