"""Query understanding shared by every engine: what the family typed → what the engines search for.

`parse()` is the one entry point. Engines read `ParsedQuery.lemmas` (dictionary forms for the database
column and the OpenSearch lemma sub-field), `ParsedQuery.text` (the corrected text for a Russian analyzer)
and `ParsedQuery.expansions` (synonym/abbreviation lemmas, OR-ed with the word they expand).

The steps, in order:

1. Keyboard layout: a word typed on the wrong layout («gjcj,bt» → «пособие», «ырщщд» → «school») is
   converted when the converted form is a known word and the typed one is not. This runs on the raw
   text, before punctuation is dropped: `,` `.` `;` `'` `[` `]` are Russian letters on the Russian layout.
2. Words: lower case, ё → е, stop words dropped, lemmas (`search.text`, the same as indexing).
3. Typos: a lemma that is neither an indexed word nor the beginning of one is replaced by the closest
   indexed word (Damerau–Levenshtein: 1 edit for 4–6 letters, 2 for longer). When that is uncertain
   (a tie, or the typed word is a real Russian word) the query is left alone and `suggestion` is set.
4. Synonyms (`search.models.Synonym`, edited in the admin): a word or phrase of the query that is the
   term or one of the expansions of an entry gets the other members of the entry as alternatives, in
   `expansions[lemma]`. A multi-word alternative is one string of lemmas joined by spaces
   («центр занятость население»): all of its words must be found. When a multi-word phrase of the query
   matched («биржа труда»), every lemma of that phrase gets the same alternatives, so an engine that
   ANDs the lemmas and ORs each with its alternatives finds both the phrase and its equivalents.

Everything `parse()` looks up (indexed words, the synonym dictionary) is cached in the process, so a
warm call makes no database query.
"""

from __future__ import annotations

import re
import threading
import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.db.models import Q

from directory.models import Service

from . import text as textmod
from .models import CrisisTerm, FamilyPhrase, Synonym

# Seconds after which the dictionaries and the databank's words are read again — in the background, while searches
# go on with the ones kept (`_sources`); edits in this process take effect at once (`synonyms_changed`,
# `vocabulary_learn`).
SYNONYMS_TTL = 60.0
VOCABULARY_TTL = 300.0


@dataclass
class ParsedQuery:
    original: str
    text: str  # the corrected query text actually run («Показаны результаты по запросу …»)
    lemmas: list[str] = field(default_factory=list)
    # For each lemma position, alternative lemmas that count as the same word (synonyms, abbreviations).
    expansions: dict[str, list[str]] = field(default_factory=dict)
    corrected: bool = False  # True when `text` differs from what was typed (layout repair, typo repair)
    suggestion: str = ""  # «did you mean», when a better query is likely but not applied
    crisis: bool = False  # a word of danger to life or to a child (`CrisisTerm`): the crisis block comes first
    # The words of the query as typed (lower case), by lemma: what «Показаны результаты по словам …» names.
    forms: dict[str, str] = field(default_factory=dict)
    # Lemmas the databank does not know and that no dictionary expands: dropped when all words find nothing.
    unknown: list[str] = field(default_factory=list)
    spans: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, lemma) of each word in `text`

    @property
    def known(self) -> list[str]:
        """The lemmas left when the unknown ones are dropped, in order."""
        return [lemma for lemma in self.lemmas if lemma not in self.unknown]

    def without_unknown(self) -> str:
        """`text` without the words of `unknown` (negations and the other words kept as typed)."""
        text = self.text
        for start, end, lemma in sorted(self.spans, reverse=True):
            if lemma in self.unknown:
                text = text[:start] + text[end:]
        return " ".join(text.split())

    @property
    def is_empty(self) -> bool:
        return not self.lemmas

    def alternatives(self, lemma: str) -> list[str]:
        """The lemma itself followed by its synonyms (multi-word alternatives are space-separated lemmas)."""
        return [lemma, *self.expansions.get(lemma, [])]


# ---------------------------------------------------------------------------------------------- layouts

