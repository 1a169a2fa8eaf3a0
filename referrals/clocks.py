"""The deadlines of a family's case, counted in working days of the region's calendar.

Each clock starts at a stage's date and runs by the rule of the region profile in force on that date
(`profiles.in_force(start)`), so a case keeps its deadline when the profile changes later:

* `decision` — from the application to the decision on need and level, with the ИПСС approved and agreed with the
  family (001 §4.4: 10 working days);
* `programme` — the ИПСС within N working days of the agreement (003 §6.4);
* `guardianship` — a copy of a foster family's agreement to the guardianship body (002 §6.3: 3 working days);
* `review` — the next control review by the consilium (001 stage VI), every N months from the last one;
* `term` — the end of the support term, when the consilium reviews the result (001 §5.8);
* `post_support` — post-support after a positive closure (001 §5.9: 3 months), then removal from the register.

Working days skip weekends and the public holidays of `directory.Holiday`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from core.grammar import count_phrase
from directory.models import Holiday

from . import profiles
from .codes import ENDED_STATUSES, AgendaKind, CaseStatus, ProgrammeStatus


class Calendar:
    """Working days between two dates, with the holidays of the years involved read once."""

    def __init__(self, holidays=None):
        self._holidays = set(holidays) if holidays is not None else None

    @property
    def holidays(self) -> set:
        if self._holidays is None:
            self._holidays = set(Holiday.objects.values_list("date", flat=True))
        return self._holidays

    def is_working(self, day: datetime.date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def add(self, start: datetime.date, days: int) -> datetime.date:
        """The date `days` working days after `start`."""
        day, left = start, days
        while left > 0:
            day += timedelta(days=1)
            if self.is_working(day):
                left -= 1
        return day

    def next_working(self, day: datetime.date) -> datetime.date:
        while not self.is_working(day):
            day += timedelta(days=1)
        return day

    def between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after `start` up to and including `end` (negative when `end` is earlier)."""
        if end < start:
            return -self.between(end, start)
        return sum(1 for n in range(1, (end - start).days + 1) if self.is_working(start + timedelta(days=n)))


def add_working_days(start: datetime.date, days: int, calendar: Calendar | None = None) -> datetime.date:
    return (calendar or Calendar()).add(start, days)


