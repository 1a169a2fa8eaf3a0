"""Working-group reports: aggregated figures only, never a name, small cells suppressed.

A cell counting fewer than `SMALL_CELL` families or referrals is shown as «<5» and the rates computed from
it are withheld, so that nobody can be recognised in a small district.
"""

from __future__ import annotations

import datetime
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from . import profiles
from .models import FamilyCase, Referral, ReferralEvent
from .states import State

SMALL_CELL = 5
SUPPRESSED = "<5"


def quarter_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = datetime.date(day.year, first_month, 1)
    end_month = first_month + 3
    end = datetime.date(day.year + (end_month > 12), (end_month - 1) % 12 + 1, 1) - datetime.timedelta(days=1)
    return start, end


def quarterly_due_date(end: datetime.date) -> datetime.date:
    """The quarterly analysis is due by the 10th of the month after the quarter (federal programme §6.3)."""
    following = end + datetime.timedelta(days=1)
    return following.replace(day=10)


def shown(count: int) -> int | str:
    return SUPPRESSED if 0 < count < SMALL_CELL else count


@dataclass
class Row:
    label: str
    total: int = 0
    answered: int = 0
    accepted: int = 0
    expired: int = 0
    accept_days: list = field(default_factory=list)
    complete_days: list = field(default_factory=list)

    def as_dict(self) -> dict:
        small = self.total < SMALL_CELL
        return {
            "label": self.label,
            "total": shown(self.total),
            "acceptance_rate": None if small or not self.answered else round(100 * self.accepted / self.answered),
            "median_days_to_accept": None
            if small or not self.accept_days
            else round(statistics.median(self.accept_days), 1),
            "median_days_to_complete": None
            if small or not self.complete_days
            else round(statistics.median(self.complete_days), 1),
            "overdue_share": None if small else round(100 * self.expired / self.total),
            "suppressed": small,
        }


ACCEPTED_OR_LATER = {State.ACCEPTED, State.IN_PROGRESS, State.COMPLETED, State.NOT_COMPLETED}


def referral_report(start: datetime.date, end: datetime.date) -> dict:
    """Referrals sent in the period, by partner, kind of help and district."""
    referrals = list(
        Referral.objects.filter(sent_at__date__gte=start, sent_at__date__lte=end).select_related(
            "organization", "category", "case__district"
        )
    )
    events = defaultdict(dict)
    for referral_id, action, at in ReferralEvent.objects.filter(
        referral__in=[r.pk for r in referrals], action__in=["accept", "complete"]
    ).values_list("referral_id", "action", "at"):
        events[referral_id][action] = at
    groupings = {
        "by_partner": lambda r: r.organization.display_name,
        "by_kind": lambda r: r.category.name,
        "by_district": lambda r: r.case.district.name,
    }
    report = {}
    for name, key in groupings.items():
        rows: dict[str, Row] = {}
        for referral in referrals:
            row = rows.setdefault(key(referral), Row(label=key(referral)))
            row.total += 1
            if referral.status in ACCEPTED_OR_LATER or referral.status == State.DECLINED:
                row.answered += 1
            if referral.status in ACCEPTED_OR_LATER:
                row.accepted += 1
            if referral.status == State.EXPIRED:
                row.expired += 1
            accepted_at = events[referral.pk].get("accept")
            if accepted_at and referral.sent_at:
                row.accept_days.append((accepted_at - referral.sent_at).total_seconds() / 86400)
            completed_at = events[referral.pk].get("complete")
            if completed_at and accepted_at:
                row.complete_days.append((completed_at - accepted_at).total_seconds() / 86400)
        report[name] = [row.as_dict() for row in sorted(rows.values(), key=lambda r: (-r.total, r.label))]
    declines = Counter(r.decline_reason for r in referrals if r.status == State.DECLINED)
    report["declines_by_reason"] = [
        {"label": str(label), "count": shown(declines.get(code, 0))}
        for code, label in profiles.in_force().choices("decline_reasons")
    ]
    report["total"] = shown(len(referrals))
    return report


