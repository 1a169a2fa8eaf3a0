"""Reading the region profile in force, and moving profiles in and out as files.

Every rule a region sets for itself — support levels with their terms and caseload limits, family categories,
circumstances of need, closure, decline, outcome and «not completed» reasons, the deadlines and the reporting
periods — is read here: `in_force(day)` returns the profile version that applies on that day (the newest with
`valid_from` ≤ day). Labels of stored codes are found in any version, so a retired code still reads well.

Shipped profiles live in `referrals/region_profiles/*.json` (federal 002, Tatarstan 001, Tyva 000, Tula 003);
`manage.py region_profile import|export` and the admin move them in and out.
"""

from __future__ import annotations

import datetime
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from .codes import ResponsibilityZone
from .profile_models import ProfileCode, ProfileLevel, ProgrammeTemplate, RegionProfile, TemplateMeasure

SHIPPED = Path(__file__).resolve().parent / "region_profiles"
FORMAT = 1
CODE_LISTS = tuple(choice.value for choice in ProfileCode.List)
DEADLINES = (
    "decision_working_days",
    "programme_after_contract_working_days",
    "partner_response_working_days",
    "urgent_response_working_days",
    "guardianship_copy_working_days",
    "post_support_months",
    "interim_review_months",
    "support_extension_months",
)
REPORTING_PERIODS = {"quarter": "квартал", "half_year": "полугодие", "year": "год"}
CACHE_SECONDS = 60


class ProfileError(ValueError):
    """A profile file that cannot be imported; `errors` are Russian sentences naming the place."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Item:
    code: str
    label: str
    note: str = ""
    positive: bool = False
    retired: bool = False


@dataclass(frozen=True)
class Level:
    code: str
    label: str
    purpose: str = ""
    months: int | None = None
    caseload: int | None = None
    retired: bool = False


@dataclass(frozen=True)
class Rules:
    """One profile version, read once and shared (immutable)."""

    pk: int | None
    region: str
    name: str
    document: str
    valid_from: datetime.date
    deadlines: dict
    caseload_rule: str
    reporting_periods: tuple[str, ...]
    levels: tuple[Level, ...]
    lists: dict = field(default_factory=dict)

    def __getattr__(self, name):
        # rules.decision_working_days etc.
        deadlines = self.__dict__.get("deadlines") or {}
        if name in deadlines:
            return deadlines[name]
        raise AttributeError(name)

    def items(self, code_list: str, *, keep=()) -> tuple[Item, ...]:
        """The list's items in force, plus retired ones whose codes are in `keep` (values already stored)."""
        keep = set(keep or ())
        return tuple(item for item in self.lists.get(code_list, ()) if not item.retired or item.code in keep)

    def choices(self, code_list: str, *, keep=()) -> list[tuple[str, str]]:
        if code_list == "levels":
            keep = set(keep or ())
            return [(lv.code, lv.label) for lv in self.levels if not lv.retired or lv.code in keep]
        return [(item.code, item.label) for item in self.items(code_list, keep=keep)]

    def level(self, code: str) -> Level | None:
        return next((level for level in self.levels if level.code == code), None)

    def item(self, code_list: str, code: str) -> Item | None:
        return next((item for item in self.lists.get(code_list, ()) if item.code == code), None)

    def is_positive_closure(self, code: str) -> bool:
        item = self.item("closure_reasons", code)
        return bool(item and item.positive)


# -- Reading (cached per process; saving a profile clears the cache) --------------------------------------------

_lock = threading.Lock()
_cache: dict = {"at": 0.0, "rules": None}


def clear_cache(**_kwargs) -> None:
    with _lock:
        _cache["at"] = 0.0
        _cache["rules"] = None


for _model in (RegionProfile, ProfileLevel, ProfileCode, ProgrammeTemplate, TemplateMeasure):
    post_save.connect(clear_cache, sender=_model, dispatch_uid=f"profiles-{_model.__name__}-save")
    post_delete.connect(clear_cache, sender=_model, dispatch_uid=f"profiles-{_model.__name__}-delete")


