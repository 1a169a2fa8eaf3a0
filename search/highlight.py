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
    tokens = TOKEN_RE.findall(source)
    marked, first = [], None
    for token in tokens:
        is_word = token[:1].isalnum()
        hit = is_word and any(textmod.lemma(token).startswith(item) for item in lemmas)
        if hit and first is None:
            first = sum(len(t) for t in marked)
        marked.append(token if not hit else f"\x00{token}\x01")
    plain = "".join(marked)
    if first is None:
        return mark_safe("")
    start = max(0, first - width // 3)
    window = plain[start : start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(plain) else ""
    html = escape(prefix + window + suffix).replace("\x00", "<mark>").replace("\x01", "</mark>")
    # A window may cut a mark in two; close what was opened.
    if html.count("<mark>") > html.count("</mark>"):
        html += "</mark>"
    if html.count("</mark>") > html.count("<mark>"):
        html = "<mark>" + html
    return mark_safe(html)  # noqa: S308 - every piece of source text went through escape()
