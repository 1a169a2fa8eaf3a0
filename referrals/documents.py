"""The case documents as PDF: the ИПСС in the form of appendix 2 (001 §6.1), the act of housing inspection, and the
registers of the organisation (журнал первичного учёта, журнал ведомственного учёта, 001 §6.3).

Pure rendering: the records given → a dict of what the document says → HTML (Django templates under
templates/referrals/documents/pdf/) → PDF (WeasyPrint, A4, the DejaVu fonts of referrals/fonts embedded). No access
checks and no access log here: the views in document_views.py do both before they call these functions. WeasyPrint
fetches nothing but the two font files (`_fetcher`).
"""

from __future__ import annotations

import datetime
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from core.grammar import count_phrase

from . import profiles
from .codes import ConsiliumKind, MeasureStatus, Relation
from .models import FamilyCase, FamilyMember, HousingInspection, Measure, Programme, TemplateMeasure

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
ADULT_AGE = 18
# The family's representative signs the ИПСС and applies: a parent or the guardian before anyone else.
REPRESENTATIVES = (Relation.MOTHER, Relation.FATHER, Relation.GUARDIAN)
SECTIONS = TemplateMeasure.Section

# WeasyPrint reports every layout step at INFO.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class FetchRefused(ValueError):
    pass


def _fetcher():
    """A WeasyPrint URL fetcher for the shipped font files only (documents load nothing else)."""
    # inside: WeasyPrint needs the system Pango libraries; the rest of the site works without them
    # (docs/data-exchange.md «System libraries»)
    from weasyprint.urls import URLFetcher

    class FontsOnly(URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols={"file"}, allow_redirects=False, timeout=1)

        def fetch(self, url, headers=None):
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if urlsplit(url).scheme != "file" or not path.is_relative_to(FONTS_DIR) or not path.is_file():
                raise FetchRefused(f"Документ не загружает ничего, кроме шрифтов: {url}")
            return super().fetch(url, headers)

    return FontsOnly()


def render_pdf(template: str, context: dict) -> bytes:
    """HTML of a document template → PDF bytes (A4; the page size and fonts are in documents/pdf/base.html)."""
    from weasyprint import HTML  # inside: WeasyPrint needs the system Pango libraries (see _fetcher)

    html = render_html(template, context)
    return HTML(string=html, base_url=FONTS_DIR.as_uri() + "/", url_fetcher=_fetcher()).write_pdf()


def render_html(template: str, context: dict) -> str:
    return render_to_string(template, {"fonts": FONTS_DIR.as_uri(), **context})


# -- The family ------------------------------------------------------------------------------------------------


def person_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def applicant(members) -> FamilyMember | None:
    """The applicant (representative of the family): the first parent or guardian, else the first member."""
    members = list(members)
    return next((m for m in members if m.relation in REPRESENTATIVES), members[0] if members else None)


def is_minor(member: FamilyMember, day: datetime.date) -> bool:
    age = member.age_on(day)
    return age < ADULT_AGE if age is not None else member.relation == Relation.CHILD


@dataclass
class Composition:
    """«Состав семьи»: the members with their numbers, the count and the count of minors."""

    rows: list[FamilyMember]
    total: int
    minors: int

    @property
    def total_phrase(self) -> str:
        return count_phrase(self.total, "человек", "человека", "человек")

    @property
    def minors_phrase(self) -> str:
        return count_phrase(self.minors, "человек", "человека", "человек")


def composition(members, day: datetime.date) -> Composition:
    rows = list(members)
    return Composition(rows=rows, total=len(rows), minors=sum(1 for m in rows if is_minor(m, day)))


def family_completeness(case: FamilyCase, members) -> tuple[bool, bool]:
    """(полная, неполная) as the form's first two boxes: both parents among the members → полная; one parent, or the
    category «с одним родителем» → неполная; neither is marked when the members do not tell (e.g. a guardian)."""
    relations = {m.relation for m in members}
    complete = Relation.MOTHER in relations and Relation.FATHER in relations
    one_parent = len(relations & {Relation.MOTHER, Relation.FATHER}) == 1
    incomplete = not complete and (one_parent or "single_parent" in (case.categories or ()))
    return complete, incomplete


@dataclass
class Mark:
    """A box of the form: the label, marked or not, and a note (a level's purpose and term)."""

    label: str
    marked: bool
    note: str = ""


def marks(rules, code_list: str, chosen) -> list[Mark]:
    """Every item of a profile list in force as a box of the form; the case's (even retired) codes are marked."""
    chosen = list(chosen or ())
    items = rules.items(code_list, keep=chosen)
    found = [Mark(item.label, item.code in chosen) for item in items]
    known = {item.code for item in items}
    found += [Mark(profiles.label(code_list, code), True) for code in chosen if code not in known]
    return found


def months_phrase(months: int | None) -> str:
    return f"до {count_phrase(months, 'месяца', 'месяцев', 'месяцев')}" if months else ""


