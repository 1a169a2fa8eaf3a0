"""Permission matrix: every workspace URL and action × every role × own / other organisation / other curator ×
consent present / withdrawn / expired.

The expectations below are written independently of referrals/policy.py (an oracle in plain terms), and the
test checks that every rule of the policy is exercised by at least one URL here.
"""

import datetime

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from referrals import policy, procedure, services
from referrals.crypto import encrypt_bytes
from referrals.models import AccessLog, FamilyCase, Referral, SecurityEvent
from referrals.security import record

from .conftest import ACCEPT, FAMILY_NAMES, FAMILY_PHONE, NARRATIVE, SEND, cabinet_login

ROLES = [
    "curator",
    "other_curator",
    "head",
    "intake",
    "specialist",
    "other_intake",
    "coordinator",
    "admin",
    "auditor",
    "outsider",
]
CONSENT_STATES = ["present", "withdrawn", "expired"]
CASE_SIDE = {"curator", "head"}
WORKSPACE = set(ROLES) - {"outsider"}


def build(network, consent_state):
    """Referrals in the states the matrix needs, then the consent put into the requested state."""
    net = network
    objects = {
        "case": net.case,
        "draft": net.new_referral(),
        "sent": net.new_referral(steps=[SEND]),
        "accepted": net.new_referral(steps=[SEND, ACCEPT]),
        "other": net.new_referral(organization=net.other_partner, steps=[SEND, ACCEPT]),
    }
    Referral.objects.filter(pk=objects["accepted"].pk).update(assignee=net.users["specialist"])
    objects["accepted"].refresh_from_db()
    objects["programme"] = services.programme_new_version(user=net.users["curator"], case=net.case)
    objects["measure"] = objects["programme"].measures.first()  # of the draft
    objects["approved_measure"] = net.programme.measures.first()
    objects["inspection"] = procedure.inspection_add(
        user=net.users["curator"],
        case=net.case,
        inspected_on=timezone.localdate(),
        housing="—",
        conditions="—",
        child_conditions="—",
        conclusion="—",
    )
    net.consent.document_data = encrypt_bytes(b"%PDF-1.4 scan")
    net.consent.document_type = "application/pdf"
    net.consent.save()
    objects["consent"] = net.consent
    objects["attachment"] = services.attachment_add(
        user=net.users["curator"], referral=objects["accepted"], name="справка.pdf", data=b"%PDF-1.4 test"
    )
    today = timezone.localdate()
    # A family in post-support (after a positive closure, 001 §5.9).
    post = services.case_open(
        user=net.users["curator"],
        organization=net.support,
        curator=net.users["curator"],
        members=[{"full_name": "Семья Постсопровождения", "relation": "mother"}],
        registration_number="T-POST",
        registration_date=today - datetime.timedelta(days=300),
        ground="application",
        district=net.case.district,
        categories=["large"],
        circumstances=["poverty"],
        support_level="basic",
    )
    FamilyCase.objects.filter(pk=post.pk).update(
        status="post_support", closed_on=today, post_support_until=today + datetime.timedelta(days=90)
    )
    post.refresh_from_db()
    objects["post_case"] = post
    if consent_state == "withdrawn":
        net.consent.withdrawn_on = today
        net.consent.save()
    elif consent_state == "expired":
        net.consent.expires_on = today - datetime.timedelta(days=1)
        net.consent.save()
    head = net.users["head"]
    objects["meeting"] = procedure.meeting_create(
        user=head, organization=net.support, held_on=today, number="1", chair="Председатель консилиума"
    )
    objects["agenda_item"] = procedure.agenda_add(user=head, meeting=objects["meeting"], case=net.case, kind="primary")
    return objects


def sees_referral(role, key):
    """Which referrals a role may open at all."""
    if role in CASE_SIDE:
        return True
    if key == "draft":
        return False
    return {
        "intake": key in ("sent", "accepted"),
        "specialist": key == "accepted",
        "other_intake": key == "other",
    }.get(role, False)


def sees_personal(role, key, consent_state):
    if role in CASE_SIDE:
        return True
    unlocked = key in ("accepted", "other") and sees_referral(role, key)
    return unlocked and consent_state == "present"


# (url name, method, object key, policy rule, post data, who may: a function of role and consent state)
def may_case(role, consent):
    return role in CASE_SIDE


def any_workspace_user(role, consent):
    return role in WORKSPACE


def head_only(role, consent):
    return role == "head"


