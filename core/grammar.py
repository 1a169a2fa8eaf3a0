"""Russian grammar for places, numbers and ages put into a sentence (pure functions, pymorphy3).

`decline_place("город Кызыл", "gent")` → «города Кызыла»; `from_place(...)` → «от города Кызыла»,
`in_place(...)` → «в городе Кызыле»; `plural(21, "услуга", "услуги", "услуг")` → «услуга».

A place name is declined word by word, conservatively: the generic word (город, село, район, республика…)
and the adjectives before it always agree; the proper name itself is declined only when the dictionary knows
it as a geographical name (Кызыл → Кызыла, Чадан → Чадана, Ак-Довурак → Ак-Довурака), alone or after «город».
Unknown Tuvan names (Хову-Аксы, Каа-Хем, Кара-Хаак) stay as they are, and so does the name after «село»,
«посёлок», «деревня» (the official style: «в селе Хемчик») and after «республика», «район», «кожуун»
(«Республики Тыва»). Text that does not start in the nominative («вашего местоположения») is left alone.
"""

import re
from functools import lru_cache

import pymorphy3

CASES = {"nomn", "gent", "datv", "accs", "ablt", "loct"}
CASE_ALIASES = {"gen": "gent", "dat": "datv", "acc": "accs", "ins": "ablt", "loc": "loct", "prep": "loct"}
# Generic words of a place name; the names after those of the second group are never declined.
SETTLEMENT_WORDS = frozenset(
    ["город", "село", "посёлок", "поселок", "деревня", "станица", "хутор", "аул", "аал", "местечко", "слобода"]
)
AREA_WORDS = frozenset(["район", "кожуун", "улус", "округ", "область", "край", "республика", "автономный"])
ADJECTIVE_ENDING = re.compile(r"(ый|ий|ой|ая|яя|ое|ее|ие|ые)$", re.IGNORECASE)


@lru_cache(maxsize=1)
def analyzer() -> pymorphy3.MorphAnalyzer:
    """The one morphological analyzer of the process (its dictionaries take tens of MB): search's lemmas use it too."""
    return pymorphy3.MorphAnalyzer()


def normal_case(case: str) -> str:
    case = CASE_ALIASES.get(case, case)
    if case not in CASES:
        raise ValueError(f"Unknown grammatical case: {case!r}")
    return case


def plural(count, one: str, few: str, many: str) -> str:
    """The Russian form agreeing with a number: 1 услуга, 2 услуги, 5 услуг, 11 услуг, 21 услуга."""
    n = abs(int(count or 0))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def count_phrase(count, one: str, few: str, many: str) -> str:
    """«34 года», «1 услуга», «0 услуг»."""
    return f"{count} {plural(count, one, few, many)}"


def years_genitive(count) -> str:
    """«года» or «лет» after «от»/«до»: до 1 года, до 21 года, от 3 лет, до 18 лет."""
    n = abs(int(count or 0))
    return "года" if n % 10 == 1 and n % 100 != 11 else "лет"


def age_range_ru(age_min, age_max, prefix: str = "возраст ребёнка") -> str:
    """«возраст ребёнка от 3 до 17 лет», «… до 1 года», «… от 1 года» (the unit agrees with the last number)."""
    parts = [prefix] if prefix else []
    if age_min is not None:
        parts += ["от", str(age_min)]
    if age_max is not None:
        parts += ["до", str(age_max)]
    last = age_max if age_max is not None else age_min
    if last is None:
        return prefix
    parts.append(years_genitive(last))
    return " ".join(parts)


def _match_case(template: str, word: str) -> str:
    """`word` written with the capitalisation of `template`, hyphenated part by part."""
    if template.isupper() and len(template) > 1:
        return word.upper()
    t_parts, w_parts = template.split("-"), word.split("-")
    if len(t_parts) != len(w_parts):
        return word.capitalize() if template[:1].isupper() else word
    out = []
    for t, w in zip(t_parts, w_parts, strict=True):
        out.append(w[:1].upper() + w[1:] if t[:1].isupper() else w)
    return "-".join(out)


def _keep_yo(template: str, word: str) -> str:
    """pymorphy writes «е» for «ё» in some forms; keep the «ё» of the original stem (посёлок → посёлка)."""
    if "ё" not in template.lower() or "ё" in word:
        return word
    i = template.lower().index("ё")
    if i < len(word) and word[i] == "е":
        return word[:i] + "ё" + word[i + 1 :]
    return word


