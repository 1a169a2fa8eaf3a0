"""The demo data files (`demo/data/*.json`, UTF-8): texts and tables of the demo, kept apart from the code that
loads them into the database."""

import json
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


@cache
def _text(name: str) -> str:
    return (DATA_DIR / name).read_text(encoding="utf-8")


def read(name: str):
    """The parsed contents of `demo/data/<name>`: a fresh copy on every call, so callers may change it."""
    return json.loads(_text(name))
