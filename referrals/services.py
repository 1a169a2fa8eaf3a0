"""Every change of state in the referral network. Each function checks the policy and writes its own history.

Functions raise `ServiceError` with a message in Russian that views show as is; nothing is saved half-way
(each public function runs in one transaction).
"""

from __future__ import annotations

import datetime
import io
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from directory.models import Category, Organization, Service

from . import evidence, notifications, policy, profiles
from .clocks import add_months, add_working_days, support_until
from .codes import ACTIVE_STATUSES, CaseStatus, DataCategory, MeasureStatus, ProgrammeStatus, Urgency
from .crypto import encrypt_bytes, phone_hash
from .models import (
    AccessLog,
    Attachment,
    CaseloadOverride,
    Consent,
    DestructionRecord,
    FamilyCase,
    FamilyMember,
    FeedbackInvitation,
    FeedbackResponse,
    HelpRequest,
    LevelChange,
    Measure,
    Message,
    Programme,
    Referral,
    ReferralEvent,
    SecurityEvent,
)
from .security import record
from .states import ACTIONS, CLOSED_STATES, State


class ServiceError(Exception):
    """A refusal the user should read (already translated)."""


class NotAllowed(ServiceError):
    pass


def _require(user, action, obj):
    if not policy.can(user, action, obj):
        raise NotAllowed(_("Недостаточно прав для этого действия."))


# -- Access log ------------------------------------------------------------------------------------------------


def log_access(*, user, obj, case, fields, purpose: str, ip_address: str | None = None, organization_id=None) -> None:
    """Record a read of personal data. Called by every view that shows it, before the response is built."""
    log_access_many(
        user=user, rows=[(obj, case, organization_id)], fields=fields, purpose=purpose, ip_address=ip_address
    )


def log_access_many(*, user, rows, fields, purpose: str, ip_address: str | None = None) -> None:
    """`log_access` for a list of records shown together (one INSERT): rows are (obj, case, organization_id)."""
    if not fields:
        return
    AccessLog.objects.bulk_create(
        AccessLog(
            user=user,
            username=user.get_username(),
            organization_id=organization_id,
            object_type=obj._meta.model_name,
            object_id=obj.pk,
            case=case,
            fields=sorted(fields),
            purpose=purpose,
            ip_address=ip_address,
        )
        for obj, case, organization_id in rows
    )


# -- Cases -----------------------------------------------------------------------------------------------------


def caseloads(curator_ids, day: datetime.date | None = None) -> dict[int, dict[str, dict]]:
    """Open cases of several curators per support level against the limits of the region's profile (one query)."""
    rules = profiles.in_force(day)
    counts: dict[int, dict[str, int]] = {pk: {} for pk in curator_ids}
    rows = (
        FamilyCase.objects.filter(curator_id__in=counts, status__in=ACTIVE_STATUSES)
        .values_list("curator_id", "support_level")
        .annotate(n=Count("id"))
        .order_by()
    )
    for curator_id, level, n in rows:
        counts[curator_id][level] = n
    return {
        pk: {
            level.code: {
                "label": level.label,
                "count": levels.get(level.code, 0),
                "limit": level.caseload,
                "exceeded": bool(level.caseload) and levels.get(level.code, 0) > level.caseload,
            }
            for level in rules.levels
            if not level.retired or levels.get(level.code)
        }
        for pk, levels in counts.items()
    }


def caseload(curator) -> dict[str, dict]:
    return caseloads([curator.pk])[curator.pk]


