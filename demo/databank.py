"""The demo databank of the Republic of Tyva: fictional providers, their places and services.

`load_demo_databank()` creates or updates everything in one transaction and is idempotent: municipalities and
settlements are keyed on their codes, organisations, places, services and «service at a place» rows on
`uuid5(DEMO_NAMESPACE, <stable key>)`; phones, opening hours and dated exceptions of demo records are deleted
and recreated. All variety comes from `random.Random(2026)` and dates count back from a fixed reference date,
so two runs give the same rows.

Organisation names, addresses and phone numbers are invented (numbers are valid Tyva / Russian numbers but do
not belong to the organisations). The only real numbers are the national children's helpline 8 800 2000 122
and the emergency number 112.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from time import perf_counter

from django.db import transaction
from django.db.models import Q
from wagtail.models import ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update

from directory import reference_data
from directory.models import (
    Category,
    Language,
    Location,
    Municipality,
    Organization,
    Phone,
    ProviderType,
    Schedule,
    ScheduleException,
    Service,
    ServiceAtLocation,
    Settlement,
    TargetGroup,
)
from search import sync

from . import datafiles, geography

DEMO_NAMESPACE = uuid.UUID("3b6f1d2e-6a0c-5b8e-9f4d-2c7a1e0b9d17")
SEED = 2026
# Verification dates count back from here (not from now()) so that the output does not depend on the day.
REFERENCE_DATE = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
EMAIL_DOMAIN = "demo-tyva.example"

# ---------------------------------------------------------------- service templates

# The defaults of a service template; the templates themselves are data (demo/data/services.json).
D_PASSPORT = "Паспорт родителя (законного представителя)"
APPLY_OFFICE = (
    "Приходите в часы приёма или позвоните, чтобы договориться о времени. Можно обратиться по направлению "
    "куратора семьи, школы или социальной службы."
)


@dataclass(frozen=True)
class Svc:
    name: str
    description: str
    categories: tuple[str, ...]
    kinds: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    age: tuple[int | None, int | None] = (None, None)
    cost: str = Service.Cost.FREE
    cost_note: str = ""
    eligibility: str = ""
    how_to_apply: str = APPLY_OFFICE
    documents: tuple[str, ...] = (D_PASSPORT,)
    modes: tuple[str, ...] = ("in_person",)
    tuvan: float = 0.6  # chance that the service is also given in Tuvan
    hotline: bool = False
    # (number or "mobile"/"landline" for a made-up one, Phone.Kind, description)
    phones: tuple[tuple[str, str, str], ...] = ()
    referrals: bool = True  # takes referrals when the organisation is a network partner


# Fields that are tuples in the templates (lists in the data file).
_SVC_TUPLES = ("categories", "kinds", "targets", "age", "documents", "modes")


def _svc(fields: dict) -> Svc:
    for name in _SVC_TUPLES:
        if name in fields:
            fields[name] = tuple(fields[name])
    if "phones" in fields:
        fields["phones"] = tuple((number, Phone.Kind(kind), note) for number, kind, note in fields["phones"])
    if "cost" in fields:
        fields["cost"] = Service.Cost(fields["cost"])
    return Svc(**fields)


def load_services() -> dict[str, Svc]:
    """The service templates of demo/data/services.json, by key (the key names the template in the organisation
    specs; the defaults of `Svc` fill what a template leaves out)."""
    return {key: _svc(fields) for key, fields in datafiles.read("services.json").items()}


SERVICES: dict[str, Svc] = load_services()


# ---------------------------------------------------------------- organisation specs


@dataclass
class PlaceSpec:
    settlement: str
    name: str = ""
    hours: str = ""  # preset name; "" = the default of the provider type; "24_7" = round the clock
    street: str = ""
    house: str = ""
    wheelchair: bool | None = None  # None = decided by the random generator
    confidential: bool = False
    only: tuple[str, ...] | None = None  # service keys offered here; None = any
    address_note: str = ""


@dataclass
class OrgSpec:
    key: str
    type: str
    name: str
    short_name: str
    description: str
    places: list[PlaceSpec]
    services: list[str]
    partner: bool | None = None  # None = the default of the provider type
    legal_form: str | None = None
    email: bool = True
    all_places: bool = False  # every service at every place (MFC)


LEGAL_FORMS = {
    "social_protection": "муниципальное казённое учреждение",
    "social_service": "государственное бюджетное учреждение",
    "family_centre": "государственное бюджетное учреждение",
    "rehab_minors": "государственное бюджетное учреждение",
    "rehab_disabled": "государственное бюджетное учреждение",
    "crisis": "государственное бюджетное учреждение",
    "foster_support": "государственное бюджетное учреждение",
    "orphan_institution": "государственное бюджетное учреждение",
    "resource_centre": "государственное автономное учреждение",
    "clinic": "государственное бюджетное учреждение здравоохранения",
    "drug_clinic": "государственное бюджетное учреждение здравоохранения",
    "dairy_kitchen": "муниципальное унитарное предприятие",
    "sanatorium": "государственное бюджетное учреждение здравоохранения",
    "psych_service": "государственное бюджетное учреждение",
    "pmpk": "государственное бюджетное учреждение",
    "kindergarten": "муниципальное бюджетное дошкольное образовательное учреждение",
    "school": "муниципальное бюджетное общеобразовательное учреждение",
    "extra_education": "муниципальное бюджетное учреждение дополнительного образования",
    "camp": "государственное автономное учреждение",
    "culture": "муниципальное бюджетное учреждение культуры",
    "sport": "муниципальное бюджетное учреждение",
    "youth": "муниципальное бюджетное учреждение",
    "employment": "государственное казённое учреждение",
    "legal_aid": "государственное казённое учреждение",
    "bailiffs": "структурное подразделение территориального органа ФССП России",
    "hotline": "",
    "ngo": "автономная некоммерческая организация",
    "community": "общественное объединение",
    "religious": "местная религиозная организация",
    "household_services": "автономная некоммерческая организация",
    "guardianship": "структурное подразделение администрации",
    "kdn": "коллегиальный орган при администрации",
    "police": "подразделение территориального органа МВД России",
    "emergency": "государственное казённое учреждение",
    "mfc": "государственное автономное учреждение",
    "local_admin": "орган местного самоуправления",
    "other": "автономная некоммерческая организация",
}

PARTNER_TYPES = {
    "social_protection",
    "social_service",
    "family_centre",
    "rehab_minors",
    "rehab_disabled",
    "crisis",
    "foster_support",
    "orphan_institution",
    "resource_centre",
    "clinic",
    "drug_clinic",
    "psych_service",
    "pmpk",
    "employment",
    "legal_aid",
}
# Agencies whose partners take referrals (social, health, education, employment, NGOs).
REFERRAL_AGENCIES = {"social", "health", "education", "labour", "ngo"}

DEFAULT_HOURS = {
    "clinic": "clinic",
    "drug_clinic": "clinic",
    "dairy_kitchen": "dairy",
    "sanatorium": "24_7",
    "camp": "24_7",
    "kindergarten": "kindergarten",
    "school": "school",
    "extra_education": "leisure",
    "culture": "library",
    "sport": "leisure",
    "youth": "youth",
    "mfc": "mfc",
    "hotline": "24_7",
    "rehab_minors": "24_7",
    "orphan_institution": "24_7",
    "crisis": "24_7",
    "legal_aid": "reception",
    "bailiffs": "reception",
    "community": "evening",
    "religious": "daily",
    "emergency": "office",
}

KINDERGARTEN_NAMES = [
    "Сылдыс",
    "Чечек",
    "Солнышко",
    "Ромашка",
    "Колокольчик",
    "Берёзка",
    "Золотой ключик",
    "Теремок",
    "Ласточка",
    "Сказка",
    "Родничок",
    "Улыбка",
    "Радуга",
    "Звёздочка",
    "Аленький цветочек",
    "Малышок",
    "Огонёк",
    "Чебурашка",
    "Тополёк",
    "Белочка",
    "Ёлочка",
    "Журавлик",
]
SCHOOL_NAMES = ["Эртем", "Созвездие", "Саяны", "Енисей", "Истоки", "Гармония", "Перспектива", "Алгоритм"]


def _prefix(settlement: dict) -> str:
    return {geography.CITY: "г.", geography.URBAN_SETTLEMENT: "пгт"}.get(settlement["kind"], "с.")


def _where(settlement: dict) -> str:
    return f"{_prefix(settlement)} {settlement['name']}"


def _org_spec(fields: dict) -> OrgSpec:
    places = []
    for place in fields.pop("places"):
        if place.get("only") is not None:
            place["only"] = tuple(place["only"])
        places.append(PlaceSpec(**place))
    return OrgSpec(places=places, **fields)


def _org_specs(group: str) -> list[OrgSpec]:
    """The organisations of one group of demo/data/organisations.json (fresh objects on every call)."""
    return [_org_spec(fields) for fields in datafiles.read("organisations.json")[group]]


def _kyzyl_orgs() -> list[OrgSpec]:
    """Kyzyl, hotlines first (they lead the hotline panel): demo/data/organisations.json, «kyzyl»."""
    return _org_specs("kyzyl")


def _ak_dovurak_orgs() -> list[OrgSpec]:
    return _org_specs("ak-dovurak")


def _kozhuun_orgs(m: dict, rng: random.Random, kindergarten_names: list[str]) -> list[OrgSpec]:
    """The usual set of a kozhuun: social service, employment, hospital, schools, authorities, culture."""
    code, gen, dat = m["code"], m["genitive"], m["dative"]
    centre, *villages = m["settlements"]
    c = centre["code"]
    street_pool = geography.STREETS["village"]
    admin = PlaceSpec(c, street=rng.choice(street_pool), house=str(rng.randint(1, 60)))

    def at_admin(**kwargs):
        return PlaceSpec(c, street=admin.street, house=admin.house, **kwargs)

    def branch(label: str, **kwargs):
        village = villages[rng.randrange(len(villages))]
        return PlaceSpec(village["code"], name=f"{label} в {_where(village)}", **kwargs)

    def pick(always: list[str], optional: list[str], n: int) -> list[str]:
        return always + rng.sample(optional, n)

    orgs = [
        OrgSpec(
            f"kcson-{code}",
            "social_service",
            f"Комплексный центр социального обслуживания населения {gen}",
            f"КЦСОН {gen}",
            f"Срочная социальная помощь и сопровождение семей с детьми во всех сумонах {gen}.",
            [PlaceSpec(c, wheelchair=True)] + ([branch("Отделение")] if rng.random() < 0.6 else []),
            pick(
                ["kcson_accompaniment", "kcson_food"],
                ["kcson_clothes", "kcson_psych", "kcson_home_care", "kcson_documents", "kcson_parent_school"],
                rng.randint(2, 3),
            ),
        ),
        OrgSpec(
            f"employment-{code}",
            "employment",
            f"Центр занятости населения {gen}",
            f"ЦЗН {gen}",
            "Поиск работы, пособие по безработице, обучение, социальный контракт.",
            [PlaceSpec(c)],
            pick(
                ["emp_registration", "emp_social_contract", "emp_training"],
                ["emp_vacancies", "emp_business", "emp_teen"],
                1,
            ),
        ),
        OrgSpec(
            f"social-protection-{code}",
            "social_protection",
            f"Управление труда и социального развития администрации {gen}",
            f"Соцзащита {gen}",
            "Пособия, компенсации и другие меры социальной поддержки семей с детьми.",
            [PlaceSpec(c)],
            pick(
                ["sp_allowance"],
                ["sp_large_family", "sp_benefits_docs", "sp_svo", "sp_fire_detectors", "sp_stove_repair"],
                2,
            ),
        ),
        OrgSpec(
            f"hospital-{code}",
            "clinic",
            f"Центральная кожуунная больница {gen}",
            f"ЦКБ {gen}",
            "Стационар, поликлиника и фельдшерско-акушерские пункты в сумонах.",
            [
                PlaceSpec(c, name="Больница и поликлиника", hours="24_7", wheelchair=True),
                branch(
                    "Фельдшерско-акушерский пункт",
                    hours="fap",
                    only=("pediatrician", "vaccination", "pregnancy_care", "home_patronage"),
                ),
            ],
            pick(
                ["pediatrician", "vaccination"],
                ["medical_check", "narcologist_anon", "disability_msu", "pregnancy_care", "home_patronage"],
                rng.randint(1, 3),
            ),
        ),
        OrgSpec(
            f"school-{code}",
            "school",
            f"Средняя общеобразовательная школа {_where(centre)}",
            f"Школа {_where(centre)}",
            "Общее образование, психолог и социальный педагог для учеников и родителей.",
            [PlaceSpec(c)],
            pick(
                ["school_meals"],
                [
                    "school_psych",
                    "school_speech",
                    "school_extended_day",
                    "school_career",
                    "school_social_ped",
                ],
                2,
            ),
            partner=rng.random() < 0.5,
        ),
        OrgSpec(
            f"kindergarten-{code}",
            "kindergarten",
            f"Детский сад «{kindergarten_names.pop()}» {_where(centre)}",
            "",
            "Дошкольное образование, консультации для родителей малышей.",
            [PlaceSpec(c)],
            pick(["kg_enrollment"], ["kg_short_stay", "kg_speech", "kg_consult_centre", "kg_fee_comp"], 1),
            partner=rng.random() < 0.3,
        ),
        OrgSpec(
            f"admin-{code}",
            "local_admin",
            f"Администрация {gen}",
            "",
            "Жилищные вопросы семей, земельные участки для многодетных, поддержка подсобных хозяйств.",
            [at_admin(wheelchair=rng.random() < 0.5)],
            rng.sample(["la_housing_queue", "la_land_large", "la_young_family", "la_farm", "la_certificates"], 2),
        ),
        OrgSpec(
            f"kdn-{code}",
            "kdn",
            f"Комиссия по делам несовершеннолетних и защите их прав {gen}",
            f"КДН и ЗП {gen}",
            "Профилактика безнадзорности и правонарушений несовершеннолетних, защита прав детей.",
            [at_admin()],
            pick(["kdn_consult"], ["kdn_prevention"], rng.randint(0, 1)),
        ),
        OrgSpec(
            f"guardianship-{code}",
            "guardianship",
            f"Орган опеки и попечительства администрации {gen}",
            f"Опека {gen}",
            "Опека и попечительство над несовершеннолетними, защита прав детей.",
            [at_admin()],
            pick(["guard_consult"], ["guard_relatives", "guard_consent", "guard_property"], 1),
        ),
    ]
    if rng.random() < 0.5:
        culture = OrgSpec(
            f"culture-{code}",
            "culture",
            f"Культурно-досуговый центр {gen}",
            "",
            "Творческие коллективы, праздники и семейные мероприятия.",
            [PlaceSpec(c, hours="leisure")],
            ["culture_circles", "culture_events"],
        )
    else:
        culture = OrgSpec(
            f"library-{code}",
            "culture",
            f"Центральная кожуунная библиотека {gen}",
            "",
            "Библиотека для всей семьи, центр правовой информации.",
            [PlaceSpec(c)],
            ["library_family", "library_legal_info"],
        )
    orgs.append(culture)
    if len(villages) >= 2 and rng.random() < 0.5:
        village = villages[rng.randrange(len(villages))]
        orgs.append(
            OrgSpec(
                f"school-{village['code']}",
                "school",
                f"Средняя общеобразовательная школа {_where(village)}",
                f"Школа {_where(village)}",
                "Общее образование, психолого-педагогическая поддержка.",
                [PlaceSpec(village["code"])],
                rng.sample(["school_meals", "school_psych", "school_extended_day", "school_social_ped"], 2),
            )
        )
    if rng.random() < 0.5:
        orgs.append(
            OrgSpec(
                f"sport-{code}",
                "sport",
                f"Детско-юношеская спортивная школа {gen}",
                f"ДЮСШ {gen}",
                "Бесплатные секции для детей и подростков.",
                [PlaceSpec(c)],
                rng.sample(["sport_sections", "khuresh", "sport_family"], 2),
            )
        )
    if rng.random() < 0.5:
        orgs.append(
            OrgSpec(
                f"ddt-{code}",
                "extra_education",
                f"Центр дополнительного образования детей {gen}",
                f"ЦДО {gen}",
                "Кружки и студии для детей.",
                [PlaceSpec(c)],
                rng.sample(["clubs", "national_crafts", "pfdo_help"], 2),
            )
        )
    if rng.random() < 0.35:
        orgs.append(
            OrgSpec(
                f"youth-{code}",
                "youth",
                f"Молодёжный центр {gen}",
                "",
                "Подростковый клуб, волонтёрство, летние трудовые отряды.",
                [PlaceSpec(c)],
                ["youth_club", "youth_jobs"],
            )
        )
    if rng.random() < 0.4:
        orgs.append(
            OrgSpec(
                f"pdn-{code}",
                "police",
                f"Подразделение по делам несовершеннолетних отдела полиции по {dat}",
                f"ПДН по {dat}",
                "Профилактика правонарушений несовершеннолетних.",
                [PlaceSpec(c)],
                ["pdn_consult", "pdn_prevention"],
            )
        )
    if rng.random() < 0.3:
        orgs.append(
            OrgSpec(
                f"large-families-{code}",
                "ngo",
                f"Общественная организация многодетных семей {gen}",
                "",
                "Взаимопомощь многодетных семей, благотворительные акции.",
                [PlaceSpec(c, hours="evening")],
                ["ngo_large_family", "ngo_humanitarian"],
                partner=rng.random() < 0.5,
                legal_form="местная общественная организация",
            )
        )
    if rng.random() < 0.3:
        orgs.append(
            OrgSpec(
                f"fathers-{code}",
                "community",
                f"Совет отцов {gen}",
                "",
                "Отцы-добровольцы работают с подростками и помогают семьям.",
                [at_admin()],
                ["fathers_council", "community_volunteers"],
                email=False,
            )
        )
    return orgs


def _special_orgs() -> list[OrgSpec]:
    """Regional institutions located outside Kyzyl and providers that exist in a few kozhuuns only (data file,
    «special»), then the MFC with an office in every municipality."""
    return [
        *_org_specs("special"),
        OrgSpec(
            "mfc",
            "mfc",
            "Многофункциональный центр предоставления государственных и муниципальных услуг Республики Тыва",
            "МФЦ",
            "Государственные и муниципальные услуги для семей в Кызыле и во всех кожуунах.",
            [
                PlaceSpec("kyzyl", name="Главный офис", hours="mfc", wheelchair=True),
                PlaceSpec("kyzyl", name="Офис на левобережье", hours="mfc"),
                *[
                    PlaceSpec(
                        m["settlements"][0]["code"],
                        name=f"Офис МФЦ в {_where(m['settlements'][0])}",
                        hours="mfc" if m["code"] in ("ak-dovurak", "dzun-khemchiksky", "ulug-khemsky") else "office",
                    )
                    for m in geography.MUNICIPALITIES
                    if m["code"] != "kyzyl"
                ],
            ],
            ["mfc_allowance", "mfc_mat_capital", "mfc_documents", "mfc_birth"],
            all_places=True,
        ),
    ]


def build_catalogue(rng: random.Random) -> list[OrgSpec]:
    """The full list of demo organisations (no database access)."""
    kindergarten_names = KINDERGARTEN_NAMES[:]
    rng.shuffle(kindergarten_names)
    specs = _kyzyl_orgs() + _ak_dovurak_orgs()
    for m in geography.MUNICIPALITIES:
        if m["code"] in geography.KOZHUUNS:
            specs.extend(_kozhuun_orgs(m, rng, kindergarten_names))
    specs.extend(_special_orgs())
    keys = [s.key for s in specs]
    assert len(keys) == len(set(keys)), "duplicate organisation key"
    for spec in specs:
        unknown = set(spec.services) - set(SERVICES)
        assert not unknown, (spec.key, unknown)
    return specs


# ---------------------------------------------------------------- opening hours


def _t(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _every(days, opens: str, closes: str):
    return [(d, _t(opens), _t(closes)) for d in days]


WEEKDAYS = range(5)
HOURS = {
    "office": _every(WEEKDAYS, "09:00", "13:00") + _every(range(4), "14:00", "18:00") + _every([4], "14:00", "17:00"),
    "office_sat": _every(WEEKDAYS, "09:00", "13:00")
    + _every(WEEKDAYS, "14:00", "18:00")
    + _every([5], "10:00", "14:00"),
    "clinic": _every(WEEKDAYS, "08:00", "19:00") + _every([5], "09:00", "14:00"),
    "fap": _every(WEEKDAYS, "09:00", "16:00"),
    "dairy": _every(range(6), "07:00", "11:00"),
    "kindergarten": _every(WEEKDAYS, "07:30", "18:00"),
    "school": _every(WEEKDAYS, "08:00", "17:00") + _every([5], "08:00", "13:00"),
    "leisure": _every(WEEKDAYS, "10:00", "20:00") + _every([5], "10:00", "17:00"),
    "library": _every(range(1, 6), "10:00", "19:00") + _every([6], "10:00", "17:00"),
    "youth": _every(range(6), "14:00", "21:00"),
    "mfc": _every([0, 1, 3, 4], "08:00", "18:00") + _every([2], "08:00", "20:00") + _every([5], "09:00", "13:00"),
    "reception": _every([1, 3], "09:00", "13:00") + _every([1, 3], "14:00", "17:00"),
    "evening": _every([1, 3], "18:00", "20:00") + _every([5], "11:00", "14:00"),
    "daily": _every(range(7), "09:00", "18:00"),
}

# (date, closed?, opens, closes, note)
EXCEPTIONS = [
    (date(2026, 11, 27), True, None, None, "Санитарный день"),
    (date(2026, 12, 11), True, None, None, "Выездной приём в сумонах, офис закрыт"),
    (date(2026, 12, 30), False, "09:00", "13:00", "Предпраздничный день: приём до 13:00"),
    (date(2027, 1, 5), False, "10:00", "15:00", "Дежурный приём в праздничные дни"),
    (date(2027, 1, 29), True, None, None, "Санитарный день"),
]

SAL_NOTES = [
    "Приём по вторникам и четвергам",
    "Выездной приём раз в месяц — уточняйте дату по телефону",
    "Только по предварительной записи",
]

MOBILE_CODES = ("923", "983", "913", "996")
REAL_NUMBER_ORGS = ("helpline", "system-112")


class PhoneBook:
    """Made-up numbers, unique within the demo databank, valid for `phonenumbers`."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def _unique(self, make) -> str:
        while True:
            number = make()
            if number not in self.used:
                self.used.add(number)
                return number

    def landline(self, area_code: str) -> str:
        def make():
            digits = f"{self.rng.randint(2, 6)}{self.rng.randint(0, 9999):04d}"
            return f"+7 {area_code} {digits[0]}-{digits[1:3]}-{digits[3:]}"

        return self._unique(make)

    def mobile(self) -> str:
        def make():
            n = self.rng.randint(0, 9_999_999)
            tail = f"{n:07d}"
            return f"+7 {self.rng.choice(MOBILE_CODES)} {tail[:3]}-{tail[3:5]}-{tail[5:]}"

        return self._unique(make)