# Key by key, ЙЦУКЕН ↔ QWERTY, lower and upper (shifted) case.
_EN_KEYS = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`" + 'QWERTYUIOP{}ASDFGHJKL:"ZXCVBNM<>~'
_RU_KEYS = "йцукенгшщзхъфывапролджэячсмитьбюё" + "ЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮЁ"
_EN_TO_RU = str.maketrans(_EN_KEYS, _RU_KEYS)
_RU_TO_EN = str.maketrans(_RU_KEYS, _EN_KEYS)
# A run of characters that are Russian letters on the Russian layout, with at least one Latin letter.
_LATIN_RUN = re.compile(r"[a-z\[\]{};:'\",.<>`~]*[a-z][a-z\[\]{};:'\",.<>`~]*", re.IGNORECASE)
_CYRILLIC_RUN = re.compile(r"[а-яё]+", re.IGNORECASE)
_TRAILING_PUNCTUATION = ",.;:'\""
_LEADING_PUNCTUATION = "'\"`~"
_CYRILLIC_WORD = re.compile(r"[а-я]+")
# English words a family may type on purpose; a Latin word from this list is never converted.
_ENGLISH = """
about baby bank call card center centre chat child children clinic club doctor email family free help home hotline
info it kids mail med mom online park phone pro school service sms sos sport support taxi telegram test video viber
vk web whatsapp wifi www zoom
"""
ENGLISH_WORDS = frozenset(_ENGLISH.split())


# --------------------------------------------------------------------------------------- the lexicon


@dataclass
class _Vocabulary:
    """Indexed lemmas of published services, with their document frequency."""

    frequency: Counter
    expires: float


@dataclass
class _Dictionary:
    """Active dictionary entries as tuples of phrase keys (`phrase_keys`): each group is what a query may say
    (sources) and what it then also finds (targets). A synonym's members are both; a family phrase's variants
    are the sources and its databank terms the targets. `crisis` holds the words of danger."""

    groups: list[tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]]]
    index: dict[str, list[tuple[tuple[str, ...], int]]]  # first key of a source → (source, group number)
    words: frozenset[str]
    crisis: tuple[tuple[str, ...], ...]
    expires: float
    phrase_words: frozenset[str] = frozenset()  # words only in what families type, not in any term or synonym
    phrase_targets: dict[str, frozenset[str]] = field(default_factory=dict)  # such a word → its phrases' terms


@dataclass
class _Lexicon:
    """Every word a query may use: indexed lemmas plus the words of the synonym dictionary."""

    words: frozenset[str]
    ordered: list[str]
    frequency: Counter
    buckets: dict[tuple[str, int], list[str]]  # (first letter, length) → words
    indexed_ordered: list[str] = field(default_factory=list)  # the databank's own words, sorted
    phrase_words: frozenset[str] = frozenset()  # words only of families' phrases (`_Dictionary.phrase_words`)
    phrase_targets: dict[str, frozenset[str]] = field(default_factory=dict)
    phrases: _Lexicon | None = None  # the words of families' phrases, for a typo of one of them («заикаеться»)
    typo_memo: dict[str, tuple[int, list[str]]] = field(default_factory=dict)

    def indexed(self, word: str) -> bool:
        """The word begins a word of a published service (what the engines match)."""
        word = textmod.match_prefix(word)
        index = bisect_left(self.indexed_ordered, word)
        return index < len(self.indexed_ordered) and self.indexed_ordered[index].startswith(word)

    def has_prefix(self, prefix: str) -> bool:
        index = bisect_left(self.ordered, prefix)
        return index < len(self.ordered) and self.ordered[index].startswith(prefix)

    def knows(self, word: str) -> bool:
        return word in self.words or self.has_prefix(word)


_vocabulary: _Vocabulary | None = None
_dictionary: _Dictionary | None = None
_lexicon_cache: tuple[_Vocabulary, _Dictionary, _Lexicon] | None = None


def vocabulary_reset() -> None:
    """Forget the cached indexed words and synonyms (tests; after a bulk import)."""
    global _vocabulary
    _vocabulary = None
    synonyms_reset()


def synonyms_reset() -> None:
    global _dictionary, _lexicon_cache
    _dictionary = None
    _lexicon_cache = None