def caseload_excess(curator, level: str, *, moving: FamilyCase | None = None) -> str | None:
    """Why one more case of `level` would put the curator over the limit, as the profile counts it; else None."""
    rules = profiles.in_force()
    load = caseload(curator)
    moving_here = moving is not None and moving.curator_id == curator.pk and moving.status in ACTIVE_STATUSES
    if moving_here and moving.support_level in load:  # the case is already counted in this load
        load[moving.support_level] = {**load[moving.support_level]}
        load[moving.support_level]["count"] -= 1
    target = rules.level(level)
    if target is None or not target.caseload:
        return None
    if rules.caseload_rule == "weighted":
        share = sum(row["count"] / row["limit"] for row in load.values() if row["limit"]) + 1 / target.caseload
        if share <= 1 + 1e-9:
            return None
        return _("нагрузка составит %(percent)s%% норматива") % {"percent": round(share * 100)}
    count = load.get(level, {}).get("count", 0) + 1
    if count <= target.caseload:
        return None
    return _("уровень «%(level)s»: %(count)s при нормативе %(limit)s") % {
        "level": target.label,
        "count": count,
        "limit": target.caseload,
    }


def _check_caseload(*, user, case: FamilyCase, curator, level: str, override_reason: str, moving=None):
    """Refuse a case beyond the curator's limit unless the head overrides it with a reason (recorded)."""
    excess = caseload_excess(curator, level, moving=moving)
    if excess is None:
        return None
    if not policy.can(user, "caseload.override", case.organization_id):
        raise ServiceError(
            _(
                "У куратора превышение норматива нагрузки (%(excess)s). "
                "Назначить случай сверх норматива может руководитель, указав причину."
            )
            % {"excess": excess}
        )
    if not (override_reason or "").strip():
        raise ServiceError(
            _("Превышение норматива нагрузки куратора (%(excess)s): укажите причину назначения.") % {"excess": excess}
        )
    return excess


def _record_override(*, user, case, curator, level, excess, reason):
    if excess:
        CaseloadOverride.objects.create(
            case=case, curator=curator, level=level, load=excess[:100], reason=reason.strip(), approved_by=user
        )


@transaction.atomic
def case_open(
    *,
    user,
    organization: Organization,
    curator,
    members: list[dict],
    override_reason: str = "",
    help_request: HelpRequest | None = None,
    **fields,
) -> FamilyCase:
    if not policy.can(user, "case.open", organization.pk):
        raise NotAllowed(_("Открыть случай можно только в своей организации."))
    if curator != user and not policy.can(user, "case.assign", organization.pk):
        raise NotAllowed(_("Назначить другого куратора может только руководитель."))
    if not policy.is_curator_of(curator, organization.pk):
        raise ServiceError(_("Выбранный сотрудник не является куратором этой организации."))
    case = FamilyCase(organization=organization, curator=curator, **fields)
    case.applied_on = case.applied_on or case.registration_date
    case.curator_assigned_on = case.curator_assigned_on or timezone.localdate()
    excess = _check_caseload(
        user=user, case=case, curator=curator, level=case.support_level, override_reason=override_reason
    )
    if help_request is not None:
        help_request = HelpRequest.objects.select_for_update().get(pk=help_request.pk)
        if help_request.organization_id != organization.pk:
            raise NotAllowed(_("Обращение адресовано другой организации."))
        if FamilyCase.objects.filter(help_request=help_request).exists():
            raise ServiceError(_("По этому обращению случай уже открыт."))
        case.help_request = help_request
        help_request.status = HelpRequest.Status.TAKEN
        help_request.taken_by = user
        help_request.save(update_fields=["status", "taken_by"])
    # The support term runs from the agreement (contract): 002 §9.4, 001 §5.7.
    case.support_until = support_until(case.contract_date, case.support_level) if case.has_contract else None
    if case.has_contract and case.status == CaseStatus.INTAKE:
        case.status = CaseStatus.ON_SUPPORT
    case.save()
    _record_override(
        user=user, case=case, curator=curator, level=case.support_level, excess=excess, reason=override_reason
    )
    for member in members:
        member_add(case=case, **member)
    return case


def member_add(*, case: FamilyCase, **fields) -> FamilyMember:
    member = FamilyMember(case=case, **fields)
    member.phone_hash = phone_hash(member.phone or "")
    member.save()
    return member