def _rules_of(profile: RegionProfile, levels, codes) -> Rules:
    lists: dict[str, list[Item]] = {name: [] for name in CODE_LISTS}
    for row in codes:
        lists[row.list].append(Item(row.code, row.label, row.note, row.positive, row.retired))
    return Rules(
        pk=profile.pk,
        region=profile.region,
        name=profile.name,
        document=profile.document,
        valid_from=profile.valid_from,
        deadlines={name: getattr(profile, name) for name in DEADLINES},
        caseload_rule=profile.caseload_rule,
        reporting_periods=tuple(profile.reporting_periods or ()),
        levels=tuple(Level(row.code, row.label, row.purpose, row.months, row.caseload, row.retired) for row in levels),
        lists={name: tuple(items) for name, items in lists.items()},
    )


def _load_all() -> tuple[Rules, ...]:
    profiles = list(RegionProfile.objects.order_by("-valid_from"))
    levels: dict[int, list] = {}
    for row in ProfileLevel.objects.order_by("sort_order", "id"):
        levels.setdefault(row.profile_id, []).append(row)
    codes: dict[int, list] = {}
    for row in ProfileCode.objects.order_by("list", "sort_order", "id"):
        codes.setdefault(row.profile_id, []).append(row)
    found = tuple(_rules_of(p, levels.get(p.pk, []), codes.get(p.pk, [])) for p in profiles)
    return found or (shipped_rules("federal"),)


def all_versions() -> tuple[Rules, ...]:
    """Every profile version, newest first (at least the shipped federal one)."""
    with _lock:
        if _cache["rules"] is not None and time.monotonic() - _cache["at"] < CACHE_SECONDS:
            return _cache["rules"]
    rules = _load_all()
    with _lock:
        _cache["rules"], _cache["at"] = rules, time.monotonic()
    return rules


def in_force(day: datetime.date | None = None) -> Rules:
    """The profile version that applies on `day` (today by default); before the first one, the first one."""
    day = day or timezone.localdate()
    versions = all_versions()
    for rules in versions:
        if rules.valid_from <= day:
            return rules
    return versions[-1]


def label(code_list: str, code: str) -> str:
    """The label of a stored code: from the profile in force, else from the newest version that had it."""
    if not code:
        return ""
    versions = all_versions()
    current = in_force()
    for rules in (current, *versions):
        if code_list == "levels":
            level = rules.level(code)
            if level:
                return level.label
        else:
            item = rules.item(code_list, code)
            if item:
                return item.label
    return code


def labels(code_list: str, codes) -> list[str]:
    return [label(code_list, code) for code in codes or ()]


def templates_for(categories, day: datetime.date | None = None) -> list[ProgrammeTemplate]:
    """The ИПСС templates (algorithms) of the profile in force for these family categories, general ones last."""
    rules = in_force(day)
    if rules.pk is None:
        return []
    wanted = list(categories or ())
    templates = ProgrammeTemplate.objects.filter(profile_id=rules.pk).prefetch_related("measures")
    chosen = [t for t in templates if t.family_category in wanted]
    chosen.sort(key=lambda t: wanted.index(t.family_category))
    return chosen or [t for t in templates if t.family_category == "*"]


# -- Files -----------------------------------------------------------------------------------------------------


def shipped_names() -> list[str]:
    return sorted(path.stem for path in SHIPPED.glob("*.json"))


def shipped_data(name: str) -> dict:
    return json.loads((SHIPPED / f"{name}.json").read_text(encoding="utf-8"))


def shipped_rules(name: str) -> Rules:
    """A shipped profile read straight from its file (used before any profile is in the database)."""
    data = validate(shipped_data(name))
    profile = RegionProfile(
        region=data["region"],
        name=data["name"],
        document=data["document"],
        valid_from=datetime.date.fromisoformat(data["valid_from"]),
        caseload_rule=data["caseload_rule"],
        reporting_periods=data["reporting_periods"],
        **data["deadlines"],
    )
    levels = [ProfileLevel(**_level_fields(level)) for level in data["levels"]]
    codes = [ProfileCode(list=name, **_code_fields(item)) for name in CODE_LISTS for item in data[name]]
    return _rules_of(profile, levels, codes)


