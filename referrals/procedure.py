"""Changes of state of a family's procedure beyond the case record itself (services of the stages).

Stage III — information and primary diagnostics with the act of housing inspection; stages IV and VI — the
consilium (ведомственный социальный консилиум or межведомственная рабочая группа) with its agenda and decisions;
stage VII — post-support and removal from the register (001, algorithms). Like `services`, every function checks
the policy, runs in one transaction and raises `ServiceError` with a Russian message.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import policy, profiles
from .clocks import add_months
from .codes import ENDED_STATUSES, AgendaKind, CaseStatus, Decision, ProgrammeStatus
from .models import (
    AgendaItem,
    ConsiliumMeeting,
    ConsiliumParticipant,
    FamilyCase,
    HousingInspection,
    LevelChange,
    PostSupportNote,
    Programme,
    SupportTermChange,
)
from .services import NotAllowed, ServiceError, _require, case_close, programme_decide

# Which decisions each kind of review may take.
DECISIONS = {
    AgendaKind.PRIMARY: (Decision.ACCEPT, Decision.NOT_ACCEPT),
    AgendaKind.CONTROL: (Decision.CONTINUE, Decision.AMEND, Decision.EXTEND, Decision.CLOSE),
    AgendaKind.FINAL: (Decision.EXTEND, Decision.CLOSE),
}


# -- Stage III -------------------------------------------------------------------------------------------------


@transaction.atomic
def assessment_done(*, user, case: FamilyCase, day: datetime.date | None = None) -> FamilyCase:
    _require(user, "case.edit", case)
    case.assessment_done_on = day or timezone.localdate()
    case.save(update_fields=["assessment_done_on"])
    return case


@transaction.atomic
def inspection_add(*, user, case: FamilyCase, **fields) -> HousingInspection:
    _require(user, "inspection.add", case)
    if fields.get("inspected_on") and fields["inspected_on"] > timezone.localdate():
        raise ServiceError(_("Дата обследования не может быть в будущем."))
    return HousingInspection.objects.create(case=case, inspected_by=user, **fields)


# -- Consilium (stages IV and VI) ------------------------------------------------------------------------------


@transaction.atomic
def meeting_create(*, user, organization, participants: list[dict] = (), **fields) -> ConsiliumMeeting:
    if not policy.can(user, "consilium.manage", organization.pk):
        raise NotAllowed(_("Заседания консилиума проводит руководитель организации."))
    if ConsiliumMeeting.objects.filter(organization=organization, number=fields.get("number")).exists():
        raise ServiceError(_("Протокол с номером «%(number)s» уже есть.") % {"number": fields.get("number")})
    meeting = ConsiliumMeeting.objects.create(organization=organization, created_by=user, **fields)
    for row in participants:
        if row.get("full_name"):
            ConsiliumParticipant.objects.create(meeting=meeting, **row)
    return meeting


@transaction.atomic
def participant_add(*, user, meeting: ConsiliumMeeting, **fields) -> ConsiliumParticipant:
    _require(user, "consilium.edit", meeting)
    return ConsiliumParticipant.objects.create(meeting=meeting, **fields)


@transaction.atomic
def agenda_add(*, user, meeting: ConsiliumMeeting, case: FamilyCase, kind: str, invited=()) -> AgendaItem:
    _require(user, "consilium.edit", meeting)
    if case.organization_id != meeting.organization_id:
        raise ServiceError(_("Случай ведёт другая организация."))
    if kind not in AgendaKind.values:
        raise ServiceError(_("Выберите вопрос повестки из списка."))
    if kind == AgendaKind.PRIMARY and case.accepted_on:
        raise ServiceError(_("Семья уже принята на сопровождение: нужно контрольное или итоговое рассмотрение."))
    if kind != AgendaKind.PRIMARY and not case.accepted_on:
        raise ServiceError(_("Сначала семью рассматривают первично: принятие на сопровождение."))
    if case.status in ENDED_STATUSES:
        raise ServiceError(_("Сопровождение этой семьи завершено."))
    if meeting.items.filter(case=case).exists():
        raise ServiceError(_("Этот случай уже в повестке заседания."))
    item = AgendaItem.objects.create(meeting=meeting, case=case, kind=kind)
    members = list(case.members.filter(pk__in=[getattr(m, "pk", m) for m in invited]))
    item.invited.set(members)
    return item


def _set_level(user, case: FamilyCase, level: str) -> None:
    if not level or level == case.support_level:
        return
    if profiles.in_force().level(level) is None:
        raise ServiceError(_("Выберите уровень сопровождения из списка."))
    LevelChange.objects.create(case=case, from_level=case.support_level, to_level=level, changed_by=user)
    case.support_level = level


def _approve(user, case: FamilyCase, programme: Programme | None, meeting: ConsiliumMeeting) -> None:
    if programme is None:
        return
    if programme.case_id != case.pk:
        raise ServiceError(_("Программа относится к другой семье."))
    if programme.status == ProgrammeStatus.DRAFT:
        programme_decide(
            user=user, programme=programme, approved=True, decided_on=meeting.held_on, protocol_number=meeting.number
        )


@transaction.atomic
def agenda_decide(
    *,
    user,
    item: AgendaItem,
    decision: str,
    level: str = "",
    programme: Programme | None = None,
    family_agreed: bool = False,
    extend_until: datetime.date | None = None,
    closure_reason: str = "",
    conclusion: str = "",
) -> AgendaItem:
    """Record the consilium's decision on a case and apply it to the case (acceptance, level, ИПСС, term, closure)."""
    item = AgendaItem.objects.select_for_update().select_related("meeting", "case").get(pk=item.pk)
    _require(user, "consilium.decide", item.meeting)
    if item.decided_at:
        raise ServiceError(_("Решение по этому вопросу уже записано в протокол."))
    if decision not in DECISIONS[item.kind]:
        raise ServiceError(_("Это решение не принимается при таком рассмотрении."))
    meeting = item.meeting
    case = FamilyCase.objects.select_for_update().get(pk=item.case_id)
    held = meeting.held_on
    if decision == Decision.ACCEPT:
        _set_level(user, case, level)
        case.accepted_on = held
        if case.status == CaseStatus.INTAKE:
            case.status = CaseStatus.ON_SUPPORT if case.has_contract else CaseStatus.ACCEPTED
        _approve(user, case, programme, meeting)
        if family_agreed:
            case.family_agreed_on = held
    elif decision == Decision.NOT_ACCEPT:
        case.status = CaseStatus.NOT_ACCEPTED
        case.closed_on = held
        case.removed_on = held
        case.closure_conclusion = conclusion
    elif decision in (Decision.CONTINUE, Decision.AMEND):
        _set_level(user, case, level)
        if decision == Decision.AMEND and programme is None:
            raise ServiceError(_("Выберите проект скорректированной ИПСС."))
        _approve(user, case, programme, meeting)
        if family_agreed:
            case.family_agreed_on = held
    elif decision == Decision.EXTEND:
        rules = profiles.in_force(held)
        if extend_until is None or (case.support_until and extend_until <= case.support_until):
            raise ServiceError(_("Укажите новую дату окончания сопровождения, позже нынешней."))
        if rules.support_extension_months and case.support_until:
            limit = add_months(case.support_until, rules.support_extension_months)
            if extend_until > limit:
                raise ServiceError(
                    _("Продлить можно не более чем до %(date)s (профиль региона).")
                    % {"date": limit.strftime("%d.%m.%Y")}
                )
        SupportTermChange.objects.create(
            case=case,
            from_until=case.support_until,
            to_until=extend_until,
            reason=conclusion or _("решение консилиума, протокол № %(n)s") % {"n": meeting.number},
            agenda_item=item,
            changed_by=user,
        )
        case.support_until = extend_until
    case.save()
    if decision == Decision.CLOSE:
        case_close(user=user, case=case, reason=closure_reason, conclusion=conclusion, closed_on=held)
    item.decision = decision
    item.level = level or ""
    item.programme = programme
    item.family_agreed = family_agreed
    item.extend_until = extend_until
    item.closure_reason = closure_reason if decision == Decision.CLOSE else ""
    item.conclusion = conclusion
    item.decided_at = timezone.now()
    item.save()
    if not meeting.held:
        meeting.held = True
        meeting.save(update_fields=["held"])
    return item


@transaction.atomic
def family_agreement(*, user, case: FamilyCase, day: datetime.date | None = None) -> FamilyCase:
    """The family signed its agreement with the approved ИПСС («С содержанием … согласен», приложение 2)."""
    _require(user, "case.edit", case)
    if not case.programmes.filter(status=ProgrammeStatus.APPROVED).exists():
        raise ServiceError(_("Согласовать с семьёй можно утверждённую ИПСС."))
    case.family_agreed_on = day or timezone.localdate()
    case.save(update_fields=["family_agreed_on"])
    return case


# -- Stage VII: post-support -----------------------------------------------------------------------------------


@transaction.atomic
def post_support_note_add(*, user, case: FamilyCase, **fields) -> PostSupportNote:
    _require(user, "postsupport.add", case)
    if not (fields.get("note") or "").strip():
        raise ServiceError(_("Напишите, что выяснили при посещении или звонке."))
    return PostSupportNote.objects.create(case=case, author=user, **fields)