def consilium_staff(role, consent):
    """The head and the curators of the organisation (the other curator too: their own cases, none here)."""
    return role in ("curator", "other_curator", "head")


def partner_unlocked(role, consent):
    return role in CASE_SIDE or (role in ("intake", "specialist") and consent == "present")


URLS = [
    ("referrals:home", "get", None, None, None, any_workspace_user),
    ("referrals:notifications", "get", None, None, None, any_workspace_user),
    ("referrals:case_new", "get", None, "curator.desk", None, lambda r, c: r in ("curator", "other_curator", "head")),
    ("referrals:case", "get", "case", "case.view", None, may_case),
    ("referrals:programme", "get", "programme", "case.view", None, may_case),
    (
        "referrals:programme_decide",
        "post",
        "programme",
        "programme.decide",
        {"decision": "reject", "decided_on": "2026-01-01", "protocol_number": "1"},
        lambda r, c: r == "head",
    ),
    ("referrals:consent_document", "get", "consent", "case.view", None, may_case),
    ("referrals:consent_withdraw", "post", "consent", "consent.withdraw", {}, may_case),
    ("referrals:attachment", "get", "attachment", "referral.attachment", None, partner_unlocked),
    ("referrals:referral_attachment", "post", "accepted", "referral.attachment", {}, partner_unlocked),
    ("referrals:case_edit", "get", "case", "case.edit", None, may_case),
    ("referrals:case_close", "get", "case", "case.close", None, may_case),
    ("referrals:case_reassign", "get", "case", "case.reassign", None, lambda r, c: r == "head"),
    ("referrals:case_stage", "post", "case", "case.edit", {"step": "assessment"}, may_case),
    ("referrals:case_stage", "post", "post_case", "case.remove", {"step": "remove"}, may_case),
    ("referrals:post_support_note_new", "get", "post_case", "postsupport.add", None, may_case),
    ("referrals:consent_new", "get", "case", "consent.add", None, may_case),
    ("referrals:member_new", "get", "case", "case.edit", None, may_case),
    ("referrals:programme_new", "post", "case", "programme.edit", {}, may_case),
    ("referrals:referral_new", "get", "case", "referral.create", None, may_case),
    ("referrals:referral", "get", "sent", "referral.view", None, lambda r, c: sees_referral(r, "sent")),
    ("referrals:referral", "get", "accepted", "referral.view", None, lambda r, c: sees_referral(r, "accepted")),
    ("referrals:referral", "get", "other", "referral.view", None, lambda r, c: sees_referral(r, "other")),
    ("referrals:referral", "get", "draft", "referral.view", None, lambda r, c: sees_referral(r, "draft")),
    ("referrals:referral_print", "get", "accepted", "referral.print", None, lambda r, c: sees_referral(r, "accepted")),
    ("referrals:referral_act", "post", "draft", "referral.send", {"action": "send"}, may_case),
    ("referrals:referral_act", "post", "sent", "referral.cancel", {"action": "cancel"}, may_case),
    ("referrals:referral_act", "post", "sent", "referral.accept", {"action": "accept"}, lambda r, c: r == "intake"),
    (
        "referrals:referral_act",
        "post",
        "sent",
        "referral.decline",
        {"action": "decline", "decline_reason": "no_capacity"},
        lambda r, c: r == "intake",
    ),
    (
        "referrals:referral_act",
        "post",
        "other",
        "referral.start",
        {"action": "start"},
        lambda r, c: r == "other_intake",
    ),
    (
        "referrals:referral_act",
        "post",
        "accepted",
        "referral.start",
        {"action": "start"},
        lambda r, c: r in ("intake", "specialist"),
    ),
    (
        "referrals:referral_act",
        "post",
        "accepted",
        "referral.not_complete",
        {"action": "not_complete", "not_completed_reason": "unreachable"},
        lambda r, c: r in ("intake", "specialist"),
    ),
    ("referrals:referral_feedback", "post", "accepted", "referral.feedback", {}, may_case),
    ("referrals:referral_assign", "post", "accepted", "referral.assign", "assign", lambda r, c: r == "intake"),
    (
        "referrals:referral_message",
        "post",
        "accepted",
        "referral.message",
        {"body": "Когда удобно прийти?"},
        lambda r, c: r in CASE_SIDE or (r in ("intake", "specialist") and c == "present"),
    ),
    (
        "referrals:inbox",
        "get",
        None,
        "partner.inbox",
        None,
        lambda r, c: r in ("intake", "specialist", "other_intake", "head"),
    ),
    ("referrals:case_list", "get", None, "curator.desk", None, lambda r, c: r in ("curator", "other_curator", "head")),
    # The consilium (referrals/consilium_urls.py): the head convenes, decides and prints; the curators look on.
    ("referrals:consilium_list", "get", None, "consilium.list", None, consilium_staff),
    ("referrals:consilium_new", "get", None, "consilium.manage", None, head_only),
    ("referrals:consilium_meeting", "get", "meeting", "consilium.view", None, consilium_staff),
    ("referrals:consilium_participant_add", "post", "meeting", "consilium.edit", {}, head_only),
    ("referrals:consilium_agenda_add", "get", "meeting", "consilium.edit", None, head_only),
    ("referrals:consilium_decide", "post", "agenda_item", "consilium.decide", {}, head_only),
    ("referrals:consilium_protocol", "get", "meeting", "consilium.print", None, head_only),
    ("referrals:access_log", "get", None, "accesslog.view", None, lambda r, c: r in ("head", "admin", "auditor")),
    ("referrals:access_log_network", "get", None, "accesslog.network", None, lambda r, c: r == "auditor"),
    (
        "referrals:help_requests",
        "get",
        None,
        "helprequests.view",
        None,
        lambda r, c: r in ("curator", "other_curator", "head"),
    ),
    ("referrals:figures", "get", None, "reports.view", None, lambda r, c: r in ("coordinator", "head", "admin")),
    # The case documents (referrals/document_urls.py): the ИПСС's measures, the inspection act, prints, registers.
    ("referrals:measure_edit", "get", "measure", "programme.edit", None, may_case),
    ("referrals:measure_delete", "post", "measure", "programme.edit", {}, may_case),
    ("referrals:measure_mark", "get", "approved_measure", "measure.mark", None, may_case),
    ("referrals:programme_print", "get", "programme", "case.print", None, may_case),
    ("referrals:case_programme_print", "get", "case", "case.print", None, may_case),
    ("referrals:inspection_new", "get", "case", "inspection.add", None, may_case),
    ("referrals:inspection", "get", "inspection", "case.view", None, may_case),
    ("referrals:inspection_print", "get", "inspection", "case.print", None, may_case),
    ("referrals:register_primary", "get", None, "registers.view", None, lambda r, c: r == "head"),
    ("referrals:register_departmental", "get", None, "registers.view", None, lambda r, c: r == "head"),
]

