"""Notifications: the bell in the workspace and e-mail through an outbox that retries until the server accepts.

Nothing personal ever goes into a notice or an e-mail: referral numbers, kinds of help, dates and a link into the
workspace, where the reader signs in with both factors and the policy decides what they see.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.request_log import enqueue

from . import policy, services, tasks
from .clocks import Calendar, add_working_days, case_clocks
from .codes import ENDED_STATUSES, CaseStatus
from .models import FamilyCase, Measure, Notification, NotificationPreference, OutgoingEmail, Referral
from .states import State, late_q

logger = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=6)


# -- Who hears about what --------------------------------------------------------------------------------------


def _referral_url(referral: Referral) -> str:
    return reverse("referrals:referral", args=[referral.uuid])


def _label(referral: Referral) -> str:
    return _("Направление № %(id)s (%(kind)s)") % {"id": referral.pk, "kind": referral.category.name}


# -- Creating notices ------------------------------------------------------------------------------------------


def notify(users, *, kind: str, key: str, text: str, url: str = "") -> int:
    """One notice per user and key; e-mail now for users who want it immediately. Returns notices created."""
    created = 0
    for user in users:
        try:
            with transaction.atomic():
                Notification.objects.create(recipient=user, kind=kind, key=key[:120], text=text[:300], url=url)
        except IntegrityError:
            continue  # this user already has this notice
        created += 1
        if user.email and email_mode(user) == NotificationPreference.EmailMode.IMMEDIATE:
            queue_email(user.email, subject=_("Кабинет: %(text)s") % {"text": text[:150]}, lines=[text], url=url)
            Notification.objects.filter(recipient=user, key=key[:120]).update(emailed=True)
    return created


def email_mode(user) -> str:
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference.email_mode if preference else NotificationPreference.EmailMode.IMMEDIATE


def queue_email(to: str, *, subject: str, lines: list[str], url: str = "") -> OutgoingEmail:
    body = "\n".join(
        [
            _("Здравствуйте!"),
            "",
            *lines,
            "",
            _("Подробности — в кабинете (нужны пароль и код подтверждения): %(link)s")
            % {"link": settings.WAGTAILADMIN_BASE_URL.rstrip("/") + (url or reverse("referrals:home"))},
            "",
            _("Письмо отправлено автоматически; сведения о семье в письмах не передаются."),
        ]
    )
    message = OutgoingEmail.objects.create(to=to, subject=subject[:200], body=body)
    transaction.on_commit(_enqueue_delivery)
    return message


def _enqueue_delivery():
    try:
        enqueue(tasks.deliver_outbox)  # carries the request id into the worker's log lines
    except Exception:  # the outbox keeps the message; `send_notifications` delivers it later
        logger.warning("Could not enqueue e-mail delivery", exc_info=True)


def on_transition(referral: Referral, action: str, actor) -> None:
    """Called by services after a referral changes state (inside its transaction)."""
    label = _label(referral)
    url = _referral_url(referral)
    key = f"{action}:{referral.pk}"
    if action == "send":
        text = _("%(label)s: новое направление, ответить до %(date)s") % {
            "label": label,
            "date": referral.respond_by.strftime("%d.%m.%Y") if referral.respond_by else "—",
        }
        notify(policy.intake_staff(referral.organization_id), kind="new_referral", key=key, text=text, url=url)
        return
    texts = {
        "accept": _("%(label)s принято организацией «%(org)s»"),
        "decline": _("%(label)s отклонено организацией «%(org)s»"),
        "complete": _("%(label)s выполнено"),
        "not_complete": _("%(label)s не выполнено"),
        "expire": _("%(label)s: организация «%(org)s» не ответила в срок"),
    }
    if action in texts:
        text = texts[action] % {"label": label, "org": referral.organization.display_name}
        curator = referral.case.curator
        if curator != actor:
            notify([curator], kind=action, key=key, text=text, url=url)
    if action == "expire":
        # Escalation: the heads of the partner and of the curator's unit learn that nobody answered.
        heads = list(policy.heads(referral.organization_id)) + list(policy.heads(referral.case.organization_id))
        notify(heads, kind="escalation", key=f"escalation:{referral.pk}", text=text, url=url)


def on_message(message) -> None:
    referral = message.referral

    if policy.is_case_side(message.author, referral.case):
        recipients = list(policy.intake_staff(referral.organization_id))
        if referral.assignee_id:
            recipients.append(referral.assignee)
    else:
        recipients = [referral.case.curator]
    text = _("%(label)s: новое сообщение") % {"label": _label(referral)}
    notify(
        [user for user in set(recipients) if user != message.author],
        kind="message",
        key=f"message:{message.pk}",
        text=text,
        url=_referral_url(referral),
    )


# -- Reminders and escalation (run daily or more often: `manage.py send_notifications`) ------------------------


def run_reminders(today: datetime.date | None = None) -> int:
    """Deadline reminders one working day ahead, escalations when overdue, the guardianship notice."""
    today = today or timezone.localdate()
    tomorrow = add_working_days(today, 1)
    created = 0
    for referral in Referral.objects.filter(status=State.SENT, respond_by__gte=today, respond_by__lte=tomorrow):
        text = _("%(label)s: срок ответа — %(date)s") % {
            "label": _label(referral),
            "date": referral.respond_by.strftime("%d.%m.%Y"),
        }
        created += notify(
            policy.intake_staff(referral.organization_id),
            kind="response_due",
            key=f"response_due:{referral.pk}:{referral.respond_by}",
            text=text,
            url=_referral_url(referral),
        )
    services.expire_overdue(today)  # each expiry notifies the curator and escalates (on_transition)
    for referral in Referral.objects.filter(late_q(today)):
        text = _("%(label)s: помощь должна была быть оказана до %(date)s") % {
            "label": _label(referral),
            "date": referral.needed_by.strftime("%d.%m.%Y"),
        }
        recipients = list(policy.heads(referral.organization_id)) + [referral.case.curator]
        created += notify(
            recipients, kind="escalation", key=f"late:{referral.pk}", text=text, url=_referral_url(referral)
        )
    measures = Measure.objects.filter(
        programme__status="approved",
        deadline__gte=today,
        deadline__lte=tomorrow,
        programme__case__status=CaseStatus.ON_SUPPORT,
    ).select_related("programme__case__curator", "category")
    for measure in measures:
        case = measure.programme.case
        text = _("%(case)s: срок мероприятия «%(kind)s» — %(date)s") % {
            "case": case,
            "kind": measure.category.name,
            "date": measure.deadline.strftime("%d.%m.%Y"),
        }
        created += notify(
            [case.curator],
            kind="measure_due",
            key=f"measure_due:{measure.pk}:{measure.deadline}",
            text=text,
            url=reverse("referrals:programme", args=[measure.programme_id]),
        )
    created += case_clock_reminders(today)
    return created


def guardianship_due(case: FamilyCase) -> datetime.date | None:
    """Copy of a foster family's contract goes to the guardianship body (002 §6.3; days: the region profile)."""
    clock = next((c for c in case_clocks(case) if c.code == "guardianship"), None)
    return clock.due_on if clock else None