@transaction.atomic
def case_update(*, user, case: FamilyCase, override_reason: str = "", **fields) -> FamilyCase:
    _require(user, "case.edit", case)
    level_changed = "support_level" in fields and fields["support_level"] != case.support_level
    excess = None
    if level_changed:
        excess = _check_caseload(
            user=user,
            case=case,
            curator=case.curator,
            level=fields["support_level"],
            override_reason=override_reason,
            moving=case,
        )
        LevelChange.objects.create(
            case=case, from_level=case.support_level, to_level=fields["support_level"], changed_by=user
        )
    contract_before = case.has_contract
    for name, value in fields.items():
        setattr(case, name, value)
    if level_changed and case.has_contract:
        case.support_until = support_until(timezone.localdate(), case.support_level)
    if case.has_contract and not contract_before:
        # The agreement starts the support term (002 §9.4; 001 §5.7).
        case.support_until = support_until(case.contract_date, case.support_level)
    if case.status in (CaseStatus.INTAKE, CaseStatus.ACCEPTED) and case.has_contract:
        case.status = CaseStatus.ON_SUPPORT
    case.save()
    if level_changed:
        _record_override(
            user=user, case=case, curator=case.curator, level=case.support_level, excess=excess, reason=override_reason
        )
    return case


@transaction.atomic
def case_close(*, user, case: FamilyCase, reason: str, conclusion: str, closed_on=None) -> FamilyCase:
    """Прекращение сопровождения (001 §5.8б–в): with a positive result the family stays in post-support for the
    profile's months (001 §5.9), otherwise it is removed from the register at once."""
    _require(user, "case.close", case)
    rules = profiles.in_force()
    if reason not in dict(rules.choices("closure_reasons", keep=[case.closure_reason])):
        raise ServiceError(_("Укажите основание прекращения из списка."))
    open_referrals = case.referrals.exclude(status__in=CLOSED_STATES)
    for referral in open_referrals.select_for_update():
        _apply(referral, "cancel", user, note=_("Сопровождение семьи прекращено."))
    case.closure_reason = reason
    case.closure_conclusion = conclusion
    case.closed_on = closed_on or timezone.localdate()
    if rules.is_positive_closure(reason) and rules.post_support_months:
        case.status = CaseStatus.POST_SUPPORT
        case.post_support_until = add_months(case.closed_on, rules.post_support_months)
    else:
        case.status = CaseStatus.CLOSED
        case.removed_on = case.closed_on
    case.save()
    return case


@transaction.atomic
def case_remove_from_register(*, user, case: FamilyCase, day=None) -> FamilyCase:
    """Снятие с учёта after post-support (001 stage VII)."""
    _require(user, "case.remove", case)
    case.status = CaseStatus.CLOSED
    case.removed_on = day or timezone.localdate()
    case.save(update_fields=["status", "removed_on"])
    return case


@transaction.atomic
def case_reassign(*, user, case: FamilyCase, curator, override_reason: str = "") -> FamilyCase:
    _require(user, "case.reassign", case)
    if not policy.is_curator_of(curator, case.organization_id):
        raise ServiceError(_("Выбранный сотрудник не является куратором этой организации."))
    excess = _check_caseload(
        user=user, case=case, curator=curator, level=case.support_level, override_reason=override_reason, moving=case
    )
    case.curator = curator
    case.curator_assigned_on = timezone.localdate()
    case.save(update_fields=["curator", "curator_assigned_on"])
    _record_override(
        user=user, case=case, curator=curator, level=case.support_level, excess=excess, reason=override_reason
    )
    return case


# -- Consent ---------------------------------------------------------------------------------------------------


@transaction.atomic
def consent_record(*, user, case: FamilyCase, organizations=(), document=None, **fields) -> Consent:
    _require(user, "consent.add", case)
    consent = Consent(case=case, recorded_by=user, **fields)
    consent.full_clean(exclude=["case", "recorded_by"])
    if document is not None:
        consent.document_data = encrypt_bytes(document["data"])
        consent.document_type = document["content_type"]
    consent.save()
    consent.organizations.set(organizations)
    return consent


@transaction.atomic
def consent_withdraw(*, user, consent: Consent, day=None) -> Consent:
    _require(user, "consent.withdraw", consent.case)
    if consent.withdrawn_on:
        raise ServiceError(_("Согласие уже отозвано."))
    consent.withdrawn_on = day or timezone.localdate()
    consent.save(update_fields=["withdrawn_on"])
    return consent