# Rules reached through other URLs than the list above (each has its own test elsewhere in this package).
COVERED_ELSEWHERE = {"referral.complete", "securitylog.view"}
# Organisation-level rules of opening and assigning a case (services.case_open, case_reassign; forms hide the
# override field): tests/referrals/test_region_profiles.py.
COVERED_ELSEWHERE |= {"case.open", "case.assign", "caseload.override"}
# The head's block of the home page: test_lifecycle.py::test_dashboards_show_overdue_due_soon_and_caseload.
COVERED_ELSEWHERE |= {"head.dashboard"}


def test_every_policy_rule_is_in_the_matrix():
    assert {spec[3] for spec in URLS if spec[3]} | COVERED_ELSEWHERE == set(policy.RULES)


def test_every_workspace_url_is_in_the_matrix():
    from referrals.urls import all_patterns

    public = {"login", "logout"}
    assert {p.name for p in all_patterns()} - public == {spec[0].split(":")[1] for spec in URLS}


def url_for(spec, objects):
    name, _method, key, _rule, data, _may = spec
    if key is None:
        return reverse(name)
    obj = objects[key]
    if name == "referrals:case_stage":
        return reverse(name, args=[obj.uuid, data["step"]])
    if key in ("case", "post_case"):
        return reverse(name, args=[obj.uuid])
    if key in ("programme", "consent", "attachment", "measure", "approved_measure", "inspection"):
        return reverse(name, args=[obj.pk])
    if key in ("meeting", "agenda_item"):
        return reverse(name, args=[obj.pk])
    if name == "referrals:referral_act":
        return reverse(name, args=[obj.uuid, data["action"]])
    return reverse(name, args=[obj.uuid])


