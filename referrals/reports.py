"""Working-group reports: the indicators of the federal model programme (§15.1, groups A–D) and of the Tatarstan
programme (§8), for a quarter, a half-year or a year; aggregated figures only, never a name.

Every count goes through `referrals.disclosure` (small cells and the cells that would give them away are
hidden), and the figures page, the PDF and the XLSX all show the one resolved report that `build_report`
returns.

Adding an indicator: write a function of `ReportData` that returns a dict with any of `value` (the headline
figure), `unit` (what it counts, printed before it: «Семей: 12»), `figures` (lines «label: value»), `tables`
(see `table`) and `note`, registering each count with `data.disclosure` (`count`, or `total` for a total and
its rows; the same key for the same count wherever it appears), and decorate it with `@indicator(...)`. It may
return `recorded: False` with a `reason` when the region's data cannot support it. An indicator the system
never records is declared with `not_recorded(...)`: the report lists it as «не учитывается в системе» with the
reason. Nothing else is needed for the page, the PDF and the XLSX.
"""

from __future__ import annotations

import datetime
import io
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlencode

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from fpdf import FPDF
from openpyxl import Workbook
from openpyxl.styles import Font

from core.db_router import report_database
from core.db_timeouts import long_statements
from directory.models import Category, Municipality
from search.models import SearchGap

from . import profiles
from .codes import CaseStatus, MeasureStatus, ProgrammeStatus
from .disclosure import COMPLEMENTARY, PRIMARY, SMALL_CELL, Count, Disclosure, Hidden, Rate, Stat, shown
from .models import FamilyCase, FeedbackResponse, LevelChange, Measure, Referral, ReferralEvent
from .states import State

SUPPRESSED = PRIMARY  # «<5», kept for the callers of `shown` (referrals.selectors)

__all__ = ["SMALL_CELL", "SUPPRESSED", "COMPLEMENTARY", "shown", "Period", "build_report", "quarterly_report"]


# -- Periods ---------------------------------------------------------------------------------------------------

PERIOD_MONTHS = {"quarter": 3, "half_year": 6, "year": 12}
PERIOD_NAMES = {
    "quarter": gettext_lazy("квартал"),
    "half_year": gettext_lazy("полугодие"),
    "year": gettext_lazy("год"),
}


def month_end(year: int, month: int) -> datetime.date:
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def quarter_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    period = Period.containing("quarter", day)
    return period.start, period.end


def tenth_of_next_month(end: datetime.date) -> datetime.date:
    """The analysis is due by the 10th of the month after the period: «ежеквартально до 10 числа следующего за
    отчетным» (federal programme §6.3). The Tatarstan programme asks for half-year and annual reports (stage VI)
    without a date: the same rule is kept for them."""
    following = end + datetime.timedelta(days=1)
    return following.replace(day=10)


quarterly_due_date = tenth_of_next_month

DUE_RULES: dict[str, Callable[[datetime.date], datetime.date]] = {
    "quarter": tenth_of_next_month,
    "half_year": tenth_of_next_month,
    "year": tenth_of_next_month,
}


