"""One family of each of the 8 algorithms of the Tatarstan model programme (001, Appendices 4–11) walked through the
product as people use it, from the public «Попросить о помощи» form to removal from the register.

The family writes on the site; the curator opens the case from the request, inspects the housing, marks the
information collected and drafts the ИПСС from the algorithm's template; the head's consilium accepts the family and
approves the ИПСС agreed with the family; the curator records the contract and the consent and refers one measure
to a partner, whose intake carries it out; the measures are marked; the consilium holds a control review and closes
with a positive result; after a post-support visit the family is removed from the register. Every form is read from
the rendered page and posted as a browser posts it (`FormFields`), filling in only what a person fills in; nothing
is mocked. One helper per step, each asserting what the step changes and what its page then says.
"""

from __future__ import annotations

import datetime
import html
import io
import re
from dataclasses import dataclass, field

import pytest
from dateutil.relativedelta import relativedelta
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from directory.models import Holiday
from referrals import profiles
from referrals.models import AccessLog, AgendaItem, ConsiliumMeeting, FamilyCase, HelpRequest, Referral
from referrals.profile_models import ProgrammeTemplate

from .conftest import Network, cabinet_login
from .test_case_form_browser_post import FormFields

TATARSTAN = profiles.shipped_data("tatarstan")
ALGORITHMS = [item["code"] for item in TATARSTAN["family_categories"] if item.get("algorithm")]
LEVEL_MONTHS = {level["code"]: level["months"] for level in TATARSTAN["levels"]}
DECISION_CLOCK = "Решение о сопровождении, утверждённая и согласованная с семьёй ИПСС (001 §4.4)"
POST_SUPPORT_CLOCK = "Постсопровождение, затем снятие с учёта (001 §5.9)"


@dataclass(frozen=True)
class Family:
    name: str
    phone: str
    relation: str  # of the person who wrote, as the curator records it
    circumstance: str
    level: str
    message: str


FAMILIES = {
    "foster": Family(
        "Хасанова Гульнара Ильдаровна",
        "+7 917 210-11-01",
        "guardian",
        "foster_adaptation",
        "adaptation",
        "Оформила опеку над внуком, он никак не привыкнет к нам, в школе конфликты.",
    ),
    "minor_parents": Family(
        "Зиннатуллина Алина Маратовна",
        "+7 917 210-11-02",
        "mother",
        "minor_parents_birth",
        "crisis",
        "Мне 17 лет, родила дочку, живём у моей мамы, денег нет, учёбу бросила.",
    ),
    "large": Family(
        "Ахметов Ильнур Рашитович",
        "+7 917 210-11-03",
        "father",
        "poverty",
        "basic",
        "У нас пятеро детей, жена в декрете, не хватает на одежду и школьные принадлежности.",
    ),
    "disabled_child": Family(
        "Валиева Лилия Фаритовна",
        "+7 917 210-11-04",
        "mother",
        "disabled_child",
        "basic",
        "Дочь — ребёнок-инвалид, нужна помощь с реабилитацией, льготами и садиком.",
    ),
    "health_limits_0_3": Family(
        "Сафина Эльвира Наилевна",
        "+7 917 210-11-05",
        "mother",
        "health_limits_0_3",
        "basic",
        "Сыну полтора года, врачи говорят о задержке развития, не знаю, куда обращаться.",
    ),
    "single_parent": Family(
        "Гарипова Резеда Айдаровна",
        "+7 917 210-11-06",
        "mother",
        "unemployment",
        "basic",
        "Одна воспитываю двоих детей, потеряла работу, платить за квартиру нечем.",
    ),
    "conflict_with_law": Family(
        "Мухаметзянова Гузель Ринатовна",
        "+7 917 210-11-07",
        "mother",
        "child_conflict_law",
        "crisis",
        "Сына поставили на учёт в ПДН, он прогуливает школу и не слушается.",
    ),
    "refusal_intent": Family(
        "Нуриева Диана Ильгизовна",
        "+7 917 210-11-08",
        "mother",
        "newborn_refusal_risk",
        "crisis",
        "Родила месяц назад, хотела оставить малыша в роддоме, передумала, но очень тяжело.",
    ),
}