def synonyms_changed(sender=None, using=None, **kwargs) -> None:
    """post_save / post_delete of a Synonym: clear now and once more when the transaction commits."""
    synonyms_reset()
    transaction.on_commit(synonyms_reset, using=using)


def _load_vocabulary(now: float) -> _Vocabulary:
    frequency: Counter = Counter()
    try:
        rows = Service.objects.filter(status=Service.Status.PUBLISHED).values_list("search_text", flat=True)
        for search_text in rows.iterator(chunk_size=1000):
            frequency.update(set(search_text.split()))
    except DatabaseError:  # tables not created yet (migrations, checks)
        frequency = Counter()
    return _Vocabulary(frequency=frequency, expires=now + VOCABULARY_TTL)


def _load_dictionary(now: float) -> _Dictionary:
    try:
        synonyms = list(Synonym.objects.filter(is_active=True).values_list("term", "expansions"))
        phrases = list(FamilyPhrase.objects.filter(is_active=True).values_list("phrases", "terms"))
        crisis_terms = list(CrisisTerm.objects.filter(is_active=True).values_list("term", flat=True))
    except DatabaseError:
        synonyms, phrases, crisis_terms = [], [], []

    def keyed(items) -> tuple[tuple[str, ...], ...]:
        members: list[tuple[str, ...]] = []
        for item in items:
            phrase = phrase_keys(item)
            if phrase and phrase not in members:
                members.append(phrase)
        return tuple(members)

    groups = []
    for term, expansions in synonyms:
        members = keyed([term, *expansions.split(",")])
        if len(members) > 1:
            groups.append((members, members))
    synonym_groups = list(groups)
    for sources, targets in phrases:
        sources_keyed, targets_keyed = keyed(sources.split(",")), keyed(targets.split(","))
        if sources_keyed and targets_keyed:
            groups.append((sources_keyed, targets_keyed))
    crisis = keyed(crisis_terms)
    if crisis:  # a word of danger also finds the help for it, whatever else the query says
        groups.append((crisis, keyed(CRISIS_HELP)))
    index: dict[str, list[tuple[tuple[str, ...], int]]] = {}
    for number, (sources, _targets) in enumerate(groups):
        for phrase in sources:
            index.setdefault(phrase[0], []).append((phrase, number))
    words = frozenset(
        word
        for sources, targets in groups
        for phrase in (*sources, *targets)
        for word in phrase
        if word not in NEGATIONS
    )
    spoken = {word for sources, _targets in groups[len(synonym_groups) :] for phrase in sources for word in phrase}
    written = {word for sources, targets in synonym_groups for phrase in sources for word in phrase}
    written |= {word for _sources, targets in groups for phrase in targets for word in phrase}
    written |= {word for phrase in crisis for word in phrase}
    phrase_words = frozenset(spoken - written - NEGATIONS)
    targets_of: dict[str, set[str]] = {}
    for sources, targets in groups[len(synonym_groups) :]:
        target_words = {word for phrase in targets for word in phrase}
        for phrase in sources:
            for word in phrase:
                if word in phrase_words:
                    targets_of.setdefault(word, set()).update(target_words)
    return _Dictionary(
        groups=groups,
        index=index,
        words=words,
        crisis=crisis,
        expires=now + SYNONYMS_TTL,
        phrase_words=phrase_words,
        phrase_targets={word: frozenset(found) for word, found in targets_of.items()},
    )


# What a word of danger finds besides the crisis block: the databank's emergency help.
CRISIS_HELP = ("экстренная психологическая помощь", "телефон доверия", "кризисный центр", "психолог")

# «не говорит» is not «говорит»: phrases of the dictionaries keep these words (the engines drop them).
NEGATIONS = frozenset({"не", "ни", "нет", "no", "not"})


def _english_key(word: str) -> str:
    """English plural folded for phrase matching (the analyser lemmatises only Russian)."""
    if word.isascii() and len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-3] + "y" if word.endswith("ies") else word[:-1]
    return word