def add_months(start: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day when it is shorter."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    for day in range(start.day, 27, -1):
        try:
            return datetime.date(year, month, day)
        except ValueError:
            continue
    return datetime.date(year, month, min(start.day, 28))


def support_until(start: datetime.date, level: str) -> datetime.date | None:
    """The end of the support term of a level, by the profile in force on `start`."""
    level_rule = profiles.in_force(start).level(level)
    if not level_rule or not level_rule.months:
        return None
    return add_months(start, level_rule.months)


@dataclass(frozen=True)
class Clock:
    code: str
    label: str
    started_on: datetime.date
    due_on: datetime.date
    done_on: datetime.date | None
    left: int  # working days from today to the due date (negative: overdue); 0 when done
    rule: str  # the seed paragraph, for the curious

    @property
    def is_done(self) -> bool:
        return self.done_on is not None

    @property
    def is_overdue(self) -> bool:
        return self.done_on is None and self.left < 0

    @property
    def late(self) -> bool:
        return self.done_on is not None and self.done_on > self.due_on

    @property
    def state(self) -> str:
        if self.done_on:
            return "late" if self.late else "done"
        if self.left < 0:
            return "overdue"
        return "soon" if self.left <= 2 else "running"

    @property
    def text(self) -> str:
        """«осталось 3 рабочих дня», «просрочено на 2 рабочих дня», «выполнено 12.03.2026»."""
        if self.done_on:
            when = self.done_on.strftime("%d.%m.%Y")
            return (
                _("выполнено %(date)s, с опозданием") % {"date": when}
                if self.late
                else _("выполнено %(date)s") % {"date": when}
            )
        if self.left == 0:
            return _("сегодня последний день")
        days = count_phrase(abs(self.left), "рабочий день", "рабочих дня", "рабочих дней")
        if self.left < 0:
            return _("просрочено на %(days)s") % {"days": days}
        left_word = "остался" if abs(self.left) % 10 == 1 and abs(self.left) % 100 != 11 else "осталось"
        return f"{left_word} {days}"


def _clock(code, label, rule, start, due, done, today, calendar) -> Clock:
    left = 0 if done else calendar.between(today, due)
    return Clock(code, label, start, due, done, left, rule)


def _approved_on(case) -> datetime.date | None:
    dates = [p.decided_on for p in case.programmes.all() if p.status == ProgrammeStatus.APPROVED and p.decided_on]
    return min(dates) if dates else None


def _last_review(case) -> datetime.date | None:
    dates = [
        item.meeting.held_on
        for item in case.agenda_items.all()
        if item.decided_at and item.kind in (AgendaKind.CONTROL, AgendaKind.PRIMARY)
    ]
    return max(dates) if dates else None


def case_clocks(case, today: datetime.date | None = None, calendar: Calendar | None = None) -> list[Clock]:
    """The clocks of a case that have started, in the order of the procedure.

    Reads `case.programmes` and `case.agenda_items__meeting` (prefetch them for lists)."""
    today = today or timezone.localdate()
    calendar = calendar or Calendar()
    clocks: list[Clock] = []
    applied = case.applied_on or case.registration_date
    rules = profiles.in_force(applied)
    approved_on = _approved_on(case)

    if rules.decision_working_days:
        due = calendar.add(applied, rules.decision_working_days)
        if case.status == CaseStatus.NOT_ACCEPTED:
            done = case.closed_on or case.accepted_on
        elif case.accepted_on and approved_on and case.family_agreed_on:
            done = max(case.accepted_on, approved_on, case.family_agreed_on)
        else:
            done = None
        if done or case.status not in ENDED_STATUSES:
            clocks.append(
                _clock(
                    "decision",
                    _("Решение о сопровождении, утверждённая и согласованная с семьёй ИПСС"),
                    "001 §4.4",
                    applied,
                    due,
                    done,
                    today,
                    calendar,
                )
            )
    if case.contract_date:
        contract_rules = profiles.in_force(case.contract_date)
        if contract_rules.programme_after_contract_working_days:
            due = calendar.add(case.contract_date, contract_rules.programme_after_contract_working_days)
            done = approved_on
            if done or case.status not in ENDED_STATUSES:
                clocks.append(
                    _clock(
                        "programme",
                        _("ИПСС после заключения договора"),
                        "003 §6.4",
                        case.contract_date,
                        due,
                        done,
                        today,
                        calendar,
                    )
                )
        if contract_rules.guardianship_copy_working_days and "foster" in (case.categories or []):
            due = calendar.add(case.contract_date, contract_rules.guardianship_copy_working_days)
            clocks.append(
                _clock(
                    "guardianship",
                    _("Копия договора в орган опеки и попечительства"),
                    "002 §6.3",
                    case.contract_date,
                    due,
                    case.guardianship_notified_on,
                    today,
                    calendar,
                )
            )
    if case.status in (CaseStatus.ACCEPTED, CaseStatus.ON_SUPPORT) and case.accepted_on:
        review_rules = profiles.in_force(case.accepted_on)
        if review_rules.interim_review_months:
            last = _last_review(case) or case.accepted_on
            due = calendar.next_working(add_months(last, review_rules.interim_review_months))
            clocks.append(
                _clock(
                    "review",
                    _("Контрольное рассмотрение на консилиуме"),
                    "001, этап VI",
                    last,
                    due,
                    None,
                    today,
                    calendar,
                )
            )
    if case.support_until and case.status in (CaseStatus.ACCEPTED, CaseStatus.ON_SUPPORT):
        start = case.contract_date or case.accepted_on or applied
        due = calendar.next_working(case.support_until)
        clocks.append(
            _clock(
                "term",
                _("Окончание срока сопровождения: итоговое рассмотрение"),
                "001 §5.8",
                start,
                due,
                None,
                today,
                calendar,
            )
        )
    if case.post_support_until and case.closed_on:
        due = calendar.next_working(case.post_support_until)
        clocks.append(
            _clock(
                "post_support",
                _("Постсопровождение, затем снятие с учёта"),
                "001 §5.9",
                case.closed_on,
                due,
                case.removed_on,
                today,
                calendar,
            )
        )
    return clocks


def nearest(clocks: list[Clock]) -> Clock | None:
    """The running clock that needs attention first (overdue first, then the soonest)."""
    running = [clock for clock in clocks if not clock.is_done]
    return min(running, key=lambda clock: clock.left) if running else None


def request_clock(help_request, today=None, calendar: Calendar | None = None) -> Clock | None:
    """The decision clock of a family's request from the site, before a case is opened for it (001 §4.4)."""
    today = today or timezone.localdate()
    calendar = calendar or Calendar()
    received = timezone.localtime(help_request.created_at).date()
    days = profiles.in_force(received).decision_working_days
    if not days:
        return None
    due = calendar.add(received, days)
    return _clock(
        "decision",
        _("Решение о сопровождении"),
        "001 §4.4",
        received,
        due,
        None,
        today,
        calendar,
    )
