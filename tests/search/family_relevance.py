"""An independent relevance set: situations as families type them (issue #20 acceptance).

The queries were written from the taxonomy of help and the family categories (directory/reference_data.py) and
from the circumstances of need of the seed documents (../shared/domain: Tatarstan 001 «Обстоятельства», the
federal model programme 002 §5.3, Tyva 000 «Перечень мер помощи»): a parent, a teenager or a grandmother
describing what happened, colloquially, sometimes with a typo and without «ё»; a few in English, as a family on
/en/ would type them. They name situations, not services, and none is here because it is known to work.

Each case: (query, expected category codes, expected name fragments). A hit is right when its service has one
of the expected categories, or a descendant of one (compared with the service's categories, their ancestors
and the kinds of help of those groups: `Category.parent`, `Category.kinds`), or when its service name contains
one of the fragments (lowercase, «ё» read as «е»). Every case has at least one published service of the demo
databank that satisfies it (tests/search/test_family_relevance.py checks this).
"""

from __future__ import annotations

CRISIS_LINE = ["телефон доверия", "горячая линия", "экстренная психологическая"]
# A child who ran away: the emergency number, the helplines, the commission on minors' affairs (КДН и ЗП).
RUNAWAY = ["112", *CRISIS_LINE, "комиссии по делам несовершеннолетних"]
# Urgent help in kind or money (A2 without the emergency call line and the spiritual talk of A2.6).
URGENT = ["A2.1", "A2.2", "A2.3", "A2.8"]
# Benefits and support measures (A9 without its «online» channel item A9.x4, which tags any online consultation).
BENEFITS = ["A9.1", "A9.2", "A9.3", "A9.4", "A9.x1", "A9.x2", "A9.x3"]
# Legal help proper (A11 without the personal documents item), and free legal aid of A2.
LEGAL = ["A11.1", "A11.2", "A11.3", "A11.4", "A11.6", "A2.5"]
# Guardianship by relatives or a new family (A15 without placing the child in an institution).
GUARDIANSHIP = ["A15.1", "A15.2", "A15.3", "A15.4", "A15.5"]
# Who helps a mother with a baby: the visiting nurse, the paediatrician, the clubs and schools for young parents.
NEWBORN_CARE = ["патронаж новорожд", "педиатр", "с малышом", "родителей малышей", "молодых родителей"]

