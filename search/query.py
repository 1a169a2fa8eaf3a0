"""Query understanding shared by every engine: what the family typed → what the engines search for.

`parse()` is the one entry point. Engines read `ParsedQuery.lemmas` (dictionary forms for the database
column and the OpenSearch lemma sub-field), `ParsedQuery.text` (the corrected text for a Russian analyzer)
and `ParsedQuery.expansions` (synonym/abbreviation lemmas, OR-ed with the word they expand).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import text as textmod


@dataclass
class ParsedQuery:
    original: str
    text: str  # the corrected query text actually run («Показаны результаты по запросу …»)
    lemmas: list[str] = field(default_factory=list)
    # For each lemma position, alternative lemmas that count as the same word (synonyms, abbreviations).
    expansions: dict[str, list[str]] = field(default_factory=dict)
    corrected: bool = False  # True when `text` differs from what was typed (layout repair, typo repair)
    suggestion: str = ""  # «did you mean», when a better query is likely but not applied

    @property
    def is_empty(self) -> bool:
        return not self.lemmas


def parse(raw: str) -> ParsedQuery:
    raw = (raw or "").strip()[:200]
    return ParsedQuery(original=raw, text=raw, lemmas=textmod.lemmas(raw))