HOUSING = "Двухкомнатная квартира 48 кв. м, собственник — заявитель"
CONDITIONS = "Чисто, отопление и водоснабжение есть"
CHILD_CONDITIONS = "Отдельная кровать, место для занятий, одежда по сезону"
INSPECTION_CONCLUSION = "Условия удовлетворительные; семье нужна помощь по плану сопровождения"
VISIT_NOTE = "Посетили семью: обстановка спокойная, дети посещают школу и сад, помощь не требуется"


@pytest.fixture(autouse=True)
def clear_rate_limit():
    cache.clear()  # the /help/ form counts requests per address in the cache


@pytest.fixture
def tatarstan():
    """The Tatarstan profile in force (valid from a day before today), then the per-process cache cleared."""
    profiles.import_profile(profiles.shipped_data("tatarstan"), valid_from=datetime.date(2020, 1, 1))
    profiles.clear_cache()
    rules = profiles.in_force()
    assert rules.region == TATARSTAN["region"]
    yield rules
    profiles.clear_cache()  # the rows go with the test's transaction; the per-process cache must go too


# -- Reading pages and posting their forms as a browser does ------------------------------------------------------


class PageForm(FormFields):
    """`FormFields` of the POST form with this `action` (None: the form posting to the page itself)."""

    def __init__(self, action: str | None = None):
        super().__init__()
        self.action = action
        self.found = False

    def handle_starttag(self, tag, attrs):
        if tag == "form":
            attributes = dict(attrs)
            posts = (attributes.get("method") or "").lower() == "post"
            self.in_form = posts and (attributes.get("action") or None) == self.action
            self.found = self.found or self.in_form
            return
        super().handle_starttag(tag, attrs)


def get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, f"GET {url}: {response.status_code}"
    return response.content.decode()


def text(page: str) -> str:
    """The page as a person reads it: without tags, entities decoded, whitespace collapsed (none before a mark)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    words = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    return re.sub(r" ([:;,.])", r"\1", words)


def errors_of(response) -> str:
    body = text(response.content.decode()) if response.status_code == 200 else ""
    return f"{response.status_code}: {body[:1500]}"


def submit(client, url: str, filled: dict | None = None, *, action: str | None = None):
    """Open the page, read its form (the one posting to `action`, else to the page itself), fill in what a person
    fills in and post it; the product answers with a redirect."""
    form = PageForm(action)
    form.feed(get(client, url))
    assert form.found, f"no form posting to {action or 'the page itself'} on {url}"
    form.fields.update(filled or {})
    response = client.post(action or url, form.fields)
    assert response.status_code == 302, errors_of(response)
    return response


def pdf_text(response) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF"), response.content[:40]
    pages = PdfReader(io.BytesIO(response.content)).pages
    return " ".join(" ".join((page.extract_text() or "").split()) for page in pages)


def working_days_after(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `start`: weekends and the holidays of the calendar skipped."""
    holidays = set(Holiday.objects.values_list("date", flat=True))
    day = start
    while days:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            days -= 1
    return day


def d(day: datetime.date) -> str:
    return f"{day:%d.%m.%Y}"


# -- The journey --------------------------------------------------------------------------------------------------