CASES = [
    # (query, expected category codes, expected name fragments)
    # -- speech and development delay
    ("ребенок в 3 года не говорит", ["A13.8", "A13.9", "A13.1"], ["логопед", "ранняя помощь"]),
    ("сын плохо выговаривает букву р", ["A13.8"], ["логопед"]),
    ("дочка отстает в развитии от сверстников", ["A13.1", "A13.8", "A13.9", "A6.7"], ["ранняя помощь"]),
    ("ребенок заикаеться", ["A13.8", "A13.9"], ["логопед"]),
    # -- disability
    ("как оформить инвалидность ребенку", ["A6.1.c", "A6.x1"], ["инвалид"]),
    ("ребенку инвалиду нужна коляска", ["A6.1.e"], ["технических средств реабилитации"]),
    (
        "сижу с ребенком инвалидом не с кем оставить даже на час",
        ["A10.3", "A6.3", "A4.1.a"],
        ["передышка", "присмотр"],
    ),
    ("ребенок с дцп где реабилитация", ["A6.7", "A6.9", "A6.1.e"], ["реабилитац"]),
    # -- autism
    ("у сына аутизм куда обратиться", ["A6.5", "A6.6", "A6.7", "A6.x4", "A13.1", "A13.8", "A13.9"], ["овз"]),
    (
        "подозрение на аутизм ребенку 2 года",
        ["A6.5", "A6.6", "A6.7", "A6.x4", "A13.1", "A13.8", "A13.9"],
        ["ранняя помощь", "психиатр"],
    ),
    # -- school problems
    ("ребенок не успевает в школе одни двойки", ["A13.12", "A13.9", "A13.3"], ["отстающих"]),
    ("учительница придирается к ребенку куда жаловаться", ["A13.13", "A13.3", "A11.2"], []),
    ("не хочет ходить в школу плачет по утрам", ["A4", "A13.9", "A13.3"], ["психолог"]),
    # -- bullying
    ("сына травят в классе", ["A4", "A13.9", "A13.13", "A2.6"], ["психолог", *CRISIS_LINE]),
    ("в школе обижают одноклассники что делать", ["A4", "A13.9", "A13.13", "A2.6"], ["психолог", *CRISIS_LINE]),
    # -- teenager conflicts, a child in conflict with the law
    ("подросток грубит и не слушается", ["A4", "A12", "A14.7", "A13.9"], ["подрост"]),
    ("постоянно ругаемся с дочкой 15 лет", ["A4", "A12.1.c"], ["психолог"]),
    (
        "сын связался с плохой компанией",
        ["A14.4", "A14.5", "A14.6", "A14.7", "A4.1.g", "A4.1.h"],
        ["подрост", "несовершеннолетних"],
    ),
    ("сына поймали полиция поставили на учет", ["A14.5", "A14.6", "A14.7", "A4.1.h", "A11.3"], ["несовершеннолет"]),
    ("ребенок сидит в телефоне целыми днями", ["A3.4", "A4", "A12"], []),
    # -- runaway child
    ("ребенок ушел из дома и не вернулся", ["A3.3", "A3.4", "A14.5", "A2.6"], RUNAWAY),
    ("дочь сбежала из дома второй раз", ["A3.3", "A3.4", "A14.5", "A2.6", "A4"], RUNAWAY),
    # -- alcohol and drugs in the family
    ("муж пьет что делать", ["A5"], ["нарколог", "зависим"]),
    ("подозреваю что сын употребляет наркотики", ["A5", "A4.1.i"], ["нарколог", "зависим"]),
    ("мама пьет а мне 14 лет", ["A5", "A2.6"], CRISIS_LINE),
    # -- domestic violence
    ("муж бьет меня и детей", ["A3.3", "A2.4", "A7.7", "A2.6"], ["насили", "112"]),
    ("некуда уйти от мужа тирана с детьми", ["A3.3", "A2.4", "A7.7"], ["насили", "кризисн"]),
    ("отчим поднимает руку на ребенка", ["A3.3", "A3.4", "A2.6", "A14.5"], ["насили", "112"]),
    # -- sexual abuse
    ("отчим пристает к дочери", ["A2.6", "A3.3", "A3.4", "A14.5"], ["насили", "112", *CRISIS_LINE]),
    ("ребенка трогал взрослый мужчина куда обратиться", ["A2.6", "A3.3", "A3.4", "A14.5"], ["насили", "112"]),
    # -- suicidal thoughts
    ("не хочу жить", ["A2.6", "A4.3"], ["психолог", *CRISIS_LINE]),
    ("подросток говорит что покончит с собой", ["A2.6", "A4.3"], ["психолог", *CRISIS_LINE]),
    ("мысли о самоубийстве", ["A2.6", "A4.3"], ["психолог", *CRISIS_LINE]),
    # -- no money, no food, no clothes
    ("денег нет совсем трое детей", [*URGENT, *BENEFITS], ["материальная помощь"]),
    ("не хватает денег до зарплаты", [*URGENT, *BENEFITS, "A8.6"], ["материальная помощь", "пособи"]),
    ("нечем кормить детей", ["A2.2"], ["продукт", "питани", "материальная помощь"]),
    ("дома нет еды", ["A2.2"], ["продукт", "обед", "материальная помощь"]),
    ("ребенку не в чем ходить в школу зимой", ["A2.3"], ["одежд"]),
    ("где взять детские вещи бесплатно", ["A2.3"], ["одежд", "детских товаров"]),
    # -- debts, housing, eviction, utilities, repairs
    ("долги по кредитам приставы арестовали карту", LEGAL, ["юридическ"]),
    ("долг за коммуналку нечем платить", ["A7.2.i", "A7.3", "A7.6", *BENEFITS, "A2.8", "A11.3"], []),
    ("нас выселяют из квартиры с детьми", ["A7.2.e", "A2.4", "A7.7", *LEGAL], ["юридическ"]),
    ("негде жить с детьми", ["A2.4", "A7.7", "A7.4", "A3.3"], ["жиль", "гостиниц", "временное проживание"]),
    ("как встать в очередь на квартиру", ["A7.4"], ["жиль"]),
    ("печка дымит и проводка старая", ["A7.8"], ["пожарн"]),
    ("дом совсем развалился нужен ремонт", ["A7.x1", "A7.9", "A7.1", "A7.8"], ["ремонт"]),
    # -- pregnancy, newborn, breastfeeding
    ("я беременна мне 16 лет", ["A4.x1"], ["беременн", "будущих родителей"]),
    ("беременна муж ушел не знаю что делать", ["A4.x1", "A2.6"], ["беременн", "кризисной"]),
    ("хочу отказаться от ребенка в роддоме", ["A4.x1"], ["беременн", "кризисной", "младенцами"]),
    ("родился малыш что нам положено", [*BENEFITS, "A11.5"], ["рождени", "пособи", "капитал"]),
    ("нет денег на смесь и памперсы", ["A2.2", "A2.3"], ["молочн", "младенц"]),
    ("не получается кормить грудью", [], NEWBORN_CARE),
    ("мало молока у кормящей мамы", [], [*NEWBORN_CARE, "молочн"]),
    # -- single mother, large family, low income
    ("одна воспитываю ребенка какие льготы", [*BENEFITS, "A11.4"], ["алимент", "пособи"]),
    ("мать одиночка нужна помощь", [*BENEFITS, *URGENT, "A11.4"], []),
    ("у нас пятеро детей что положено", BENEFITS, ["многодет"]),
    ("многодетным землю дают", ["A7.3"], ["земельн"]),
    ("маленькая зарплата а детей двое пособие", BENEFITS, ["пособи"]),
    ("как признать семью малоимущей", BENEFITS, ["пособи", "мер социальной поддержки"]),
    ("хотим купить дом на маткапитал", ["A7.5"], ["материнск"]),
    ("платить за садик нечем", BENEFITS, ["компенсац"]),
    # -- documents
    ("потеряли паспорт и свидетельство о рождении", ["A11.5", "A2.7"], ["документ"]),
    ("ребенку 14 лет надо делать паспорт", ["A11.5"], ["паспорт"]),
    ("как прописать ребенка", ["A7.2.c", "A11.5", "A11.3"], ["единое окно"]),
    ("нет полиса омс у ребенка", ["A6.1.a", "A11.5"], ["полис"]),
    ("как получить свидетельство о рождении", ["A11.5"], ["рождени", "документ"]),
    # -- alimony, divorce, custody, temporary placement
    ("бывший муж не платит на ребенка", ["A11.4", "A11.3", "A2.5"], ["алимент"]),
    ("как подать на алименты", ["A11.4", "A11.2", "A11.3", "A2.5"], ["алимент"]),
    ("развод с мужем с кем останутся дети", ["A4.4", "A11.6", "A11.3"], ["медиац", "суд"]),
    ("после развода ребенок сильно переживает", ["A4"], ["психолог"]),
    ("бабушка хочет оформить опеку над внуком", GUARDIANSHIP, ["опек"]),
    ("уезжаю на вахту с кем оставить детей", ["A15.1", "A15.4", "A10.3"], ["временной передачи"]),
    ("лишили родительских прав как вернуть ребенка", ["A11.6", "A15.2"], ["возвращение ребенка", "суд"]),
    # -- adoption and foster, orphan graduates
    ("хотим взять ребенка из детдома", GUARDIANSHIP, ["приемных родителей", "опек"]),
    ("приемный ребенок не слушается", ["A4.1.g"], ["замещающих", "приемн"]),
    ("выпустился из детдома где жить и работать", ["A7.4", "A8.2"], ["выпускник"]),
    # -- unemployment and jobs
    ("муж потерял работу", ["A8"], []),
    ("ищу работу мама с маленьким ребенком", ["A8"], []),
    ("подростку 15 лет хочу подработать летом", ["A8.10"], ["подростк", "несовершеннолетних"]),
    ("хочу открыть свое дело в декрете", ["A8.6", "A8.8", "A8.9"], ["своего дела"]),
    ("хотим держать корову и огород", ["A8.7"], ["подсобного хозяйства"]),
    ("выучиться на новую профессию", ["A8.5", "A8.x1"], ["профессиональное обучение"]),
    ("куда поступать после 9 класса", ["A13.x1"], ["профориентац"]),
    # -- legal aid
    ("нужен бесплатный адвокат", LEGAL, ["юридическ"]),
    ("помогите написать жалобу", ["A11.2"], ["жалоб"]),
    # -- leisure, sport, camps, childcare
    ("куда отдать сына на борьбу", ["A10.5.d"], ["секци", "хуреш"]),
    ("чем занять ребенка после школы", ["A10.5", "A10.3", "A14.4"], ["кружк", "секци"]),
    ("путевка в лагерь на лето", ["A10.4"], ["лагер", "оздоров"]),
    ("бесплатные кружки рисования для детей", ["A10.5"], ["кружк", "творчеств", "искусств"]),
    ("в садик не дают место", ["A10.1"], ["детский сад"]),
    ("не с кем оставить ребенка пока на работе", ["A10.1", "A10.3"], ["присмотр", "продленного"]),
    # -- health
    ("у ребенка температура к какому врачу", [], ["педиатр", "стационар", "узких специалистов"]),
    ("болит зуб у ребенка", [], ["педиатр", "узких специалистов", "детских специалистов"]),
    ("когда делать прививки малышу", [], ["вакцинац", "педиатр"]),
    ("справка для садика медосмотр", ["A6.1.d"], ["справк"]),
    ("ребенку нужна операция а денег нет", ["A6.2", "A6.1.f"], ["лечение"]),
    ("санаторий для ребенка бесплатно", ["A10.4", "A6.x3"], ["санатор"]),
    # -- grief, parents' exhaustion
    ("умер муж как пережить детям", ["A4", "A2.6"], ["психолог", "духовн"]),
    ("ребенок тяжело переживает смерть бабушки", ["A4", "A2.6"], ["психолог"]),
    ("мама устала нет сил выгорание", ["A4.1.a", "A4.3", "A4.5"], ["психолог", "восстановления"]),
    ("как говорить с подростком чтобы слушал", ["A12", "A4.1.d"], ["понять подростка"]),
    # -- families of the special military operation
    ("муж на сво какие выплаты семье", BENEFITS, ["сво"]),
    ("папа погиб на специальной военной операции", ["A2.6", "A4"], ["сво"]),
    ("мобилизовали мужа помощь семье", [], ["сво"]),
    # -- migrants and refugees
    ("переехали из другой страны нет документов", ["A11.5", "A2.7"], ["документ"]),
    ("беженцы с детьми нужна помощь", [*URGENT, "A2.4", "A2.7", "A11.5", *BENEFITS], ["гуманитарн"]),
    # -- a grandmother raising grandchildren
    ("бабушка воспитываю внуков пенсия маленькая", [*GUARDIANSHIP, *BENEFITS], ["опек"]),
    # -- English, as typed on /en/
    ("speech therapist for my son", ["A13.8"], ["логопед"]),
    ("no money for food", ["A2.2"], ["продукт", "питани", "материальная помощь"]),
    ("my husband hits me", ["A3.3", "A2.4", "A7.7", "A2.6"], ["насили", "112"]),
    ("free lawyer", LEGAL, ["юридическ"]),
    ("disability status for my child", ["A6.1.c", "A6.x1"], ["инвалид"]),
    ("need a place in kindergarten", ["A10.1"], ["детский сад"]),
    ("lost my job", ["A8"], []),
    ("pregnant and alone", ["A4.x1"], ["беременн"]),
    ("my teenager wants to die", ["A2.6", "A4.3"], ["психолог", *CRISIS_LINE]),
    ("winter clothes for kids", ["A2.3"], ["одежд"]),
    ("ex husband does not pay child support", ["A11.4", "A11.3", "A2.5"], ["алимент"]),
]


