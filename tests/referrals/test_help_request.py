"""«Попросить о помощи»: one valid request makes one intake record; bad input makes nothing."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from referrals.models import AccessLog, FamilyCase, HelpRequest

from .conftest import cabinet_login
from .test_case_form_browser_post import FormFields

SECRET_NAME = "Заявительница Секретная"
SECRET_PHONE = "+7 913 444-55-66"


@pytest.fixture(autouse=True)
def clear_rate_limit():
    cache.clear()


def valid(network, **overrides):
    data = {
        "name": SECRET_NAME,
        "phone": SECRET_PHONE,
        "district": network.case.district_id,
        "message": "Муж выгнал из дома с детьми, негде ночевать",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return data


def test_valid_request_creates_one_record_for_the_district_centre(client, network):
    response = client.post(reverse("help_request"), valid(network))
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    record = HelpRequest.objects.get()
    assert record.reference in page and "Что будет дальше" in page
    assert record.organization.provider_type.code == "social_service"
    assert record.district == network.case.district and record.name == SECRET_NAME
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, phone, message FROM referrals_helprequest")
        raw = " ".join(cursor.fetchone())
    assert SECRET_NAME not in raw and "444" not in raw and "ночевать" not in raw
    # The district centre sees it in the workspace, and the read is logged.
    curator = network.users["curator"]
    record.organization = network.support
    record.save()
    cabinet_login(client, curator)
    html = client.get(reverse("referrals:help_requests")).content.decode()
    assert SECRET_NAME in html
    assert AccessLog.objects.filter(object_type="helprequest", object_id=record.pk, user=curator).exists()
    # One action, «Открыть случай»: the new-case form carries what the family wrote; the curator completes it.
    assert "Открыть случай" in html
    url = reverse("referrals:case_new") + f"?request={record.pk}"
    form = FormFields()
    form.feed(client.get(url).content.decode())
    data = form.fields
    assert data["members-0-full_name"] == SECRET_NAME and "ночевать" in data["narrative"]
    data.update({"registration_number": "С-77", "members-0-relation": "mother"})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    record.refresh_from_db()
    case = FamilyCase.objects.get(help_request=record)
    assert record.status == "taken" and record.taken_by == curator and case.curator == curator
    assert (
        case.applied_on == timezone.localtime(record.created_at).date() and case.members.get().full_name == SECRET_NAME
    )
    html = client.get(reverse("referrals:help_requests")).content.decode()
    assert "С-77" in html and f"?request={record.pk}" not in html
    assert client.get(url).status_code == 404  # a request becomes one case only
    cabinet_login(client, network.users["other_intake"])
    assert client.get(reverse("referrals:help_requests")).status_code == 403


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"name": "", "phone": "", "message": ""}, "Напишите, как к вам обращаться"),
        ({"phone": "позвоните мне"}, "Телефон не распознан"),
        ({"phone": "+7 000 000-00-00"}, "Такого номера телефона не существует"),
        ({"consent": ""}, "Без согласия на обработку данных"),
        ({"message": "а" * 2001}, "2000"),
        ({"website": "http://spam.example"}, "Не удалось отправить обращение"),
    ],
)
def test_bad_input_is_refused_and_creates_nothing(client, network, overrides, message):
    data = {k: v for k, v in valid(network, **overrides).items() if v != "" or k in ("website",)}
    response = client.post(reverse("help_request"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html or message.lower() in html.lower()
    assert not HelpRequest.objects.exists()


def test_repeated_posts_from_one_address_are_limited(client, network):
    for _ in range(3):
        assert client.post(reverse("help_request"), valid(network)).status_code == 302
    response = client.post(reverse("help_request"), valid(network))
    assert "Слишком много обращений" in response.content.decode()
    assert HelpRequest.objects.count() == 3
