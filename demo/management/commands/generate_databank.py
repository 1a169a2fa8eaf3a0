"""`manage.py generate_databank --services N [--seed 2026] [--clear]`: a large synthetic databank for load tests.

Services come from the templates of the demo databank (`demo.databank.SERVICES`), offered by
organisations of every provider type (each type offers the services its demo organisations offer), placed in
every municipality and settlement of the database (the Tyva geography of `demo.geography` is created
when missing). The same seed gives the same rows.

Everything is written with `bulk_create` in batches, in one transaction: no per-row `full_clean()` and no
signals; a sample of every model is validated afterwards, and the lemmatised search columns
(`Service.search_name`, `Service.search_text`) are computed here with `search.lemmas.SearchColumns`, exactly as
`search.lemmas.service_columns` computes them (checked on a sample). Search is brought up to date once at the end
(`search.sync.bulk`: the search table rebuilt, a distributed index re-indexed, the cached public pages bumped).

Generated organisations are marked `is_demo=True` and their names end with « (синт.)»: `--clear` deletes
exactly them (with their places, services, hours and phones). `load_demo` treats them as stale demo
organisations and deletes them too, so run this command after `load_demo`.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import time, timedelta
from decimal import Decimal
from time import perf_counter

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from wagtail.models import ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update

from demo import geography
from demo.databank import (
    DEFAULT_HOURS,
    EXCEPTIONS,
    HOURS,
    LEGAL_FORMS,
    MOBILE_CODES,
    PARTNER_TYPES,
    REFERENCE_DATE,
    REFERRAL_AGENCIES,
    SAL_NOTES,
    SERVICES,
    Svc,
    build_catalogue,
)
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
from search.lemmas import SearchColumns, service_columns

SYNTHETIC_SUFFIX = " (синт.)"
SYNTHETIC_NAMESPACE = uuid.UUID("6f1c0b9e-2d4a-5e3f-8a7b-1c9d0e2f3a4b")
EMAIL_DOMAIN = "synthetic.example"
DEFAULT_SEED = 2026
BATCH_SIZE = 2000
SAMPLE_SIZE = 25  # rows of every model validated with full_clean() after the bulk inserts
SERVICES_PER_ORGANIZATION = (1, 2, 2, 3, 3, 3, 4, 4, 5)  # 3 on average: about N/3 organisations

# Full and short name of an organisation of each provider type (a quoted title and the place are added).
ORGANIZATION_NAMES = {
    "social_protection": ("Управление социальной защиты населения", "Соцзащита"),
    "social_service": ("Комплексный центр социального обслуживания населения", "КЦСОН"),
    "family_centre": ("Центр помощи семье и детям", "Семейный центр"),
    "rehab_minors": ("Социально-реабилитационный центр для несовершеннолетних", "СРЦН"),
    "rehab_disabled": ("Реабилитационный центр для детей с ограниченными возможностями", "Реабилитационный центр"),
    "crisis": ("Кризисный центр для женщин и детей", "Кризисный центр"),
    "foster_support": ("Центр сопровождения замещающих семей", "Центр замещающих семей"),
    "orphan_institution": ("Центр содействия семейному воспитанию", "Центр семейного воспитания"),
    "resource_centre": ("Ресурсный центр социального сопровождения семей", "Ресурсный центр"),
    "clinic": ("Детская поликлиника", "Поликлиника"),
    "drug_clinic": ("Наркологический диспансер", "Наркология"),
    "dairy_kitchen": ("Молочная кухня", "Молочная кухня"),
    "sanatorium": ("Детский санаторий", "Санаторий"),
    "psych_service": ("Служба психологической помощи семье и детям", "Психологическая служба"),
    "pmpk": ("Территориальная психолого-медико-педагогическая комиссия", "ПМПК"),
    "kindergarten": ("Детский сад", "Детский сад"),
    "school": ("Средняя общеобразовательная школа", "Школа"),
    "extra_education": ("Центр дополнительного образования детей", "ЦДО"),
    "camp": ("Детский оздоровительный лагерь", "Лагерь"),
    "culture": ("Дом культуры и библиотека", "Дом культуры"),
    "sport": ("Детско-юношеская спортивная школа", "ДЮСШ"),
    "youth": ("Молодёжный центр", "Молодёжный центр"),
    "employment": ("Центр занятости населения", "ЦЗН"),
    "legal_aid": ("Государственное юридическое бюро", "Юрбюро"),
    "bailiffs": ("Отделение судебных приставов", "ОСП"),
    "hotline": ("Телефон доверия для детей, подростков и родителей", "Телефон доверия"),
    "ngo": ("Автономная некоммерческая организация поддержки семей", "АНО"),
    "community": ("Клуб взаимопомощи родителей", "Клуб родителей"),
    "religious": ("Местная религиозная организация", "Религиозная организация"),
    "household_services": ("Пункт проката и бытовой помощи семьям", "Пункт проката"),
    "guardianship": ("Отдел опеки и попечительства", "Опека"),
    "kdn": ("Комиссия по делам несовершеннолетних и защите их прав", "КДН и ЗП"),
    "police": ("Подразделение по делам несовершеннолетних отдела полиции", "ПДН"),
    "emergency": ("Пожарно-спасательная часть", "ПСЧ"),
    "mfc": ("Многофункциональный центр предоставления государственных услуг", "МФЦ"),
    "local_admin": ("Администрация сельского поселения", "Администрация"),
    "other": ("Служба социального такси", "Социальное такси"),
}
# Authorities and state offices are named by their place, not by a quoted title.
OFFICIAL_TYPES = frozenset(
    ["social_protection", "guardianship", "kdn", "police", "local_admin", "bailiffs", "emergency", "mfc"]
    + ["employment", "pmpk", "legal_aid"]
)
TITLES = [
    "Надежда",
    "Радуга",
    "Доверие",
    "Семья",
    "Истоки",
    "Чечек",
    "Сылдыс",
    "Саяны",
    "Енисей",
    "Аяс",
    "Гармония",
    "Росток",
    "Забота",
    "Солнышко",
    "Улыбка",
    "Родничок",
    "Берёзка",
    "Алдын-Сай",
    "Улуг-Хем",
    "Тос-Булак",
    "Маяк",
    "Содружество",
    "Ручеёк",
    "Кедр",
    "Теремок",
    "Парус",
    "Исток",
    "Ай-Херел",
    "Мечта",
    "Орлёнок",
]
NAME_VARIANTS = [
    "{name}",
    "{name}",
    "{name}",
    "{name}",
    "{name} ({where})",
    "{name} ({where})",
    "{name}: выездной приём",
    "{name} (групповые занятия)",
    "{name} по предварительной записи",
    "{name} для детей {ages}",
]
EXTRA_SENTENCES = [
    "Адрес приёма: {where}.",
    "Принимаем семьи из {where} и соседних сумонов.",
    "Консультации ведутся на русском и тувинском языках.",
    "Семьи участников СВО принимаются вне очереди.",
    "Записаться можно по телефону, через портал Госуслуг или лично.",
    "Если семья не может прийти сама, специалист приедет на дом.",
    "Работаем вместе со школами, детскими садами и социальными службами {where}.",
    "Многодетные и малообеспеченные семьи получают помощь в первую очередь.",
    "Первичная консультация занимает около часа.",
    "",
    "",
]
ACCESSIBLE_NOTE = "Пандус у входа, кнопка вызова персонала, туалет для маломобильных посетителей."
PHONE_CODE = "39422"  # Kyzyl: for settlements outside the demo geography
THROUGH_LABELS = {
    "service_categories": "связи услуг с категориями помощи",
    "service_target_groups": "связи услуг с категориями семей",
    "service_languages": "связи услуг с языками",
}


def _key_uuid(seed: int, key: str) -> uuid.UUID:
    return uuid.uuid5(SYNTHETIC_NAMESPACE, f"{seed}:{key}")


def _where(settlement: Settlement) -> str:
    prefix = {geography.CITY: "г.", geography.URBAN_SETTLEMENT: "пгт"}.get(settlement.kind, "с.")
    return f"{prefix} {settlement.name}"


def _decimal(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


def synthetic_organizations():
    """The organisations this command created (and `--clear` deletes)."""
    return Organization.objects.filter(is_demo=True, name__endswith=SYNTHETIC_SUFFIX)


# ------------------------------------------------------------------------------------------ search columns


# ------------------------------------------------------------------------------------------------ plan


@dataclass
class _OrgPlan:
    number: int
    organization: Organization
    provider_type: ProviderType
    area_code: str
    locations: list[Location] = field(default_factory=list)
    service_keys: list[str] = field(default_factory=list)


class Generator:
    def __init__(self, *, seed: int, batch_size: int = BATCH_SIZE, stdout=None):
        self.seed = seed
        self.rng = random.Random(seed)
        self.batch_size = batch_size
        self.stdout = stdout
        self.provider_types = {p.code: p for p in ProviderType.objects.select_related("agency").order_by("code")}
        self.categories = {c.code: c for c in Category.objects.all()}
        self.target_groups = {t.code: t for t in TargetGroup.objects.order_by("code")}
        self.languages = {lang.code: lang for lang in Language.objects.all()}
        missing = [
            label
            for label, rows in (
                ("типы организаций", self.provider_types),
                ("категории помощи", self.categories),
                ("категории семей", self.target_groups),
                ("языки", self.languages),
            )
            if not rows
        ]
        if missing:
            raise CommandError("Справочники не загружены (" + ", ".join(missing) + "): выполните «manage.py migrate».")
        if "ru" not in self.languages:
            raise CommandError("В справочнике языков нет русского языка (код «ru»).")
        self.search_columns = SearchColumns()
        self.templates, self.type_weights = self.templates_by_type()
        self.counts: dict[str, int] = {}

    def say(self, text: str) -> None:
        if self.stdout is not None:
            self.stdout.write(text)

    # ------------------------------------------------------------ reference rows

    def ensure_geography(self) -> int:
        """Create the municipalities and settlements of `demo.geography` that are missing."""
        created = 0
        for m in geography.MUNICIPALITIES:
            municipality = Municipality.objects.filter(code=m["code"]).first()
            if municipality is None:
                municipality = Municipality(code=m["code"], region=geography.REGION, name=m["name"], oktmo=m["oktmo"])
                municipality.full_clean()
                municipality.save()
                created += 1
            for s in m["settlements"]:
                if Settlement.objects.filter(code=s["code"]).exists():
                    continue
                settlement = Settlement(
                    municipality=municipality,
                    code=s["code"],
                    name=s["name"],
                    kind=s["kind"],
                    latitude=Decimal(s["latitude"]),
                    longitude=Decimal(s["longitude"]),
                )
                settlement.full_clean()
                settlement.save()
                created += 1
        return created

    @staticmethod
    def templates_by_type() -> tuple[dict[str, list[str]], dict[str, int]]:
        """The service templates each provider type offers in the demo catalogue, and how many demo
        organisations of each type there are (the mix of types of the synthetic databank)."""
        by_type: dict[str, set[str]] = {}
        weights: dict[str, int] = {}
        for spec in build_catalogue(random.Random(DEFAULT_SEED)):
            by_type.setdefault(spec.type, set()).update(spec.services)
            weights[spec.type] = weights.get(spec.type, 0) + 1
        return {code: sorted(keys) for code, keys in by_type.items()}, weights

    # ------------------------------------------------------------ generation

    def generate(self, services: int) -> dict[str, int]:
        rng = self.rng
        started = perf_counter()
        settlements = list(Settlement.objects.select_related("municipality").order_by("code"))
        if not settlements:
            raise CommandError("В банке данных нет населённых пунктов.")
        phone_codes = {m["code"]: m["phone_code"] for m in geography.MUNICIPALITIES}
        by_municipality: dict[int, list[Settlement]] = {}
        for settlement in settlements:
            by_municipality.setdefault(settlement.municipality_id, []).append(settlement)
        # Cities draw most places (the capital first), administrative centres more than villages.
        centres = {rows[0].pk for rows in by_municipality.values()}
        settlement_weights = [
            40
            if s.code == "kyzyl"
            else 12
            if s.kind == geography.CITY
            else 4
            if s.kind == geography.URBAN_SETTLEMENT or s.pk in centres
            else 1
            for s in settlements
        ]

        types = [code for code in self.provider_types if code in self.templates]
        unknown = [code for code in self.provider_types if code not in self.templates]
        if unknown:
            self.say(f"Типы организаций без шаблонов услуг пропущены: {', '.join(unknown)}")
        type_weights = [self.type_weights[code] for code in types]

        # 1. Organisations and their places (every type at least once while there are services to give).
        plans: list[_OrgPlan] = []
        remaining = services
        while remaining > 0:
            number = len(plans)
            type_code = types[number] if number < len(types) else rng.choices(types, type_weights)[0]
            count = min(remaining, rng.choice(SERVICES_PER_ORGANIZATION))
            remaining -= count
            plans.append(self.plan_organization(number, type_code, count, settlements, settlement_weights, phone_codes))
        for plan in plans:
            self.plan_branches(plan, by_municipality)

        with transaction.atomic():
            organizations = [plan.organization for plan in plans]
            self.bulk(Organization, organizations)
            for plan in plans:
                for location in plan.locations:
                    location.organization_id = plan.organization.pk
            locations = [location for plan in plans for location in plan.locations]
            self.bulk(Location, locations)

            # 2. Services, their categories, families, languages and places.
            service_rows, links, sals, phones = self.build_services(plans)
            self.bulk(Service, service_rows)
            for through, key, rows in links:
                self.bulk(through, [through(**{"service_id": service.pk, key: other.pk}) for service, other in rows])
            for sal in sals:
                sal.service_id = sal.service.pk
            self.bulk(ServiceAtLocation, sals)

            # 3. Hours, dated exceptions and phones.
            schedules, exceptions = self.build_hours(locations)
            self.bulk(Schedule, schedules)
            self.bulk(ScheduleException, exceptions)
            phones += self.build_phones(plans)
            for phone in phones:
                owner, row = phone._owner
                setattr(phone, f"{owner}_id", row.pk)
            self.bulk(Phone, phones)
            self.validate_sample(organizations, locations, service_rows, sals, schedules, exceptions, phones)

        self.counts["seconds"] = round(perf_counter() - started, 1)
        return self.counts

    def bulk(self, model, rows: list) -> None:
        """Insert in batches; fill primary keys when the database cannot return them."""
        name = model._meta.model_name
        self.counts[name] = self.counts.get(name, 0) + len(rows)
        if not rows:
            return
        started = perf_counter()
        for start in range(0, len(rows), self.batch_size):
            model.objects.bulk_create(rows[start : start + self.batch_size])
        if rows[0].pk is None and hasattr(rows[0], "uuid"):
            pks = dict(model.objects.filter(uuid__in=[r.uuid for r in rows]).values_list("uuid", "pk"))
            for row in rows:
                row.pk = pks[row.uuid]
        label = THROUGH_LABELS.get(name, model._meta.verbose_name_plural)
        self.say(f"  {label}: {len(rows)} за {perf_counter() - started:.1f} с")

    def plan_organization(self, number, type_code, count, settlements, weights, phone_codes) -> _OrgPlan:
        rng = self.rng
        provider_type = self.provider_types[type_code]
        settlement = rng.choices(settlements, weights)[0]
        title = rng.choice(TITLES)
        full, short = ORGANIZATION_NAMES.get(type_code, (provider_type.name, provider_type.name))
        where = _where(settlement)
        if type_code in OFFICIAL_TYPES:
            name, short_name = f"{full}, {where}", f"{short} {where}"
        else:
            name, short_name = f"{full} «{title}», {where}", f"{short} «{title}»"
        organization = Organization(
            uuid=_key_uuid(self.seed, f"organization:{number}"),
            name=name[: 500 - len(SYNTHETIC_SUFFIX)] + SYNTHETIC_SUFFIX,
            short_name=short_name[:200],
            provider_type=provider_type,
            agency_id=provider_type.agency_id,
            legal_form=LEGAL_FORMS.get(type_code, ""),
            description=f"{provider_type.name}. Работает с семьями {where} и окрестных сёл. Синтетические данные.",
            email=f"org{number}@{EMAIL_DOMAIN}" if rng.random() < 0.8 else "",
            is_network_partner=type_code in PARTNER_TYPES and rng.random() < 0.8,
            is_demo=True,
            verified_at=self.verified(old_share=0.2),
        )
        plan = _OrgPlan(number, organization, provider_type, phone_codes.get(settlement.municipality.code, PHONE_CODE))
        plan.service_keys = self.templates_for(type_code, count)
        plan.locations = [self.location(number, 0, type_code, settlement, "")]
        return plan

    def templates_for(self, type_code: str, count: int) -> list[str]:
        """Different templates while the type has enough of them, repeats after that."""
        pool = self.templates[type_code]
        if count <= len(pool):
            return self.rng.sample(pool, count)
        return pool + [self.rng.choice(pool) for _ in range(count - len(pool))]

    def plan_branches(self, plan: _OrgPlan, by_municipality) -> None:
        """About 1.2 places per organisation: sometimes a branch in a settlement of the same district."""
        rng = self.rng
        roll = rng.random()
        extra = 2 if roll < 0.025 else 1 if roll < 0.175 else 0
        neighbours = by_municipality[plan.locations[0].settlement.municipality_id]
        for index in range(1, extra + 1):
            settlement = rng.choice(neighbours)
            name = f"Филиал в {_where(settlement)}"
            plan.locations.append(self.location(plan.number, index, plan.provider_type.code, settlement, name))

    def location(self, number: int, index: int, type_code: str, settlement: Settlement, name: str) -> Location:
        rng = self.rng
        municipality = settlement.municipality
        hours = DEFAULT_HOURS.get(type_code, "office")
        confidential = type_code == "crisis" and rng.random() < 0.5
        location = Location(
            uuid=_key_uuid(self.seed, f"location:{number}:{index}"),
            name=name,
            municipality=municipality,
            settlement=settlement,
            is_24_7=hours == "24_7",
            is_confidential=confidential,
            wheelchair_accessible=rng.random() < 0.4,
        )
        location._hours = hours
        if confidential:
            location.front_door_phone = self.mobile()
            location.accessibility_note = "Об условиях доступности уточните по телефону для обращения."
        else:
            streets = geography.STREETS.get(municipality.code, geography.STREETS["village"])
            location.street = rng.choice(streets)
            location.house = str(rng.randint(1, 120)) + ("а" if rng.random() < 0.1 else "")
            location.postal_code = f"6670{rng.randint(0, 11):02d}" if municipality.code == "kyzyl" else ""
            spread = 0.04 if settlement.kind == geography.CITY else 0.012
            location.latitude = _decimal(float(settlement.latitude) + rng.uniform(-spread, spread))
            location.longitude = _decimal(float(settlement.longitude) + rng.uniform(-1.5 * spread, 1.5 * spread))
            location.address_note = rng.choice(["", "", "", "Вход со двора", "2-й этаж", "Кабинет № 5, 1-й этаж"])
            location.transport_note = (
                "Остановка общественного транспорта в 5 минутах ходьбы."
                if settlement.kind == geography.CITY
                else "В центре села, рядом с администрацией сумона."
            )
            if location.wheelchair_accessible:
                location.accessibility_note = ACCESSIBLE_NOTE
        return location

    def verified(self, *, old_share: float = 0.3):
        """A verification date within two years before the demo reference date (as the demo databank)."""
        rng = self.rng
        days = rng.randint(380, 720) if rng.random() < old_share else rng.randint(3, 330)
        return REFERENCE_DATE - timedelta(days=days, minutes=rng.randint(0, 480))

    def landline(self, area_code: str) -> str:
        return f"+7{area_code}{self.rng.randint(2, 6)}{self.rng.randint(0, 9999):04d}"

    def mobile(self) -> str:
        return f"+7{self.rng.choice(MOBILE_CODES)}{self.rng.randint(0, 9_999_999):07d}"

    def build_services(self, plans: list[_OrgPlan]):
        rng = self.rng
        category_links, group_links, language_links = [], [], []
        services, sals, phones = [], [], []
        all_groups = list(self.target_groups.values())
        number = 0
        for plan in plans:
            organization = plan.organization
            partner = organization.is_network_partner
            agency = plan.provider_type.agency
            main_settlement = plan.locations[0].settlement
            where = _where(main_settlement)
            for key in plan.service_keys:
                template: Svc = SERVICES[key]
                age_min, age_max = template.age
                variants = NAME_VARIANTS if age_min is not None and age_max is not None else NAME_VARIANTS[:-1]
                ages = f"{age_min}–{age_max} лет" if age_min is not None else ""
                name = rng.choice(variants).format(name=template.name, where=where, ages=ages)[:300]
                extra = rng.choice(EXTRA_SENTENCES).format(where=where)
                description = f"{template.description} {extra}".strip()
                modes = set(template.modes)
                in_person = "in_person" in modes
                takes_referrals = bool(
                    partner and template.referrals and agency is not None and agency.code in REFERRAL_AGENCIES
                )
                categories = [self.categories[code] for code in template.categories + template.kinds]
                groups = [self.target_groups[code] for code in template.targets]
                if rng.random() < 0.25:
                    extra_group = rng.choice(all_groups)
                    if extra_group not in groups:
                        groups.append(extra_group)
                languages = [self.languages["ru"]]
                if "tyv" in self.languages and rng.random() < min(1.0, template.tuvan + 0.15):
                    languages.append(self.languages["tyv"])
                search_name, search_text = self.search_columns.columns(
                    name=name,
                    organization=organization,
                    provider_type=plan.provider_type,
                    categories=categories,
                    target_groups=groups,
                    description=description,
                    eligibility=template.eligibility,
                )
                service = Service(
                    uuid=_key_uuid(self.seed, f"service:{number}"),
                    organization_id=organization.pk,
                    name=name,
                    description=description,
                    age_min=age_min,
                    age_max=age_max,
                    eligibility=template.eligibility,
                    cost=template.cost,
                    cost_note=template.cost_note,
                    how_to_apply=template.how_to_apply,
                    required_documents="\n".join(template.documents),
                    delivery_in_person=in_person,
                    delivery_phone="phone" in modes or (in_person and rng.random() < 0.3),
                    delivery_online="online" in modes or rng.random() < 0.05,
                    delivery_home_visit="home_visit" in modes,
                    is_hotline=False,  # the hotline panel is on every page: keep it to the demo hotlines
                    accepts_referrals=takes_referrals,
                    referral_response_days=rng.randint(3, 10) if takes_referrals else None,
                    status=Service.Status.PUBLISHED,
                    verified_at=self.verified(),
                    search_name=search_name,
                    search_text=search_text,
                )
                number += 1
                services.append(service)
                category_links += [(service, c) for c in categories]
                group_links += [(service, g) for g in groups]
                language_links += [(service, lang) for lang in languages]
                chosen = [plan.locations[0]] + [loc for loc in plan.locations[1:] if rng.random() < 0.5]
                for index, location in enumerate(chosen):
                    sal = ServiceAtLocation(
                        uuid=_key_uuid(self.seed, f"sal:{number}:{index}"),
                        service=service,
                        location=location,
                        note=rng.choice(SAL_NOTES) if index > 0 and rng.random() < 0.5 else "",
                    )
                    sals.append(sal)
                for order, (_, kind, description_) in enumerate(template.phones):
                    phone = Phone(number=self.mobile(), kind=kind, description=description_, sort_order=order)
                    phone._owner = ("service", service)
                    phones.append(phone)
        links = [
            (Service.categories.through, "category_id", category_links),
            (Service.target_groups.through, "targetgroup_id", group_links),
            (Service.languages.through, "language_id", language_links),
        ]
        return services, links, sals, phones

    def build_hours(self, locations: list[Location]):
        rng = self.rng
        schedules, exceptions = [], []
        for location in locations:
            if location.is_24_7:
                continue
            for weekday, opens_at, closes_at in HOURS[location._hours]:
                schedules.append(
                    Schedule(location_id=location.pk, weekday=weekday, opens_at=opens_at, closes_at=closes_at)
                )
            if rng.random() < 0.12:
                for day, closed, opens_at, closes_at, note in rng.sample(EXCEPTIONS, rng.randint(1, 2)):
                    exceptions.append(
                        ScheduleException(
                            location_id=location.pk,
                            date=day,
                            is_closed=closed,
                            opens_at=_time(opens_at),
                            closes_at=_time(closes_at),
                            note=note,
                        )
                    )
        return schedules, exceptions

    def build_phones(self, plans: list[_OrgPlan]) -> list[Phone]:
        rng = self.rng
        phones = []
        for plan in plans:
            phone = Phone(number=self.landline(plan.area_code), kind=Phone.Kind.MAIN, description="Приёмная")
            phone._owner = ("organization", plan.organization)
            phones.append(phone)
            if rng.random() < 0.15:
                phone = Phone(number=self.landline(plan.area_code), kind=Phone.Kind.FAX, sort_order=1)
                phone._owner = ("organization", plan.organization)
                phones.append(phone)
            for index, location in enumerate(plan.locations):
                if location.is_confidential:
                    continue
                number = self.mobile() if index > 0 and rng.random() < 0.4 else self.landline(plan.area_code)
                kind = Phone.Kind.RECEPTION if plan.provider_type.code in ("clinic", "drug_clinic") else Phone.Kind.MAIN
                phone = Phone(number=number, kind=kind)
                phone._owner = ("location", location)
                phones.append(phone)
        return phones

    # ------------------------------------------------------------ checks

    def validate_sample(self, *groups) -> None:
        """full_clean() on a sample of every model, and the search columns against the real refresh."""
        rng = random.Random(self.seed + 1)
        errors = []
        for rows in groups:
            for row in rng.sample(rows, min(SAMPLE_SIZE, len(rows))):
                try:
                    row.full_clean()
                except ValidationError as error:
                    errors.append(f"{row._meta.verbose_name} {row.pk}: {error.message_dict}")
        services = groups[2]
        for service in rng.sample(services, min(SAMPLE_SIZE, len(services))):
            computed = service_columns(Service.objects.get(pk=service.pk))
            if computed != (service.search_name, service.search_text):
                errors.append(f"услуга {service.pk}: поисковые колонки отличаются от search.lemmas.service_columns")
        if errors:
            raise CommandError("Проверка выборки не пройдена:\n" + "\n".join(errors[:20]))
        self.say(f"  Выборка проверена (full_clean и поисковые колонки, по {SAMPLE_SIZE} записей каждой модели).")


def _time(text: str | None) -> time | None:
    if not text:
        return None
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


# ------------------------------------------------------------------------------------------------- clear


def _remove_references(deleted: dict) -> None:
    """What `wagtail.signal_handlers.remove_reference_index_on_delete` does for each row, in bulk."""
    for model, ids in deleted.items():
        content_type = ContentType.objects.get_for_model(model)
        keys = [str(pk) for pk in ids]
        for start in range(0, len(keys), 900):
            chunk = keys[start : start + 900]
            ReferenceIndex.objects.filter(base_content_type=content_type, object_id__in=chunk).delete()
            ReferenceIndex.objects.filter(to_content_type=content_type, to_object_id__in=chunk).delete()


def clear_synthetic(stdout=None) -> int:
    """Delete the synthetic organisations with everything under them; return how many organisations went.

    Rows only these organisations own (phones, hours, category links…) are deleted with plain SQL in
    batches; the organisations, places, services and «service at a place» rows go through the ORM, so
    anything else that refers to them (other apps) is handled by its `on_delete`. Search follows once at the end.
    """
    with sync.bulk():
        return _clear_synthetic(stdout)


def _clear_synthetic(stdout) -> int:
    organization_ids = list(synthetic_organizations().values_list("pk", flat=True))
    if not organization_ids:
        return 0
    started = perf_counter()
    location_ids = list(Location.objects.filter(organization_id__in=organization_ids).values_list("pk", flat=True))
    service_ids = list(Service.objects.filter(organization_id__in=organization_ids).values_list("pk", flat=True))
    with transaction.atomic():
        leaves = [
            (Phone._meta.db_table, "organization_id", organization_ids),
            (Phone._meta.db_table, "location_id", location_ids),
            (Phone._meta.db_table, "service_id", service_ids),
            (Schedule._meta.db_table, "location_id", location_ids),
            (ScheduleException._meta.db_table, "location_id", location_ids),
            (Service.categories.through._meta.db_table, "service_id", service_ids),
            (Service.target_groups.through._meta.db_table, "service_id", service_ids),
            (Service.languages.through._meta.db_table, "service_id", service_ids),
        ]
        with connection.cursor() as cursor:
            for table, column, ids in leaves:
                for start in range(0, len(ids), 900):
                    chunk = ids[start : start + 900]
                    placeholders = ", ".join(["%s"] * len(chunk))
                    table_name = connection.ops.quote_name(table)
                    cursor.execute(f"DELETE FROM {table_name} WHERE {column} IN ({placeholders})", chunk)
        # Wagtail's per-object clean-up of its reference index costs two queries per row: done in bulk below.
        with disable_reference_index_auto_update():
            for start in range(0, len(organization_ids), 2000):
                chunk = organization_ids[start : start + 2000]
                sal_ids = list(
                    ServiceAtLocation.objects.filter(service__organization_id__in=chunk).values_list("pk", flat=True)
                )
                ServiceAtLocation.objects.filter(pk__in=sal_ids).delete()
                Service.objects.filter(organization_id__in=chunk).delete()
                Location.objects.filter(organization_id__in=chunk).delete()
                Organization.objects.filter(pk__in=chunk).delete()
                _remove_references({Organization: chunk, ServiceAtLocation: sal_ids})
        _remove_references({Location: location_ids, Service: service_ids})
    if stdout is not None:
        stdout.write(f"Удалено синтетических организаций: {len(organization_ids)} за {perf_counter() - started:.1f} с.")
    return len(organization_ids)


class Command(BaseCommand):
    help = (
        "Создаёт синтетический банк данных для нагрузочных испытаний: N опубликованных услуг (около N/3 "
        "организаций всех типов, около 1,2 адреса на организацию) во всех муниципальных образованиях и "
        "населённых пунктах. Одинаковый --seed даёт одинаковые данные. Организации помечены как "
        "демонстрационные, их названия оканчиваются на «(синт.)»; --clear удаляет их перед созданием."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--services", type=int, required=True, help="Сколько опубликованных услуг создать (0 — только удалить)."
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=f"Зерно генератора (по умолчанию {DEFAULT_SEED})."
        )
        parser.add_argument(
            "--clear", action="store_true", help="Сначала удалить ранее созданные синтетические организации."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help=f"Размер пакета bulk_create (по умолчанию {BATCH_SIZE}).",
        )

    def handle(self, *args, services, seed, clear, batch_size, **options):
        if services < 0:
            raise CommandError("--services: число услуг не может быть отрицательным.")
        if services == 0 and not clear:
            raise CommandError("Укажите --services больше нуля (или --services 0 --clear, чтобы только удалить).")
        if batch_size < 1:
            raise CommandError("--batch-size: размер пакета должен быть положительным.")
        # Bulk writes send no signals: search is brought up to date once at the end (search.sync.bulk).
        with sync.bulk():
            self._generate(services=services, seed=seed, clear=clear, batch_size=batch_size)

    def _generate(self, *, services, seed, clear, batch_size):
        if clear:
            deleted = clear_synthetic(stdout=self.stdout)
            if not deleted:
                self.stdout.write("Синтетических организаций не было.")
        elif synthetic_organizations().exists():
            raise CommandError(
                "В банке данных уже есть синтетические организации: добавьте --clear, чтобы создать их заново."
            )
        if services == 0:
            return
        generator = Generator(seed=seed, batch_size=batch_size, stdout=self.stdout)
        created = generator.ensure_geography()
        if created:
            self.stdout.write(f"Созданы недостающие муниципальные образования и населённые пункты: {created}.")
        self.stdout.write(f"Создание синтетического банка данных: {services} услуг, зерно {seed}…")
        counts = generator.generate(services)
        self.stdout.write(
            self.style.SUCCESS(
                f"Готово за {counts['seconds']} с: организаций {counts.get('organization', 0)}, "
                f"адресов {counts.get('location', 0)}, услуг {counts.get('service', 0)}, "
                f"услуг по адресам {counts.get('serviceatlocation', 0)}, "
                f"интервалов расписания {counts.get('schedule', 0)}, особых дней {counts.get('scheduleexception', 0)}, "
                f"телефонов {counts.get('phone', 0)}."
            )
        )