# -- Individual programme (ИПСС) -------------------------------------------------------------------------------


@transaction.atomic
def programme_new_version(*, user, case: FamilyCase, from_templates: bool = True) -> Programme:
    """A new draft: an amendment copies the measures of the latest version; the first one proposes the measures
    of the region's templates (algorithms) for the family's categories, which the curator keeps, edits or removes."""
    _require(user, "programme.edit", case)
    latest = case.programmes.order_by("-version").first()
    programme = Programme.objects.create(case=case, version=(latest.version + 1) if latest else 1)
    if latest:
        for measure in latest.measures.all():
            measure.pk = None
            measure.programme = programme
            measure.save()
    elif from_templates:
        propose_measures(programme)
    return programme


def propose_measures(programme: Programme) -> int:
    """Add the measures of the templates for the case's family categories (one per description)."""
    case = programme.case
    start = timezone.localdate()
    templates = profiles.templates_for(case.categories)
    categories = {
        c.code: c
        for c in Category.objects.filter(code__in={m.category_code for t in templates for m in t.measures.all()})
    }
    fallback = {c.code: c for c in Category.objects.filter(code__in=["med", "law", "ped", "psy", "soc"])}
    seen, measures = set(), []
    for template in templates:
        for item in template.measures.all():
            category = categories.get(item.category_code) or fallback.get(item.section) or fallback.get("soc")
            if category is None or item.description in seen:
                continue
            seen.add(item.description)
            measures.append(
                Measure(
                    programme=programme,
                    category=category,
                    section=item.section,
                    description=item.description,
                    zone=item.zone,
                    deadline=start + timedelta(days=item.days),
                )
            )
    Measure.objects.bulk_create(measures)
    return len(measures)


def _require_draft(user, programme: Programme) -> None:
    _require(user, "programme.edit", programme.case)
    if programme.status != ProgrammeStatus.DRAFT:
        raise NotAllowed(_("Утверждённую программу изменяют новой редакцией."))


@transaction.atomic
def measure_save(*, user, programme: Programme, measure: Measure) -> Measure:
    """Add a measure to a draft ИПСС, or save the curator's edit of one (a proposed template measure too)."""
    _require_draft(user, programme)
    if measure.pk is not None and measure.programme_id != programme.pk:
        raise NotAllowed(_("Мероприятие относится к другой программе."))
    if measure.member_id and measure.member.case_id != programme.case_id:
        raise ServiceError(_("Выбранный член семьи относится к другому случаю."))
    measure.programme = programme
    measure.save()
    return measure


@transaction.atomic
def measure_remove(*, user, measure: Measure) -> None:
    """Remove a measure from a draft ИПСС (one a referral names stays: PROTECT)."""
    _require_draft(user, measure.programme)
    try:
        measure.delete()
    except ProtectedError:
        raise ServiceError(_("По этому мероприятию есть направления: его нельзя удалить.")) from None


@transaction.atomic
def measure_mark(*, user, measure: Measure, status: str, result: str = "", day=None) -> Measure:
    """Отметка о выполнении мероприятия ИПСС (001 §4.7, приложение 2) with its result."""
    _require(user, "measure.mark", measure.programme.case)
    if measure.programme.status != ProgrammeStatus.APPROVED:
        raise ServiceError(_("Отмечать выполнение можно только в утверждённой программе."))
    if status not in MeasureStatus.values:
        raise ServiceError(_("Неизвестная отметка о выполнении."))
    if status != MeasureStatus.PLANNED and not result.strip():
        raise ServiceError(_("Напишите результат мероприятия."))
    measure.status = status
    measure.result = result.strip()
    measure.marked_on = None if status == MeasureStatus.PLANNED else (day or timezone.localdate())
    measure.save(update_fields=["status", "result", "marked_on"])
    return measure


