"""Hostile input, property-based (hypothesis): every public and workspace form and every query parameter of the
public pages, the kiosk and the API get arbitrary text (control characters, very long strings, any Unicode, SQL
and HTML fragments), numbers and dates, through the Django test client as the right user.

Properties: never a server error (the test client re-raises any exception of a view, so a 500 fails the test
with its traceback); bad input is answered with the form again (200/400), a redirect or a clean refusal
(403/404/429), never stored (the rows of the form's model do not change when the form itself says invalid);
the API answers 4xx with a JSON body. Examples are bounded (`max_examples`) so the file stays around a minute.
"""

from __future__ import annotations

import datetime
import json
from urllib.parse import quote, urlencode

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from demo.kiosk import load_demo_kiosk
from directory.api.routes import api
from directory.models import Municipality
from referrals import forms as workspace_forms
from referrals import intake, selectors, services
from referrals.models import (
    Attachment,
    Consent,
    FamilyCase,
    FamilyMember,
    HelpRequest,
    Measure,
    Message,
    NotificationPreference,
    Referral,
    ReferralEvent,
)
from tests.referrals.conftest import ACCEPT, SEND, cabinet_login

EXAMPLES = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure is reproducible, CI is stable
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
FEW = settings(EXAMPLES, max_examples=10)

FRAGMENTS = [
    "' OR '1'='1",
    "1; DROP TABLE referrals_referral; --",
    '" UNION SELECT password FROM auth_user --',
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{ request.user }}{% debug %}",
    "../../../../etc/passwd",
    "%00%0d%0aSet-Cookie: x=1",
    "\x00",
    "\u202e\u200b\ufeff",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀 ё Ё",
    "-1",
    "0",
    "1e309",
    "NaN",
    "-inf",
    "9" * 40,
    "2026-02-30",
    "0000-00-00",
    "9999-12-31",
    "31.12.2025",
    "+7 913 555-12-34",
    "00000000-0000-0000-0000-000000000000",
]

text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(max_codepoint=0x1F), min_size=1, max_size=20),  # control characters
    st.sampled_from(FRAGMENTS),
    st.builds(lambda ch, n: ch * n, st.sampled_from(["я", "<", "'", "a", "\x00", "😀"]), st.integers(2000, 12000)),
)
numbers = st.one_of(st.integers(-(10**20), 10**20).map(str), st.floats(allow_nan=True).map(str))
dates = st.one_of(st.dates().map(datetime.date.isoformat), numbers, text)
anything = st.one_of(text, numbers, dates)


def one_of_or_hostile(values):
    """Mostly valid choices, sometimes anything: both the valid and the invalid paths are exercised."""
    values = [str(v) for v in values]
    return st.one_of(st.sampled_from(values), anything) if values else anything


def field_data(fields: dict) -> st.SearchStrategy:
    """A dict with each field either left out or given a value from its strategy."""
    return st.fixed_dictionaries({}, optional=fields)


def assert_clean(response, *allowed):
    # 400 is always a clean answer: a NUL character anywhere is refused before any view (core/null_characters.py)
    allowed = (*allowed, 400) if allowed else (200, 302, 400, 403, 404, 405, 429)
    assert response.status_code < 500, response.status_code
    assert response.status_code in allowed, response.status_code


def counts(*models) -> tuple:
    return tuple(model.objects.count() for model in models)


def workspace_client(client, user):
    cache.clear()
    return cabinet_login(client, user)


# ---------------------------------------------------------------- public forms


@pytest.mark.django_db
@FEW
@given(
    data=field_data(
        {
            "name": text,
            "phone": st.one_of(text, st.sampled_from(["+7 913 555-12-34", "89135551234", "+7 999"])),
            "district": st.one_of(anything, st.just("__district__")),
            "message": text,
            "consent": st.sampled_from(["on", "", "1", "off", "\x00"]),
            "website": st.one_of(st.just(""), text),
        }
    )
)
def test_public_help_request_form(client, data):
    cache.clear()  # the per-address rate limit would otherwise answer 429 after a few examples
    if data.get("district") == "__district__":
        data["district"] = str(Municipality.objects.order_by("pk").first().pk)
    before = counts(HelpRequest)
    response = client.post("/help/", data)
    assert_clean(response, 200, 302, 429)
    if not intake.HelpRequestForm(data).is_valid():
        assert response.status_code in (200, 400)
        assert counts(HelpRequest) == before