@dataclass(frozen=True)
class Period:
    kind: str
    year: int
    part: int = 1

    def __post_init__(self):
        if self.kind not in PERIOD_MONTHS:
            raise ValueError(f"unknown period kind {self.kind!r}")
        if not 1 <= self.part <= self.parts:
            raise ValueError(f"a {self.kind} has parts 1..{self.parts}")

    @property
    def months(self) -> int:
        return PERIOD_MONTHS[self.kind]

    @property
    def parts(self) -> int:
        return 12 // self.months

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, (self.part - 1) * self.months + 1, 1)

    @property
    def end(self) -> datetime.date:
        return month_end(self.year, self.part * self.months)

    @property
    def due(self) -> datetime.date:
        return DUE_RULES[self.kind](self.end)

    @property
    def name(self) -> str:
        if self.kind == "year":
            return _("%(year)s год") % {"year": self.year}
        return _("%(part)s %(what)s %(year)s года") % {
            "part": self.part,
            "what": PERIOD_NAMES[self.kind],
            "year": self.year,
        }

    @property
    def title(self) -> str:
        return _("Анализ сопровождения семей за %(period)s") % {"period": self.name}

    @property
    def slug(self) -> str:
        """For file names: 2026-q1, 2026-h2, 2026."""
        return {"quarter": f"{self.year}-q{self.part}", "half_year": f"{self.year}-h{self.part}"}.get(
            self.kind, f"{self.year}"
        )

    def shifted(self, step: int) -> Period:
        index = self.year * self.parts + self.part - 1 + step
        return Period(self.kind, index // self.parts, index % self.parts + 1)

    def query(self, **extra) -> str:
        return urlencode({"period": self.kind, "year": self.year, "part": self.part, **extra})

    @classmethod
    def containing(cls, kind: str, day: datetime.date) -> Period:
        return cls(kind, day.year, (day.month - 1) // PERIOD_MONTHS[kind] + 1)

    @classmethod
    def from_query(cls, query, today: datetime.date) -> Period:
        """`?period=quarter|half_year|year&year=2026&part=1..4/1..2`; `?date=` (the period holding that day) as
        the page used to link; anything missing or wrong falls back to the period holding today."""
        kind = query.get("period") if query.get("period") in PERIOD_MONTHS else "quarter"
        try:
            day = datetime.date.fromisoformat(query.get("date", ""))
        except ValueError:
            day = today
        period = cls.containing(kind, day)
        try:
            year = int(query.get("year", period.year))
        except ValueError:
            year = period.year
        if not 2000 <= year <= 2100:
            year = period.year
        try:
            part = int(query.get("part", period.part))
        except ValueError:
            part = period.part
        if not 1 <= part <= 12 // PERIOD_MONTHS[kind]:
            part = period.part
        return cls(kind, year, part)


# -- What a report reads: loaded once, a handful of queries -----------------------------------------------------

ACCEPTED_OR_LATER = {State.ACCEPTED, State.IN_PROGRESS, State.COMPLETED, State.NOT_COMPLETED}


class ReportData:
    """The rows of one period (values only: no personal field is read or decrypted) and its disclosure."""

    def __init__(self, period: Period):
        self.period = period
        self.start, self.end = period.start, period.end
        self.disclosure = Disclosure()
        self._once: dict[str, object] = {}

    def once(self, name: str, compute: Callable[[ReportData], object]):
        """`compute(self)`, computed (and its cells registered) once per report however many indicators ask."""
        if name not in self._once:
            self._once[name] = compute(self)
        return self._once[name]

    @cached_property
    def referrals(self) -> list[dict]:
        """Referrals sent in the period."""
        return list(
            Referral.objects.filter(sent_at__date__gte=self.start, sent_at__date__lte=self.end)
            .order_by("sent_at", "id")
            .values(
                "id",
                "status",
                "outcome",
                "decline_reason",
                "sent_at",
                "organization_id",
                "organization__name",
                "organization__short_name",
                "organization__agency__code",
                "organization__agency__name",
                "organization__provider_type__agency__code",
                "organization__provider_type__agency__name",
                "category_id",
                "category__name",
                "case__district_id",
                "case__district__name",
            )
        )

    @cached_property
    def events(self) -> dict[int, dict]:
        events: dict[int, dict] = defaultdict(dict)
        for referral_id, action, at in ReferralEvent.objects.filter(
            referral__sent_at__date__gte=self.start,
            referral__sent_at__date__lte=self.end,
            action__in=["accept", "complete"],
        ).values_list("referral_id", "action", "at"):
            events[referral_id][action] = at
        return events

    @cached_property
    def rules(self) -> profiles.Rules:
        """The region profile in force at the end of the period: its levels and code lists label the rows."""
        return profiles.in_force(self.end)

    @cached_property
    def cases(self) -> list[dict]:
        """Cases of the journal that matter for the period: registered by its end and not off the register
        before it (support, post-support or a decision not to accept may fall in the period).

        `categories` and `circumstances` are encrypted (sensitive codes, referrals/crypto.py EncryptedJSONField):
        they are read with the rows and every count by category or circumstance is made in Python over these
        decrypted lists (_has_mark, the B2 table) — never filtered or grouped in SQL, so no keyed-hash column
        is needed."""
        return list(
            FamilyCase.objects.filter(registration_date__lte=self.end)
            .filter(
                Q(closed_on__isnull=True)
                | Q(closed_on__gte=self.start)
                | Q(removed_on__isnull=True)
                | Q(removed_on__gte=self.start)
            )
            .order_by("id")
            .values(
                "id",
                "organization_id",
                "curator_id",
                "registration_date",
                "accepted_on",
                "contract_date",
                "closed_on",
                "removed_on",
                "post_support_until",
                "closure_reason",
                "status",
                "support_level",
                "categories",
                "circumstances",
                "district_id",
                "district__name",
            )
        )

    @cached_property
    def level_changes(self) -> dict[int, list[tuple]]:
        changes: dict[int, list[tuple]] = defaultdict(list)
        for case_id, day, before, after in (
            LevelChange.objects.filter(case__registration_date__lte=self.end)
            .filter(Q(case__closed_on__isnull=True) | Q(case__closed_on__gte=self.start))
            .order_by("changed_on", "id")
            .values_list("case_id", "changed_on", "from_level", "to_level")
        ):
            changes[case_id].append((day, before, after))
        return changes

    @cached_property
    def feedback(self) -> list[dict]:
        return list(
            FeedbackResponse.objects.filter(created_on__gte=self.start, created_on__lte=self.end)
            .order_by("id")
            .values("organization_id", "organization__name", "organization__short_name", "score", "helped")
        )

    # Derived ---------------------------------------------------------------------------------------------

    def level_on(self, case: dict, day: datetime.date) -> str:
        """The support level a family had on `day`, from its recorded level changes."""
        changes = self.level_changes.get(case["id"], [])
        level = changes[0][1] if changes else case["support_level"]
        for changed_on, _before, after in changes:
            if changed_on <= day:
                level = after
        return level

    @staticmethod
    def accepted_on(case: dict) -> datetime.date | None:
        """When the family was accepted for support: the consilium's decision; for a case without one, the
        support contract; for a case on support with neither (recorded before the procedure had its stages),
        its registration in the journal. None while it is assessed, or when it was not accepted."""
        if case["status"] == CaseStatus.NOT_ACCEPTED:
            return None
        if case["accepted_on"] or case["contract_date"]:
            return case["accepted_on"] or case["contract_date"]
        return None if case["status"] == CaseStatus.INTAKE else case["registration_date"]

    def open_on(self, day: datetime.date) -> list[dict]:
        """Families on support on `day`: accepted by then, support not ended (post-support is after the end)."""
        return [
            case
            for case in self.cases
            if (accepted := self.accepted_on(case))
            and accepted <= day
            and (case["closed_on"] is None or case["closed_on"] > day)
        ]

    @cached_property
    def accepted(self) -> list[dict]:
        return [case for case in self.cases if self.start <= (self.accepted_on(case) or datetime.date.min)]

    @cached_property
    def not_accepted(self) -> list[dict]:
        return [
            case
            for case in self.cases
            if case["status"] == CaseStatus.NOT_ACCEPTED
            and case["closed_on"]
            and self.start <= case["closed_on"] <= self.end
        ]

    @cached_property
    def closed(self) -> list[dict]:
        """Families whose support ended in the period (removed at once, or into post-support)."""
        return [
            case
            for case in self.cases
            if case["status"] in (CaseStatus.CLOSED, CaseStatus.POST_SUPPORT)
            and case["closed_on"]
            and self.start <= case["closed_on"] <= self.end
        ]

    @cached_property
    def post_support_at_end(self) -> list[dict]:
        return [
            case
            for case in self.cases
            if case["post_support_until"]
            and case["closed_on"]
            and case["closed_on"] <= self.end
            and (case["removed_on"] is None or case["removed_on"] > self.end)
        ]

    @cached_property
    def at_start(self) -> list[dict]:
        return self.open_on(self.start - datetime.timedelta(days=1))

    @cached_property
    def at_end(self) -> list[dict]:
        return self.open_on(self.end)


# -- The indicator registry ----------------------------------------------------------------------------------

GROUPS = {
    "A": gettext_lazy("Изменения в сфере детского и семейного неблагополучия"),
    "B": gettext_lazy("Непосредственные изменения в жизнедеятельности семей, получивших сопровождение"),
    "C": gettext_lazy("Изменения в инфраструктуре организаций, участвующих в социальном сопровождении"),
    "D": gettext_lazy("Изменения в кадровом обеспечении социального сопровождения семей с детьми"),
}
FEDERAL = gettext_lazy("федеральная модельная программа, §15.1")
TATARSTAN = gettext_lazy("программа Республики Татарстан, §8")
REFERENCE = gettext_lazy("справочно")


@dataclass(frozen=True)
class Indicator:
    code: str
    group: str
    title: object
    source: object
    compute: Callable[[ReportData], dict] | None = None
    reason: object = ""  # why it is not recorded, when `compute` is None

    def evaluate(self, data: ReportData) -> dict:
        result = {
            "code": self.code,
            "group": self.group,
            "title": str(self.title),
            "source": str(self.source),
            "recorded": self.compute is not None,
            "reason": str(self.reason),
            "value": None,
            "unit": "",
            "figures": [],
            "tables": [],
            "note": "",
        }
        if self.compute is not None:
            result.update(self.compute(data))
        return result


INDICATORS: list[Indicator] = []


def indicator(code: str, group: str, title, source=FEDERAL):
    def register(compute):
        INDICATORS.append(Indicator(code, group, title, source, compute))
        return compute

    return register


def not_recorded(code: str, group: str, title, reason, source=FEDERAL) -> None:
    INDICATORS.append(Indicator(code, group, title, source, None, reason))


def table(caption: str, head: list[str], rows: list[list], total: list | None = None) -> dict:
    """A table of an indicator: `head` names every column (the first is the row label), `rows` and `total`
    hold a label and values (counts, rates, plain numbers; None prints «—»)."""
    return {"caption": caption, "head": head, "rows": rows, "total": total}


def _label(code_list: str, code: str) -> str:
    """The label of a stored code of the region profile (any version); «не указано» for an empty one."""
    return profiles.label(code_list, code) if code else _("не указано")


def _breakdown(data: ReportData, key: tuple, dimension: str, items, what: Callable, code_list) -> list[list]:
    """Register `key` as the total of `items` split by `what(item)` into the cells (*key, dimension, code): rows
    in the order of the profile's list `code_list` (every code, zeros too; or pairs (code, label)), then any
    other code met (a retired one), each row [label, Count]."""
    counts = Counter(what(item) for item in items)
    choices = data.rules.choices(code_list) if isinstance(code_list, str) else list(code_list)
    labels = {code: str(label) for code, label in choices}
    codes = list(labels) + sorted((code for code in counts if code not in labels), key=str)
    data.disclosure.total(key, {(*key, dimension, code): counts.get(code, 0) for code in codes})
    return [
        [
            labels.get(code) or _label(code_list if isinstance(code_list, str) else "", code),
            Count((*key, dimension, code)),
        ]
        for code in codes
    ]


# A. Changes in child and family trouble ----------------------------------------------------------------------
# The system sees the families it supports, not the region: these are counted among them.


CODE_LIST_OF = {"categories": "family_categories", "circumstances": "circumstances"}  # case field → profile list


def _tuple(name) -> tuple:
    return name if isinstance(name, tuple) else (name,)


def _has_mark(marks: dict[str, set]) -> Callable[[dict], bool]:
    """Whether a case record carries one of the marks: {"categories": {...}, "circumstances": {...}}."""
    return lambda case: any(set(case[field] or ()) & codes for field, codes in marks.items())


def _among_supported(data: ReportData, name: str, marks: dict[str, set], what: str) -> dict:
    """Families with a mark (family categories, circumstances of need) on support at the start and at the end
    of the period, and those whose support ended in it with a positive result. Only the marks the region's
    profile has (or cases still carry) count; with none of them the indicator is not recorded in this region."""
    known = {
        field: {code for code, _label in data.rules.choices(CODE_LIST_OF[field])}
        | {code for case in data.cases for code in case[field] or ()}
        for field in marks
    }
    marks = {field: codes & known[field] for field, codes in marks.items()}
    if not any(marks.values()):
        return {
            "recorded": False,
            "reason": _("в профиле региона нет такой категории семьи или обстоятельства: %(what)s") % {"what": what},
        }
    d, has = data.disclosure, _has_mark(marks)
    positive = {code for code, _label in data.rules.choices("closure_reasons") if data.rules.is_positive_closure(code)}
    single = [(field, code) for field, codes in marks.items() for code in codes]
    if len(single) == 1 and single[0][0] == "categories":
        name = ("category", single[0][1])  # the very cell of B2's table by category
    start = d.count(("families", "start", *_tuple(name)), sum(map(has, data.at_start)))
    end = d.count(("families", "end", *_tuple(name)), sum(map(has, data.at_end)))
    reached = d.count(
        ("families", "positive", *_tuple(name)),
        sum(1 for case in data.closed if has(case) and case["closure_reason"] in positive),
    )
    labels = [_label(CODE_LIST_OF[field], code) for field, codes in marks.items() for code in sorted(codes)]
    return {
        "unit": _("Семей"),
        "figures": [
            {"label": _("на сопровождении на начало периода"), "value": start},
            {"label": _("на сопровождении на конец периода"), "value": end},
            {"label": _("сопровождение прекращено в периоде с положительным результатом"), "value": reached},
        ],
        "note": _("Среди семей на сопровождении, отмеченных: %(marks)s (по записи случая сегодня).")
        % {"marks": "; ".join(f"«{label}»" for label in labels)},
    }


@indicator("A1", "A", gettext_lazy("Сокращение количества отказов от детей"))
def refusals(data: ReportData) -> dict:
    result = _among_supported(
        data,
        "refusal",
        {
            "categories": {"refusal_intent"},
            "circumstances": {"newborn_refusal_risk", "foster_refusal_risk", "disabled_refusal_risk"},
        },
        _("намерение или риск отказа от ребёнка"),
    )
    if result.get("recorded", True):
        result["note"] = _("Сами отказы от детей в системе не учитываются.") + " " + result["note"]
    return result


not_recorded(
    "A2",
    "A",
    gettext_lazy("Уменьшение количества лишения родительских прав"),
    gettext_lazy("решения о лишении родительских прав в системе не учитываются"),
)


@indicator("A3", "A", gettext_lazy("Снижение количества семей, находящихся в социально опасном положении"))
def social_danger(data: ReportData) -> dict:
    result = _among_supported(
        data, "social_danger", {"categories": {"social_danger"}}, _("социально опасное положение")
    )
    if result.get("recorded", True):
        result["note"] += " " + _("Всех таких семей района система не знает: их учитывает КДН и ЗП.")
    return result


@indicator(
    "A4",
    "A",
    gettext_lazy(
        "Снижение количества семей, где имели место насилие, жестокое обращение, нарушения прав и законных "
        "интересов детей"
    ),
)
def violence(data: ReportData) -> dict:
    return _among_supported(
        data, "violence", {"circumstances": {"violence", "life_threat"}}, _("насилие, жестокое обращение")
    )


not_recorded(
    "A5",
    "A",
    gettext_lazy(
        "Уменьшение количества возвратов детей из замещающих семей в учреждения для детей-сирот и детей, "
        "оставшихся без попечения родителей"
    ),
    gettext_lazy(
        "возвраты детей из замещающих семей в системе не учитываются (замещающие семьи на сопровождении — "
        "в показателе B2 по категориям)"
    ),
)


# B. Direct changes for supported families --------------------------------------------------------------------


@indicator("B1", "B", gettext_lazy("Количество семей, принятых на социальное сопровождение"))
def accepted(data: ReportData) -> dict:
    rows = _breakdown(
        data,
        ("families", "accepted"),
        "level",
        data.accepted,
        lambda case: data.level_on(case, data.accepted_on(case)),
        "levels",
    )
    return {
        "value": Count(("families", "accepted")),
        "unit": _("Семей"),
        "figures": [
            {
                "label": _("не приняты на сопровождение (решение консилиума)"),
                "value": data.disclosure.count(("families", "not_accepted"), len(data.not_accepted)),
            }
        ],
        "tables": [table(_("Принятые по уровню сопровождения"), [_("Уровень"), _("Семей")], rows)],
        "note": _(
            "По дате решения консилиума о принятии (без неё — по дате договора о сопровождении, а для случаев, "
            "записанных до этапов процедуры, — по дате регистрации в журнале)."
        ),
    }


@indicator("B2", "B", gettext_lazy("Семьи на сопровождении на конец периода"), TATARSTAN)
def on_support(data: ReportData) -> dict:
    d = data.disclosure
    by_level = _breakdown(
        data, ("families", "end"), "level", data.at_end, lambda case: data.level_on(case, data.end), "levels"
    )
    # Every district with a case in the period, so that a district with none left on support reads 0.
    districts = {case["district_id"]: case["district__name"] for case in data.cases}
    by_district = _breakdown(
        data,
        ("families", "end"),
        "district",
        data.at_end,
        lambda case: case["district_id"],
        sorted(districts.items(), key=lambda item: item[1]),
    )
    # A family may be of several categories: the rows do not add up to the total (no equation).
    codes = [code for code, _label in data.rules.choices("family_categories")]
    codes += sorted({c for case in data.at_end for c in case["categories"] or ()} - set(codes))
    by_category = [
        [
            _label("family_categories", code),
            d.count(
                ("families", "end", "category", code),
                sum(1 for case in data.at_end if code in (case["categories"] or ())),
            ),
        ]
        for code in codes
    ]
    return {
        "value": Count(("families", "end")),
        "unit": _("Семей"),
        "figures": [
            {
                "label": _("на постсопровождении на конец периода"),
                "value": d.count(("families", "post_support"), len(data.post_support_at_end)),
            }
        ],
        "tables": [
            table(_("По уровню сопровождения"), [_("Уровень"), _("Семей")], by_level),
            table(_("По районам"), [_("Район"), _("Семей")], by_district),
            table(_("По категориям (семья может относиться к нескольким)"), [_("Категория"), _("Семей")], by_category),
        ],
        "note": _("Уровень — на последний день периода, по истории переводов; категории — по записи случая сегодня."),
    }


@indicator("B3", "B", gettext_lazy("Из них количество семей, переведённых на другой уровень сопровождения"))
def moved(data: ReportData) -> dict:
    moved_to = {}
    for case in data.cases:
        changes = [c for c in data.level_changes.get(case["id"], []) if data.start <= c[0] <= data.end]
        if changes:
            moved_to[case["id"]] = changes[-1][2]
    rows = _breakdown(data, ("families", "moved"), "level", list(moved_to.values()), lambda level: level, "levels")
    return {
        "value": Count(("families", "moved")),
        "unit": _("Семей"),
        "tables": [table(_("По уровню после перевода"), [_("Уровень"), _("Семей")], rows)],
    }


def _closed_by_reason(data: ReportData) -> list[list]:
    rows = _breakdown(
        data, ("families", "closed"), "reason", data.closed, lambda case: case["closure_reason"], "closure_reasons"
    )
    # Positive: so marked by the profile in force, or (a retired code) by the version that had it.
    codes = {c for c, _l in data.rules.choices("closure_reasons")} | {case["closure_reason"] for case in data.closed}
    positive = [
        ("families", "closed", "reason", code)
        for code in sorted(codes)
        if data.rules.is_positive_closure(code)
        or (
            data.rules.item("closure_reasons", code) is None
            and any(rules.is_positive_closure(code) for rules in profiles.all_versions())
        )
    ]
    data.disclosure.total(("families", "closed", "positive"), positive)
    return rows


@indicator("B4", "B", gettext_lazy("Количество семей, снятых с социального сопровождения"))
def closed(data: ReportData) -> dict:
    rows = data.once("closed_by_reason", _closed_by_reason)
    return {
        "value": Count(("families", "closed")),
        "unit": _("Семей"),
        "tables": [table(_("По основаниям прекращения"), [_("Основание"), _("Семей")], rows)],
        "note": _(
            "Сопровождение прекращено в периоде; после положительного результата семья ещё на постсопровождении."
        ),
    }


@indicator(
    "B5",
    "B",
    gettext_lazy("Численность и доля семей, преодолевших трудную жизненную ситуацию посредством сопровождения"),
    TATARSTAN,
)
def overcame(data: ReportData) -> dict:
    data.once("closed_by_reason", _closed_by_reason)  # the cells are those of B4
    positive = ("families", "closed", "positive")
    return {
        "value": Count(positive),
        "unit": _("Семей"),
        "figures": [
            {
                "label": _("доля среди семей, снятых с сопровождения в периоде, %"),
                "value": Rate((positive,), (("families", "closed"),)),
            }
        ],
        "note": _("Сопровождение прекращено по основанию, которое профиль региона считает положительным результатом."),
    }


@indicator("B6", "B", gettext_lazy("Удовлетворённость оказанной помощью семьям"))
def satisfaction(data: ReportData) -> dict:
    section = data.once("satisfaction", _satisfaction)
    rows = [[row["label"], row["answers"], row["average_score"], row["helped_share"]] for row in section["rows"]]
    total = ("feedback",)
    return {
        "value": Count(total),
        "unit": _("Ответов на анонимный опрос"),
        "figures": [
            {"label": _("средняя оценка (1–5)"), "value": Stat(section["average"], total)},
            {"label": _("помощь получена, %"), "value": Rate((("feedback", "helped", True),), (total,))},
            {"label": _("оценка 4 или 5, %"), "value": Rate((("feedback", "satisfied", True),), (total,))},
        ],
        "tables": [
            table(
                _("По организациям-партнёрам"),
                [_("Организация"), _("Ответов"), _("Средняя оценка (1–5)"), _("Помощь получена, %")],
                rows,
            )
        ],
        "note": _("Татарстан, §8: удовлетворённость — доля семей, получивших помощь."),
    }


REFERRAL_HEAD = [
    gettext_lazy("Группа"),
    gettext_lazy("Направлений"),
    gettext_lazy("Доля принятых, %"),
    gettext_lazy("Медиана до принятия, дней"),
    gettext_lazy("Медиана до выполнения, дней"),
    gettext_lazy("Доля просроченных, %"),
]
REFERRAL_KEYS = [
    "label",
    "total",
    "acceptance_rate",
    "median_days_to_accept",
    "median_days_to_complete",
    "overdue_share",
]


def _referral_rows(rows: list[dict]) -> list[list]:
    return [[row[key] for key in REFERRAL_KEYS] for row in rows]


@indicator("B7", "B", gettext_lazy("Помощь по направлениям: виды помощи и результаты"), REFERENCE)
def referral_outcomes(data: ReportData) -> dict:
    section = data.once("referrals", _referral_section)
    columns = section["outcome_columns"]
    head = [_("Вид помощи"), *[label for _code, label in columns], _("Всего")]
    rows = [
        [kind["label"], *[Count(("referrals", "kind", kind["id"], code)) for code, _l in columns], kind["total"]]
        for kind in section["by_kind"]
    ]
    total = [_("Всего"), *[Count(("referrals", "status", code)) for code, _l in columns], Count(("referrals",))]
    return {
        "value": Count(("referrals",)),
        "unit": _("Направлений отправлено"),
        "tables": [table(_("Направления по видам помощи и результатам"), head, rows, total)],
        "note": _("Направления, отправленные в периоде, по состоянию на сегодня."),
    }


@indicator("B8", "B", gettext_lazy("Направления по организациям-партнёрам"), REFERENCE)
def referral_partners(data: ReportData) -> dict:
    rows = _referral_rows(data.once("referrals", _referral_section)["by_partner"])
    head = [str(h) for h in REFERRAL_HEAD]
    return {"tables": [table(_("По организациям-партнёрам"), [_("Организация"), *head[1:]], rows)]}


@indicator("B9", "B", gettext_lazy("Направления по районам"), REFERENCE)
def referral_districts(data: ReportData) -> dict:
    rows = _referral_rows(data.once("referrals", _referral_section)["by_district"])
    head = [str(h) for h in REFERRAL_HEAD]
    return {"tables": [table(_("По районам"), [_("Район"), *head[1:]], rows)]}


@indicator("B10", "B", gettext_lazy("Отказы партнёров по причинам (пробелы в сети)"), REFERENCE)
def referral_declines(data: ReportData) -> dict:
    rows = [[row["label"], row["count"]] for row in data.once("referrals", _referral_section)["declines_by_reason"]]
    return {
        "value": Count(("referrals", "status", "declined")),
        "unit": _("Направлений отклонено"),
        "tables": [table(_("Отказы по причинам"), [_("Причина"), _("Направлений")], rows)],
    }


@indicator("B11", "B", gettext_lazy("Мероприятия ИПСС: выполнено и не выполнено"), REFERENCE)
def measures(data: ReportData) -> dict:
    marked = list(
        Measure.objects.filter(marked_on__gte=data.start, marked_on__lte=data.end)
        .exclude(status=MeasureStatus.PLANNED)
        .values_list("status", flat=True)
    )
    overdue = Measure.objects.filter(
        status=MeasureStatus.PLANNED,
        deadline__gte=data.start,
        deadline__lte=data.end,
        programme__status=ProgrammeStatus.APPROVED,
    ).count()
    rows = _breakdown(
        data,
        ("measures", "marked"),
        "status",
        marked,
        lambda status: status,
        [(MeasureStatus.DONE, MeasureStatus.DONE.label), (MeasureStatus.NOT_DONE, MeasureStatus.NOT_DONE.label)],
    )
    return {
        "value": Count(("measures", "marked")),
        "unit": _("Мероприятий отмечено"),
        "figures": [
            {
                "label": _("срок в периоде прошёл, отметки нет"),
                "value": data.disclosure.count(("measures", "overdue"), overdue),
            }
        ],
        "tables": [table(_("Отметки о выполнении в периоде"), [_("Отметка"), _("Мероприятий")], rows)],
        "note": _("Мероприятия утверждённых ИПСС, отмеченные в периоде; считаются мероприятия, а не семьи."),
    }


# C. Infrastructure -----------------------------------------------------------------------------------------
# Counts of organisations are not counts of families: they are shown as they are.


def _agency(referral: dict) -> tuple[str, str]:
    code = referral["organization__agency__code"] or referral["organization__provider_type__agency__code"] or ""
    name = referral["organization__agency__name"] or referral["organization__provider_type__agency__name"] or ""
    return code, name or _("ведомство не указано")


def _partners_by_agency(data: ReportData) -> dict[tuple[str, str], set]:
    partners: dict[tuple[str, str], set] = defaultdict(set)
    for referral in data.referrals:
        partners[_agency(referral)].add(referral["organization_id"])
    return partners


@indicator(
    "C1",
    "C",
    gettext_lazy("Количество организаций социального обслуживания, организующих социальное сопровождение семей"),
)
def support_organisations(data: ReportData) -> dict:
    return {
        "value": len({case["organization_id"] for case in data.cases}),
        "unit": _("Организаций"),
        "note": _("Организации, в которых в периоде были семьи на сопровождении."),
    }


@indicator("C2", "C", gettext_lazy("Количество организаций других ведомств, задействованных в сопровождении"))
def other_agencies(data: ReportData) -> dict:
    partners = _partners_by_agency(data)
    rows = [
        [name, len(ids)] for (code, name), ids in sorted(partners.items(), key=lambda item: (-len(item[1]), item[0][1]))
    ]
    others = set().union(*[ids for (code, _n), ids in partners.items() if code not in ("social", "ngo")] or [set()])
    return {
        "value": len(others),
        "unit": _("Организаций"),
        "figures": [
            {
                "label": _("всего организаций-партнёров, получивших направления"),
                "value": len({referral["organization_id"] for referral in data.referrals}),
            }
        ],
        "tables": [
            table(
                _("Организации-партнёры, получившие направления, по ведомствам"),
                [_("Ведомство"), _("Организаций")],
                rows,
            )
        ],
        "note": _(
            "Организации, получившие направления в периоде, кроме организаций социальной защиты и НКО; ведомство "
            "— из карточки организации (или из её типа)."
        ),
    }


not_recorded(
    "C3",
    "C",
    gettext_lazy(
        "Количество структурных подразделений на базе организаций социального обслуживания, имеющих основным "
        "профилем деятельности социальное сопровождение семей"
    ),
    gettext_lazy("структурные подразделения организаций в системе не ведутся"),
)


@indicator(
    "C4",
    "C",
    gettext_lazy("Количество социально ориентированных некоммерческих организаций, участвующих в сопровождении"),
)
def ngos(data: ReportData) -> dict:
    ids = set().union(*[ids for (code, _n), ids in _partners_by_agency(data).items() if code == "ngo"] or [set()])
    return {
        "value": len(ids),
        "unit": _("Организаций"),
        "note": _("Организации с ведомством «НКО», получившие направления в периоде (Татарстан, §8: число НКО)."),
    }


# D. Staffing -------------------------------------------------------------------------------------------------

not_recorded(
    "D1",
    "D",
    gettext_lazy(
        "Численность специалистов, получивших профильную подготовку для организации социального сопровождения, "
        "включая обученных на курсах повышения квалификации"
    ),
    gettext_lazy("обучение специалистов в системе не учитывается"),
)
not_recorded(
    "D2",
    "D",
    gettext_lazy("Количество специалистов, прошедших стажировки"),
    gettext_lazy("стажировки в системе не учитываются"),
)
not_recorded(
    "D3",
    "D",
    gettext_lazy("Количество специалистов, ставших победителями региональных конкурсов профмастерства"),
    gettext_lazy("конкурсы профмастерства в системе не учитываются"),
)
not_recorded(
    "D4",
    "D",
    gettext_lazy("Численность добровольцев, обученных и привлечённых к социальному сопровождению семей с детьми"),
    gettext_lazy("добровольцы в системе не учитываются"),
)


@indicator("D5", "D", gettext_lazy("Кураторы семей, ведущие сопровождение"), REFERENCE)
def curators(data: ReportData) -> dict:
    return {
        "value": len({case["curator_id"] for case in data.cases}),
        "unit": _("Специалистов"),
        "note": _("Не показатель §15.1: сотрудники с ролью куратора, у которых в периоде были семьи на сопровождении."),
    }


# -- The referral, weekly, satisfaction and unmet-need sections -------------------------------------------------

OUTCOME_LABELS = {
    "sent": gettext_lazy("ждёт ответа"),
    "in_work": gettext_lazy("принято, в работе"),
    "not_completed": gettext_lazy("не выполнено"),
    "declined": gettext_lazy("отклонено"),
    "expired": gettext_lazy("срок ответа истёк"),
    "cancelled": gettext_lazy("отменено"),
}
# Coarse statuses the rates are computed from, each a sum of the fine ones (an equation between cells).
ACCEPTED_ANY, OTHER = "accepted_any", "other"


def _fine(referral: dict) -> str:
    status = referral["status"]
    if status == State.COMPLETED:
        return f"completed:{referral['outcome']}"
    if status in (State.ACCEPTED, State.IN_PROGRESS):
        return "in_work"
    return status


def _coarse(fine: str) -> str:
    if fine == "in_work" or fine == "not_completed" or fine.startswith("completed:"):
        return ACCEPTED_ANY
    if fine in ("declined", "expired"):
        return fine
    return OTHER


def _referral_section(data: ReportData) -> dict:
    d = data.disclosure
    referrals = data.referrals
    outcomes = [code for code, _label in data.rules.choices("outcomes")]
    outcomes += sorted({r["outcome"] for r in referrals if r["status"] == State.COMPLETED} - set(outcomes))
    columns = [("sent", OUTCOME_LABELS["sent"]), ("in_work", OUTCOME_LABELS["in_work"])]
    columns += [
        (f"completed:{code}", _("выполнено: %(outcome)s") % {"outcome": _label("outcomes", code)}) for code in outcomes
    ]
    columns += [(code, OUTCOME_LABELS[code]) for code in ("not_completed", "declined", "expired", "cancelled")]
    fine_totals = Counter(_fine(r) for r in referrals)
    columns += [(code, State(code).label) for code in sorted(set(fine_totals) - {c for c, _l in columns})]
    codes = [code for code, _l in columns]
    coarse = {code: _coarse(code) for code in codes}

    # Column totals: fine statuses and the coarse ones they add up to.
    d.total(("referrals",), {("referrals", "status", code): fine_totals.get(code, 0) for code in codes})
    for name in (ACCEPTED_ANY, OTHER):
        d.total(("referrals", "status", name), [("referrals", "status", c) for c in codes if coarse[c] == name])

    def grouped(prefix: str, key: Callable[[dict], object], label: Callable[[dict], str], fine: bool) -> list[dict]:
        members: dict[object, list[dict]] = defaultdict(list)
        for referral in referrals:
            members[key(referral)].append(referral)
        rows = []
        for ident, items in members.items():
            row_key = ("referrals", prefix, ident)
            counts = Counter(_fine(r) for r in items)
            if fine:
                d.total(row_key, {(*row_key, code): counts.get(code, 0) for code in codes})
                for name in (ACCEPTED_ANY, OTHER):
                    d.total((*row_key, name), [(*row_key, c) for c in codes if coarse[c] == name])
            else:
                by_coarse = Counter(coarse[code] for r in items for code in [_fine(r)])
                d.total(
                    row_key,
                    {(*row_key, name): by_coarse.get(name, 0) for name in (ACCEPTED_ANY, "declined", "expired", OTHER)},
                )
            accept_days, complete_days = [], []
            for referral in items:
                accepted_at = data.events[referral["id"]].get("accept")
                if accepted_at and referral["sent_at"]:
                    accept_days.append((accepted_at - referral["sent_at"]).total_seconds() / 86400)
                completed_at = data.events[referral["id"]].get("complete")
                if completed_at and accepted_at:
                    complete_days.append((completed_at - accepted_at).total_seconds() / 86400)
            rows.append(
                {
                    "id": ident,
                    "label": label(items[0]),
                    "total": Count(row_key),
                    "acceptance_rate": Rate(
                        ((*row_key, ACCEPTED_ANY),),
                        ((*row_key, ACCEPTED_ANY), (*row_key, "declined")),
                        requires=(row_key,),
                    ),
                    "median_days_to_accept": Stat(round(statistics.median(accept_days), 1), row_key)
                    if accept_days
                    else None,
                    "median_days_to_complete": Stat(round(statistics.median(complete_days), 1), row_key)
                    if complete_days
                    else None,
                    "overdue_share": Rate(((*row_key, "expired"),), (row_key,)),
                    "suppressed": Hidden(row_key),
                    "_sort": (-len(items), label(items[0])),
                }
            )
        rows.sort(key=lambda row: row.pop("_sort"))
        # Each breakdown adds up to all referrals; its coarse columns to the coarse totals.
        d.equation(plus=[("referrals", prefix, row["id"]) for row in rows], minus=[("referrals",)])
        for name in (ACCEPTED_ANY, "declined", "expired", OTHER):
            total_key = ("referrals", "status", name)
            d.equation(plus=[("referrals", prefix, row["id"], name) for row in rows], minus=[total_key])
        if fine:
            for code in codes:
                d.equation(
                    plus=[("referrals", prefix, row["id"], code) for row in rows], minus=[("referrals", "status", code)]
                )
        return rows

    by_kind = grouped("kind", lambda r: r["category_id"], lambda r: r["category__name"], fine=True)
    by_partner = grouped(
        "org",
        lambda r: r["organization_id"],
        lambda r: r["organization__short_name"] or r["organization__name"],
        fine=False,
    )
    by_district = grouped("district", lambda r: r["case__district_id"], lambda r: r["case__district__name"], fine=False)
    declined = [r for r in referrals if r["status"] == State.DECLINED]
    declines = _breakdown(
        data,
        ("referrals", "status", "declined"),
        "reason",
        declined,
        lambda r: r["decline_reason"],
        "decline_reasons",
    )
    return {
        "total": Count(("referrals",)),
        "outcome_columns": [(code, str(label)) for code, label in columns],
        "by_kind": by_kind,
        "by_partner": by_partner,
        "by_district": by_district,
        "declines_by_reason": [{"label": label, "count": count} for label, count in declines],
    }


def _weekly(data: ReportData) -> dict:
    """Referrals sent per week (Monday to Sunday) for the line chart, or per month when more than a quarter of
    the non-empty weeks would be hidden; the points add up to all referrals (one equation)."""
    start, end = data.start, data.end
    monday = start - datetime.timedelta(days=start.weekday())
    weeks = []
    while monday <= end:
        weeks.append(monday)
        monday += datetime.timedelta(days=7)
    per_week = Counter((r["sent_at"].date() - weeks[0]).days // 7 for r in data.referrals)
    counts = [per_week.get(index, 0) for index in range(len(weeks))]
    non_empty = [n for n in counts if n]
    small = [n for n in non_empty if n < SMALL_CELL]
    if non_empty and len(small) * 4 > len(non_empty):
        unit = "month"
        months = [(start.year, start.month + i) for i in range(data.period.months)]
        per_month = Counter((r["sent_at"].date().year, r["sent_at"].date().month) for r in data.referrals)
        points = [
            (datetime.date(y, m, 1).strftime("%m.%Y"), ("referrals", "month", y, m), per_month.get((y, m), 0))
            for y, m in months
        ]
    else:
        unit = "week"
        points = [
            (week.strftime("%d.%m"), ("referrals", "week", week), n) for week, n in zip(weeks, counts, strict=True)
        ]
    data.disclosure.total(("referrals",), {key: n for _label, key, n in points})
    return {"unit": unit, "rows": [{"label": label, "total": Count(key)} for label, key, _n in points]}


def _satisfaction(data: ReportData) -> dict:
    """Удовлетворённость per partner from the anonymous survey: answers, average score, share helped."""
    d = data.disclosure
    answers: dict[int, list[dict]] = defaultdict(list)
    for response in data.feedback:
        answers[response["organization_id"]].append(response)
    rows = []
    for organization_id, items in answers.items():
        key = ("feedback", "org", organization_id)
        d.total(key, {(*key, "helped", flag): sum(1 for a in items if a["helped"] == flag) for flag in (True, False)})
        d.total(
            key,
            {(*key, "satisfied", flag): sum(1 for a in items if (a["score"] >= 4) == flag) for flag in (True, False)},
        )
        rows.append(
            {
                "label": items[0]["organization__short_name"] or items[0]["organization__name"],
                "answers": Count(key),
                "average_score": Stat(round(statistics.mean(a["score"] for a in items), 1), key),
                "helped_share": Rate(((*key, "helped", True),), (key,)),
            }
        )
    rows.sort(key=lambda row: row["label"])
    d.total(("feedback",), [("feedback", "org", o) for o in answers])
    for name in ("helped", "satisfied"):
        for flag in (True, False):
            d.total(("feedback", name, flag), [("feedback", "org", o, name, flag) for o in answers])
        d.equation(plus=[("feedback", name, True), ("feedback", name, False)], minus=[("feedback",)])
    scores = [a["score"] for a in data.feedback]
    return {"rows": rows, "average": round(statistics.mean(scores), 1) if scores else None}


def _unmet_need(disclosure: Disclosure, start: datetime.date, end: datetime.date) -> list[dict]:
    """What the region lacks: public searches that found nothing or little (counts of searches, not of people,
    shown as they are), beside referral declines (counts of families' referrals, suppressed), by district and
    kind of help (searches without a district or kind of help are grouped under «—»)."""
    districts = dict(Municipality.objects.values_list("code", "name"))
    kinds = dict(Category.objects.values_list("code", "name"))
    cells: dict[tuple[str, str], dict] = defaultdict(lambda: {"zero": 0, "few": 0, "declines": 0})
    for gap in SearchGap.objects.filter(day__gte=start, day__lte=end):
        key = (districts.get(gap.municipality, "—"), kinds.get(gap.category, "—"))
        cells[key]["zero" if gap.results == 0 else "few"] += gap.count
    declined = Referral.objects.filter(status=State.DECLINED, closed_at__date__gte=start, closed_at__date__lte=end)
    for district, kind in declined.values_list("case__district__name", "category__name"):
        cells[(district, kind)]["declines"] += 1
    rows = [
        {
            "district": district,
            "kind": kind,
            "zero": row["zero"],
            "few": row["few"],
            "declines": disclosure.count(("declined_closed", district, kind), row["declines"]),
        }
        for (district, kind), row in cells.items()
    ]
    return sorted(rows, key=lambda r: (-(r["zero"] + r["few"]), r["district"], r["kind"]))[:100]


def unmet_need(start: datetime.date, end: datetime.date) -> list[dict]:
    disclosure = Disclosure()
    rows = _unmet_need(disclosure, start, end)
    return disclosure.suppress().resolve(rows)


# -- The report -------------------------------------------------------------------------------------------------


@long_statements(using=report_database)  # a period's whole history: longer than a web request's statements
def build_report(period: Period) -> dict:
    """The report of a period, resolved: every count is a number, «<5» or «…», every rate a number or None."""
    data = ReportData(period)
    items = [item.evaluate(data) for item in INDICATORS]
    referrals = data.once("referrals", _referral_section)
    weekly = _weekly(data)
    raw = {
        "families": {
            "accepted": Count(("families", "accepted")),
            "moved_to_another_level": Count(("families", "moved")),
            "closed_by_reason": [
                {"label": label, "count": count} for label, count in data.once("closed_by_reason", _closed_by_reason)
            ],
        },
        "referrals": {name: value for name, value in referrals.items() if name != "outcome_columns"},
        "indicators": items,
        "weekly": weekly["rows"],
        "satisfaction": data.once("satisfaction", _satisfaction)["rows"],
        "unmet_need": _unmet_need(data.disclosure, data.start, data.end),
    }
    report = data.disclosure.suppress().resolve(raw)
    for name in ("by_kind", "by_partner", "by_district"):
        for row in report["referrals"][name]:
            row.pop("id")
    indicators = report.pop("indicators")
    report.update(
        {
            "period": period,
            "start": period.start,
            "end": period.end,
            "due": period.due,
            "title": period.title,
            "weekly_unit": weekly["unit"],
            "groups": [
                {"code": code, "title": str(title), "items": [i for i in indicators if i["group"] == code]}
                for code, title in GROUPS.items()
            ],
            "not_recorded": [i for i in indicators if not i["recorded"]],
        }
    )
    return report


def quarterly_report(day: datetime.date) -> dict:
    return build_report(Period.containing("quarter", day))


# -- Charts ---------------------------------------------------------------------------------------------------


def line_chart(rows: list[dict], value_key: str, *, width: int = 560, height: int = 200) -> dict:
    """Geometry of a line chart (server-rendered SVG). A hidden value («<5», «…») is not drawn: the line has a
    gap there and the point is marked with the symbol at the baseline."""
    pad_left, pad_bottom, pad_top = 40, 24, 10
    numbers = [row[value_key] for row in rows if isinstance(row[value_key], int | float)]
    top = max(numbers, default=0) or 1
    step = (width - pad_left - 10) / max(1, len(rows) - 1)
    tick_every = max(1, round(len(rows) / 6))
    points, segments, current = [], [], []
    for index, row in enumerate(rows):
        value = row[value_key]
        x = round(pad_left + index * step, 1)
        drawn = isinstance(value, int | float)
        y = round(pad_top + (height - pad_top - pad_bottom) * (1 - value / top), 1) if drawn else height - pad_bottom
        # Coordinates as strings: the Russian locale would print 40.5 as «40,5», which SVG does not read.
        points.append(
            {
                "x": f"{x}",
                "y": f"{y}",
                "label": row["label"],
                "value": value,
                "drawn": drawn,
                "tick": index % tick_every == 0,
            }
        )
        if drawn:
            current.append(f"{x},{y}")
        elif current:
            segments.append(" ".join(current))
            current = []
    if current:
        segments.append(" ".join(current))
    return {
        "points": points,
        "segments": segments,
        "polyline": " ".join(segments),
        "width": width,
        "height": height,
        "top": top,
        "top_label": max(numbers, default=0) or "",  # the axis is labelled with a shown value only
        "baseline": height - pad_bottom,
        "mark_y": height - pad_bottom - 4,
        "pad_left": pad_left,
    }


def bar_chart(rows: list[dict], value_key: str, *, width: int = 560, bar_height: int = 22) -> dict:
    """Geometry of a horizontal bar chart for a server-rendered SVG; hidden cells draw no bar."""
    values = [row[value_key] for row in rows if isinstance(row[value_key], int | float)]
    top = max(values, default=0) or 1
    label_width = 220
    bars = []
    for index, row in enumerate(rows):
        value = row[value_key]
        length = (width - label_width - 60) * value / top if isinstance(value, int | float) else 0
        bars.append(
            {"y": index * (bar_height + 6), "label": row["label"][:40], "value": value, "length": f"{length:.1f}"}
        )
    return {
        "bars": bars,
        "width": width,
        "height": max(1, len(rows)) * (bar_height + 6),
        "label_width": label_width,
        "bar_height": bar_height,
    }


# -- Exports: the same resolved report as the page ----------------------------------------------------------------

LEGEND = gettext_lazy(
    "«<5» — от 1 до 4; «…» — скрыто, чтобы малые числа нельзя было вычислить из итогов; «—» — не показывается "
    "(мало данных или часть чисел скрыта)."
)
NOT_RECORDED = gettext_lazy("не учитывается в системе")


def _cell(value):
    return "—" if value is None else value


def _value_text(item: dict) -> str:
    if not item["recorded"]:
        return f"{NOT_RECORDED}: {item['reason']}"
    if item["value"] is None:
        return ""
    return f"{item['unit']}: {item['value']}" if item["unit"] else str(item["value"])


def _series_title(report: dict) -> str:
    return _("Направления по месяцам") if report["weekly_unit"] == "month" else _("Направления по неделям")


UNMET_HEAD = [
    gettext_lazy("Район"),
    gettext_lazy("Вид помощи"),
    gettext_lazy("Поисков без результатов"),
    gettext_lazy("Поисков с 1–3 результатами"),
    gettext_lazy("Отказов по направлениям"),
]


def report_xlsx(report: dict) -> bytes:
    """The analysis as an XLSX workbook: the same figures as the page (suppressed alike)."""
    bold = Font(bold=True)
    workbook = Workbook()
    summary = workbook.active
    summary.title = "Итоги"
    summary.append([report["title"]])
    summary["A1"].font = bold
    summary.append(["Период", report["start"].isoformat(), report["end"].isoformat()])
    summary.append(["Срок представления", report["due"].isoformat()])
    summary.append(["Принято семей", report["families"]["accepted"]])
    summary.append(["Направлений", report["referrals"]["total"]])
    summary.append(["Переведено на другой уровень", report["families"]["moved_to_another_level"]])
    summary.append([str(LEGEND)])
    tables = workbook.create_sheet("Таблицы")
    for group in report["groups"]:
        summary.append([])
        summary.append([group["code"], group["title"]])
        summary.cell(summary.max_row, 2).font = bold
        for item in group["items"]:
            if item["recorded"]:
                summary.append([item["code"], item["title"], item["value"], item["unit"]])
            else:
                summary.append([item["code"], item["title"], str(NOT_RECORDED), item["reason"]])
            for figure in item["figures"]:
                summary.append(["", f"— {figure['label']}", figure["value"]])
            if item["note"]:
                summary.append(["", item["note"]])
            for grid in item["tables"]:
                tables.append([f"{item['code']}. {grid['caption']}"])
                tables.cell(tables.max_row, 1).font = bold
                tables.append(list(grid["head"]))
                for cell in tables[tables.max_row]:
                    cell.font = bold
                for row in grid["rows"]:
                    tables.append(list(row))
                if grid["total"]:
                    tables.append(list(grid["total"]))
                tables.append([])
    keys = REFERRAL_KEYS
    for title, name in (("Виды помощи", "by_kind"), ("Партнёры", "by_partner"), ("Районы", "by_district")):
        sheet = workbook.create_sheet(title)
        sheet.append([str(h) for h in REFERRAL_HEAD])
        for cell in sheet[1]:
            cell.font = bold
        for row in report["referrals"][name]:
            sheet.append([row[key] for key in keys])
    series = workbook.create_sheet("Недели" if report["weekly_unit"] == "week" else "Месяцы")
    series.append([_series_title(report), "Направлений"])
    for row in report["weekly"]:
        series.append([row["label"], row["total"]])
    satisfaction = workbook.create_sheet("Удовлетворённость")
    satisfaction.append(["Организация", "Ответов", "Средняя оценка (1–5)", "Помощь получена, %"])
    for row in report["satisfaction"]:
        satisfaction.append([row["label"], row["answers"], row["average_score"], row["helped_share"]])
    unmet = workbook.create_sheet("Чего не хватает")
    unmet.append([str(h) for h in UNMET_HEAD])
    for row in report["unmet_need"]:
        unmet.append([row["district"], row["kind"], row["zero"], row["few"], row["declines"]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


FONT_DIR = __import__("pathlib").Path(__file__).resolve().parent / "fonts"


def report_pdf(report: dict) -> bytes:
    """The analysis as a PDF (fpdf2 with the DejaVu fonts shipped in referrals/fonts): the page's figures."""
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title(report["title"])
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(0, 8, report["title"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    period = _("Период: %(start)s — %(end)s. Срок представления: до %(due)s.") % {
        "start": report["start"].strftime("%d.%m.%Y"),
        "end": report["end"].strftime("%d.%m.%Y"),
        "due": report["due"].strftime("%d.%m.%Y"),
    }
    pdf.multi_cell(0, 6, period, new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(
        0,
        6,
        _("Принято семей: %(families)s. Направлений: %(referrals)s.")
        % {"families": report["families"]["accepted"], "referrals": report["referrals"]["total"]},
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(0, 5, str(LEGEND), new_x="LMARGIN", new_y="NEXT")

    def text(size, line, *, weight=""):
        pdf.set_font("DejaVu", weight, size)
        pdf.multi_cell(0, size * 0.55, line, new_x="LMARGIN", new_y="NEXT")

    def grid(title, head, rows, widths=None):
        pdf.ln(2)
        if title:
            text(9, title, weight="B")
        columns = len(head)
        if widths is None:
            label = 60 if columns <= 4 else 40
            widths = (label, *[(190 - label) / (columns - 1)] * (columns - 1)) if columns > 1 else (190,)
        pdf.set_font("DejaVu", "", 8 if columns <= 6 else 6)
        with pdf.table(col_widths=widths, text_align="LEFT") as table_:
            header = table_.row()
            for cell in head:
                header.cell(str(cell))
            for values in rows:
                line = table_.row()
                for value in values:
                    line.cell(str(_cell(value)))

    referral_widths = (52, 27, 21, 28, 30, 22)
    for group in report["groups"]:
        pdf.ln(4)
        text(12, f"{group['code']}. {group['title']}", weight="B")
        for item in group["items"]:
            pdf.ln(1)
            text(10, f"{item['code']}. {item['title']}", weight="B")
            line = _value_text(item)
            if line:
                text(10, line)
            for figure in item["figures"]:
                text(9, f"— {figure['label']}: {_cell(figure['value'])}")
            for table_ in item["tables"]:
                rows = [*table_["rows"], *([table_["total"]] if table_["total"] else [])]
                widths = referral_widths if len(table_["head"]) == len(referral_widths) else None
                grid(table_["caption"], table_["head"], rows, widths)
            if item["note"]:
                text(7, item["note"])
    pdf.ln(4)
    grid(
        _series_title(report),
        [_("Начало") if report["weekly_unit"] == "week" else _("Месяц"), _("Направлений")],
        [[row["label"], row["total"]] for row in report["weekly"]],
        (60, 40),
    )
    grid(
        _("Чего не хватает: поиски без результатов и отказы партнёров"),
        [str(h) for h in UNMET_HEAD],
        [[r["district"], r["kind"], r["zero"], r["few"], r["declines"]] for r in report["unmet_need"]],
        (45, 55, 30, 30, 30),
    )
    return bytes(pdf.output())