def family_report(start: datetime.date, end: datetime.date) -> dict:
    accepted = FamilyCase.objects.filter(registration_date__gte=start, registration_date__lte=end).count()
    closed = Counter(
        FamilyCase.objects.filter(closed_on__gte=start, closed_on__lte=end).values_list("closure_reason", flat=True)
    )
    from .models import LevelChange

    moved = LevelChange.objects.filter(changed_on__gte=start, changed_on__lte=end).values("case").distinct().count()
    return {
        "accepted": shown(accepted),
        "moved_to_another_level": shown(moved),
        "closed_by_reason": [
            {"label": str(label), "count": shown(closed.get(code, 0))}
            for code, label in profiles.in_force().choices("closure_reasons")
        ],
    }


def satisfaction_report(start: datetime.date, end: datetime.date) -> list[dict]:
    """Удовлетворённость per partner from the anonymous survey: average score and share helped."""
    from .models import FeedbackResponse

    rows = defaultdict(list)
    for response in FeedbackResponse.objects.filter(created_on__gte=start, created_on__lte=end).select_related(
        "organization"
    ):
        rows[response.organization.display_name].append(response)
    result = []
    for label, answers in sorted(rows.items()):
        small = len(answers) < SMALL_CELL
        result.append(
            {
                "label": label,
                "answers": shown(len(answers)),
                "average_score": None if small else round(statistics.mean(a.score for a in answers), 1),
                "helped_share": None if small else round(100 * sum(a.helped for a in answers) / len(answers)),
            }
        )
    return result


def unmet_need(start: datetime.date, end: datetime.date) -> list[dict]:
    """What the region lacks: public searches that found nothing or little, beside referral declines,
    by district and kind of help (searches without a district or kind of help are grouped under «—»)."""
    from directory.models import Category, Municipality
    from search.models import SearchGap

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
            "declines": shown(row["declines"]),
        }
        for (district, kind), row in cells.items()
    ]
    return sorted(rows, key=lambda r: (-(r["zero"] + r["few"]), r["district"], r["kind"]))[:100]