def keyed_words(text: str) -> list[tuple[str, str | None]]:
    """The words of a text as dictionaries match them — (key, lemma): lemmas, ё→е, English plurals folded, stop
    words dropped but negations kept (their lemma is None: engines do not search for them)."""
    pairs: list[tuple[str, str | None]] = []
    for word in textmod.WORD_RE.findall(text or ""):
        form = word.lower().replace("ё", "е")
        if form in NEGATIONS:
            pairs.append((form, None))
        elif form not in textmod.STOP_WORDS:
            lemma = textmod.lemma(form)
            if lemma not in textmod.QUERY_NOISE:
                pairs.append((_english_key(lemma), lemma))
    return pairs


def phrase_keys(text: str) -> tuple[str, ...]:
    return tuple(key for key, _lemma in keyed_words(text))


_refreshing = threading.Lock()


def _sources() -> tuple[_Vocabulary, _Dictionary]:
    """The databank's words and the dictionaries: read now when there are none (the first search of a process —
    `website.process.warm_search` makes it happen before the worker takes requests — or after a reset); when they
    are only old, read again by a thread of their own while searches go on with the kept ones."""
    global _vocabulary, _dictionary
    now = time.monotonic()
    vocabulary, dictionary = _vocabulary, _dictionary
    if vocabulary is None:
        vocabulary = _vocabulary = _load_vocabulary(now)
    if dictionary is None:
        dictionary = _dictionary = _load_dictionary(now)
    if min(vocabulary.expires, dictionary.expires) < now and _refreshing.acquire(blocking=False):
        if getattr(settings, "SEARCH_REFRESH_IN_BACKGROUND", True):
            threading.Thread(target=_refresh, daemon=True, name="search-vocabulary").start()
        else:
            _refresh(close=False)
            vocabulary, dictionary = _vocabulary, _dictionary
    return vocabulary, dictionary


def _refresh(close: bool = True) -> None:
    global _vocabulary, _dictionary
    try:
        now = time.monotonic()
        if _vocabulary is not None and _vocabulary.expires < now:
            _vocabulary = _load_vocabulary(now)
        if _dictionary is not None and _dictionary.expires < now:
            _dictionary = _load_dictionary(now)
        _lexicon()  # built here too, not by the next search
    finally:
        if close:
            connections.close_all()  # this thread's own connection
        _refreshing.release()


def vocabulary_learn(service_ids: Iterable[int], sal_ids: Iterable[int] = ()) -> None:
    """The words of services just written become known to this process's parser at once (a new word is not
    «repaired» into an old one), and the lexicon is built again now, by the writer, not by the next search. Words
    no longer used and other processes' edits come with the next full read (`VOCABULARY_TTL`)."""
    global _vocabulary
    vocabulary = _vocabulary
    if vocabulary is None:
        return  # read whole by the next search
    written = Q(pk__in=list(service_ids)) | Q(service_at_locations__pk__in=list(sal_ids))
    texts = Service.objects.filter(written, status=Service.Status.PUBLISHED).distinct()
    new = {word for text in texts.values_list("search_text", flat=True) for word in text.split()}
    new -= vocabulary.frequency.keys()
    if new:
        _vocabulary = replace(vocabulary, frequency=vocabulary.frequency + Counter(new))
        _lexicon()


def _lexicon() -> tuple[_Lexicon, _Dictionary]:
    global _lexicon_cache
    vocabulary, dictionary = _sources()
    cached = _lexicon_cache
    if cached is not None and cached[0] is vocabulary and cached[1] is dictionary:
        return cached[2], dictionary
    # The words of families' phrases alone («логопэд», «маткапитал») are known to the layout repair, but never
    # stop a typo repair nor become one's target: the repaired word is the databank's own.
    words = frozenset(vocabulary.frequency) | (dictionary.words - dictionary.phrase_words)
    phrases = _Lexicon(
        words=dictionary.phrase_words,
        ordered=sorted(dictionary.phrase_words),
        frequency=Counter(),
        buckets=_buckets(dictionary.phrase_words),
    )
    lexicon = _Lexicon(
        phrases=phrases,
        words=words,
        ordered=sorted(words),
        frequency=vocabulary.frequency,
        buckets=_buckets(words),
        indexed_ordered=sorted(vocabulary.frequency),
        phrase_words=dictionary.phrase_words,
        phrase_targets=dictionary.phrase_targets,
    )
    _lexicon_cache = (vocabulary, dictionary, lexicon)
    return lexicon, dictionary