def _plain(text: str) -> str:
    return text.lower().replace("ё", "е")


class _CategoryTree:
    """Every category's own code, its ancestors' codes and the kinds of help of all of them, read once."""

    def __init__(self):
        from directory.models import Category

        categories = {c.pk: c for c in Category.objects.prefetch_related("kinds")}
        self.codes: dict[int, frozenset[str]] = {}
        for pk, category in categories.items():
            codes, seen = set(), set()
            while category is not None and category.pk not in seen:
                seen.add(category.pk)
                codes.add(category.code)
                codes.update(kind.code for kind in category.kinds.all())
                category = categories.get(category.parent_id)
            self.codes[pk] = frozenset(codes)

    def service_codes(self, service) -> set[str]:
        codes: set[str] = set()
        for category in service.categories.all():  # prefetched by the search's hydration
            codes |= self.codes.get(category.pk, frozenset())
        return codes


_tree: _CategoryTree | None = None


def category_tree(*, fresh: bool = False) -> _CategoryTree:
    global _tree
    if _tree is None or fresh:
        _tree = _CategoryTree()
    return _tree


def service_matches(service, categories: set[str], fragments: list[str]) -> bool:
    if categories and category_tree().service_codes(service) & set(categories):
        return True
    name = _plain(service.name)
    return any(_plain(fragment) in name for fragment in fragments)


def matches(hit, categories: set[str], fragments: list[str]) -> bool:
    return service_matches(hit.service_at_location.service, categories, fragments)


def top3_share(search) -> tuple[float, list[str]]:
    """Share of cases with a right hit in the top 3, and the missed lines (query → names of the top 3)."""
    category_tree(fresh=True)
    missed = []
    for query, codes, fragments in CASES:
        hits = search(query).hits[:3]
        if not any(matches(hit, set(codes), fragments) for hit in hits):
            missed.append(f"{query!r} → {[hit.service_at_location.service.name for hit in hits]}")
    return 1 - len(missed) / len(CASES), missed