def level_marks(rules, chosen: str) -> list[Mark]:
    levels = [lv for lv in rules.levels if not lv.retired or lv.code == chosen]
    found = [Mark(lv.label, lv.code == chosen, lv.purpose) for lv in levels]
    found += [] if any(lv.code == chosen for lv in levels) else [Mark(profiles.label("levels", chosen), True)]
    return found


def level_terms(rules) -> list[tuple[str, str]]:
    """«Рекомендуемые сроки сопровождения»: (level, «до N месяцев») for the levels of the profile in force."""
    return [(lv.label, months_phrase(lv.months)) for lv in rules.levels if not lv.retired and lv.months]


# -- The ИПСС (appendix 2) -------------------------------------------------------------------------------------


def measure_section(measure: Measure) -> str:
    """The section of the plan a measure belongs to: its own, else its kind of help's (med, law, ped, psy, soc)."""
    if measure.section in SECTIONS.values:
        return measure.section
    category = measure.category
    for code in (category.code, category.parent.code if category.parent_id else ""):
        if code in SECTIONS.values:
            return code
    return SECTIONS.OTHER


@dataclass
class PlanRow:
    number: str
    measure: Measure
    form: object = None  # the page's form to mark the measure, where the user may mark it

    @property
    def executor(self) -> str:
        m = self.measure
        parts = [m.organization.name if m.organization_id else "", m.responsible_person]
        return ", ".join(p for p in parts if p) or str(m.get_zone_display())

    @property
    def target(self) -> str:
        m = self.measure
        return f"{m.member.full_name} ({m.member.get_relation_display()})" if m.member_id else ""

    @property
    def mark(self) -> str:
        m = self.measure
        if m.status == MeasureStatus.PLANNED:
            return ""
        return f"{m.get_status_display()} {m.marked_on:%d.%m.%Y}" if m.marked_on else str(m.get_status_display())


@dataclass
class PlanSection:
    number: int
    code: str
    title: str
    rows: list[PlanRow] = field(default_factory=list)


def plan_sections(measures) -> list[PlanSection]:
    """The six sections of «План работы с семьей» in the form's order, each measure numbered 1.1, 1.2 … 6.x."""
    sections = [PlanSection(n, code, str(label)) for n, (code, label) in enumerate(SECTIONS.choices, 1)]
    by_code = {s.code: s for s in sections}
    for measure in measures:
        section = by_code[measure_section(measure)]
        section.rows.append(PlanRow(f"{section.number}.{len(section.rows) + 1}", measure))
    return sections


def programme_measures(programme: Programme):
    return programme.measures.select_related("category__parent", "organization", "member").order_by("deadline", "id")


def programme_templates(programme: Programme, measures) -> list[str]:
    """Titles of the region's templates (algorithms) whose measures the programme holds (those proposed from them)."""
    descriptions = {m.description for m in measures}
    day = timezone.localtime(programme.created_at).date() if programme.created_at else None
    return [
        t.title
        for t in profiles.templates_for(programme.case.categories, day)
        if any(item.description in descriptions for item in t.measures.all())
    ]


def programme_number(programme: Programme) -> str:
    """The ИПСС's «№»: the case's number in the primary register and the version (T-1/2 — second version)."""
    return f"{programme.case.registration_number}/{programme.version}"


def programme_date(programme: Programme) -> datetime.date:
    """The ИПСС's date: the working group's decision, or for a draft the day it was drawn up."""
    return programme.decided_on or timezone.localtime(programme.created_at).date()


# «Утверждена решением …»: who decided, in the genitive.
DECIDED_BY = {
    ConsiliumKind.DEPARTMENTAL: "ведомственного социального консилиума",
    ConsiliumKind.INTERAGENCY: "межведомственной рабочей группы",
}


def approval(programme: Programme) -> dict | None:
    """The protocol of the decision on the programme: the consilium's meeting if it decided on its agenda, else
    the protocol number and date recorded on the programme itself."""
    if not programme.decided_on:
        return None
    item = programme.agenda_items.select_related("meeting").filter(decided_at__isnull=False).first()
    if item is not None:
        meeting = item.meeting
        by = DECIDED_BY.get(meeting.kind, DECIDED_BY[ConsiliumKind.INTERAGENCY])
        return {"by": by, "number": meeting.number, "date": meeting.held_on}
    return {
        "by": DECIDED_BY[ConsiliumKind.INTERAGENCY],
        "number": programme.protocol_number,
        "date": programme.decided_on,
    }