def expected_status(spec, role, consent_state):
    _name, _method, key, _rule, _data, may = spec
    if role not in WORKSPACE:
        return 403
    if may(role, consent_state):
        return "ok"
    if key is None:
        return 403
    if key in ("case", "post_case", "programme", "consent", "measure", "approved_measure", "inspection"):
        visible = role in CASE_SIDE
    elif key == "attachment":
        visible = sees_referral(role, "accepted")
    elif key == "meeting":  # a meeting of the case's organisation: its head and curators
        visible = consilium_staff(role, consent_state)
    elif key == "agenda_item":  # an item on it: those who may open its case
        visible = role in CASE_SIDE
    else:
        visible = sees_referral(role, key)
    return 403 if visible else 404


@pytest.mark.parametrize("consent_state", CONSENT_STATES)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, network, role, consent_state):
    objects = build(network, consent_state)
    user = network.users[role]
    cabinet_login(client, user)
    failures = []
    for spec in URLS:
        url = url_for(spec, objects)
        data = spec[4]
        if data == "assign":
            data = {"assignee": network.users["specialist"].pk}
        expected = expected_status(spec, role, consent_state)
        with transaction.atomic():
            if spec[1] == "get":
                response = client.get(url)
            else:
                response = client.post(url, {k: v for k, v in (data or {}).items() if k != "action"})
            transaction.set_rollback(True)
        got = "ok" if response.status_code in (200, 302) else response.status_code
        if response.status_code == 302 and response.url.startswith(reverse("referrals:login")):
            got = "login"
        if got != expected:
            failures.append(f"{spec[0]} {spec[2]} {spec[3]}: expected {expected}, got {response.status_code}")
    assert not failures, f"{role}/{consent_state}:\n" + "\n".join(failures)


@pytest.mark.parametrize("consent_state", CONSENT_STATES)
@pytest.mark.parametrize("role", ROLES)
def test_personal_fields_only_within_consent(client, network, role, consent_state):
    objects = build(network, consent_state)
    cabinet_login(client, network.users[role])
    for key in ("sent", "accepted", "other", "draft"):
        referral = objects[key]
        for name in ("referrals:referral", "referrals:referral_print"):
            before = AccessLog.objects.filter(object_type="referral", object_id=referral.pk).count()
            response = client.get(reverse(name, args=[referral.uuid]))
            if not sees_referral(role, key) or role == "outsider":
                assert response.status_code in (403, 404)
                continue
            html = response.content.decode()
            shown = FAMILY_NAMES[0] in html or FAMILY_PHONE in html or NARRATIVE in html
            assert shown == sees_personal(role, key, consent_state), (role, key, consent_state, name)
            logged = AccessLog.objects.filter(object_type="referral", object_id=referral.pk).count() - before
            assert (logged > 0) == shown, "a page that shows personal data writes an access-log row"


def test_partner_sees_only_minimal_card_before_accepting(client, network):
    referral = network.new_referral(steps=[SEND])
    cabinet_login(client, network.users["intake"])
    html = client.get(reverse("referrals:referral", args=[referral.uuid])).content.decode()
    assert "10–13" in html  # the child's age band
    assert network.case.district.name in html
    for secret in (*FAMILY_NAMES, FAMILY_PHONE, NARRATIVE):
        assert secret not in html
    services_accept = client.post(reverse("referrals:referral_act", args=[referral.uuid, "accept"]))
    assert services_accept.status_code == 302
    html = client.get(reverse("referrals:referral", args=[referral.uuid])).content.decode()
    assert FAMILY_NAMES[0] in html and FAMILY_PHONE in html and NARRATIVE in html


def test_partner_access_ends_after_closure_period(client, network, settings):
    referral = network.new_referral(
        steps=[SEND, ACCEPT, ("intake", "not_complete", {"not_completed_reason": "unreachable"})]
    )
    cabinet_login(client, network.users["intake"])
    url = reverse("referrals:referral", args=[referral.uuid])
    assert FAMILY_NAMES[0] in client.get(url).content.decode()
    Referral.objects.filter(pk=referral.pk).update(
        closed_at=timezone.now() - datetime.timedelta(days=settings.REFERRAL_PARTNER_ACCESS_DAYS + 1)
    )
    html = client.get(url).content.decode()
    assert FAMILY_NAMES[0] not in html and NARRATIVE not in html


def test_health_needs_explicit_written_consent(network):
    from referrals.codes import DataCategory

    network.consent.data_categories = [*network.consent.data_categories, DataCategory.HEALTH]
    network.consent.save()
    referral = network.new_referral(steps=[SEND, ACCEPT], health_notes="Диагноз")
    intake = network.users["intake"]
    assert DataCategory.HEALTH not in policy.shared_categories(intake, referral)
    network.consent.health_written = True
    network.consent.save()
    assert DataCategory.HEALTH in policy.shared_categories(intake, referral)