@dataclass
class Journey:
    client: object
    network: Network
    rules: profiles.Rules
    category: str
    today: datetime.date = field(default_factory=timezone.localdate)
    request: HelpRequest | None = None
    case: FamilyCase | None = None
    programme: object = None
    referred: object = None  # the measure referred to the partner
    referral: Referral | None = None
    meetings: list = field(default_factory=list)

    @property
    def family(self) -> Family:
        return FAMILIES[self.category]

    @property
    def number(self) -> str:
        return f"РТ-{ALGORITHMS.index(self.category) + 1}"

    @property
    def case_url(self) -> str:
        return reverse("referrals:case", args=[self.case.uuid])

    @property
    def programme_url(self) -> str:
        return reverse("referrals:programme", args=[self.programme.pk])

    def as_user(self, role: str):
        cabinet_login(self.client, self.network.users[role])

    def case_page(self) -> str:
        return get(self.client, self.case_url)

    def refresh(self) -> FamilyCase:
        self.case.refresh_from_db()
        return self.case


def family_asks_for_help(j: Journey) -> None:
    """1. The family posts /help/ with the district of the support organisation: the request is addressed to it."""
    district = j.network.support.locations.first().municipality
    response = submit(
        j.client,
        reverse("help_request"),
        {
            "name": j.family.name,
            "phone": j.family.phone,
            "district": str(district.pk),
            "message": j.family.message,
            "consent": "on",
        },
    )
    assert response.url == reverse("help_request_sent")
    j.request = HelpRequest.objects.get()
    assert j.request.organization == j.network.support and j.request.district == district
    assert j.request.name == j.family.name and j.request.status == HelpRequest.Status.NEW
    sent = text(get(j.client, response.url))
    assert f"Номер обращения: {j.request.reference}" in sent and "Что будет дальше" in sent
    assert f"Обращение получил «{j.network.support.name}»" in sent


def curator_opens_the_case(j: Journey) -> None:
    """2. «Обращения с сайта» → «Открыть случай»: the form carries the request; the curator completes it."""
    j.as_user("curator")
    assert reverse("referrals:help_requests") in get(j.client, reverse("referrals:home"))
    requests_page = get(j.client, reverse("referrals:help_requests"))
    open_url = f"{reverse('referrals:case_new')}?request={j.request.pk}"
    listed = text(requests_page)
    assert open_url in requests_page and "Открыть случай" in listed
    received = timezone.localtime(j.request.created_at).date()
    due = working_days_after(received, j.rules.decision_working_days)
    assert j.request.reference in listed and j.family.name in listed and f"{d(due)}: осталось 10 рабочих дней" in listed

    form_page = text(get(j.client, open_url))
    assert f"Обращение с сайта № {j.request.reference}" in form_page and j.family.message in form_page
    response = submit(
        j.client,
        open_url,
        {
            "registration_number": j.number,
            "members-0-relation": j.family.relation,
            "categories": j.category,
            "circumstances": j.family.circumstance,
            "support_level": j.family.level,
        },
    )
    j.case = FamilyCase.objects.get(help_request=j.request)
    assert response.url == j.case_url
    j.request.refresh_from_db()
    assert j.request.status == HelpRequest.Status.TAKEN and j.request.taken_by == j.network.users["curator"]
    assert (j.case.status, j.case.applied_on, j.case.registration_date) == ("intake", received, j.today)
    assert (j.case.categories, j.case.circumstances, j.case.support_level) == (
        [j.category],
        [j.family.circumstance],
        j.family.level,
    )
    assert j.case.curator == j.network.users["curator"] and j.case.curator_assigned_on == j.today
    member = j.case.members.get()
    assert (member.full_name, member.phone, member.relation) == (j.family.name, j.family.phone, j.family.relation)

    page = text(j.case_page())
    assert "Семья поставлена на учёт." in page
    assert f"Случай № {j.number} от {d(j.today)}" in page
    assert "Этап сбор информации и первичная диагностика" in page
    assert f"{DECISION_CLOCK} {d(due)} осталось 10 рабочих дней" in page
    assert f"Обращение (заявление, сообщение): {d(received)}" in page
    assert f"Куратор закреплён: {d(j.today)}" in page


