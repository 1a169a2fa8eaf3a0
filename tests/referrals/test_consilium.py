"""Consilium meetings (issue 21, point 3): a head convenes a meeting, puts cases on the agenda with the family
invited, records a decision per case that the case follows, and prints the protocol; curators see their own
cases only; other organisations see nothing. Forms are posted as a browser posts them (the rendered fields)."""

import datetime
import io
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from directory.models import Municipality
from referrals import procedure, profiles, services
from referrals.codes import AgendaKind, CaseStatus, Decision, ProgrammeStatus, Relation, Role
from referrals.models import AccessLog, AgendaItem, ConsiliumMeeting, LevelChange, SupportTermChange

from .conftest import FAMILY_NAMES, cabinet_login, make_user

OTHER_FAMILY = "Другова Сайзана Олеговна"


class Form(HTMLParser):
    """The controls of the POST form with this `action` (None: the form without one), as a browser has them:
    `fields` are what it would submit untouched; `options` every choice of a select, radio or checkbox group
    as (value, text)."""

    def __init__(self, action):
        super().__init__()
        self.action = action
        self.fields: dict[str, object] = {}
        self.options: dict[str, list[tuple[str, str]]] = {}
        self.inside = False
        self.select = None
        self.option = None
        self.textarea = None
        self.found = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post" and attrs.get("action") == self.action:
            self.inside = self.found = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in {"submit", "button"}:
            kind = attrs.get("type")
            if kind in {"checkbox", "radio"}:
                self.options.setdefault(name, []).append((attrs.get("value", "on"), ""))
                if "checked" in attrs:
                    self.fields[name] = attrs.get("value", "on")
            else:
                self.fields[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self.select = name
            self.options[name] = []
        elif tag == "option" and self.select:
            self.option = [attrs.get("value", ""), ""]
            if "selected" in attrs or self.select not in self.fields:
                self.fields[self.select] = self.option[0]
        elif tag == "textarea" and name:
            self.textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "option" and self.option:
            self.options[self.select].append(tuple(self.option))
            self.option = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form" and self.inside:
            self.inside = False

    def handle_data(self, data):
        if self.option is not None:
            self.option[1] += data.strip()
        if self.textarea:
            self.fields[self.textarea] += data


def rendered_form(html: str, action=None) -> Form:
    form = Form(action)
    form.feed(html)
    assert form.found, f"no form posting to {action}"
    return form


@pytest.fixture
def head(client, network):
    cabinet_login(client, network.users["head"])
    return network.users["head"]


@pytest.fixture
def tatarstan():
    """The Tatarstan profile in force (post-support for 3 months after a positive closure), then the federal again."""
    profiles.import_profile(profiles.shipped_data("tatarstan"), valid_from=datetime.date(2020, 1, 1))
    yield profiles.in_force()
    profiles.clear_cache()  # the rows go with the test's transaction; the per-process cache must go too


def meeting_of(network, number="7", day=None):
    return procedure.meeting_create(
        user=network.users["head"],
        organization=network.support,
        held_on=day or timezone.localdate(),
        number=number,
        place="г. Кызыл, ул. Ленина, 1, каб. 12",
        chair="Монгуш Аяна Викторовна",
        secretary="Ооржак Чечек Борисовна",
        participants=[{"full_name": "Сат Белек Орланович", "position": "психолог"}],
    )


def second_case(network):
    """A case of the other curator of the same organisation (another family)."""
    today = timezone.localdate()
    curator = network.users["other_curator"]
    return services.case_open(
        user=curator,
        organization=network.support,
        curator=curator,
        members=[{"full_name": OTHER_FAMILY, "birth_date": datetime.date(1988, 3, 2), "relation": Relation.MOTHER}],
        registration_number="T-2",
        registration_date=today - datetime.timedelta(days=5),
        ground="application",
        district=Municipality.objects.filter(name__icontains="Кызыл").first(),
        categories=["single_parent"],
        circumstances=["unemployment"],
        support_level="basic",
        status="intake",
    )


def accepted(network, day=None):
    """The network's case accepted on support at a primary review (so control and final reviews may follow)."""
    meeting = meeting_of(network, number="1-П", day=day or timezone.localdate() - datetime.timedelta(days=30))
    item = procedure.agenda_add(user=network.users["head"], meeting=meeting, case=network.case, kind="primary")
    procedure.agenda_decide(user=network.users["head"], item=item, decision=Decision.ACCEPT, level="crisis")
    network.case.refresh_from_db()
    return network.case


def decide_through_page(client, item, **answers):
    """Read the item's decision form on the meeting page, fill it in, post it."""
    url = reverse("referrals:consilium_decide", args=[item.pk])
    html = client.get(reverse("referrals:consilium_meeting", args=[item.meeting_id])).content.decode()
    form = rendered_form(html, url)
    prefix = f"item{item.pk}-"
    assert all(prefix + name in form.options or prefix + name in form.fields for name in answers), form.fields
    form.fields.update({prefix + name: value for name, value in answers.items()})
    return client.post(url, form.fields), form


# -- Meetings -----------------------------------------------------------------------------------------------------


def test_head_creates_a_meeting_with_participants(client, network, head):
    url = reverse("referrals:consilium_new")
    form = rendered_form(client.get(url).content.decode())
    assert {"kind", "held_on", "number", "place", "chair", "secretary"} <= set(form.fields)
    assert int(form.fields["participants-TOTAL_FORMS"]) >= 2
    partner_option = next(value for value, text in form.options["participants-0-organization"] if value)
    form.fields.update(
        {
            "held_on": timezone.localdate().isoformat(),
            "number": "12",
            "place": "КЦСОН, зал заседаний",
            "chair": "Монгуш Аяна Викторовна",
            "secretary": "Ооржак Чечек Борисовна",
            "participants-0-full_name": "Сат Белек Орланович",
            "participants-0-position": "психолог",
            "participants-1-organization": partner_option,
            "participants-1-full_name": "Куулар Айдыс Маадырович",
            "participants-1-position": "инспектор ПДН",
        }
    )
    response = client.post(url, form.fields)
    meeting = ConsiliumMeeting.objects.get(organization=network.support, number="12")
    assert response.status_code == 302 and response.url == reverse("referrals:consilium_meeting", args=[meeting.pk])
    assert meeting.kind == "departmental" and meeting.created_by == head
    assert [p.full_name for p in meeting.participants.all()] == ["Сат Белек Орланович", "Куулар Айдыс Маадырович"]
    assert meeting.participants.get(position="инспектор ПДН").organization_id == int(partner_option)
    page = client.get(response.url).content.decode()
    assert "Сат Белек Орланович" in page and "Протокол № 12" in page

    again = client.post(url, form.fields)  # the same number in the same organisation
    assert again.status_code == 200 and "Протокол с номером «12» уже есть" in again.content.decode()


def test_meeting_form_errors_are_summarised_with_links_to_fields(client, network, head):
    response = client.post(reverse("referrals:consilium_new"), {"participants-TOTAL_FORMS": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html and 'href="#id_number"' in html and 'href="#id_chair"' in html
    assert 'aria-describedby="id_number_error"' in html


def test_only_a_head_convenes_and_the_menu_shows_the_consilium_to_curators_and_heads(client, network):
    cabinet_login(client, network.users["curator"])
    assert client.get(reverse("referrals:consilium_new")).status_code == 403
    home = client.get(reverse("referrals:home")).content.decode()
    assert reverse("referrals:consilium_list") in home
    cabinet_login(client, network.users["intake"])
    assert reverse("referrals:consilium_list") not in client.get(reverse("referrals:home")).content.decode()
    assert client.get(reverse("referrals:consilium_list")).status_code == 403


def test_participant_added_on_the_meeting_page(client, network, head):
    meeting = meeting_of(network)
    url = reverse("referrals:consilium_participant_add", args=[meeting.pk])
    form = rendered_form(client.get(reverse("referrals:consilium_meeting", args=[meeting.pk])).content.decode(), url)
    form.fields.update({"participant-full_name": "Донгак Олчей Сергеевна", "participant-position": "педагог"})
    assert client.post(url, form.fields).status_code == 302
    assert meeting.participants.filter(full_name="Донгак Олчей Сергеевна").exists()
    missing = client.post(url, {"participant-full_name": "Без должности"})
    assert missing.status_code == 200 and 'href="#id_participant-position"' in missing.content.decode()


# -- The agenda ---------------------------------------------------------------------------------------------------


def test_agenda_offers_open_cases_by_number_and_curator_and_invites_the_family(client, network, head):
    meeting = meeting_of(network)
    other = second_case(network)
    page = client.get(reverse("referrals:consilium_meeting", args=[meeting.pk])).content.decode()
    picker = page[page.index('name="case"') : page.index("</select>", page.index('name="case"'))]
    assert "№ T-1 — куратор" in picker and "№ T-2 — куратор" in picker
    for name in (*FAMILY_NAMES, OTHER_FAMILY):
        assert name not in picker, "never a family's name in the select"

    add_url = reverse("referrals:consilium_agenda_add", args=[meeting.pk])
    step_two = client.get(add_url, {"case": network.case.pk}).content.decode()
    form = rendered_form(step_two, add_url)
    assert form.fields["kind"] == AgendaKind.PRIMARY  # not yet accepted: the primary review is proposed
    members = [value for value, _text in form.options["invited"]]
    assert len(members) == 2 and FAMILY_NAMES[0] in step_two and OTHER_FAMILY not in step_two
    assert any("member.full_name" in row.fields for row in AccessLog.objects.filter(case=network.case))
    form.fields["invited"] = members
    response = client.post(add_url, form.fields)
    item = AgendaItem.objects.get(meeting=meeting, case=network.case)
    assert response.status_code == 302 and response.url.endswith(f"#item-{item.pk}")
    assert item.kind == AgendaKind.PRIMARY and item.invited.count() == 2

    # a member of another family cannot be slipped in
    stranger = other.members.get().pk
    bad = client.post(add_url, {"case": other.pk, "kind": "primary", "invited": [members[0]]})
    assert bad.status_code == 200 and not AgendaItem.objects.filter(case=other).exists()
    assert client.post(add_url, {"case": other.pk, "kind": "control", "invited": [stranger]}).status_code == 200
    assert not AgendaItem.objects.filter(case=other).exists(), "a control review of a family never accepted"
    page = client.get(reverse("referrals:consilium_meeting", args=[meeting.pk])).content.decode()
    assert "№ T-1 — куратор" not in page[page.index('name="case"') :], "a case already on the agenda"


# -- Decisions ----------------------------------------------------------------------------------------------------


def test_primary_review_accepts_the_family_with_level_and_approves_the_draft_programme(client, network, head):
    meeting = meeting_of(network, day=timezone.localdate() - datetime.timedelta(days=1))
    item = procedure.agenda_add(user=head, meeting=meeting, case=network.case, kind="primary")
    draft = services.programme_new_version(user=network.users["curator"], case=network.case)
    response, form = decide_through_page(
        client,
        item,
        decision=Decision.ACCEPT,
        level="basic",
        programme=str(draft.pk),
        family_agreed="on",
        conclusion="Семья нуждается в сопровождении; ИПСС утвердить.",
    )
    prefix = f"item{item.pk}-"
    assert {value for value, _ in form.options[prefix + "decision"]} == {"accept", "not_accept"}
    assert str(draft.pk) in {value for value, _ in form.options[prefix + "programme"]}
    assert prefix + "extend_until" not in form.fields, "a primary review does not extend"
    assert response.status_code == 302
    case = network.case
    case.refresh_from_db()
    draft.refresh_from_db()
    assert case.status in (CaseStatus.ACCEPTED, CaseStatus.ON_SUPPORT)
    assert case.accepted_on == meeting.held_on and case.family_agreed_on == meeting.held_on
    assert case.support_level == "basic" and LevelChange.objects.filter(case=case, to_level="basic").exists()
    assert draft.status == ProgrammeStatus.APPROVED
    assert draft.protocol_number == meeting.number and draft.decided_on == meeting.held_on
    meeting.refresh_from_db()
    assert meeting.held

    # the case page lists the review with a link to the meeting
    case_page = client.get(reverse("referrals:case", args=[case.uuid])).content.decode()
    assert reverse("referrals:consilium_meeting", args=[meeting.pk]) in case_page
    assert "Принять на сопровождение" in case_page and f"№ {meeting.number}" in case_page


def test_not_accepting_needs_a_conclusion_and_ends_the_case(client, network, head):
    meeting = meeting_of(network)
    item = procedure.agenda_add(user=head, meeting=meeting, case=network.case, kind="primary")
    response, _form = decide_through_page(client, item, decision=Decision.NOT_ACCEPT)
    html = response.content.decode()
    assert response.status_code == 200 and f'href="#id_item{item.pk}-conclusion"' in html
    response, _form = decide_through_page(
        client, item, decision=Decision.NOT_ACCEPT, conclusion="Нуждаемость не подтверждена."
    )
    assert response.status_code == 302
    network.case.refresh_from_db()
    assert network.case.status == CaseStatus.NOT_ACCEPTED and network.case.closed_on == meeting.held_on


def test_control_review_extends_the_term(client, network, head):
    case = accepted(network)
    before = case.support_until
    assert before is not None
    meeting = meeting_of(network, number="8")
    item = procedure.agenda_add(user=head, meeting=meeting, case=case, kind="control")
    new_until = before + datetime.timedelta(days=90)
    response, form = decide_through_page(
        client, item, decision=Decision.EXTEND, extend_until=new_until.isoformat(), conclusion="Продлить."
    )
    assert {value for value, _ in form.options[f"item{item.pk}-decision"]} == {"continue", "amend", "extend", "close"}
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.support_until == new_until
    change = SupportTermChange.objects.get(case=case)
    assert (change.from_until, change.to_until, change.agenda_item_id) == (before, new_until, item.pk)


def test_control_review_without_a_date_says_which_field_is_missing(client, network, head):
    case = accepted(network)
    item = procedure.agenda_add(user=head, meeting=meeting_of(network, number="8"), case=case, kind="control")
    response, _form = decide_through_page(client, item, decision=Decision.EXTEND)
    assert response.status_code == 200 and f'href="#id_item{item.pk}-extend_until"' in response.content.decode()
    assert not SupportTermChange.objects.filter(case=case).exists()


def test_final_review_closes_with_a_positive_result_into_post_support(client, network, head, tatarstan):
    assert tatarstan.post_support_months
    case = accepted(network)
    meeting = meeting_of(network, number="9")
    item = procedure.agenda_add(user=head, meeting=meeting, case=case, kind="final")
    response, form = decide_through_page(
        client, item, decision=Decision.CLOSE, closure_reason="goal_reached", conclusion="ИПСС исполнена."
    )
    assert {value for value, _ in form.options[f"item{item.pk}-decision"]} == {"extend", "close"}
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.POST_SUPPORT and case.closure_reason == "goal_reached"
    assert case.closed_on == meeting.held_on and case.post_support_until > meeting.held_on


def test_a_decided_item_cannot_be_decided_again(client, network, head):
    meeting = meeting_of(network)
    item = procedure.agenda_add(user=head, meeting=meeting, case=network.case, kind="primary")
    decide_through_page(client, item, decision=Decision.ACCEPT, level="crisis")
    item.refresh_from_db()
    decided_at = item.decided_at
    assert item.decision == Decision.ACCEPT
    page = client.get(reverse("referrals:consilium_meeting", args=[meeting.pk])).content.decode()
    assert reverse("referrals:consilium_decide", args=[item.pk]) not in page, "no form for a decided item"
    response = client.post(
        reverse("referrals:consilium_decide", args=[item.pk]),
        {f"item{item.pk}-decision": "not_accept", f"item{item.pk}-conclusion": "Передумали."},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    network.case.refresh_from_db()
    assert item.decision == Decision.ACCEPT and item.decided_at == decided_at
    assert network.case.status != CaseStatus.NOT_ACCEPTED
    with pytest.raises(services.ServiceError):
        procedure.agenda_decide(user=head, item=item, decision=Decision.NOT_ACCEPT)


def test_a_meeting_still_to_come_takes_no_decision(client, network, head):
    meeting = meeting_of(network, day=timezone.localdate() + datetime.timedelta(days=3))
    item = procedure.agenda_add(user=head, meeting=meeting, case=network.case, kind="primary")
    response, _form = decide_through_page(client, item, decision=Decision.ACCEPT, level="crisis")
    assert response.status_code == 200 and "Заседание ещё не состоялось" in response.content.decode()
    item.refresh_from_db()
    assert not item.decided_at


# -- Who sees what ------------------------------------------------------------------------------------------------


def test_curators_see_only_their_own_cases_on_a_meeting(client, network, head):
    meeting = meeting_of(network)
    other = second_case(network)
    own_item = procedure.agenda_add(user=head, meeting=meeting, case=network.case, kind="primary", invited=[])
    other_item = procedure.agenda_add(
        user=head, meeting=meeting, case=other, kind="primary", invited=list(other.members.all())
    )
    url = reverse("referrals:consilium_meeting", args=[meeting.pk])

    cabinet_login(client, network.users["curator"])
    assert f"№ {meeting.number}" in client.get(reverse("referrals:consilium_list")).content.decode()
    html = client.get(url).content.decode()
    assert "Случай № T-1" in html and "T-2" not in html and OTHER_FAMILY not in html
    assert reverse("referrals:consilium_protocol", args=[meeting.pk]) not in html
    assert reverse("referrals:consilium_decide", args=[own_item.pk]) not in html
    assert client.get(reverse("referrals:consilium_protocol", args=[meeting.pk])).status_code == 403
    assert client.post(reverse("referrals:consilium_decide", args=[own_item.pk])).status_code == 403
    assert client.post(reverse("referrals:consilium_decide", args=[other_item.pk])).status_code == 404
    assert client.get(reverse("referrals:consilium_agenda_add", args=[meeting.pk])).status_code == 403

    cabinet_login(client, network.users["other_curator"])
    html = client.get(url).content.decode()
    assert "Случай № T-2" in html and OTHER_FAMILY in html and "T-1" not in html
    logged = AccessLog.objects.filter(user=network.users["other_curator"], object_type="agendaitem")
    assert [row.case_id for row in logged] == [other.pk]


def test_other_organisations_get_404(client, network):
    meeting = meeting_of(network)
    item = procedure.agenda_add(user=network.users["head"], meeting=meeting, case=network.case, kind="primary")
    other_head = make_user("t-head-partner", Role.HEAD, network.partner)
    for user in (other_head, network.users["intake"], network.users["coordinator"]):
        cabinet_login(client, user)
        for name in ("consilium_meeting", "consilium_agenda_add", "consilium_protocol"):
            assert client.get(reverse(f"referrals:{name}", args=[meeting.pk])).status_code == 404, (user, name)
        assert client.post(reverse("referrals:consilium_participant_add", args=[meeting.pk])).status_code == 404
        assert client.post(reverse("referrals:consilium_decide", args=[item.pk])).status_code == 404
    cabinet_login(client, other_head)
    assert f"№ {meeting.number}" not in client.get(reverse("referrals:consilium_list")).content.decode()


# -- The protocol -------------------------------------------------------------------------------------------------


def test_protocol_pdf_holds_the_number_the_cases_and_the_decisions_and_is_logged(client, network, head):
    from pypdf import PdfReader

    meeting = meeting_of(network)
    other = second_case(network)
    item = procedure.agenda_add(
        user=head, meeting=meeting, case=network.case, kind="primary", invited=list(network.case.members.all())
    )
    procedure.agenda_add(user=head, meeting=meeting, case=other, kind="primary")
    procedure.agenda_decide(user=head, item=item, decision=Decision.ACCEPT, level="crisis", conclusion="Принять.")
    before = AccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0

    response = client.get(reverse("referrals:consilium_protocol", args=[meeting.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "ПРОТОКОЛ № 7" in text and "заседания ведомственного социального консилиума" in text
    for expected in ("T-1", "T-2", "СЛУШАЛИ", "РЕШИЛИ", "Принять на сопровождение", "Монгуш Аяна Викторовна"):
        assert expected in text, expected
    assert FAMILY_NAMES[0] in text, "the invited family members are named"
    page = reader.pages[0]
    assert round(float(page.mediabox.width)) == 595 and round(float(page.mediabox.height)) == 842  # A4
    fonts = [font.get_object() for font in page["/Resources"]["/Font"].values()]
    assert fonts, "text is set in an embedded font"
    assert all("/FontFile2" in font["/DescendantFonts"][0].get_object()["/FontDescriptor"] for font in fonts)

    rows = AccessLog.objects.filter(purpose="document", id__gt=before)
    assert sorted(row.case_id for row in rows) == sorted([network.case.pk, other.pk])
    assert all(row.user == head for row in rows)