@transaction.atomic
def programme_decide(*, user, programme: Programme, approved: bool, decided_on, protocol_number: str) -> Programme:
    _require(user, "programme.decide", programme.case)
    if programme.status != ProgrammeStatus.DRAFT:
        raise ServiceError(_("Решение по этой редакции программы уже принято."))
    if approved and not programme.measures.exists():
        raise ServiceError(_("В программе нет ни одного мероприятия."))
    programme.status = ProgrammeStatus.APPROVED if approved else ProgrammeStatus.REJECTED
    programme.decided_on = decided_on
    programme.protocol_number = protocol_number
    programme.save()
    return programme


# -- Referrals -------------------------------------------------------------------------------------------------


def partner_eligibility_error(organization: Organization, service: Service | None) -> str | None:
    if not organization.is_network_partner:
        return _("Организация «%(name)s» не входит в сеть сопровождения и не принимает направления.") % {
            "name": organization.display_name
        }
    if service is not None:
        if service.organization_id != organization.pk:
            return _("Выбранная услуга относится к другой организации.")
        if not service.accepts_referrals:
            return _("Услуга «%(name)s» не принимает направления.") % {"name": service.name}
    elif not organization.services.filter(accepts_referrals=True, status=Service.Status.PUBLISHED).exists():
        return _("Организация «%(name)s» не принимает направления.") % {"name": organization.display_name}
    return None


@transaction.atomic
def referral_create(*, user, case: FamilyCase, organization: Organization, category, measure=None, **fields):
    _require(user, "referral.create", case)
    error = partner_eligibility_error(organization, fields.get("service"))
    if error:
        raise ServiceError(error)
    if measure is not None:
        if measure.programme.case_id != case.pk:
            raise ServiceError(_("Мероприятие относится к программе другой семьи."))
        if measure.programme.status != ProgrammeStatus.APPROVED:
            raise ServiceError(_("Мероприятия программы передаются партнёрам только после её утверждения."))
    elif (
        fields.get("urgency") != Urgency.URGENT and not case.programmes.filter(status=ProgrammeStatus.APPROVED).exists()
    ):
        # Planned help follows the approved programme; only urgent help may go before it.
        raise ServiceError(
            _(
                "Плановое направление отправляется по утверждённой ИПСС. "
                "До её утверждения можно направить семью только срочно."
            )
        )
    member = fields.get("member")
    if member is not None and member.case_id != case.pk:
        raise ServiceError(_("Выбранный член семьи относится к другому случаю."))
    referral = Referral.objects.create(
        case=case, organization=organization, category=category, measure=measure, created_by=user, **fields
    )
    ReferralEvent.objects.create(referral=referral, action="create", to_status=State.DRAFT, actor=user)
    return referral


def response_days(referral: Referral) -> int:
    rules = profiles.in_force()
    if referral.urgency == Urgency.URGENT:
        return rules.urgent_response_working_days
    if referral.service and referral.service.referral_response_days:
        return referral.service.referral_response_days
    days = (
        referral.organization.services.filter(accepts_referrals=True, referral_response_days__isnull=False)
        .order_by("referral_response_days")
        .values_list("referral_response_days", flat=True)
        .first()
    )
    return days or rules.partner_response_working_days


def _send_checks(referral: Referral) -> None:
    case = referral.case
    if not case.has_contract:
        raise ServiceError(_("Направление нельзя отправить, пока не записан договор о сопровождении семьи."))
    if policy.active_consent(case, referral.organization_id) is None:
        raise ServiceError(
            _("Нет действующего согласия семьи на передачу сведений организации «%(name)s».")
            % {"name": referral.organization.display_name}
        )
    error = partner_eligibility_error(referral.organization, referral.service)
    if error:
        raise ServiceError(error)


def _apply(referral: Referral, action_code: str, user, note: str = "", **changes) -> ReferralEvent:
    action = ACTIONS[action_code]
    previous = referral.status
    referral.status = action.target
    now = timezone.now()
    if action.target in CLOSED_STATES:
        referral.closed_at = now
    for name, value in changes.items():
        setattr(referral, name, value)
    referral.save()
    event = ReferralEvent.objects.create(
        referral=referral,
        action=action_code,
        from_status=previous,
        to_status=action.target,
        actor=user,
        at=now,
        note=note,
    )
    notifications.on_transition(referral, action_code, user)
    return event


