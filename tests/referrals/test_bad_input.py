"""Bad input gets a clear Russian message and nothing is saved half-way."""

import datetime
import io

from django.urls import reverse
from django.utils import timezone
from PIL import Image

from referrals.models import Attachment, FamilyCase, Referral

from .conftest import ACCEPT, SEND, cabinet_login

EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return buffer.getvalue()


def upload(client, referral, name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("referrals:referral_attachment", args=[referral.uuid]),
        {"file": SimpleUploadedFile(name, data)},
        follow=True,
    )


def test_renamed_executable_and_oversize_files_are_refused(client, network, settings):
    referral = network.new_referral(steps=[SEND, ACCEPT])
    cabinet_login(client, network.users["curator"])
    for name in ("справка.pdf", "фото.jpg", "скан.png"):
        response = upload(client, referral, name, EXECUTABLE)
        assert "Можно прикрепить только PDF, JPEG или PNG" in response.content.decode()
    response = upload(client, referral, "картинка.pdf", png_bytes())  # content and name disagree
    assert "Можно прикрепить только" in response.content.decode()
    settings.REFERRAL_ATTACHMENT_MAX_BYTES = 1024
    response = upload(client, referral, "big.pdf", b"%PDF-1.4\n" + b"0" * 2048)
    assert "Файл больше" in response.content.decode()
    assert not Attachment.objects.filter(referral=referral).exists()
    settings.REFERRAL_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    upload(client, referral, "скан.png", png_bytes())
    attachment = Attachment.objects.get(referral=referral)
    assert attachment.content_type == "image/png"
    assert png_bytes() not in bytes(attachment.data)  # stored encrypted
    response = client.get(reverse("referrals:attachment", args=[attachment.pk]))
    assert response.status_code == 200 and response.content == png_bytes()
    assert response["Content-Disposition"].startswith("attachment;")
    cabinet_login(client, network.users["other_intake"])
    assert client.get(reverse("referrals:attachment", args=[attachment.pk])).status_code == 404


def case_post_data(network, **overrides):
    today = timezone.localdate()
    data = {
        "registration_number": "T-99",
        "registration_date": today.isoformat(),
        "ground": "application",
        "district": network.case.district_id,
        "support_level": "basic",
        "members-TOTAL_FORMS": "1",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "20",
        "members-0-full_name": "Новикова Анна",
        "members-0-relation": "mother",
        "members-0-birth_date": "1990-01-01",
        "members-0-phone": "+7 913 111-22-33",
    }
    data.update(overrides)
    return data


def test_case_with_future_birth_date_or_bad_phone_saves_nothing(client, network):
    cabinet_login(client, network.users["curator"])
    url = reverse("referrals:case_new")
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = client.post(url, case_post_data(network, **{"members-0-birth_date": future}))
    assert "Дата рождения не может быть в будущем." in response.content.decode()
    response = client.post(url, case_post_data(network, **{"members-0-phone": "12"}))
    assert "Телефон" in response.content.decode() and response.status_code == 200
    response = client.post(url, case_post_data(network, registration_number="T-1"))  # already in the journal
    assert "Случай с таким номером в журнале уже есть." in response.content.decode()
    assert not FamilyCase.objects.filter(registration_number="T-99").exists()
    response = client.post(url, case_post_data(network))
    case = FamilyCase.objects.get(registration_number="T-99")
    assert response.status_code == 302 and case.members.get().full_name == "Новикова Анна"
    # The support term starts with the agreement (none yet); the decision clock with the application.
    assert case.support_until is None and case.applied_on == case.registration_date


def referral_post(network, organization, send=True):
    data = {"category": network.category.pk, "organization": organization.pk, "urgency": "routine"}
    if send:
        data["send"] = "1"
    return data


def test_referral_to_organisation_that_does_not_accept_referrals(client, network):
    cabinet_login(client, network.users["curator"])
    url = reverse("referrals:referral_new", args=[network.case.uuid])
    response = client.post(url, referral_post(network, network.outsider))
    assert "не принимает направления" in response.content.decode()
    assert not Referral.objects.filter(organization=network.outsider).exists()


def test_no_referral_goes_out_without_contract_or_consent(client, network):
    cabinet_login(client, network.users["curator"])
    url = reverse("referrals:referral_new", args=[network.case.uuid])
    count = Referral.objects.count()
    network.case.contract_number = ""
    network.case.contract_date = None
    network.case.save()
    response = client.post(url, referral_post(network, network.partner))
    assert "пока не записан договор" in response.content.decode()
    network.case.contract_number, network.case.contract_date = "Д-1", timezone.localdate()
    network.case.save()
    network.consent.withdrawn_on = timezone.localdate()
    network.consent.save()
    response = client.post(url, referral_post(network, network.partner))
    assert "Нет действующего согласия" in response.content.decode()
    assert Referral.objects.count() == count  # not even a draft was left behind
    response = client.post(url, referral_post(network, network.partner, send=False))
    assert response.status_code == 302 and Referral.objects.count() == count + 1


def test_decline_needs_a_reason_from_the_list(client, network):
    referral = network.new_referral(steps=[SEND])
    cabinet_login(client, network.users["intake"])
    url = reverse("referrals:referral_act", args=[referral.uuid, "decline"])
    response = client.post(url, {"decline_reason": "because"}, follow=True)
    assert "выберите значение из списка" in response.content.decode()
    response = client.post(url, {"decline_reason": "other"}, follow=True)
    assert "напишите пояснение" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "sent"
    client.post(url, {"decline_reason": "other", "note": "Нет логопеда до весны"})
    referral.refresh_from_db()
    assert referral.status == "declined" and referral.events.order_by("-id").first().note == "Нет логопеда до весны"


def test_consent_form_checks_dates_and_health(client, network):
    cabinet_login(client, network.users["curator"])
    today = timezone.localdate()
    response = client.post(
        reverse("referrals:consent_new", args=[network.case.uuid]),
        {
            "signed_on": today.isoformat(),
            "signed_by": "Тестова",
            "expires_on": (today - datetime.timedelta(days=1)).isoformat(),
            "data_categories": ["contacts", "health"],
        },
    )
    html = response.content.decode()
    assert "раньше даты подписания" in html
    assert "только с письменного согласия" in html
    assert "выберите организации" in html
    assert network.case.consents.count() == 1