@pytest.mark.django_db
@EXAMPLES
@given(
    params=field_data(
        {
            "q": text,
            "page": numbers,
            "sort": one_of_or_hostile(["relevance", "distance", "name"]),
            "near": text,
            "radius": one_of_or_hostile([5, 10, 25, 50, 100]),
            "lat": numbers,
            "lon": numbers,
            "category": one_of_or_hostile(["psy", "legal", "A4"]),
            "target_group": text,
            "municipality": text,
            "settlement": text,
            "provider_type": text,
            "delivery": one_of_or_hostile(["in_person", "phone", "online", "home_visit"]),
            "free": anything,
            "open_now": anything,
            "accessible": anything,
            "format": anything,
        }
    )
)
def test_public_search_results_and_autocomplete(client, params):
    assert_clean(client.get("/services/", params), 200, 302, 400, 404)  # 404: a page past the end
    assert_clean(client.get("/search/autocomplete/", {"q": params.get("q", "")}), 200, 400)


@pytest.mark.django_db
@FEW
@given(params=field_data({"on": anything, "off": anything, "large": anything, "contrast": anything, "next": text}))
def test_public_accessibility_switch(client, params):
    response = client.get("/a11y/", params)
    assert_clean(response, 302, 400)
    if response.status_code == 302:
        assert response["Location"].startswith("/")  # never sent to another host, whatever `next` says


@pytest.mark.django_db
@FEW
@given(
    token=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=80),
    data=field_data({"score": one_of_or_hostile([1, 2, 3, 4, 5]), "helped": one_of_or_hostile(["0", "1"])}),
)
def test_public_feedback_form(client, token, data):
    from referrals.models import FeedbackResponse

    before = counts(FeedbackResponse)
    assert_clean(client.post(f"/feedback/{token}/", data), 200, 404)
    assert counts(FeedbackResponse) == before  # no invitation has this token: nothing is ever stored


@pytest.mark.django_db
@FEW
@given(
    params=field_data(
        {
            "q": text,
            "category": text,
            "situation": text,
            "page": numbers,
            "tap": anything,
            "back": text,
            "next": text,
            "lang": anything,
            "scale": anything,
            "contrast": anything,
        }
    )
)
def test_kiosk_query_parameters(client, params):
    code = load_demo_kiosk().code
    for path in ("results/", "suggest/", "settings/", "help/", "services/1/"):
        assert_clean(client.get(f"/kiosk/{code}/{path}", params), 200, 302, 400, 404)
    body = json.dumps({"version": params.get("q", "")}) if params.get("tap") is None else params.get("q", "")
    assert_clean(client.post(f"/kiosk/{code}/heartbeat/", body, content_type="application/json"), 200, 400)


@pytest.mark.django_db
@FEW
@given(data=field_data({"username": text, "password": text, "otp_token": text}), next_=text)
def test_workspace_login_form(client, network, data, next_):
    from axes.utils import reset

    reset()  # lockout after five failures is its own test; here every attempt reaches the form
    cache.clear()
    response = client.post("/cabinet/login/?" + urlencode({"next": next_}), data)
    assert_clean(response, 200, 403, 429)
    assert "_auth_user_id" not in client.session


# ---------------------------------------------------------------- workspace forms (curator, head, partner)


def case_fields():
    return {
        "registration_number": text,
        "registration_date": dates,
        "ground": one_of_or_hostile(["application", "referral"]),
        "district": anything,
        "categories": one_of_or_hostile(["single_parent", "large_family"]),
        "circumstances": one_of_or_hostile(["unemployment"]),
        "support_level": one_of_or_hostile(["crisis", "basic"]),
        "contract_number": text,
        "contract_date": dates,
        "guardianship_notified_on": dates,
        "address": text,
        "narrative": text,
    }


