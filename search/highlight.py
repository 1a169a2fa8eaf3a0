"""Highlighted snippets for the database engine: the words that matched, in <mark>, HTML-escaped."""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from . import text as textmod

TOKEN_RE = re.compile(r"\w+|\W+", re.UNICODE)


def snippet(source: str, lemmas: list[str], *, width: int = 220) -> SafeString:
    """A window of `source` around the first matched word, with every matched word marked."""
    if not source or not lemmas:
        return mark_safe("")
    prefixes = tuple(lemmas)
    marked, first, length = [], None, 0
    for token in TOKEN_RE.findall(source):
        if first is not None and length > first + width:  # the window is complete; the rest is not shown
            break
        hit = token[:1].isalnum() and textmod.lemma(token).startswith(prefixes)
        if hit and first is None:
            first = length
        piece = f"\x00{token}\x01" if hit else token
        marked.append(piece)
        length += len(piece)
    if first is None:
        return mark_safe("")
    plain = "".join(marked)
    start = max(0, first - width // 3)
    window = plain[start : start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < length else ""
    html = escape(prefix + window + suffix).replace("\x00", "<mark>").replace("\x01", "</mark>")
    # A window may cut a mark in two; close what was opened.
    if html.count("<mark>") > html.count("</mark>"):
        html += "</mark>"
    if html.count("</mark>") > html.count("<mark>"):
        html = "<mark>" + html
    return mark_safe(html)  # noqa: S308 - every piece of source text went through escape()