def _buckets(words) -> dict[tuple[str, int], list[str]]:
    """(first letter, length) → the words, sorted: where a typo's candidates are looked for."""
    buckets: dict[tuple[str, int], list[str]] = {}
    for word in sorted(words):
        buckets.setdefault((word[0], len(word)), []).append(word)
    return buckets


# ------------------------------------------------------------------------------------------- parse


@dataclass
class _Word:
    start: int
    end: int
    form: str  # lower case, ё → е
    lemma: str


def parse(raw: str) -> ParsedQuery:
    raw = (raw or "").strip()[:200]
    if not textmod.WORD_RE.search(raw):
        return ParsedQuery(original=raw, text=raw)
    lexicon, dictionary = _lexicon()

    text = _repair_layout(raw, lexicon)
    words = _words(text)
    if not words:
        return ParsedQuery(original=raw, text=text, corrected=text != raw)

    typed = phrase_keys(text)
    text, words, suggestion = _repair_typos(text, words, lexicon)
    lemmas = [word.lemma for word in words]
    pairs = keyed_words(text)
    keys = tuple(key for key, _lemma in pairs)
    expansions = _expand(pairs, dictionary)
    return ParsedQuery(
        original=raw,
        text=text,
        lemmas=lemmas,
        expansions=expansions,
        corrected=text != raw,
        suggestion=suggestion,
        crisis=_signals_danger(typed, dictionary) or _signals_danger(keys, dictionary),
        forms={word.lemma: text[word.start : word.end].lower() for word in words},
        spans=[(word.start, word.end, word.lemma) for word in words],
        # A single letter («р» in «букву р») begins every other word: as good as unknown.
        unknown=[
            lemma for lemma in lemmas if len(lemma) < 2 or (lemma not in expansions and not lexicon.indexed(lemma))
        ],
    )


def _signals_danger(keys: tuple[str, ...], dictionary: _Dictionary) -> bool:
    """A word of danger, in order, anywhere in the query; a long word of it also as the start of a query word
    («суицид» in «суицидальные мысли»)."""

    def same(term_word: str, query_word: str) -> bool:
        return query_word == term_word or (len(term_word) >= 5 and query_word.startswith(term_word))

    for term in dictionary.crisis:
        size = len(term)
        for start in range(len(keys) - size + 1):
            if all(same(term[i], keys[start + i]) for i in range(size)):
                return True
    return False


def _words(text: str) -> list[_Word]:
    words = []
    for match in textmod.WORD_RE.finditer(text):
        form = match.group().lower().replace("ё", "е")
        if form not in textmod.STOP_WORDS and form not in NEGATIONS:  # negations count only in phrases
            lemma = textmod.lemma(form)
            if lemma not in textmod.QUERY_NOISE:
                words.append(_Word(match.start(), match.end(), form, lemma))
    return words


# ---------------------------------------------------------------------------------- layout repair


def _known_russian(word: str, lexicon: _Lexicon) -> bool:
    word = word.lower().replace("ё", "е")
    if not _CYRILLIC_WORD.fullmatch(word):
        return False
    if word in textmod.STOP_WORDS or word in lexicon.words or textmod.lemma(word) in lexicon.words:
        return True
    if textmod.lemma(word) in lexicon.phrase_words:
        return True
    if len(word) >= 4 and lexicon.has_prefix(word):  # a word still being typed: «gjcj,» → «пособ»
        return True
    return textmod.analyzer().word_is_known(word)


def _known_latin(word: str, lexicon: _Lexicon) -> bool:
    word = word.lower()
    if word in ENGLISH_WORDS or word in lexicon.words or word in textmod.STOP_WORDS or word in NEGATIONS:
        return True
    return word in lexicon.phrase_words or _english_key(word) in lexicon.phrase_words  # «wet the bed», «rent»