def curator_collects_information(j: Journey) -> None:
    """3. The act of housing inspection (its form page), then «Отметить: информация собрана» on the case page."""
    inspection_url = reverse("referrals:inspection_new", args=[j.case.uuid])
    assert inspection_url in j.case_page()
    response = submit(
        j.client,
        inspection_url,
        {
            "inspected_on": j.today.isoformat(),
            "participants": f"{j.family.name}; куратор семьи",
            "housing": HOUSING,
            "conditions": CONDITIONS,
            "child_conditions": CHILD_CONDITIONS,
            "conclusion": INSPECTION_CONCLUSION,
        },
    )
    inspection = j.case.inspections.get()
    assert response.url == reverse("referrals:inspection", args=[inspection.pk])
    assert (inspection.inspected_on, inspection.inspected_by) == (j.today, j.network.users["curator"])
    act = text(get(j.client, response.url))
    assert "Акт обследования жилищно-бытовых условий записан." in act
    assert HOUSING in act and INSPECTION_CONCLUSION in act

    submit(j.client, j.case_url, action=reverse("referrals:case_stage", args=[j.case.uuid, "assessment"]))
    assert j.refresh().assessment_done_on == j.today
    page = text(j.case_page())
    assert "Сбор информации и первичная диагностика отмечены." in page
    assert f"Сбор информации, первичная диагностика: {d(j.today)} — актов обследования: 1" in page
    assert f"Акт от {d(j.today)}" in page
    assert "Отметить: информация собрана" not in page


def curator_drafts_the_programme(j: Journey) -> None:
    """4. The first ИПСС proposes the measures of the category's algorithm; the curator removes one and edits one."""
    response = submit(j.client, j.case_url, action=reverse("referrals:programme_new", args=[j.case.uuid]))
    j.programme = j.case.programmes.get()
    assert response.url == j.programme_url and j.programme.status == "draft" and j.programme.version == 1
    template = ProgrammeTemplate.objects.get(profile_id=j.rules.pk, family_category=j.category)
    from_template = set(template.measures.values_list("description", flat=True))
    proposed = list(j.programme.measures.order_by("id"))
    assert any(measure.description in from_template for measure in proposed), "no measure of the algorithm"
    page = text(get(j.client, j.programme_url))
    assert "Мероприятия предложены по алгоритму сопровождения (шаблону ИПСС) региона:" in page
    assert template.title in page and "Это проект" in page
    assert all(measure.description in page for measure in proposed)

    removed = proposed[-1]
    delete_url = reverse("referrals:measure_delete", args=[removed.pk])
    assert delete_url in get(j.client, j.programme_url)
    confirm = text(get(j.client, delete_url))
    assert "Удалить мероприятие из проекта программы?" in confirm and removed.description in confirm
    submit(j.client, delete_url)
    assert not j.programme.measures.filter(pk=removed.pk).exists()
    assert "Мероприятие удалено из проекта программы." in text(get(j.client, j.programme_url))

    j.referred = next(measure for measure in proposed if measure.zone == "partner" and measure != removed)
    edit_url = reverse("referrals:measure_edit", args=[j.referred.pk])
    assert edit_url in get(j.client, j.programme_url)
    member = j.case.members.get()
    submit(
        j.client,
        edit_url,
        {
            "organization": str(j.network.partner.pk),
            "responsible_person": "Специалист по социальной работе",
            "member": str(member.pk),
        },
    )
    j.referred.refresh_from_db()
    assert j.referred.organization == j.network.partner and j.referred.member == member
    page = text(get(j.client, j.programme_url))
    assert "Мероприятие изменено." in page
    assert f"{j.network.partner}, Специалист по социальной работе" in page
    assert j.programme.measures.count() == len(proposed) - 1


