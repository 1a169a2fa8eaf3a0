"""Notifications, reminders across holidays, e-mail retries against a real (local) SMTP server, reports."""

import datetime
import socket

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from directory.models import Holiday
from referrals import notifications, reports, services
from referrals.codes import Role
from referrals.models import Membership, Notification, OutgoingEmail, Referral

from .conftest import ACCEPT, FAMILY_ADDRESS, FAMILY_NAMES, FAMILY_PHONE, NARRATIVE, SEND, cabinet_login

PERSONAL = [*FAMILY_NAMES, FAMILY_PHONE, FAMILY_ADDRESS, NARRATIVE, "Тестова", "555-12-34"]


def notices(user, kind=None):
    queryset = Notification.objects.filter(recipient=user)
    return queryset.filter(kind=kind) if kind else queryset


def test_each_side_hears_about_the_other_and_no_email_holds_personal_data(
    client, network, django_capture_on_commit_callbacks
):
    curator, intake = network.users["curator"], network.users["intake"]
    with django_capture_on_commit_callbacks(execute=True):
        referral = network.new_referral(steps=[SEND])
    assert notices(intake, "new_referral").count() == 1
    assert notices(network.users["other_intake"]).count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_transition(user=intake, referral=referral, action="accept")
    assert notices(curator, "accept").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.message_post(user=intake, referral=referral, body=f"Позвоните {FAMILY_PHONE}")
    assert notices(curator, "message").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.message_post(user=curator, referral=referral, body="Семья придёт во вторник")
    assert notices(intake, "message").count() == 1
    assert len(mail.outbox) >= 4  # immediate backend in tests: the outbox was delivered at once
    assert OutgoingEmail.objects.filter(sent_at__isnull=True).count() == 0
    for message in mail.outbox:
        for secret in PERSONAL:
            assert secret not in message.body and secret not in message.subject
        assert "/cabinet/referrals/" in message.body
    cabinet_login(client, curator)
    html = client.get(reverse("referrals:home")).content.decode()
    assert "непрочитанных" in html
    client.post(reverse("referrals:notifications"), {"mark_read": "1"})
    assert not notices(curator).filter(read_at__isnull=True).exists()


def test_digest_users_get_one_daily_email(network):
    from referrals.models import NotificationPreference

    intake = network.users["intake"]
    NotificationPreference.objects.create(user=intake, email_mode="digest")
    network.new_referral(steps=[SEND])
    network.new_referral(steps=[SEND])
    assert not [m for m in mail.outbox if intake.email in m.to]
    assert notifications.send_digests() == 1
    notifications.deliver_due()
    digest = [m for m in mail.outbox if intake.email in m.to]
    assert len(digest) == 1 and digest[0].body.count("новое направление") == 2
    assert notifications.send_digests() == 0


def test_reminder_and_escalation_follow_working_days_across_a_holiday(network):
    """Respond by Tuesday 6 Jan 2032; Monday 5 Jan is a holiday, so Friday 2 Jan is one working day before."""
    friday, holiday, tuesday = datetime.date(2032, 1, 2), datetime.date(2032, 1, 5), datetime.date(2032, 1, 6)
    Holiday.objects.get_or_create(date=holiday, defaults={"name": "test"})
    Holiday.objects.filter(date__in=[friday, tuesday]).delete()
    head = Membership.objects.create(
        user=network.users["specialist"], organization=network.partner, role=Role.HEAD
    ).user
    referral = network.new_referral(steps=[SEND])
    Referral.objects.filter(pk=referral.pk).update(respond_by=tuesday)
    intake = network.users["intake"]

    notifications.run_reminders(friday - datetime.timedelta(days=1))  # Thursday: two working days ahead
    assert notices(intake, "response_due").count() == 0
    notifications.run_reminders(friday)
    assert notices(intake, "response_due").count() == 1
    notifications.run_reminders(holiday)
    notifications.run_reminders(tuesday)  # the last day to answer: still not overdue, no repeat
    assert notices(intake, "response_due").count() == 1
    assert notices(head, "escalation").count() == 0
    notifications.run_reminders(tuesday + datetime.timedelta(days=1))
    referral.refresh_from_db()
    assert referral.status == "expired"
    assert notices(head, "escalation").count() == 1
    assert notices(network.users["curator"], "expire").count() == 1


def test_guardianship_notice_for_a_foster_family(network):
    head = network.users["head"]
    case = network.case
    case.categories = ["foster"]
    case.contract_date = datetime.date(2032, 1, 2)  # Friday; Monday 5 Jan is a holiday
    case.save()
    Holiday.objects.get_or_create(date=datetime.date(2032, 1, 5), defaults={"name": "test"})
    assert notifications.guardianship_due(case) == datetime.date(2032, 1, 8)
    notifications.run_reminders(datetime.date(2032, 1, 2))
    assert notices(network.users["curator"], "guardianship").count() == 1
    notifications.run_reminders(datetime.date(2032, 1, 8))
    # (In 2032 the family's support term has long run out too: that escalation is another clock's.)
    assert notices(head, "escalation").filter(text__contains="опек").count() == 0
    notifications.run_reminders(datetime.date(2032, 1, 9))
    assert notices(head, "escalation").filter(text__contains="опек").count() == 1