def programme_context(programme: Programme) -> dict:
    """Every field of appendix 2 for this programme (and the protocol of its approval)."""
    case = programme.case
    day = programme_date(programme)
    rules = profiles.in_force(day)
    members = list(case.members.all())
    complete, incomplete = family_completeness(case, members)
    return {
        "programme": programme,
        "case": case,
        "organization": case.organization,
        "number": programme_number(programme),
        "date": day,
        "applicant": applicant(members),
        "composition": composition(members, day),
        "complete": complete,
        "incomplete": incomplete,
        "categories": marks(rules, "family_categories", case.categories),
        "circumstances": marks(rules, "circumstances", case.circumstances),
        "levels": level_marks(rules, case.support_level),
        "level_terms": level_terms(rules),
        "curator": person_name(case.curator),
        "sections": plan_sections(programme_measures(programme)),
        "approval": approval(programme),
    }


def programme_pdf(programme: Programme) -> bytes:
    return render_pdf("referrals/documents/pdf/programme.html", programme_context(programme))


# -- The act of housing inspection -----------------------------------------------------------------------------


def inspection_context(inspection: HousingInspection) -> dict:
    case = inspection.case
    members = list(case.members.all())
    return {
        "inspection": inspection,
        "case": case,
        "organization": case.organization,
        "applicant": applicant(members),
        "composition": composition(members, inspection.inspected_on),
        "inspector": person_name(inspection.inspected_by),
    }


def inspection_pdf(inspection: HousingInspection) -> bytes:
    return render_pdf("referrals/documents/pdf/inspection.html", inspection_context(inspection))


# -- Registers -------------------------------------------------------------------------------------------------


def _date(value) -> str:
    return f"{value:%d.%m.%Y}" if value else ""


@dataclass
class Register:
    """A register as a table: the same rows for the page, the PDF and the workbook."""

    kind: str
    title: str
    organization: object
    columns: list[str]
    rows: list[list[str]]
    cases: list[FamilyCase]
    made_on: datetime.date = field(default_factory=timezone.localdate)

    @property
    def entries(self) -> list[tuple[FamilyCase, list[str]]]:
        return list(zip(self.cases, self.rows, strict=True))

    @property
    def count_phrase(self) -> str:
        return count_phrase(len(self.rows), "запись", "записи", "записей")


REGISTER_TITLES = {
    "primary": "Журнал первичного учёта семей",
    "departmental": "Журнал ведомственного учёта семей, принятых на социальное сопровождение",
}


def _applicant_name(case: FamilyCase) -> str:
    person = applicant(case.members.all())  # prefetched by the caller
    return person.full_name if person else ""


def primary_register(organization, cases) -> Register:
    """Every case of the organisation by its number and date in the primary register (001 §6.3)."""
    cases = list(cases)
    columns = ["№ п/п", "Рег. №", "Дата регистрации", "Основание", "Ф.И.О. заявителя", "Район", "Куратор", "Этап"]
    rows = [
        [
            str(n),
            case.registration_number,
            _date(case.registration_date),
            str(case.get_ground_display()),
            _applicant_name(case),
            case.district.name,
            person_name(case.curator),
            str(case.get_status_display()),
        ]
        for n, case in enumerate(cases, 1)
    ]
    return Register("primary", REGISTER_TITLES["primary"], organization, columns, rows, cases)


def departmental_register(organization, cases) -> Register:
    """The families accepted for support (ведомственный учёт): acceptance, level, term, closure and removal."""
    cases = list(cases)
    columns = [
        "№ п/п",
        "Рег. №",
        "Ф.И.О. заявителя",
        "Категория семьи",
        "Принята на учёт",
        "Уровень",
        "Срок сопровождения до",
        "Куратор",
        "Прекращено",
        "Основание прекращения",
        "Снята с учёта",
    ]
    rows = [
        [
            str(n),
            case.registration_number,
            _applicant_name(case),
            "; ".join(profiles.labels("family_categories", case.categories)),
            _date(case.accepted_on),
            case.get_support_level_display(),
            _date(case.support_until),
            person_name(case.curator),
            _date(case.closed_on),
            case.get_closure_reason_display(),
            _date(case.removed_on),
        ]
        for n, case in enumerate(cases, 1)
    ]
    return Register("departmental", REGISTER_TITLES["departmental"], organization, columns, rows, cases)


def register_pdf(register: Register) -> bytes:
    return render_pdf("referrals/documents/pdf/register.html", {"register": register})


def register_xlsx(register: Register) -> bytes:
    """The register as an XLSX workbook (one sheet: the title, the organisation, the table)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Журнал"
    sheet.append([register.title])
    sheet["A1"].font = Font(bold=True, size=12)
    sheet.append([register.organization.name])
    sheet.append([f"Сформирован {register.made_on:%d.%m.%Y}"])
    sheet.append([])
    sheet.append(register.columns)
    for cell in sheet[5]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in register.rows:
        sheet.append(row)
    for index, title in enumerate(register.columns, 1):
        width = max([len(title), *(len(row[index - 1]) for row in register.rows)])
        sheet.column_dimensions[sheet.cell(row=5, column=index).column_letter].width = min(max(width + 2, 8), 50)
    sheet.freeze_panes = "A6"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