def convene(j: Journey, number: str) -> ConsiliumMeeting:
    """The head opens «Консилиум» → «Новое заседание» and creates a meeting held today."""
    assert reverse("referrals:consilium_new") in get(j.client, reverse("referrals:consilium_list"))
    response = submit(
        j.client,
        reverse("referrals:consilium_new"),
        {
            "held_on": j.today.isoformat(),
            "number": number,
            "place": "КЦСОН, зал заседаний",
            "chair": "Монгуш Аяна Викторовна",
            "secretary": "Ооржак Чечек Борисовна",
            "participants-0-full_name": "Сат Белек Орланович",
            "participants-0-position": "психолог",
        },
    )
    meeting = ConsiliumMeeting.objects.get(organization=j.network.support, number=number)
    assert response.url == reverse("referrals:consilium_meeting", args=[meeting.pk])
    assert f"Протокол № {number}" in text(get(j.client, response.url))
    j.meetings.append(meeting)
    return meeting


def put_on_agenda(j: Journey, meeting: ConsiliumMeeting, kind: str | None = None) -> AgendaItem:
    """The case chosen by its journal number (a GET form), then the review and the family member invited."""
    meeting_page = get(j.client, reverse("referrals:consilium_meeting", args=[meeting.pk]))
    option = re.search(rf'<option value="(\d+)"[^>]*>№ {re.escape(j.number)} — куратор', meeting_page)
    assert option, f"case {j.number} is not offered for the agenda"
    agenda_url = reverse("referrals:consilium_agenda_add", args=[meeting.pk])
    step_two = f"{agenda_url}?case={option.group(1)}"
    member = j.case.members.get()
    assert f"{j.family.name} (" in text(get(j.client, step_two))
    filled = {"invited": [str(member.pk)]}  # the review proposed (primary, then control) is kept unless `kind`
    if kind:
        filled["kind"] = kind
    response = submit(j.client, step_two, filled, action=agenda_url)
    item = AgendaItem.objects.get(meeting=meeting, case=j.case)
    assert response.url.endswith(f"#item-{item.pk}")
    assert list(item.invited.all()) == [member]
    return item


def decide(j: Journey, item: AgendaItem, answers: dict) -> None:
    """The decision form of the item on the meeting page, filled in and posted."""
    meeting_url = reverse("referrals:consilium_meeting", args=[item.meeting_id])
    prefix = f"item{item.pk}-"
    submit(
        j.client,
        meeting_url,
        {prefix + name: value for name, value in answers.items()},
        action=reverse("referrals:consilium_decide", args=[item.pk]),
    )
    item.refresh_from_db()
    assert item.decided_at and item.decision == answers["decision"]
    assert f"Решение по случаю № {j.number} записано в протокол № {item.meeting.number}." in text(
        get(j.client, meeting_url)
    )


def consilium_accepts_the_family(j: Journey) -> None:
    """5. Primary review: «принять» with the level, the draft ИПСС approved and agreed with the family."""
    j.as_user("head")
    meeting = convene(j, "1")
    item = put_on_agenda(j, meeting)
    assert item.kind == "primary"
    decide(
        j,
        item,
        {
            "decision": "accept",
            "level": j.family.level,
            "programme": str(j.programme.pk),
            "family_agreed": "on",
            "conclusion": "Семья нуждается в социальном сопровождении; ИПСС утвердить.",
        },
    )
    case = j.refresh()
    j.programme.refresh_from_db()
    assert case.status == "accepted" and case.support_level == j.family.level
    assert case.accepted_on == j.today and case.family_agreed_on == j.today
    assert (j.programme.status, j.programme.protocol_number, j.programme.decided_on) == ("approved", "1", j.today)

    page = text(j.case_page())
    assert "Этап принята на сопровождение, договор не заключён" in page
    assert f"{DECISION_CLOCK} {d(working_days_after(case.applied_on, 10))} выполнено {d(j.today)}" in page
    assert f"Консилиум: принята на сопровождение: {d(j.today)}" in page
    assert f"ИПСС утверждена: {d(j.today)}" in page and f"ИПСС согласована с семьёй: {d(j.today)}" in page
    assert f"ИПСС, редакция 1 — утверждена рабочей группой, протокол № 1 от {d(j.today)}" in page
    assert "Первичное рассмотрение Принять на сопровождение" in page

    meeting_page = get(j.client, reverse("referrals:consilium_meeting", args=[meeting.pk]))
    protocol_url = reverse("referrals:consilium_protocol", args=[meeting.pk])
    assert protocol_url in meeting_page
    protocol = pdf_text(j.client.get(protocol_url))
    assert "ПРОТОКОЛ № 1" in protocol and j.number in protocol and j.family.name in protocol