class FlakySMTP:
    """An SMTP server on loopback that refuses with 451 until told to accept."""

    def __init__(self):
        self.refuse = True
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 4.3.0 Временно недоступно, повторите позже"
        self.received.append(envelope.content.decode("utf-8", "replace"))
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = FlakySMTP()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield handler
    controller.stop()


def test_refused_email_is_retried_with_backoff_and_delivered_once(
    network, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        network.new_referral(steps=[SEND])  # the intake gets an e-mail at once: the server refuses
    message = OutgoingEmail.objects.get(to=network.users["intake"].email)
    assert message.sent_at is None and message.attempts == 1 and "451" in message.last_error
    first_retry = message.next_attempt_at
    assert notifications.deliver_due(timezone.now())["sent"] == 0  # not due yet
    result = notifications.deliver_due(first_retry)
    assert result == {"sent": 0, "failed": 1}
    message.refresh_from_db()
    assert message.attempts == 2 and message.next_attempt_at - first_retry == datetime.timedelta(minutes=2)
    smtp_server.refuse = False
    assert notifications.deliver_due(message.next_attempt_at) == {"sent": 1, "failed": 0}
    assert notifications.deliver_due(message.next_attempt_at + datetime.timedelta(days=1))["sent"] == 0
    assert len(smtp_server.received) == 1
    message.refresh_from_db()
    assert message.sent_at is not None


def test_quarterly_report_figures_and_small_cells(network, settings):
    """Ten referrals to one partner: 5 accepted (one completed), 5 declined — computed by hand; then one referral
    to another partner, a small cell that must not be recoverable from the total."""
    intake = network.users["intake"]
    made = [network.new_referral(steps=[SEND]) for _ in range(10)]
    for referral in made[:5]:
        services.referral_transition(user=intake, referral=referral, action="accept")
    services.referral_transition(user=intake, referral=made[0], action="start")
    services.referral_transition(user=intake, referral=made[0], action="complete", outcome="provided")
    for referral in made[5:]:
        services.referral_transition(user=intake, referral=referral, action="decline", decline_reason="no_capacity")

    report = reports.quarterly_report(timezone.localdate())
    partner = {row["label"]: row for row in report["referrals"]["by_partner"]}[network.partner.display_name]
    assert partner["total"] == 10 and not partner["suppressed"]
    assert partner["acceptance_rate"] == 50  # 5 accepted of 10 answered
    assert partner["overdue_share"] == 0
    assert partner["median_days_to_accept"] is not None
    declines = {row["label"]: row["count"] for row in report["referrals"]["declines_by_reason"]}
    assert declines["нет свободных мест или специалистов"] == 5
    assert report["due"].day == 10 and report["due"] > report["end"]

    network.new_referral(organization=network.other_partner, steps=[SEND])  # a small cell: 1 referral
    report = reports.quarterly_report(timezone.localdate())
    by_partner = {row["label"]: row for row in report["referrals"]["by_partner"]}
    small = by_partner[network.other_partner.display_name]
    assert small["total"] == "<5" and small["suppressed"] and small["acceptance_rate"] is None
    # «<5» = total − 10 unless one of them is hidden too.
    partner = by_partner[network.partner.display_name]
    assert "…" in (partner["total"], report["referrals"]["total"])
    assert partner["acceptance_rate"] is None or not partner["suppressed"]


def test_coordinator_report_page_shows_no_personal_data(client, network):
    network.new_referral(steps=[SEND, ACCEPT])
    cabinet_login(client, network.users["coordinator"])
    response = client.get(reverse("referrals:figures"))
    html = response.content.decode()
    assert response.status_code == 200 and "<svg" in html and "Анализ сопровождения семей" in html
    for secret in PERSONAL:
        assert secret not in html


def test_xlsx_and_pdf_exports_have_the_same_numbers_as_the_page(client, network):
    import io

    from openpyxl import load_workbook

    for _ in range(5):
        network.new_referral(steps=[SEND, ACCEPT])
    cabinet_login(client, network.users["coordinator"])
    page = client.get(reverse("referrals:figures"))
    report = page.context["report"]
    response = client.get(reverse("referrals:figures"), {"date": report["start"].isoformat(), "format": "xlsx"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    partners = {row[0]: row for row in workbook["Партнёры"].iter_rows(min_row=2, values_only=True)}
    expected = {row["label"]: row for row in report["referrals"]["by_partner"]}
    assert partners.keys() == expected.keys()
    for label, row in expected.items():
        assert partners[label][1] == row["total"] == 5
        assert partners[label][2] == row["acceptance_rate"] == 100
    assert workbook["Итоги"]["B5"].value == report["referrals"]["total"]

    from pypdf import PdfReader

    response = client.get(reverse("referrals:figures"), {"date": report["start"].isoformat(), "format": "pdf"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Анализ сопровождения семей" in text
    assert network.partner.display_name in text
    keys = ["label", "total", "acceptance_rate", "median_days_to_accept", "median_days_to_complete", "overdue_share"]
    for row in report["referrals"]["by_partner"]:
        assert " ".join("—" if row[key] is None else str(row[key]) for key in keys) in text
    for secret in PERSONAL:
        assert secret not in text


def test_family_feedback_is_anonymous_and_feeds_satisfaction(client, network):
    from referrals.models import FeedbackResponse

    done = [
        network.new_referral(
            steps=[SEND, ACCEPT, ("intake", "start", {}), ("intake", "complete", {"outcome": "provided"})]
        )
        for _ in range(5)
    ]
    curator = network.users["curator"]
    open_one = network.new_referral(steps=[SEND, ACCEPT])
    try:
        services.feedback_invite(user=curator, referral=open_one)
    except services.ServiceError as exc:
        assert "только по выполненному" in str(exc)
    else:
        raise AssertionError("a survey for a referral that is not completed")
    tokens = [services.feedback_invite(user=curator, referral=r).token for r in done]
    for score, token in zip([5, 4, 4, 3, 5], tokens, strict=True):
        response = client.post(reverse("feedback", args=[token]), {"score": score, "helped": "1"})
        assert "Спасибо" in response.content.decode()
    again = client.post(reverse("feedback", args=[tokens[0]]), {"score": 1, "helped": "0"})
    assert "недействительна или уже использована" in again.content.decode()
    assert FeedbackResponse.objects.count() == 5
    assert {f.name for f in FeedbackResponse._meta.fields} == {
        "id",
        "organization",
        "category",
        "score",
        "helped",
        "created_on",
    }
    report = reports.quarterly_report(timezone.localdate())
    row = next(r for r in report["satisfaction"] if r["label"] == network.partner.display_name)
    assert row == {"label": network.partner.display_name, "answers": 5, "average_score": 4.2, "helped_share": 100}
    network.consent.data_categories = ["address"]
    network.consent.save()
    extra = network.new_referral(
        steps=[SEND, ACCEPT, ("intake", "start", {}), ("intake", "complete", {"outcome": "provided"})]
    )
    try:
        services.feedback_invite(user=curator, referral=extra)
    except services.ServiceError as exc:
        assert "не разрешает связываться" in str(exc)
    else:
        raise AssertionError("a survey without consent to contact the family")


def test_unmet_need_joins_empty_public_searches_and_declines(client, network):
    from directory.models import Category
    from search.models import SearchGap

    district = network.case.district
    for _ in range(2):
        client.get("/services/", {"q": "сурдопереводчик 89135551234", "municipality": district.code})
    client.get("/services/", {"q": "психолог"})  # many results: not recorded
    gap = SearchGap.objects.get()
    assert gap.count == 2 and gap.results == 0 and "#" in gap.query and "5551234" not in gap.query
    referral = network.new_referral(steps=[SEND, ("intake", "decline", {"decline_reason": "no_capacity"})])
    rows = reports.unmet_need(timezone.localdate(), timezone.localdate())
    assert {"district": district.name, "kind": "—", "zero": 2, "few": 0, "declines": 0} in rows
    declined = next(r for r in rows if r["kind"] == Category.objects.get(pk=referral.category_id).name)
    assert declined["declines"] == "<5" and declined["district"] == district.name


def test_level_moves_and_weekly_line_are_counted(client, network):
    services.case_update(user=network.users["curator"], case=network.case, support_level="emergency")
    services.case_update(user=network.users["curator"], case=network.case, support_level="emergency")  # no move
    for _ in range(3):
        network.new_referral(steps=[SEND])
    report = reports.quarterly_report(timezone.localdate())
    assert report["families"]["moved_to_another_level"] == "<5"
    assert network.case.level_changes.count() == 1
    # Three referrals in one week: too sparse for weeks, drawn by month, and the month is not an exact count.
    assert report["weekly_unit"] == "month" and len(report["weekly"]) == 3
    assert sorted(str(month["total"]) for month in report["weekly"]) == ["0", "0", "<5"]
    chart = reports.line_chart(report["weekly"], "total")
    assert len(chart["points"]) == len(report["weekly"])
    assert [p["value"] for p in chart["points"] if not p["drawn"]] == ["<5"]
    cabinet_login(client, network.users["coordinator"])
    html = client.get(reverse("referrals:figures")).content.decode()
    assert "<polyline" in html and "Направления по месяцам" in html