@pytest.mark.django_db
@FEW
@given(
    data=field_data(
        {
            **case_fields(),
            "members-TOTAL_FORMS": st.one_of(st.sampled_from(["1", "2", "0", "1000"]), anything),
            "members-INITIAL_FORMS": st.one_of(st.just("0"), anything),
            "members-MIN_NUM_FORMS": st.one_of(st.just("1"), anything),
            "members-MAX_NUM_FORMS": st.one_of(st.just("20"), anything),
            "members-0-full_name": text,
            "members-0-birth_date": dates,
            "members-0-relation": one_of_or_hostile(["mother", "child", "father"]),
            "members-0-phone": text,
            "members-0-address": text,
        }
    )
)
def test_workspace_case_forms(client, network, data):
    workspace_client(client, network.users["curator"])
    case = network.case
    before = counts(FamilyCase, FamilyMember)
    assert_clean(client.post("/cabinet/cases/new/", data), 200, 302)
    form = workspace_forms.CaseForm(data)
    formset = workspace_forms.MemberFormSet(data, prefix="members")
    if not (form.is_valid() and formset.is_valid()):
        assert counts(FamilyCase, FamilyMember) == before

    member = {k.removeprefix("members-0-"): v for k, v in data.items() if k.startswith("members-0-")}
    before = counts(FamilyMember)
    assert_clean(client.post(f"/cabinet/cases/{case.uuid}/members/new/", member), 200, 302)
    if not workspace_forms.MemberForm(member).is_valid():
        assert counts(FamilyMember) == before

    edit = {k: v for k, v in data.items() if not k.startswith("members-")}
    assert_clean(client.post(f"/cabinet/cases/{case.uuid}/edit/", edit), 200, 302)
    assert_clean(client.get(f"/cabinet/cases/{case.uuid}/referrals/new/", edit), 200)


@pytest.mark.django_db
@FEW
@given(
    data=field_data(
        {
            "signed_on": dates,
            "signed_by": text,
            "expires_on": dates,
            "data_categories": one_of_or_hostile(["contacts", "address", "health", "social"]),
            "all_partners": anything,
            "organizations": anything,
            "health_written": anything,
        }
    ),
    upload=st.one_of(st.none(), st.binary(max_size=2000), st.just(b"%PDF-1.4\n%\xe2\xe3\n" + b"x" * 100)),
    name=st.sampled_from(["скан.pdf", "a.png", "../../x.exe", "x" * 300 + ".jpg", "\x00.pdf"]),
)
def test_workspace_consent_form(client, network, data, upload, name):
    workspace_client(client, network.users["curator"])
    files = {"document": SimpleUploadedFile(name.replace("\x00", ""), upload)} if upload is not None else {}
    before = counts(Consent)
    assert_clean(client.post(f"/cabinet/cases/{network.case.uuid}/consents/new/", {**data, **files}), 200, 302)
    if not workspace_forms.ConsentForm(data).is_valid():
        assert counts(Consent) == before


@pytest.mark.django_db
@FEW
@given(
    close=field_data({"reason": text, "conclusion": text}),
    reassign=field_data({"curator": anything}),
    measure=field_data(
        {
            "category": anything,
            "description": text,
            "organization": anything,
            "responsible_person": text,
            "deadline": dates,
            "zone": text,
            "form": text,
        }
    ),
    decide=field_data(
        {"decision": one_of_or_hostile(["approve", "reject"]), "decided_on": dates, "protocol_number": text}
    ),
)
def test_workspace_case_close_reassign_and_programme(client, network, close, reassign, measure, decide):
    case = network.case
    workspace_client(client, network.users["curator"])
    programme = case.programmes.filter(status="draft").first() or services.programme_new_version(
        user=network.users["curator"], case=case
    )
    before = counts(Measure)
    assert_clean(client.post(f"/cabinet/programmes/{programme.pk}/", measure), 200, 302)
    if not workspace_forms.MeasureForm(measure).is_valid():
        assert counts(Measure) == before
    workspace_client(client, network.users["head"])  # the working group's decision is the head's
    assert_clean(client.post(f"/cabinet/programmes/{programme.pk}/decide/", decide), 302)
    if not workspace_forms.CloseCaseForm(close).is_valid():  # a valid one would close the shared case
        workspace_client(client, network.users["curator"])
        status = FamilyCase.objects.get(pk=case.pk).status
        assert_clean(client.post(f"/cabinet/cases/{case.uuid}/close/", close), 200)
        assert FamilyCase.objects.get(pk=case.pk).status == status
    workspace_client(client, network.users["head"])
    assert_clean(client.post(f"/cabinet/cases/{case.uuid}/reassign/", reassign), 200, 302, 403)
    if not workspace_forms.ReassignForm(reassign, curators=selectors.curators_of(case.organization_id)).is_valid():
        assert FamilyCase.objects.get(pk=case.pk).curator == network.users["curator"]
    FamilyCase.objects.filter(pk=case.pk).update(curator=network.users["curator"])  # the next example's curator