def test_named_organisation_consent_covers_only_that_organisation(network):
    network.consent.all_partners = False
    network.consent.save()
    network.consent.organizations.set([network.partner])
    own = network.new_referral(steps=[SEND, ACCEPT])
    assert policy.shared_categories(network.users["intake"], own)
    assert policy.active_consent(network.case, network.other_partner.pk) is None


def test_unauthenticated_and_unverified_users_go_to_login(client, network):
    url = reverse("referrals:case", args=[network.case.uuid])
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("referrals:login"))
    client.force_login(network.users["curator"])  # password only, no second factor
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("referrals:login"))


# -- The access log's scope: role × whose rows × organisation view / network view ------------------------------

# Rows of three organisations (marked by their purpose) and security events of their people (marked by detail).
LOG_ROWS = {"support": "log-support", "partner": "log-partner", "other": "log-other"}
EVENTS = {"support": "event-support", "partner": "event-partner", "unknown": "event-unknown"}
# The oracle, in plain terms: whose rows each role reads on its organisation's page; only the network auditor has
# the network page, which shows everything.
OWN_ROWS = {
    # The support organisation reads what its staff read and what anyone read about its family.
    "head": {"support", "partner"},
    "admin": {"support", "partner"},
    "auditor": {"support", "partner"},
    # The partner's administrator: what the partner's staff read (about the support organisation's family too).
    "partner_admin": {"partner"},
}
OWN_EVENTS = {"admin": {"support"}, "auditor": {"support"}, "partner_admin": {"partner"}}
LOG_ROLES = [*OWN_ROWS, "curator", "intake", "other_intake", "coordinator", "outsider"]


def write_log_rows(network):
    users, case = network.users, network.case
    services.log_access(
        user=users["curator"],
        obj=case,
        case=case,
        fields=["case.address"],
        purpose=LOG_ROWS["support"],
        organization_id=network.support.pk,
    )
    services.log_access(
        user=users["intake"],
        obj=case,
        case=case,
        fields=["member.full_name"],
        purpose=LOG_ROWS["partner"],
        organization_id=network.partner.pk,
    )
    services.log_access(
        user=users["other_intake"],
        obj=network.other_partner,
        case=None,
        fields=["helprequest.phone"],
        purpose=LOG_ROWS["other"],
        organization_id=network.other_partner.pk,
    )
    record("login", user=users["curator"], detail=EVENTS["support"])
    record("login", user=users["intake"], detail=EVENTS["partner"])
    record("login_failed", username="nobody-at-all", detail=EVENTS["unknown"])


@pytest.mark.parametrize("role", LOG_ROLES)
def test_access_log_scope_by_role_and_organisation(client, network, role):
    write_log_rows(network)
    user = network.users[role]
    cabinet_login(client, user)

    own = client.get(reverse("referrals:access_log"))
    if role not in OWN_ROWS:
        assert own.status_code == 403, role
    else:
        html = own.content.decode()
        assert {org for org, marker in LOG_ROWS.items() if marker in html} == OWN_ROWS[role], role
        assert {org for org, marker in EVENTS.items() if marker in html} == OWN_EVENTS.get(role, set()), role
        assert policy.access_log_scope(user).filter(purpose=LOG_ROWS["other"]).count() == 0

    before = SecurityEvent.objects.filter(kind="network_log_view").count()
    network_page = client.get(reverse("referrals:access_log_network"))
    opened = SecurityEvent.objects.filter(kind="network_log_view").count() - before
    if role != "auditor":
        assert network_page.status_code == 403 and opened == 0, role
        assert not policy.access_log_scope(user, network=True).exists()
        assert not policy.security_events_scope(user, network=True).exists()
        return
    html = network_page.content.decode()
    assert all(marker in html for marker in LOG_ROWS.values())
    assert all(marker in html for marker in EVENTS.values())
    # Opening the network's log is itself a security event, which the network page shows next time.
    assert opened == 1
    event = SecurityEvent.objects.filter(kind="network_log_view").latest("id")
    assert event.user == user and event.ip_address == "127.0.0.1"
    assert "просмотр журнала сети" in client.get(reverse("referrals:access_log_network")).content.decode()