def support_begins_and_partner_helps(j: Journey) -> None:
    """6. The contract (case edit form), the consent, a referral of one measure; the partner carries it out."""
    j.as_user("curator")
    edit_url = reverse("referrals:case_edit", args=[j.case.uuid])
    assert edit_url in j.case_page()
    submit(j.client, edit_url, {"contract_number": f"Д-{j.number}", "contract_date": j.today.isoformat()})
    case = j.refresh()
    until = j.today + relativedelta(months=LEVEL_MONTHS[j.family.level])
    assert (case.status, case.contract_number, case.contract_date, case.support_until) == (
        "on_support",
        f"Д-{j.number}",
        j.today,
        until,
    )
    assert case.categories == [j.category] and case.circumstances == [j.family.circumstance], "the edit kept them"
    page = text(j.case_page())
    assert "Изменения сохранены." in page and "Этап на сопровождении" in page
    assert f"до {d(until)}" in page and f"№ Д-{j.number} от {d(j.today)}" in page
    assert f"Договор о сопровождении: {d(j.today)}" in page

    consent_url = reverse("referrals:consent_new", args=[j.case.uuid])
    assert consent_url in j.case_page()
    expires = j.today + datetime.timedelta(days=365)
    submit(
        j.client,
        consent_url,
        {
            "signed_on": j.today.isoformat(),
            "signed_by": j.family.name,
            "expires_on": expires.isoformat(),
            "data_categories": ["contacts", "composition", "social"],
            "all_partners": "on",
        },
    )
    page = text(j.case_page())
    assert "Согласие записано." in page and f"Подписано {d(j.today)}, действует до {d(expires)}" in page

    # «Направить» next to the measure of the approved ИПСС opens the referral form with it.
    measure = j.referred
    link = reverse("referrals:referral_new", args=[j.case.uuid])
    link += f"?measure={measure.pk}&category={measure.category.code}&organization={j.network.partner.pk}"
    assert html.escape(link) in get(j.client, j.programme_url)
    response = submit(j.client, link, {"narrative": "Семье нужна помощь по мероприятию ИПСС.", "draft": "1"})
    j.referral = Referral.objects.get(case=j.case)
    referral_url = reverse("referrals:referral", args=[j.referral.uuid])
    assert response.url == referral_url
    assert (j.referral.status, j.referral.measure, j.referral.organization) == ("draft", measure, j.network.partner)
    assert "Направление создано." in text(get(j.client, referral_url))
    act(j, "send", "sent")

    j.as_user("intake")
    assert referral_url in get(j.client, reverse("referrals:inbox"))
    act(j, "accept", "accepted")
    act(j, "start", "in_progress")
    act(j, "complete", "completed", {"outcome": "provided", "note": "Консультации проведены, семья получила помощь."})
    assert j.referral.outcome == "provided"


def act(j: Journey, action: str, status: str, filled: dict | None = None) -> None:
    """One action button of the referral page (its form), posted; the referral moves to `status`."""
    referral_url = reverse("referrals:referral", args=[j.referral.uuid])
    submit(j.client, referral_url, filled, action=reverse("referrals:referral_act", args=[j.referral.uuid, action]))
    j.referral.refresh_from_db()
    assert j.referral.status == status
    assert "Готово:" in text(get(j.client, referral_url))


