"""Russian text normalisation shared by indexing and querying: lower case, ё→е, lemmas (pymorphy3)."""

import re
from functools import lru_cache

from core.grammar import analyzer  # the process's one pymorphy3 analyzer, shared with the grammar of places

WORD_RE = re.compile(r"[0-9a-zа-яё]+", re.IGNORECASE)
# Words that carry no meaning in a search (a short list: the lemmatiser already folds forms).
STOP_WORDS = frozenset(
    [
        "и",
        "в",
        "во",
        "на",
        "с",
        "со",
        "по",
        "для",
        "от",
        "до",
        "о",
        "об",
        "у",
        "к",
        "ко",
        "из",
        "за",
        "при",
        "или",
        "а",
        "но",
        "не",
        "ни",
        "как",
        "что",
        "где",
        "кто",
        "это",
        "же",
        "ли",
        "бы",
        "ее",
        "его",
        "их",
        "мой",
        "мы",
        "я",
        "ты",
        "вы",
        "он",
        "она",
        "они",
        # English function words (the /en/ site): the databank is Russian, they would only fail a search
        "a",
        "an",
        "the",
        "for",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "with",
        "from",
        "and",
        "or",
        "is",
        "are",
        "am",
        "my",
        "our",
        "your",
        "i",
        "we",
    ]
)


# Question words of a spoken query («куда обратиться, если…», «к какому врачу»), as lemmas: nothing to find by.
# Compared by lemma, unlike STOP_WORDS (whose «я» would also drop «мне» of «мне плохо»).
QUERY_NOISE = frozenset(
    ["какой", "куда", "когда", "зачем", "почему", "сколько", "чтобы", "если", "можно", "нужно", "надо", "очень"]
)


@lru_cache(maxsize=50_000)
def lemma(word: str) -> str:
    word = word.lower().replace("ё", "е")
    if not re.search("[а-я]", word):
        return word
    return analyzer().parse(word)[0].normal_form.replace("ё", "е")


def lemmas(text: str) -> list[str]:
    """Meaningful lemmas of a text, in order, without stop words."""
    words = (w.lower().replace("ё", "е") for w in WORD_RE.findall(text or ""))
    found = (lemma(w) for w in words if w not in STOP_WORDS)
    return [item for item in found if item not in QUERY_NOISE]


def index_text(*parts: str) -> str:
    """The stored search column: lemmas separated by spaces, with a leading space for word-prefix matching."""
    seen: dict[str, None] = {}
    for part in parts:
        for item in lemmas(part):
            seen.setdefault(item, None)
    return " " + " ".join(seen) + " " if seen else ""


ADJECTIVE_ENDINGS = ("ый", "ий", "ой", "ая", "яя", "ое", "ее")


def match_prefix(word: str) -> str:
    """What a query lemma must begin in the databank's lemmas: the lemma, or for a long adjective its stem — the
    analyser gives «беременным» as the noun «беременная» in one text and the adjective «беременный» in another, and
    both must meet («беременн»)."""
    if len(word) >= 7 and word.endswith(ADJECTIVE_ENDINGS):
        return word[:-2]
    return word