@pytest.mark.django_db
@FEW
@given(
    data=field_data(
        {
            "category": anything,
            "category_code": anything,
            "organization": anything,
            "service": anything,
            "measure": anything,
            "member": anything,
            "urgency": one_of_or_hostile(["routine", "urgent"]),
            "needed_by": dates,
            "narrative": text,
            "health_notes": text,
            "education_notes": text,
            "send": anything,
        }
    )
)
def test_workspace_referral_form(client, network, data):
    workspace_client(client, network.users["curator"])
    case = network.case
    before = counts(Referral, ReferralEvent)
    assert_clean(client.post(f"/cabinet/cases/{case.uuid}/referrals/new/", data), 200, 302)
    if not workspace_forms.ReferralForm(data, case=case).is_valid():
        assert counts(Referral, ReferralEvent) == before


@pytest.fixture
def accepted_referral(network):
    return network.new_referral(steps=(SEND, ACCEPT))


@pytest.mark.django_db
@EXAMPLES
@given(
    action=st.one_of(
        st.sampled_from(["decline", "complete", "not_complete", "start", "accept", "cancel", "send", "expire"]), text
    ),
    data=field_data(
        {
            "note": text,
            "decline_reason": text,
            "outcome": text,
            "not_completed_reason": text,
            "body": text,
            "assignee": anything,
            "appointment_at": dates,
        }
    ),
)
def test_workspace_referral_actions_messages_and_assignment(client, network, accepted_referral, action, data):
    referral = accepted_referral
    workspace_client(client, network.users["intake"])
    before = counts(ReferralEvent)
    slug = action if action and all(c.isalnum() or c in "-_" for c in action) else "x"
    assert_clean(client.post(f"/cabinet/referrals/{referral.uuid}/act/{slug}/", data), 302, 403, 404)
    form_class = {
        "decline": workspace_forms.DeclineForm,
        "complete": workspace_forms.CompleteForm,
        "not_complete": workspace_forms.NotCompleteForm,
    }.get(slug)
    if form_class and not form_class(data).is_valid():
        assert counts(ReferralEvent) == before

    before = counts(Message)
    assert_clean(client.post(f"/cabinet/referrals/{referral.uuid}/messages/", data), 302, 403)
    if not workspace_forms.MessageForm(data).is_valid():
        assert counts(Message) == before
    assert_clean(client.post(f"/cabinet/referrals/{referral.uuid}/assign/", data), 302, 403)


@pytest.mark.django_db
@FEW
@given(
    content=st.one_of(st.binary(max_size=3000), st.just(b"%PDF-1.7\n" + b"\x00" * 50), st.just(b"\x89PNG\r\n\x1a\n")),
    name=st.one_of(st.sampled_from(["x.pdf", "photo.PNG", "a.exe", "..\\..\\boot.ini", "файл.jpeg"]), text),
    email_mode=anything,
)
def test_workspace_attachment_and_notification_settings(client, network, accepted_referral, content, name, email_mode):
    workspace_client(client, network.users["intake"])
    safe_name = "".join(c for c in name if c.isprintable() and c not in "/\\")[:200] or "file"
    before = counts(Attachment)
    upload = SimpleUploadedFile(safe_name, content)
    assert_clean(client.post(f"/cabinet/referrals/{accepted_referral.uuid}/attachments/", {"file": upload}), 302, 403)
    if not content:
        assert counts(Attachment) == before
    preference, _created = NotificationPreference.objects.get_or_create(user=network.users["intake"])
    assert_clean(client.post("/cabinet/notifications/", {"email_mode": email_mode}), 200, 302)
    if not workspace_forms.NotificationPreferenceForm({"email_mode": email_mode}).is_valid():
        assert NotificationPreference.objects.get(pk=preference.pk).email_mode == preference.email_mode