def curator_marks_the_measures(j: Journey) -> None:
    """7. On the approved ИПСС each measure is marked done or not done with its result."""
    j.as_user("curator")
    measures = list(j.programme.measures.order_by("id"))
    not_done = next(m for m in measures if m != j.referred)
    for measure in measures:
        status, result = ("done", f"Выполнено: {measure.description[:60]}")
        if measure == not_done:
            status, result = "not_done", "Семья не пришла на занятия, перенесено на следующий период"
        mark_url = reverse("referrals:measure_mark", args=[measure.pk])
        prefix = f"m{measure.pk}-"
        submit(j.client, j.programme_url, {prefix + "status": status, prefix + "result": result}, action=mark_url)
    marks = dict(j.programme.measures.values_list("status", "marked_on").distinct())
    assert set(marks) == {"done", "not_done"} and set(marks.values()) == {j.today}
    page = text(get(j.client, j.programme_url))
    assert "Отметка записана:" in page
    assert f"не выполнено {d(j.today)} Результат: Семья не пришла на занятия" in page
    assert f"выполнено {d(j.today)} Результат: Выполнено:" in page
    stage = f"Мероприятия ИПСС: {d(j.today)} — выполнено {len(measures) - 1}, не выполнено 1, запланировано 0"
    assert stage in text(j.case_page())


def consilium_reviews_and_closes(j: Journey) -> None:
    """8. A control review «продолжить», then a final review «прекратить» with the profile's positive reason."""
    j.as_user("head")
    control = put_on_agenda(j, convene(j, "2"))
    assert control.kind == "control"
    decide(j, control, {"decision": "continue", "conclusion": "ИПСС выполняется, продолжить сопровождение."})
    case = j.refresh()
    assert case.status == "on_support" and case.closed_on is None
    page = text(j.case_page())
    assert "Контрольное рассмотрение Продолжить сопровождение" in page
    assert f"Контрольные рассмотрения: {d(j.today)} — 1" in page

    positive = [item.code for item in j.rules.items("closure_reasons") if item.positive]
    assert positive == ["goal_reached"]
    final = put_on_agenda(j, convene(j, "3"), kind="final")
    assert final.kind == "final"
    decide(
        j,
        final,
        {
            "decision": "close",
            "closure_reason": positive[0],
            "conclusion": "ИПСС исполнена, цели сопровождения достигнуты.",
        },
    )
    case = j.refresh()
    until = j.today + relativedelta(months=j.rules.post_support_months)
    assert j.rules.post_support_months == 3
    assert (case.status, case.closure_reason, case.closed_on, case.post_support_until) == (
        "post_support",
        "goal_reached",
        j.today,
        until,
    )
    assert case.removed_on is None
    page = text(j.case_page())
    label = j.rules.item("closure_reasons", "goal_reached").label
    assert "Этап постсопровождение" in page and f"Прекращение сопровождения: {d(j.today)} — {label}" in page
    assert f"Постсопровождение — до {d(until)}" in page
    assert "Итоговое рассмотрение Прекратить сопровождение" in page


def post_support_and_removal(j: Journey) -> None:
    """9. A post-support visit (its form), then «Снять с учёта» on the case page."""
    j.as_user("curator")
    note_url = reverse("referrals:post_support_note_new", args=[j.case.uuid])
    assert note_url in j.case_page()
    submit(j.client, note_url, {"contact": "visit", "note": VISIT_NOTE})
    note = j.case.post_support_notes.get()
    assert (note.on, note.contact, note.author) == (j.today, "visit", j.network.users["curator"])
    page = text(j.case_page())
    assert "Запись постсопровождения сохранена." in page
    assert f"{d(j.today)}, посещение семьи" in page and VISIT_NOTE in page

    submit(j.client, j.case_url, action=reverse("referrals:case_stage", args=[j.case.uuid, "remove"]))
    case = j.refresh()
    assert (case.status, case.removed_on) == ("closed", j.today)
    page = text(j.case_page())
    assert "Семья снята с учёта." in page and "Этап снята с учёта" in page
    assert f"Снята с учёта: {d(j.today)}" in page
    due = working_days_after(j.case.post_support_until - datetime.timedelta(days=1), 1)  # its first working day
    assert f"{POST_SUPPORT_CLOCK} {d(due)} выполнено {d(j.today)}" in page