# ---------------------------------------------------------------- loading


def _key_uuid(key: str) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, key)


def _save(obj):
    obj.full_clean()
    obj.save()
    return obj


def _decimal(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


def _verified(rng: random.Random, *, old_share: float = 0.3) -> datetime:
    """A date within the last two years before REFERENCE_DATE; about `old_share` are older than a year."""
    days = rng.randint(380, 720) if rng.random() < old_share else rng.randint(3, 330)
    return REFERENCE_DATE - timedelta(days=days, minutes=rng.randint(0, 480))


class _Loader:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.phonebook = PhoneBook(rng)
        self.provider_types = {p.code: p for p in ProviderType.objects.select_related("agency")}
        self.categories = {c.code: c for c in Category.objects.all()}
        self.target_groups = {t.code: t for t in TargetGroup.objects.all()}
        self.languages = {lang.code: lang for lang in Language.objects.all()}
        missing = [
            name
            for name, rows in (
                ("типы организаций", self.provider_types),
                ("категории помощи", self.categories),
                ("категории семей", self.target_groups),
                ("языки", self.languages),
            )
            if not rows
        ]
        if missing:
            raise RuntimeError("Справочники не загружены (" + ", ".join(missing) + "): выполните «manage.py migrate».")
        self.municipality_data = {m["code"]: m for m in geography.MUNICIPALITIES}
        self.settlement_data = {s["code"]: (m, s) for m in geography.MUNICIPALITIES for s in m["settlements"]}
        self.municipalities: dict[str, Municipality] = {}
        self.settlements: dict[str, Settlement] = {}
        self.existing = {
            Organization: {o.uuid: o for o in Organization.objects.filter(is_demo=True)},
            Location: {o.uuid: o for o in Location.objects.filter(organization__is_demo=True)},
            Service: {o.uuid: o for o in Service.objects.filter(organization__is_demo=True)},
            ServiceAtLocation: {
                o.uuid: o for o in ServiceAtLocation.objects.filter(service__organization__is_demo=True)
            },
        }
        self.seen: dict[type, set[uuid.UUID]] = {model: set() for model in self.existing}
        self.organizations: list[Organization] = []
        self.phones: list[Phone] = []
        self.schedules: list[Schedule] = []
        self.exceptions: list[ScheduleException] = []

    def get(self, model, key: str):
        obj_uuid = _key_uuid(key)
        self.seen[model].add(obj_uuid)
        return self.existing[model].get(obj_uuid) or model(uuid=obj_uuid)

    # ------------------------------------------------------------ geography

    def load_geography(self):
        for m in geography.MUNICIPALITIES:
            municipality = Municipality.objects.filter(code=m["code"]).first() or Municipality(code=m["code"])
            municipality.region = geography.REGION
            municipality.name = m["name"]
            municipality.oktmo = m["oktmo"]
            self.municipalities[m["code"]] = _save(municipality)
            for s in m["settlements"]:
                settlement = Settlement.objects.filter(code=s["code"]).first() or Settlement(code=s["code"])
                settlement.municipality = municipality
                settlement.name = s["name"]
                settlement.kind = s["kind"]
                settlement.latitude = Decimal(s["latitude"])
                settlement.longitude = Decimal(s["longitude"])
                self.settlements[s["code"]] = _save(settlement)

    # ------------------------------------------------------------ records

    def phone(self, *, number: str, kind: str, description: str = "", sort_order: int = 0, **owner) -> None:
        row = Phone(number=number, kind=kind, description=description, sort_order=sort_order, **owner)
        row.full_clean()
        self.phones.append(row)

    def load_organization(self, spec: OrgSpec) -> None:
        rng = self.rng
        provider_type = self.provider_types[spec.type]
        partner = spec.type in PARTNER_TYPES if spec.partner is None else spec.partner
        first_m, _ = self.settlement_data[spec.places[0].settlement]
        area_code = first_m["phone_code"]

        org = self.get(Organization, f"organization:{spec.key}")
        org.name = spec.name
        org.short_name = spec.short_name
        org.provider_type = provider_type
        org.agency = provider_type.agency
        org.legal_form = LEGAL_FORMS[spec.type] if spec.legal_form is None else spec.legal_form
        org.description = spec.description
        org.email = f"{spec.key}@{EMAIL_DOMAIN}" if spec.email else ""
        org.website = ""
        org.is_network_partner = partner
        org.is_demo = True
        org.verified_at = _verified(rng, old_share=0.2)
        self.organizations.append(_save(org))
        if spec.key in REAL_NUMBER_ORGS:
            # The real public numbers (children's helpline, 112) are the organisation's only number.
            number, kind, description = SERVICES[spec.services[0]].phones[0]
            self.phone(number=number, kind=kind, description=description, organization=org)
        else:
            number = self.phonebook.landline(area_code)
            self.phone(number=number, kind=Phone.Kind.MAIN, description="Приёмная", organization=org)
        if rng.random() < 0.15 and spec.type not in ("hotline", "emergency"):
            self.phone(number=self.phonebook.landline(area_code), kind=Phone.Kind.FAX, sort_order=1, organization=org)

        locations = [self.load_location(spec, org, index, place) for index, place in enumerate(spec.places)]
        for key in spec.services:
            self.load_service(spec, org, key, locations, partner)

    def load_location(self, spec: OrgSpec, org: Organization, index: int, place: PlaceSpec) -> Location:
        rng = self.rng
        m, s = self.settlement_data[place.settlement]
        location = self.get(Location, f"location:{spec.key}:{index}")
        location.organization = org
        location.name = place.name
        location.municipality = self.municipalities[m["code"]]
        location.settlement = self.settlements[s["code"]]
        hours = place.hours or DEFAULT_HOURS.get(spec.type, "office")
        location.is_24_7 = hours == "24_7"
        location.is_confidential = place.confidential
        if place.confidential:
            # Shelters: no street, house or coordinates are stored at all; only the «front door» phone.
            location.street = location.house = location.postal_code = ""
            location.latitude = location.longitude = None
            location.front_door_phone = self.phonebook.mobile()
            location.address_note = ""
            location.transport_note = ""
        else:
            streets = geography.STREETS.get(m["code"], geography.STREETS["village"])
            location.street = place.street or rng.choice(streets)
            location.house = place.house or self._house_number()
            location.postal_code = f"6670{rng.randint(0, 11):02d}" if m["code"] == "kyzyl" else ""
            location.latitude = _decimal(float(s["latitude"]) + rng.uniform(-0.012, 0.012))
            location.longitude = _decimal(float(s["longitude"]) + rng.uniform(-0.018, 0.018))
            location.front_door_phone = ""
            location.address_note = place.address_note or rng.choice(
                ["", "", "", "Вход со двора", "2-й этаж", "Кабинет № 5, 1-й этаж", "Вход с торца здания"]
            )
            location.transport_note = (
                "Остановка общественного транспорта в 5 минутах ходьбы."
                if m["code"] in geography.CITY_DISTRICTS or s["kind"] == geography.CITY
                else "В центре села, рядом с администрацией сумона."
                if index == 0
                else ""
            )
        wheelchair = place.wheelchair if place.wheelchair is not None else rng.random() < 0.4
        location.wheelchair_accessible = wheelchair
        if wheelchair:
            location.accessibility_note = (
                "Пандус у входа, кнопка вызова персонала, туалет для маломобильных посетителей."
            )
        elif place.confidential:
            location.accessibility_note = "Об условиях доступности уточните по телефону для обращения."
        else:
            location.accessibility_note = rng.choice(
                ["", "Вход по лестнице; при необходимости специалист выйдет к вам — позвоните заранее."]
            )
        _save(location)

        if not place.confidential:
            number = self.phonebook.landline(m["phone_code"])
            if index > 0 and m["code"] not in geography.CITY_DISTRICTS and rng.random() < 0.4:
                number = self.phonebook.mobile()
            kind = Phone.Kind.RECEPTION if spec.type in ("clinic", "drug_clinic") else Phone.Kind.MAIN
            self.phone(number=number, kind=kind, location=location)
        if not location.is_24_7:
            for weekday, opens_at, closes_at in HOURS[hours]:
                row = Schedule(location=location, weekday=weekday, opens_at=opens_at, closes_at=closes_at)
                row.full_clean()
                self.schedules.append(row)
            if rng.random() < 0.12:
                for day, closed, opens_at, closes_at in (e[:4] for e in rng.sample(EXCEPTIONS, rng.randint(1, 2))):
                    note = next(e[4] for e in EXCEPTIONS if e[0] == day)
                    row = ScheduleException(
                        location=location,
                        date=day,
                        is_closed=closed,
                        opens_at=_t(opens_at) if opens_at else None,
                        closes_at=_t(closes_at) if closes_at else None,
                        note=note,
                    )
                    row.full_clean()
                    self.exceptions.append(row)
        return location

    def _house_number(self) -> str:
        number = str(self.rng.randint(1, 120))
        roll = self.rng.random()
        if roll < 0.1:
            return number + "а"
        if roll < 0.15:
            return f"{number}/{self.rng.randint(1, 3)}"
        return number

    def load_service(self, spec: OrgSpec, org: Organization, key: str, locations, partner: bool) -> None:
        rng = self.rng
        template = SERVICES[key]
        service = self.get(Service, f"service:{spec.key}:{key}")
        service.organization = org
        service.name = template.name
        service.description = template.description
        service.age_min, service.age_max = template.age
        service.eligibility = template.eligibility
        service.cost = template.cost
        service.cost_note = template.cost_note
        service.how_to_apply = template.how_to_apply
        service.required_documents = "\n".join(template.documents)
        modes = set(template.modes)
        service.delivery_in_person = "in_person" in modes
        service.delivery_phone = "phone" in modes or (service.delivery_in_person and rng.random() < 0.3)
        service.delivery_online = "online" in modes
        service.delivery_home_visit = "home_visit" in modes
        service.email = ""
        service.url = ""
        service.is_hotline = template.hotline
        takes_referrals = (
            partner and template.referrals and org.agency is not None and org.agency.code in REFERRAL_AGENCIES
        )
        service.accepts_referrals = takes_referrals
        service.referral_response_days = rng.randint(3, 10) if takes_referrals else None
        service.status = Service.Status.PUBLISHED
        service.verified_at = _verified(rng)

        categories = [self.categories[code] for code in template.categories + template.kinds]
        rural = spec.places[0].settlement not in ("kyzyl", "ak-dovurak")
        language_codes = ["ru"]
        if rng.random() < min(1.0, template.tuvan + (0.25 if rural else 0)):
            language_codes.append("tyv")
        service.categories.set(categories)
        service.target_groups.set([self.target_groups[code] for code in template.targets])
        service.languages.set([self.languages[code] for code in language_codes])
        _save(service)

        for order, (number, kind, description) in enumerate(template.phones):
            if number == "mobile":
                number = self.phonebook.mobile()
            elif number == "landline":
                number = self.phonebook.landline("39422")
            self.phone(number=number, kind=kind, description=description, sort_order=order, service=service)

        places = [
            (index, location)
            for index, (place, location) in enumerate(zip(spec.places, locations, strict=True))
            if place.only is None or key in place.only
        ]
        if not places:
            raise ValueError(f"{spec.key}: no place offers {key}")
        chosen = places if spec.all_places else [places[0]] + [p for p in places[1:] if rng.random() < 0.6]
        for index, location in chosen:
            link = self.get(ServiceAtLocation, f"service-at-location:{spec.key}:{key}:{index}")
            link.service = service
            link.location = location
            link.note = rng.choice(SAL_NOTES) if index > 0 and not spec.all_places and rng.random() < 0.5 else ""
            _save(link)

    # ------------------------------------------------------------ clean-up

    def delete_dependants(self) -> None:
        """Phones, hours and dated exceptions of demo records are recreated on every run."""
        Phone.objects.filter(
            Q(organization__is_demo=True)
            | Q(location__organization__is_demo=True)
            | Q(service__organization__is_demo=True)
        ).delete()
        Schedule.objects.filter(location__organization__is_demo=True).delete()
        ScheduleException.objects.filter(location__organization__is_demo=True).delete()

    def delete_stale_children(self) -> None:
        """Places, services and links no longer in the catalogue (after a change of this module)."""
        ServiceAtLocation.objects.filter(service__organization__is_demo=True).exclude(
            uuid__in=self.seen[ServiceAtLocation]
        ).delete()
        Service.objects.filter(organization__is_demo=True).exclude(uuid__in=self.seen[Service]).delete()
        Location.objects.filter(organization__is_demo=True).exclude(uuid__in=self.seen[Location]).delete()

    def delete_stale_organizations(self) -> None:
        Organization.objects.filter(is_demo=True).exclude(uuid__in=self.seen[Organization]).delete()

    def update_reference_index(self) -> None:
        """Wagtail's reference index, once per record (its save signal would re-index an organisation with
        all its places and services on every child save)."""
        roots = [*self.municipalities.values(), *self.settlements.values(), *self.organizations]
        for obj in roots:
            if ReferenceIndex.is_indexed(type(obj)):
                ReferenceIndex.create_or_update_for_object(obj)

    def flush(self) -> None:
        Phone.objects.bulk_create(self.phones)
        Schedule.objects.bulk_create(self.schedules)
        ScheduleException.objects.bulk_create(self.exceptions)


def demo_counts() -> dict[str, int]:
    """Counts of the demo databank as stored."""
    organizations = Organization.objects.filter(is_demo=True)
    locations = Location.objects.filter(organization__is_demo=True)
    services = Service.objects.filter(organization__is_demo=True)
    municipality_codes = [m["code"] for m in geography.MUNICIPALITIES]
    settlement_codes = [s["code"] for m in geography.MUNICIPALITIES for s in m["settlements"]]
    return {
        "municipalities": Municipality.objects.filter(code__in=municipality_codes).count(),
        "settlements": Settlement.objects.filter(code__in=settlement_codes).count(),
        "organizations": organizations.count(),
        "provider_types": organizations.values("provider_type").distinct().count(),
        "network_partners": organizations.filter(is_network_partner=True).count(),
        "locations": locations.count(),
        "confidential_locations": locations.filter(is_confidential=True).count(),
        "services": services.count(),
        "published_services": services.filter(status=Service.Status.PUBLISHED).count(),
        "hotlines": services.filter(is_hotline=True).count(),
        "services_accepting_referrals": services.filter(accepts_referrals=True).count(),
        "service_at_locations": ServiceAtLocation.objects.filter(service__organization__is_demo=True).count(),
        "phones": Phone.objects.filter(
            Q(organization__is_demo=True)
            | Q(location__organization__is_demo=True)
            | Q(service__organization__is_demo=True)
        ).count(),
        "schedules": Schedule.objects.filter(location__organization__is_demo=True).count(),
        "schedule_exceptions": ScheduleException.objects.filter(location__organization__is_demo=True).count(),
    }


def load_demo_databank(*, stdout=None) -> dict:
    """Create or update the demo databank of the Republic of Tyva; return the counts (see `demo_counts`)."""
    started = perf_counter()
    rng = random.Random(SEED)
    catalogue = build_catalogue(rng)
    used_types = {spec.type for spec in catalogue}
    unused = [row["code"] for row in reference_data.PROVIDER_TYPES if row["code"] not in used_types]
    assert not unused, f"provider types without a demo organisation: {unused}"

    # Search is brought up to date once after the load (search.sync.bulk), not row by row.
    with sync.bulk(), transaction.atomic():
        loader = _Loader(rng)
        with disable_reference_index_auto_update():
            loader.load_geography()
            loader.delete_dependants()
            for spec in catalogue:
                loader.load_organization(spec)
            loader.flush()
            loader.delete_stale_children()
        loader.delete_stale_organizations()  # with the signals: their index entries go too
        loader.update_reference_index()
    # The search columns are written at the end of the bulk block, so count after it.
    counts = demo_counts()
    if stdout is not None:
        stdout.write(f"Демо-банк данных Республики Тыва загружен за {perf_counter() - started:.1f} с.\n")
    return counts