def _level_fields(level: dict) -> dict:
    return {
        "code": level["code"],
        "label": level["label"],
        "purpose": level.get("purpose") or "",
        "months": level.get("months"),
        "caseload": level.get("caseload"),
        "retired": bool(level.get("retired")),
    }


def _code_fields(item: dict) -> dict:
    return {
        "code": item["code"],
        "label": item["label"],
        "note": item.get("algorithm") or item.get("note") or "",
        "positive": bool(item.get("positive")),
        "retired": bool(item.get("retired")),
    }


def validate(data) -> dict:
    """Check a profile file's structure; raise ProfileError with every problem found, in Russian."""
    errors: list[str] = []
    if not isinstance(data, dict):
        raise ProfileError(["Файл профиля должен содержать объект JSON."])
    if data.get("format") != FORMAT:
        errors.append(f"Неизвестный формат файла: «{data.get('format')}» (ожидается {FORMAT}).")
    for key in ("region", "name", "document", "valid_from"):
        if not isinstance(data.get(key), str) or not data.get(key).strip():
            errors.append(f"Не заполнено поле «{key}».")
    try:
        datetime.date.fromisoformat(str(data.get("valid_from")))
    except ValueError:
        errors.append(f"Дата «valid_from» должна быть в виде ГГГГ-ММ-ДД, а не «{data.get('valid_from')}».")
    deadlines = data.get("deadlines")
    if not isinstance(deadlines, dict):
        errors.append("Нет раздела сроков «deadlines».")
    else:
        for name in DEADLINES:
            value = deadlines.get(name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                errors.append(f"Срок «{name}» должен быть целым неотрицательным числом или null.")
        unknown = set(deadlines) - set(DEADLINES)
        if unknown:
            errors.append("Неизвестные сроки: " + ", ".join(sorted(unknown)) + ".")
    if data.get("caseload_rule") not in RegionProfile.CaseloadRule.values:
        errors.append("Правило подсчёта нагрузки «caseload_rule» должно быть per_level или weighted.")
    periods = data.get("reporting_periods")
    if not isinstance(periods, list) or not set(periods) <= set(REPORTING_PERIODS):
        errors.append("Отчётные периоды — список из quarter, half_year, year.")
    for name in ("levels", *CODE_LISTS):
        items = data.get(name)
        if not isinstance(items, list) or not items:
            errors.append(f"Перечень «{name}» пуст или отсутствует.")
            continue
        seen = set()
        for number, item in enumerate(items, 1):
            if not isinstance(item, dict) or not item.get("code") or not item.get("label"):
                errors.append(f"«{name}», пункт {number}: нужны код и название.")
                continue
            code = item["code"]
            if not isinstance(code, str) or len(code) > 30 or not code.replace("_", "").isalnum():
                errors.append(f"«{name}», пункт {number}: код «{code}» — латиница, цифры и «_», до 30 знаков.")
            if code in seen:
                errors.append(f"«{name}»: код «{code}» повторяется.")
            seen.add(code)
    categories = {item.get("code") for item in data.get("family_categories") or [] if isinstance(item, dict)}
    sections = set(TemplateMeasure.Section.values)
    for number, template in enumerate(data.get("programme_templates") or [], 1):
        if not isinstance(template, dict):
            errors.append(f"Шаблон ИПСС {number}: ожидается объект.")
            continue
        if template.get("family_category") not in categories | {"*"}:
            errors.append(f"Шаблон ИПСС {number}: нет категории семьи «{template.get('family_category')}».")
        for m_number, measure in enumerate(template.get("measures") or [], 1):
            where = f"Шаблон ИПСС {number}, мероприятие {m_number}"
            if not isinstance(measure, dict) or not measure.get("description"):
                errors.append(f"{where}: нет описания.")
                continue
            if measure.get("section") not in sections:
                errors.append(f"{where}: раздел «{measure.get('section')}» неизвестен.")
            if measure.get("zone") not in ResponsibilityZone.values:
                errors.append(f"{where}: зона ответственности «{measure.get('zone')}» неизвестна.")
            if not isinstance(measure.get("days", 30), int):
                errors.append(f"{where}: срок в днях должен быть числом.")
    if errors:
        raise ProfileError(errors)
    return data


@transaction.atomic
def import_profile(data: dict, *, valid_from: datetime.date | None = None, replace: bool = False) -> RegionProfile:
    """Store a profile file as a version applying from `valid_from` (or the file's date)."""
    data = validate(data)
    valid_from = valid_from or datetime.date.fromisoformat(data["valid_from"])
    existing = RegionProfile.objects.filter(valid_from=valid_from).first()
    if existing and not replace:
        raise ProfileError([f"Профиль, действующий с {valid_from:%d.%m.%Y}, уже есть: «{existing}»."])
    if existing:
        existing.delete()
    profile = RegionProfile.objects.create(
        region=data["region"],
        name=data["name"],
        document=data["document"],
        valid_from=valid_from,
        caseload_rule=data["caseload_rule"],
        reporting_periods=data["reporting_periods"],
        sources=data.get("sources") or {},
        **{name: data["deadlines"].get(name) for name in DEADLINES if data["deadlines"].get(name) is not None},
    )
    ProfileLevel.objects.bulk_create(
        ProfileLevel(profile=profile, sort_order=order, **_level_fields(level))
        for order, level in enumerate(data["levels"])
    )
    ProfileCode.objects.bulk_create(
        ProfileCode(profile=profile, list=name, sort_order=order, **_code_fields(item))
        for name in CODE_LISTS
        for order, item in enumerate(data[name])
    )
    for order, template_data in enumerate(data.get("programme_templates") or []):
        template = ProgrammeTemplate.objects.create(
            profile=profile,
            family_category=template_data["family_category"],
            title=template_data.get("title") or template_data["family_category"],
            sort_order=order,
        )
        TemplateMeasure.objects.bulk_create(
            TemplateMeasure(
                template=template,
                sort_order=m_order,
                section=measure["section"],
                category_code=measure.get("category") or measure["section"],
                description=measure["description"],
                zone=measure["zone"],
                days=measure.get("days", 30),
            )
            for m_order, measure in enumerate(template_data.get("measures") or [])
        )
    clear_cache()
    return profile


def export_profile(profile: RegionProfile) -> dict:
    """The profile as a file that `import_profile` reads back unchanged."""
    data = {
        "format": FORMAT,
        "region": profile.region,
        "name": profile.name,
        "document": profile.document,
        "valid_from": profile.valid_from.isoformat(),
        "deadlines": {name: getattr(profile, name) for name in DEADLINES},
        "caseload_rule": profile.caseload_rule,
        "reporting_periods": list(profile.reporting_periods or []),
        "levels": [
            {
                "code": lv.code,
                "label": lv.label,
                "purpose": lv.purpose,
                "months": lv.months,
                "caseload": lv.caseload,
                **({"retired": True} if lv.retired else {}),
            }
            for lv in profile.levels.order_by("sort_order", "id")
        ],
    }
    for name in CODE_LISTS:
        rows = profile.codes.filter(list=name).order_by("sort_order", "id")
        data[name] = [
            {
                "code": row.code,
                "label": row.label,
                **({"algorithm" if name == "family_categories" else "note": row.note} if row.note else {}),
                **({"positive": True} if row.positive else {}),
                **({"retired": True} if row.retired else {}),
            }
            for row in rows
        ]
    data["programme_templates"] = [
        {
            "family_category": template.family_category,
            "title": template.title,
            "measures": [
                {
                    "section": m.section,
                    "category": m.category_code,
                    "description": m.description,
                    "zone": m.zone,
                    "days": m.days,
                }
                for m in template.measures.order_by("sort_order", "id")
            ],
        }
        for template in profile.templates.order_by("sort_order", "id")
    ]
    data["sources"] = profile.sources or {}
    return data