OTHER = "other"  # the «иное» item of every reason list: it needs an explanation


def _codes(code_list: str) -> set[str]:
    return {code for code, _label in profiles.in_force().choices(code_list)}


ALREADY_CHANGED = _("Направление уже «%(state)s»: его изменил другой сотрудник. Обновите страницу.")


@transaction.atomic
def referral_transition(*, user, referral: Referral, action: str, note: str = "", **data) -> Referral:
    """Move a referral along the state machine. Locks the row so that concurrent answers cannot both win."""
    locked = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("case", "organization", "service")
        .get(pk=referral.pk)
    )
    if action not in ACTIONS or action == "expire":
        raise ServiceError(_("Неизвестное действие."))
    if not policy.can_transition(user, locked, action):
        if locked.status != referral.status:
            raise ServiceError(ALREADY_CHANGED % {"state": locked.get_status_display()})
        raise NotAllowed(_("Недостаточно прав для этого действия."))
    if locked.status not in ACTIONS[action].sources:
        if locked.status != referral.status:
            raise ServiceError(ALREADY_CHANGED % {"state": locked.get_status_display()})
        raise ServiceError(
            _("Из состояния «%(state)s» это действие невозможно.") % {"state": locked.get_status_display()}
        )
    changes = {}
    if action == "send":
        _send_checks(locked)
        today = timezone.localdate()
        changes["sent_at"] = timezone.now()
        changes["respond_by"] = add_working_days(today, response_days(locked))
    elif action == "decline":
        reason = data.get("decline_reason")
        if reason not in _codes("decline_reasons"):
            raise ServiceError(_("Укажите причину отказа из списка."))
        if reason == OTHER and not note.strip():
            raise ServiceError(_("Для причины «иное» напишите пояснение."))
        changes["decline_reason"] = reason
    elif action == "complete":
        outcome = data.get("outcome")
        if outcome not in _codes("outcomes"):
            raise ServiceError(_("Укажите результат из списка."))
        changes["outcome"] = outcome
    elif action == "not_complete":
        reason = data.get("not_completed_reason")
        if reason not in _codes("not_completed_reasons"):
            raise ServiceError(_("Укажите причину невыполнения из списка."))
        if reason == OTHER and not note.strip():
            raise ServiceError(_("Для причины «иное» напишите пояснение."))
        changes["not_completed_reason"] = reason
    elif action == "accept" and data.get("appointment_at"):
        changes["appointment_at"] = data["appointment_at"]
    _apply(locked, action, user, note=note, **changes)
    referral.refresh_from_db()
    return referral


@transaction.atomic
def referral_assign(*, user, referral: Referral, assignee, appointment_at=None) -> Referral:
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    _require(user, "referral.assign", referral)
    if assignee is not None and not policy.is_partner_staff(assignee, referral.organization_id):
        raise ServiceError(_("Исполнитель должен быть сотрудником организации-получателя."))
    referral.assignee = assignee
    if appointment_at is not None:
        referral.appointment_at = appointment_at
    referral.save(update_fields=["assignee", "appointment_at"])
    note = _("Исполнитель: %(name)s") % {"name": assignee.get_full_name() or assignee.get_username()}
    if appointment_at:
        note += "; " + _("приём: %(when)s") % {"when": timezone.localtime(appointment_at).strftime("%d.%m.%Y %H:%M")}
    ReferralEvent.objects.create(
        referral=referral,
        action="assign",
        from_status=referral.status,
        to_status=referral.status,
        actor=user,
        note=note,
    )
    return referral


def expire_overdue(today=None) -> int:
    """Sent referrals not answered by their deadline become «срок ответа истёк». Returns how many."""
    today = today or timezone.localdate()
    count = 0
    for pk in Referral.objects.filter(status=State.SENT, respond_by__lt=today).values_list("pk", flat=True):
        with transaction.atomic():
            referral = Referral.objects.select_for_update().get(pk=pk)
            if referral.status == State.SENT and referral.respond_by < today:
                _apply(referral, "expire", None, note=_("Организация не ответила в установленный срок."))
                count += 1
    return count