@pytest.mark.django_db
@FEW
@given(
    params=field_data(
        {
            "tab": anything,
            "date": dates,
            "format": anything,
            "page": numbers,
            "q": text,
            "status": anything,
            "user": anything,
            "kind": anything,
        }
    )
)
def test_workspace_lists_and_reports_query_parameters(client, network, params):
    for role, paths in (
        ("intake", ["/cabinet/inbox/", "/cabinet/", "/cabinet/notifications/"]),
        ("curator", ["/cabinet/cases/", "/cabinet/requests/"]),
        ("head", ["/cabinet/access-log/", "/cabinet/figures/"]),
        ("coordinator", ["/cabinet/figures/"]),
    ):
        workspace_client(client, network.users[role])
        for path in paths:
            assert_clean(client.get(path, params), 200, 302, 403)


# ---------------------------------------------------------------- the public API


def api_operations() -> list[tuple[str, list[str]]]:
    """Every GET path of the published schema with its query parameters (path parameters get hostile values)."""
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    operations = []
    for path, methods in schema["paths"].items():
        if "get" in methods:
            params = [p["name"] for p in methods["get"].get("parameters", []) if p["in"] == "query"]
            operations.append((path, params + ["format"]))
    return operations


OPERATIONS = api_operations()


@pytest.mark.django_db
@EXAMPLES
@given(data=st.data())
def test_api_every_query_parameter_of_every_endpoint(client, settings, data):
    settings.API_RATE_LIMIT = 0  # rate limiting has its own test
    for path, names in OPERATIONS:
        params = data.draw(field_data({name: st.one_of(anything, st.lists(anything, max_size=3)) for name in names}))
        if "{" in path:
            value = data.draw(st.one_of(st.uuids().map(str), text))
            path = path.split("{")[0] + (quote(value, safe="") or "x")
        response = client.get(path, params)
        assert response.status_code < 500, (path, params, response.status_code)
        if response.status_code >= 400:
            body = json.loads(response.content)
            assert isinstance(body.get("detail"), str) and body["detail"], (path, body)


def test_the_api_operations_were_found():
    assert {path for path, _params in OPERATIONS} >= {"/api/v1/services", "/api/v1/organizations/{id}"}
    assert all("page" in params for path, params in OPERATIONS if path.endswith("s"))


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.API_RATE_LIMIT = 0
    yield
    cache.clear()


@pytest.mark.django_db
def test_nul_characters_are_refused_before_any_view(client):
    """PostgreSQL text cannot hold NUL: hypothesis found it reaching queries (search filters, kiosk, axes)."""
    page = client.get("/services/", {"municipality": "\x00"})
    assert page.status_code == 400 and "недопустимый символ" in page.content.decode()
    api_answer = client.get("/api/v1/services", {"search": "a\x00b"})
    assert api_answer.status_code == 400 and "недопустимый символ" in json.loads(api_answer.content)["detail"]
    login = client.post("/cabinet/login/", {"username": "x\x00", "password": "y", "otp_token": "1"})
    assert login.status_code == 400
    assert client.get("/services/", {"q": "психолог"}).status_code == 200


@pytest.mark.django_db
def test_an_overlong_username_is_a_form_error_not_a_server_error(client):
    """AuthenticationForm limits the username only in the widget; django-axes stored it in varchar(255)."""
    response = client.post("/cabinet/login/", {"username": "я" * 300, "password": "x", "otp_token": "123456"})
    assert response.status_code == 200
    assert "Вход не выполнен: неверное имя пользователя, пароль или код подтверждения." in response.content.decode()
    assert "_auth_user_id" not in client.session