def _latin_to_russian(run: str, lexicon: _Lexicon) -> str | None:
    """The Russian word typed on the Latin layout, or None when the run is better left as it is."""
    if _known_latin(run, lexicon):
        return None
    candidates = [run]
    stripped = run.rstrip(_TRAILING_PUNCTUATION).lstrip(_LEADING_PUNCTUATION)
    if stripped and stripped != run:
        candidates.append(stripped)
    for candidate in candidates:
        converted = candidate.translate(_EN_TO_RU)
        if _known_russian(converted, lexicon):
            return run.replace(candidate, converted, 1)
    return None


def _russian_to_latin(run: str, lexicon: _Lexicon) -> str | None:
    converted = run.translate(_RU_TO_EN)
    if not converted.isalpha() or not _known_latin(converted, lexicon) or _known_russian(run, lexicon):
        return None
    return converted


def _repair_layout(raw: str, lexicon: _Lexicon) -> str:
    """Convert words typed on the wrong keyboard layout; short words (1–2 letters: «b», «lkz»→«для»
    is 3) only when a longer word of the same query was converted, so «витамин c» stays as typed."""
    replacements: list[tuple[int, int, str]] = []
    short: list[tuple[int, int, str]] = []
    for match in _LATIN_RUN.finditer(raw):
        run = match.group()
        if not _is_whole_word(raw, match.start(), match.end()):
            continue
        letters = sum(char.isalpha() for char in run)
        converted = _latin_to_russian(run, lexicon)
        if converted is not None:
            (short if letters <= 2 else replacements).append((match.start(), match.end(), converted))
    if replacements:
        replacements += short
    for match in _CYRILLIC_RUN.finditer(raw):
        if len(match.group()) >= 3 and _is_whole_word(raw, match.start(), match.end()):
            converted = _russian_to_latin(match.group(), lexicon)
            if converted is not None:
                replacements.append((match.start(), match.end(), converted))
    return _apply(raw, replacements)


def _is_whole_word(raw: str, start: int, end: int) -> bool:
    """The run is not glued to digits or letters of the other alphabet («3d», «psyхолог»)."""
    before = raw[start - 1] if start > 0 else " "
    after = raw[end] if end < len(raw) else " "
    return not (before.isalnum() or after.isalnum())