@transaction.atomic
def message_post(*, user, referral: Referral, body: str) -> Message:
    _require(user, "referral.message", referral)
    body = body.strip()
    if not body:
        raise ServiceError(_("Сообщение пустое."))
    message = Message.objects.create(referral=referral, author=user, body=body)
    notifications.on_message(message)
    return message


# -- Attachments -----------------------------------------------------------------------------------------------

ALLOWED_UPLOADS = {"application/pdf": (".pdf",), "image/jpeg": (".jpg", ".jpeg"), "image/png": (".png",)}


def _check_upload_size(size: int) -> None:
    limit = settings.REFERRAL_ATTACHMENT_MAX_BYTES
    if size > limit:
        raise ServiceError(_("Файл больше %(mb)s МБ.") % {"mb": limit // (1024 * 1024)})


def read_upload(upload) -> bytes:
    """The bytes of an uploaded file; one over the limit is refused before it is read into memory."""
    _check_upload_size(upload.size)
    return upload.read()


def inspect_upload(name: str, data: bytes) -> str:
    """The checked content type of an upload, or ServiceError. Trust the bytes, not the name or the browser."""
    _check_upload_size(len(data))
    if not data:
        raise ServiceError(_("Файл пустой."))
    lower = name.lower()
    if data.startswith(b"%PDF-"):
        content_type = "application/pdf"
    else:
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
                kind = image.format
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            kind = None
        content_type = {"JPEG": "image/jpeg", "PNG": "image/png"}.get(kind)
    if content_type is None or not lower.endswith(ALLOWED_UPLOADS[content_type]):
        raise ServiceError(
            _("Можно прикрепить только PDF, JPEG или PNG; содержимое файла должно совпадать с его типом.")
        )
    return content_type


@transaction.atomic
def attachment_add(*, user, referral: Referral, name: str, data: bytes) -> Attachment:
    _require(user, "referral.attachment", referral)
    content_type = inspect_upload(name, data)
    return Attachment.objects.create(
        referral=referral,
        uploaded_by=user,
        name=name[-200:],
        content_type=content_type,
        size=len(data),
        data=encrypt_bytes(data),
    )


# -- Retention -------------------------------------------------------------------------------------------------

ANONYMISED = "обезличено"


def purge_closed_cases(*, older_than_days: int, by: str, dry_run: bool = False) -> list[str]:
    """Anonymise closed cases past retention and write one destruction record (акт) per case.

    The one path allowed to change the evidence tables (referrals/evidence.py): the free text of the case's
    referral events goes too. Each case is purged in its own transaction, which also writes a SecurityEvent."""
    cutoff = timezone.localdate() - timedelta(days=older_than_days)
    cases = FamilyCase.objects.filter(
        status__in=[CaseStatus.CLOSED, CaseStatus.NOT_ACCEPTED], closed_on__lt=cutoff, anonymised_at__isnull=True
    )
    done = []
    for case in cases:
        reference = f"{case.organization.display_name}, № {case.registration_number} от {case.registration_date}"
        done.append(reference)
        if dry_run:
            continue
        with evidence.purging():
            case = FamilyCase.objects.select_for_update().get(pk=case.pk)
            members = case.members.count()
            attachments = Attachment.objects.filter(referral__case=case)
            extract = [
                {
                    "at": row.at.isoformat(),
                    "user": row.username,
                    "object": f"{row.object_type}:{row.object_id}",
                    "fields": row.fields,
                    "purpose": row.purpose,
                }
                for row in AccessLog.objects.filter(case=case).order_by("at")
            ]
            events = ReferralEvent.objects.filter(referral__case=case).exclude(note="")
            what = (
                f"ФИО, даты рождения, телефоны и адреса членов семьи ({members}); адрес и описание ситуации; "
                f"ФИО подписавших согласия и сканы согласий ({case.consents.count()}); описания в направлениях "
                f"({case.referrals.count()}); сообщения ({Message.objects.filter(referral__case=case).count()}); "
                f"вложения ({attachments.count()}); примечания в истории направлений ({events.count()}); "
                "заключение о закрытии, тексты мер и ответственные, основания изменения срока и превышения нагрузки."
            )
            case.members.update(full_name=ANONYMISED, birth_date=None, phone="", phone_hash="", address="")
            case.consents.update(signed_by=ANONYMISED, document_data=None, document_type="")
            case.referrals.update(narrative="", health_notes="", education_notes="")
            Measure.objects.filter(programme__case=case).update(
                result="", description=ANONYMISED, responsible_person=""
            )
            case.term_changes.update(reason=ANONYMISED)
            case.caseload_overrides.update(reason=ANONYMISED)
            case.inspections.update(
                participants="",
                housing=ANONYMISED,
                conditions=ANONYMISED,
                child_conditions=ANONYMISED,
                conclusion=ANONYMISED,
            )
            case.post_support_notes.update(note=ANONYMISED)
            case.agenda_items.update(conclusion="")
            Message.objects.filter(referral__case=case).update(body=ANONYMISED)
            events.update(note=ANONYMISED)
            attachments.delete()
            case.address = ""
            case.narrative = ""
            case.closure_conclusion = ""
            case.anonymised_at = timezone.now()
            case.save(update_fields=["address", "narrative", "closure_conclusion", "anonymised_at"])
            DestructionRecord.objects.create(case_reference=reference, destroyed_by=by, what=what, log_extract=extract)
            record("evidence_purge", username=by, detail=f"purge_closed_cases: обезличен случай {reference}")
    return done


def purge_old_logs(*, older_than_days: int, by: str, dry_run: bool = False) -> dict[str, int]:
    """Delete access-log rows and security events older than the given age (the logs' own retention period).

    Only through `purge_closed_cases --logs-older-than`; the deletion is itself recorded as a SecurityEvent."""
    before = timezone.now() - timedelta(days=older_than_days)
    old = {
        "access_log": AccessLog.objects.filter(at__lt=before),
        "security_events": SecurityEvent.objects.filter(at__lt=before),
    }
    if dry_run:
        return {name: rows.count() for name, rows in old.items()}
    with evidence.purging():
        counts = {name: rows.delete()[0] for name, rows in old.items()}
        record(
            "evidence_purge",
            username=by,
            detail=(
                f"purge_closed_cases: удалены записи старше {before:%d.%m.%Y}: журнал доступа — "
                f"{counts['access_log']}, события безопасности — {counts['security_events']}"
            ),
        )
    return counts


# -- Family feedback -------------------------------------------------------------------------------------------


@transaction.atomic
def feedback_invite(*, user, referral: Referral):
    """A one-time survey link for a completed referral; the family's consent must allow contacting it."""
    _require(user, "referral.feedback", referral)
    if referral.status != State.COMPLETED:
        raise ServiceError(_("Опрос можно предложить только по выполненному направлению."))
    consent = policy.active_consent(referral.case, referral.organization_id)
    if DataCategory.CONTACTS not in policy.consent_categories(consent):
        raise ServiceError(_("Согласие семьи не разрешает связываться с ней: опрос не предлагается."))
    invitation, _created = FeedbackInvitation.objects.get_or_create(
        referral=referral, defaults={"token": secrets.token_urlsafe(24)}
    )
    return invitation


@transaction.atomic
def feedback_answer(*, token: str, score: int, helped: bool):
    invitation = FeedbackInvitation.objects.select_for_update().select_related("referral").filter(token=token).first()
    if invitation is None or invitation.used:
        raise ServiceError(_("Ссылка на опрос недействительна или уже использована."))
    invitation.used = True
    invitation.save(update_fields=["used"])
    # Nothing ties the answer to the family: only the partner and the kind of help.
    return FeedbackResponse.objects.create(
        organization_id=invitation.referral.organization_id,
        category_id=invitation.referral.category_id,
        score=score,
        helped=helped,
    )