def _nominative_parses(word: str):
    return [p for p in analyzer().parse(word) if "nomn" in p.tag and "Fixd" not in p.tag]


def _inflect(word: str, parse, case: str) -> str:
    grammemes = {case}
    if case == "loct" and "loc2" in (parse.tag.case or ""):
        grammemes = {"loct"}
    form = parse.inflect(grammemes)
    if form is None:
        return word
    return _match_case(word, _keep_yo(word, form.word))


def _noun_parse(word: str, *, known_geo: bool = False):
    for p in _nominative_parses(word):
        if p.tag.POS != "NOUN" or "sing" not in p.tag:
            continue
        if known_geo and ("Geox" not in p.tag or not analyzer().word_is_known(word)):
            continue
        return p
    return None


def _adjective_parse(word: str):
    last = word.rsplit("-", 1)[-1]
    for p in _nominative_parses(last):
        if p.tag.POS == "ADJF" and ("Apro" in p.tag or ADJECTIVE_ENDING.search(word)):
            return p
    return None


def _decline_adjective(word: str, case: str) -> str | None:
    parse = _adjective_parse(word)
    if parse is None:
        return None
    head, _, last = word.rpartition("-")
    inflected = _inflect(last, parse, case)
    return f"{head}-{inflected}" if head else inflected


@lru_cache(maxsize=4096)
def decline_place(name: str, case: str) -> str:
    """A place name in a grammatical case (gent, datv, accs, ablt, loct), capitalisation kept.

    «город Кызыл» → gent «города Кызыла», loct «городе Кызыле»; «село Хову-Аксы» → «села Хову-Аксы»;
    «Пий-Хемский район» → «Пий-Хемского района»; «Республика Тыва» → «Республики Тыва».
    """
    case = normal_case(case)
    words = (name or "").split()
    if not words or case == "nomn":
        return name
    out: list[str] = []
    head = None  # the generic word once met (lemma), or "name" for a bare proper name
    for i, word in enumerate(words):
        if word[:1] in "«\"'(" or not re.search("[А-Яа-яЁё]", word):
            out.extend(words[i:])  # a quoted official name, an abbreviation or a number: leave the rest
            break
        if head is None:
            adjective = _decline_adjective(word, case)
            if adjective is not None:
                out.append(adjective)
                continue
            noun = _noun_parse(word)
            if noun is not None and noun.normal_form in SETTLEMENT_WORDS | AREA_WORDS:
                out.append(_inflect(word, noun, case))
                head = noun.normal_form
                continue
            geo = _noun_parse(word, known_geo=True)
            if geo is not None and word[:1].isupper():
                out.append(_inflect(word, geo, case))
                head = "name"
                continue
            if i == 0:
                return name  # not a place name in the nominative («вашего местоположения», «пгт Каа-Хем»)
            if noun is not None:  # adjectives and a common noun: «ваше местоположение»
                out.append(_inflect(word, noun, case))
                out.extend(words[i + 1 :])
                break
            out.extend(words[i:])
            break
        # the proper name after the generic word
        if head in AREA_WORDS or head == "name":
            out.extend(words[i:])
            break
        if head != "город":  # «села Хемчик», «посёлка Сукпак»: village names stay in the nominative
            out.extend(words[i:])
            break
        adjective = _decline_adjective(word, case) if word[:1].isupper() else None
        if adjective is not None:
            out.append(adjective)
            continue
        geo = _noun_parse(word, known_geo=True)
        if geo is None or not word[:1].isupper():
            out.extend(words[i:])
            break
        out.append(_inflect(word, geo, case))
        out.extend(words[i + 1 :])
        break
    return " ".join(out)


def _needs_vo(word: str) -> bool:
    """«во» before в/ф and a consonant: во Владимире, во Франции (but в Вологде, в городе)."""
    w = word.lower()
    return len(w) > 1 and w[0] in "вф" and w[1] not in "аеёиоуыэюя"


def in_place(name: str) -> str:
    """«в городе Кызыле», «в селе Хову-Аксы», «во Владимире»."""
    declined = decline_place(name, "loct")
    return f"{'во' if _needs_vo(declined) else 'в'} {declined}"


def from_place(name: str) -> str:
    """«от города Кызыла», «от села Хову-Аксы»."""
    return f"от {decline_place(name, 'gent')}"