def _apply(text: str, replacements: list[tuple[int, int, str]]) -> str:
    for start, end, replacement in sorted(replacements, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


# ------------------------------------------------------------------------------------------ typos


def _max_edits(word: str) -> int:
    if len(word) < 4:
        return 0
    return 1 if len(word) <= 6 else 2


def _distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment (Damerau–Levenshtein with adjacent transpositions), stopping past `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        row_min = i
        char = a[i - 1]
        for j in range(1, len(b) + 1):
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != b[j - 1]))
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, before[j - 2] + 1)
            current[j] = value
            row_min = min(row_min, value)
        if row_min > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


def _closest(word: str, lexicon: _Lexicon) -> tuple[int, list[str]]:
    """The smallest distance to indexed words with the same first letter, and the words at that distance."""
    memo = lexicon.typo_memo.get(word)
    if memo is not None:
        return memo
    limit = _max_edits(word)
    best, found = limit + 1, []
    for length in range(len(word) - limit, len(word) + limit + 1):
        for candidate in lexicon.buckets.get((word[0], length), ()):
            distance = _distance(word, candidate, min(limit, best))
            if distance < best:
                best, found = distance, [candidate]
            elif distance == best and distance <= limit:
                found.append(candidate)
    result = (best, found) if found else (limit + 1, [])
    if len(lexicon.typo_memo) < 10_000:
        lexicon.typo_memo[word] = result
    return result


def _repair_typos(text: str, words: list[_Word], lexicon: _Lexicon) -> tuple[str, list[_Word], str]:
    """Apply sure corrections to the text; return the text, its words and a «did you mean» for unsure ones."""
    if not lexicon.words:
        return text, words, ""
    sure: dict[int, str] = {}
    unsure: dict[int, str] = {}
    for position, word in enumerate(words):
        if not _CYRILLIC_WORD.fullmatch(word.form) or len(word.form) < 4:
            continue
        if lexicon.knows(word.lemma) or lexicon.knows(word.form):
            continue
        # What was typed first; the lemma (pymorphy's guess for an unknown word) only when strictly closer.
        best, found = len(word.form) + 1, []
        for variant in dict.fromkeys((word.form, word.lemma)):
            if len(variant) < 4 or variant[0] != word.form[0]:
                continue
            distance, candidates = _closest(variant, lexicon)
            if candidates and distance < best:
                best, found = distance, list(candidates)
        # A word of a family's phrase («фссп», «логопэд») is repaired only towards a term of its own phrases
        # («логопед»), never into another word of the databank («фсс»).
        own_terms = lexicon.phrase_targets.get(word.lemma) or lexicon.phrase_targets.get(word.form)
        if own_terms is not None:
            found = [candidate for candidate in found if candidate in own_terms]
        elif word.lemma in lexicon.phrase_words or word.form in lexicon.phrase_words:
            continue
        if not found and lexicon.phrases is not None:  # a family's own word, misspelt: «заикаеться» → «заикаться»
            for variant in dict.fromkeys((word.form, word.lemma)):
                if len(variant) < 4 or variant[0] != word.form[0]:
                    continue
                distance, candidates = _closest(variant, lexicon.phrases)
                if candidates and distance < best:
                    best, found = distance, list(candidates)
        if not found:
            continue
        # A real Russian word that is simply not indexed («принтер», «бьёт») is never replaced nor questioned:
        # the word one letter away is another word («быть»), not another spelling of the same intent.
        if textmod.analyzer().word_is_known(word.form):
            continue
        found.sort(key=lambda candidate: (-lexicon.frequency.get(candidate, 0), candidate))
        if len(found) == 1:
            sure[position] = found[0]
        else:  # several equally close words
            unsure[position] = found[0]

    def rewrite(changes: dict[int, str]) -> str:
        replacements = []
        for position, replacement in changes.items():
            word = words[position]
            original = text[word.start : word.end]
            if original[:1].isupper():
                replacement = replacement[:1].upper() + replacement[1:]
            replacements.append((word.start, word.end, replacement))
        return _apply(text, replacements)

    suggestion = rewrite({**sure, **unsure}) if unsure else ""
    if sure:
        text = rewrite(sure)
        words = _words(text)
    return text, words, suggestion


# --------------------------------------------------------------------------------------- synonyms


def _contains(phrase: tuple[str, ...], part: tuple[str, ...]) -> bool:
    size = len(part)
    return any(phrase[i : i + size] == part for i in range(len(phrase) - size + 1))


def _expand(pairs: list[tuple[str, str | None]], dictionary: _Dictionary) -> dict[str, list[str]]:
    """Alternatives of the query's lemmas: a dictionary source found in the query (its keys in order) gives every
    lemma of it the group's targets. Alternatives are lemmas joined by spaces, as `ParsedQuery.expansions`."""
    keys = [key for key, _lemma in pairs]
    matches = []
    for start, key in enumerate(keys):
        for phrase, group in dictionary.index.get(key, ()):
            end = start + len(phrase)
            if tuple(keys[start:end]) == phrase:
                matches.append((start, end, phrase, group))
    # A word inside a longer matched phrase follows the phrase («кдн и зп», not «кдн» alone).
    matches = [
        match
        for match in matches
        if not any(
            other[0] <= match[0] and match[1] <= other[1] and other[1] - other[0] > match[1] - match[0]
            for other in matches
        )
    ]
    expansions: dict[str, list[str]] = {}
    for start, end, phrase, group in matches:
        for member in dictionary.groups[group][1]:
            if _contains(member, phrase):  # the phrase itself, or a narrower phrase that contains it
                continue
            words = [word for word in member if word not in NEGATIONS]
            if not words:
                continue
            alternative = " ".join(words)
            for _key, lemma in pairs[start:end]:
                if lemma is None:
                    continue
                alternatives = expansions.setdefault(lemma, [])
                if alternative != lemma and alternative not in alternatives:
                    alternatives.append(alternative)
    return {lemma: alternatives for lemma, alternatives in expansions.items() if alternatives}