def case_clock_reminders(today: datetime.date) -> int:
    """Each running clock of a case (clocks.py): the curator one working day ahead, the head too when overdue."""
    calendar = Calendar()
    created = 0
    cases = (
        FamilyCase.objects.exclude(status__in=ENDED_STATUSES - {CaseStatus.POST_SUPPORT})
        .select_related("curator")
        .prefetch_related("programmes", "agenda_items__meeting")
    )
    for case in cases:
        url = reverse("referrals:case", args=[case.uuid])
        for clock in case_clocks(case, today, calendar):
            # A to-do for the curator (the guardianship copy) is announced at once, the others a working day ahead.
            if clock.is_done or (clock.left > 1 and clock.code != "guardianship"):
                continue
            if clock.code == "guardianship":
                text = _("%(case)s: направьте копию договора в орган опеки и попечительства до %(date)s")
            else:
                text = _("%(case)s: %(what)s — до %(date)s")
            text = text % {"case": case, "what": clock.label.lower(), "date": clock.due_on.strftime("%d.%m.%Y")}
            created += notify(
                [case.curator], kind=clock.code, key=f"clock:{clock.code}:{case.pk}:{clock.due_on}", text=text, url=url
            )
            if clock.is_overdue:
                created += notify(
                    policy.heads(case.organization_id),
                    kind="escalation",
                    key=f"clock_late:{clock.code}:{case.pk}:{clock.due_on}",
                    text=text + " " + _("(просрочено)"),
                    url=url,
                )
    return created


def send_digests(today: datetime.date | None = None) -> int:
    """One e-mail per digest user with the notices of the day that were not e-mailed yet."""
    sent = 0
    users = (
        get_user_model()
        .objects.filter(
            notification_preference__email_mode=NotificationPreference.EmailMode.DIGEST, notifications__emailed=False
        )
        .distinct()
    )
    for user in users:
        pending = list(user.notifications.filter(emailed=False).order_by("created_at")[:50])
        if not user.email or not pending:
            continue
        queue_email(
            user.email,
            subject=_("Кабинет: уведомлений — %(count)s") % {"count": len(pending)},
            lines=[f"• {notice.text}" for notice in pending],
        )
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed=True)
        sent += 1
    return sent


# -- Delivery --------------------------------------------------------------------------------------------------


# The server refused this one message (its recipient, its sender, its data): the next message may still go.
# Any other failure — no connection, a timeout (EMAIL_TIMEOUT), a dropped connection — is the server's: the run
# stops there and the rest of the outbox waits, untouched, for the next run.
MESSAGE_REFUSED = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


def deliver_due(now: datetime.datetime | None = None) -> dict:
    """Send every due message of the outbox; a failure waits 1, 2, 4… minutes (at most 6 hours) and tries again.
    A server that does not answer costs one EMAIL_TIMEOUT per run, not one per message (`MESSAGE_REFUSED`)."""
    now = now or timezone.now()
    result = {"sent": 0, "failed": 0}
    due = OutgoingEmail.objects.filter(sent_at__isnull=True, next_attempt_at__lte=now).order_by("next_attempt_at")
    for pk in list(due.values_list("pk", flat=True)[:200]):
        with transaction.atomic():
            message = OutgoingEmail.objects.select_for_update().filter(pk=pk, sent_at__isnull=True).first()
            if message is None:
                continue
            try:
                EmailMessage(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.to]).send()
            except Exception as exc:  # any SMTP or network failure: keep it and try later
                message.attempts += 1
                message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                message.next_attempt_at = now + min(timedelta(minutes=2 ** (message.attempts - 1)), MAX_BACKOFF)
                message.save(update_fields=["attempts", "last_error", "next_attempt_at"])
                result["failed"] += 1
                if not isinstance(exc, MESSAGE_REFUSED):
                    logger.warning(
                        "Mail server unavailable (%s): delivery stops until the next run", type(exc).__name__
                    )
                    break
            else:
                message.attempts += 1
                message.sent_at = timezone.now()
                message.save(update_fields=["attempts", "sent_at"])
                result["sent"] += 1
    return result
