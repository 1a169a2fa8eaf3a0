"""The relevance set: Russian queries as families type them, with what must be in the top 3.

Each case: (query, expected) where `expected` lists lowercase fragments; a hit matches when its service
name (or, after «org:», its organisation's provider type code) contains one of them.
"""

# What an employment centre (ЦЗН) offers in the demo databank.
EMPLOYMENT = [
    "безработных",
    "ваканси",
    "социальный контракт",
    "профессиональное обучение",
    "трудоустрой",
    "своего дела",
]

CASES = [
    # plain and inflected
    ("психолог", ["психолог"]),
    ("психолога для подростка", ["психолог"]),
    ("консультация психолога", ["психолог"]),
    ("логопед", ["логопед"]),
    ("логопеда для ребёнка", ["логопед"]),
    ("педиатр", ["педиатр"]),
    ("прививки", ["вакцинация"]),
    ("пособие на детей", ["пособи"]),
    ("единое пособие", ["единому пособию", "единое пособие"]),
    ("пособие многодетным", ["многодет", "пособи"]),
    ("многодетная семья удостоверение", ["удостоверения многодетной"]),
    ("детский сад очередь", ["детский сад"]),
    ("запись в садик", ["детский сад"]),
    ("продуктовый набор", ["продуктов"]),
    ("одежда для детей", ["одежд"]),
    ("юрист бесплатно", ["юридическ"]),
    ("алименты", ["алимент"]),
    ("работа для подростков", ["трудоустройство", "несовершеннолетних", "подростков"]),
    ("поиск работы", ["работ", "ваканси"]),
    ("встать на учёт безработным", ["безработных"]),
    ("социальный контракт", ["социальный контракт"]),
    ("открыть своё дело", ["своего дела"]),
    ("материнский капитал", ["материнский"]),
    ("жильё молодой семье", ["молодая семья", "жиль"]),
    ("инвалидность ребёнка", ["инвалид", "медико-социальную"]),
    ("реабилитация детей с овз", ["реабилитац", "овз"]),
    ("нарколог анонимно", ["нарколог"]),
    ("зависимость от алкоголя", ["зависим"]),
    ("насилие в семье временное жильё", ["насили", "временное проживание"]),
    ("беременность", ["беременн"]),
    ("молочная кухня", ["молочн"]),
    ("спортивная секция", ["секци", "спорт"]),
    ("хуреш", ["хуреш"]),
    ("паспорт ребёнку", ["паспорт", "документ"]),
    ("телефон доверия", ["телефон доверия"]),
    # abbreviations and colloquial names
    ("ЦЗН", EMPLOYMENT),
    ("где встать на учёт в ЦЗН", ["безработных"]),
    ("биржа труда", EMPLOYMENT),
    ("опека", ["опек"]),
    ("КДН", ["комиссии по делам несовершеннолетних"]),
    ("ПМПК", ["пмпк", "психолого-медико-педагогической"]),
    ("СВО", ["сво"]),
    ("МСЭ", ["медико-социальную"]),
    # typos and wrong keyboard layout
    ("логопэд", ["логопед"]),
    ("психолк", ["психолог"]),
    ("пасобие", ["пособи"]),
    ("gjcj,bt", ["пособи"]),
    ("kjujgtl", ["логопед"]),
    ("wpy", EMPLOYMENT),
]


def matches(hit, expected: list[str]) -> bool:
    service = hit.service_at_location.service
    name = service.name.lower().replace("ё", "е")
    for fragment in expected:
        fragment = fragment.lower().replace("ё", "е")
        if fragment.startswith("org:"):
            if service.organization.provider_type.code == fragment[4:]:
                return True
        elif fragment in name:
            return True
    return False


def top3_share(search_function) -> tuple[float, list[str]]:
    """Share of cases whose expected result is in the top 3, and the queries that missed."""
    missed = []
    for query, expected in CASES:
        results = search_function(query)
        if not any(matches(hit, expected) for hit in results.hits[:3]):
            missed.append(f"{query!r}: {[h.service_at_location.service.name for h in results.hits[:3]]}")
    return 1 - len(missed) / len(CASES), missed