def the_case_file_is_complete(j: Journey) -> None:
    """10. The ИПСС and the act print, the prints are in the access log, the registers list the case, and the case
    page shows every stage of the procedure with its date."""
    case_page = j.case_page()
    programme_pdf = reverse("referrals:case_programme_print", args=[j.case.uuid])
    inspection = j.case.inspections.get()
    inspection_pdf = reverse("referrals:inspection_print", args=[inspection.pk])
    assert programme_pdf in case_page and inspection_pdf in case_page
    programme = pdf_text(j.client.get(programme_pdf))
    assert "ИНДИВИДУАЛЬНАЯ ПРОГРАММА СОЦИАЛЬНОГО СОПРОВОЖДЕНИЯ СЕМЬИ" in programme
    assert f"№ {j.number}/1 от {d(j.today)}" in programme and j.family.name in programme
    assert f"протокол № 1 от {d(j.today)}" in programme
    act_text = pdf_text(j.client.get(inspection_pdf))
    assert "Акт обследования жилищно-бытовых условий семьи".upper() in act_text and HOUSING in act_text

    printed = AccessLog.objects.filter(case=j.case, purpose="document")
    curator, head = j.network.users["curator"], j.network.users["head"]
    assert printed.filter(object_type="programme", object_id=j.programme.pk, user=curator).exists()
    assert printed.filter(object_type="housinginspection", object_id=inspection.pk, user=curator).exists()
    protocol_item = j.case.agenda_items.get(meeting=j.meetings[0])
    assert printed.filter(object_type="agendaitem", object_id=protocol_item.pk, user=head).exists()

    j.as_user("head")
    log_page = text(get(j.client, reverse("referrals:access_log")))
    for object_type, pk in (("programme", j.programme.pk), ("housinginspection", inspection.pk)):
        row = rf"{curator.username} \S+ {object_type} {pk} \({re.escape(str(j.case))}\) [a-z_.,\s]+ document"
        assert re.search(row, log_page), f"no access-log row for the printed {object_type}"
    for name in ("referrals:register_primary", "referrals:register_departmental"):
        register = text(get(j.client, reverse(name)))
        assert j.number in register and j.family.name in register, name

    j.as_user("curator")
    stages = re.findall(r'<li class="stage-(done|open)">(.*?)</li>', j.case_page(), flags=re.S)
    assert len(stages) >= 10, "the stages of the procedure on the case page"
    undated = [text(row) for state, row in stages if state != "done"]
    assert not undated, f"stages without a date on the case page of a family removed from the register: {undated}"
    reviews = next(text(row) for _state, row in stages if "Контрольные рассмотрения" in row)
    assert reviews.endswith("— 1"), f"one control review was held (the other was final): {reviews}"


@pytest.mark.parametrize("category", ALGORITHMS)
def test_a_family_of_each_algorithm_from_the_site_to_removal_from_the_register(client, network, tatarstan, category):
    assert len(ALGORITHMS) == 8 and set(FAMILIES) == set(ALGORITHMS)
    journey = Journey(client=client, network=network, rules=tatarstan, category=category)
    family_asks_for_help(journey)
    curator_opens_the_case(journey)
    curator_collects_information(journey)
    curator_drafts_the_programme(journey)
    consilium_accepts_the_family(journey)
    support_begins_and_partner_helps(journey)
    curator_marks_the_measures(journey)
    consilium_reviews_and_closes(journey)
    post_support_and_removal(journey)
    the_case_file_is_complete(journey)