def quarterly_report(day: datetime.date) -> dict:
    start, end = quarter_bounds(day)
    return {
        "start": start,
        "end": end,
        "due": quarterly_due_date(end),
        "title": _("Анализ сопровождения семей за %(q)s квартал %(year)s года")
        % {"q": (start.month - 1) // 3 + 1, "year": start.year},
        "families": family_report(start, end),
        "referrals": referral_report(start, end),
        "weekly": weekly_referrals(start, end),
        "satisfaction": satisfaction_report(start, end),
        "unmet_need": unmet_need(start, end),
    }


def weekly_referrals(start: datetime.date, end: datetime.date) -> list[dict]:
    """Referrals sent per week of the period (Monday to Sunday), for the line chart."""
    monday = start - datetime.timedelta(days=start.weekday())
    weeks = []
    while monday <= end:
        weeks.append({"label": monday.strftime("%d.%m"), "start": monday, "total": 0})
        monday += datetime.timedelta(days=7)
    for sent in Referral.objects.filter(sent_at__date__gte=start, sent_at__date__lte=end).values_list(
        "sent_at", flat=True
    ):
        day = sent.date()
        weeks[(day - weeks[0]["start"]).days // 7]["total"] += 1
    return [{"label": week["label"], "total": week["total"]} for week in weeks]


def line_chart(rows: list[dict], value_key: str, *, width: int = 560, height: int = 200) -> dict:
    """Geometry of a line chart (server-rendered SVG): points, axis labels every few weeks."""
    pad_left, pad_bottom, pad_top = 40, 24, 10
    top = max((row[value_key] for row in rows), default=0) or 1
    step = (width - pad_left - 10) / max(1, len(rows) - 1)
    points = []
    for index, row in enumerate(rows):
        x = round(pad_left + index * step, 1)
        y = round(pad_top + (height - pad_top - pad_bottom) * (1 - row[value_key] / top), 1)
        # Coordinates as strings: the Russian locale would print 40.5 as «40,5», which SVG does not read.
        points.append(
            {"x": f"{x}", "y": f"{y}", "label": row["label"], "value": row[value_key], "tick": index % 3 == 0}
        )
    return {
        "points": points,
        "polyline": " ".join(f"{p['x']},{p['y']}" for p in points),
        "width": width,
        "height": height,
        "top": top,
        "baseline": height - pad_bottom,
        "pad_left": pad_left,
    }


def bar_chart(rows: list[dict], value_key: str, *, width: int = 560, bar_height: int = 22) -> dict:
    """Geometry of a horizontal bar chart for a server-rendered SVG; suppressed cells draw no bar."""
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


def report_xlsx(report: dict) -> bytes:
    """The quarterly analysis as an XLSX workbook: the same figures as the page, one sheet per table."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    summary = workbook.active
    summary.title = "Итоги"
    summary.append([report["title"]])
    summary["A1"].font = Font(bold=True)
    summary.append(["Период", report["start"].isoformat(), report["end"].isoformat()])
    summary.append(["Срок представления", report["due"].isoformat()])
    summary.append(["Принято семей", report["families"]["accepted"]])
    summary.append(["Направлений", report["referrals"]["total"]])
    summary.append(["Переведено на другой уровень", report["families"]["moved_to_another_level"]])
    summary.append([])
    summary.append(["Прекращение сопровождения", "семей"])
    for row in report["families"]["closed_by_reason"]:
        summary.append([row["label"], row["count"]])
    summary.append([])
    summary.append(["Отказы по причинам", "направлений"])
    for row in report["referrals"]["declines_by_reason"]:
        summary.append([row["label"], row["count"]])
    headers = [
        "Группа",
        "Направлений",
        "Доля принятых, %",
        "Медиана до принятия, дней",
        "Медиана до выполнения, дней",
        "Доля просроченных, %",
    ]
    keys = ["label", "total", "acceptance_rate", "median_days_to_accept", "median_days_to_complete", "overdue_share"]
    for title, name in (("Виды помощи", "by_kind"), ("Партнёры", "by_partner"), ("Районы", "by_district")):
        sheet = workbook.create_sheet(title)
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in report["referrals"][name]:
            sheet.append([row[key] for key in keys])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


FONT_DIR = __import__("pathlib").Path(__file__).resolve().parent / "fonts"


def report_pdf(report: dict) -> bytes:
    """The quarterly analysis as a PDF (fpdf2 with the DejaVu fonts shipped in referrals/fonts)."""
    from fpdf import FPDF

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
        _("Принято семей: %(families)s. Направлений: %(referrals)s. Ячейки меньше 5 показаны как «<5».")
        % {"families": report["families"]["accepted"], "referrals": report["referrals"]["total"]},
        new_x="LMARGIN",
        new_y="NEXT",
    )

    def table(title, headers, rows, widths):
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", 11)
        pdf.multi_cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 8)
        with pdf.table(col_widths=widths, text_align="LEFT") as grid:
            header = grid.row()
            for text in headers:
                header.cell(text)
            for values in rows:
                line = grid.row()
                for value in values:
                    line.cell("—" if value is None else str(value))

    metric_headers = [
        _("Группа"),
        _("Направлений"),
        _("Принято, %"),
        _("Медиана до принятия, дн."),
        _("Медиана до выполнения, дн."),
        _("Просрочено, %"),
    ]
    keys = ["label", "total", "acceptance_rate", "median_days_to_accept", "median_days_to_complete", "overdue_share"]
    for title, name in (
        (_("По видам помощи"), "by_kind"),
        (_("По организациям-партнёрам"), "by_partner"),
        (_("По районам"), "by_district"),
    ):
        rows = [[row[key] for key in keys] for row in report["referrals"][name]]
        table(title, metric_headers, rows, (52, 27, 21, 28, 30, 22))
    table(
        _("Отказы по причинам"),
        [_("Причина"), _("Направлений")],
        [[row["label"], row["count"]] for row in report["referrals"]["declines_by_reason"]],
        (140, 40),
    )
    table(
        _("Прекращение сопровождения по причинам"),
        [_("Причина"), _("Семей")],
        [[row["label"], row["count"]] for row in report["families"]["closed_by_reason"]],
        (140, 40),
    )
    return bytes(pdf.output())
