"""Every validation rule of the databank, each with bad input and a clear Russian message."""

from datetime import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from directory import services
from directory.models import (
    Category,
    Location,
    Phone,
    Schedule,
    ScheduleException,
    Service,
    ServiceAtLocation,
    Settlement,
)
from directory.validators import format_phone, normalise_phone
from tests.factories import LocationFactory, OrganizationFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("8 (394) 222-33-44", "+73942223344"),
        ("+7 394 222 33 44", "+73942223344"),
        ("8 800 2000 122", "+78002000122"),
        ("8-923-123-45-67", "+79231234567"),
        ("112", "112"),
        ("124", "124"),
    ],
)
def test_phone_numbers_are_normalised_to_e164(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "abc", "12345", "+7 394 22", "8 000 000 00 00"])
def test_bad_phone_numbers_are_refused_in_russian(raw):
    with pytest.raises(ValidationError) as exc:
        normalise_phone(raw)
    assert any(word in messages(exc.value) for word in ("номер", "Номер"))


def test_phone_model_normalises_on_clean_and_rejects_bad_extension():
    organization = OrganizationFactory()
    phone = Phone(organization=organization, number="8 (39422) 5-55-55")
    phone.full_clean()
    assert phone.number == "+73942255555"
    assert format_phone(phone.number) == "+7 394 225-55-55"
    phone.extension = "12a"
    with pytest.raises(ValidationError) as exc:
        phone.full_clean()
    assert "Добавочный" in messages(exc.value)


@pytest.mark.parametrize(("lat", "lon"), [("91", "94"), ("-90.5", "94"), ("51", "181"), ("51", "-180.1")])
def test_coordinates_outside_valid_ranges_are_refused(lat, lon):
    location = LocationFactory.build(organization=OrganizationFactory(), latitude=Decimal(lat), longitude=Decimal(lon))
    location.municipality = LocationFactory.build().municipality
    with pytest.raises(ValidationError) as exc:
        location.full_clean()
    assert "Убедитесь" in messages(exc.value)  # Django's own Russian range message


def test_coordinates_are_checked_by_the_database_too():
    location = LocationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Location.objects.filter(pk=location.pk).update(latitude=Decimal("95"))


def test_both_coordinates_or_none():
    location = LocationFactory.build(organization=OrganizationFactory(), longitude=None)
    with pytest.raises(ValidationError) as exc:
        location.full_clean()
    assert "обе координаты" in messages(exc.value)


def test_settlement_must_belong_to_the_chosen_district():
    location = LocationFactory.build(organization=OrganizationFactory())
    location.settlement = Settlement.objects.exclude(municipality=location.municipality).first()
    with pytest.raises(ValidationError) as exc:
        location.full_clean()
    assert "не относится к выбранному району" in messages(exc.value)


def test_confidential_location_needs_a_front_door_phone():
    location = LocationFactory.build(organization=OrganizationFactory(), is_confidential=True)
    with pytest.raises(ValidationError) as exc:
        location.full_clean()
    assert "телефон" in messages(exc.value)
    location.front_door_phone = "8 (39422) 6-66-66"
    location.full_clean()
    assert location.front_door_phone == "+73942266666"


def test_opening_hours_must_end_after_they_start():
    location = LocationFactory()
    with pytest.raises(ValidationError) as exc:
        Schedule(location=location, weekday=0, opens_at=time(18), closes_at=time(9)).full_clean()
    assert "позже времени начала" in messages(exc.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        Schedule.objects.create(location=location, weekday=0, opens_at=time(18), closes_at=time(9))


def test_opening_hours_must_not_overlap():
    location = LocationFactory()
    with pytest.raises(ValidationError) as exc:
        services.location_set_schedule(
            location=location, intervals=[(0, time(9), time(13)), (0, time(12), time(18)), (1, time(9), time(18))]
        )
    assert "пересекаются: понедельник" in messages(exc.value)
    assert not location.schedules.exists()  # nothing half-written
    rows = services.location_set_schedule(
        location=location, intervals=[(0, time(9), time(13)), (0, time(14), time(18))]
    )
    assert len(rows) == 2


def test_special_day_with_hours_needs_a_valid_interval():
    location = LocationFactory()
    ScheduleException(location=location, date="2026-12-30", is_closed=True).full_clean()
    with pytest.raises(ValidationError) as exc:
        ScheduleException(location=location, date="2026-12-30", is_closed=False).full_clean()
    assert "Укажите время" in messages(exc.value)


def test_age_range_must_make_sense():
    service = ServiceFactory.build(organization=OrganizationFactory(), age_min=12, age_max=6)
    with pytest.raises(ValidationError) as exc:
        service.full_clean()
    assert "не может быть меньше" in messages(exc.value)
    # A service open to grown-ups as well is valid (issue 25: an HSDS maximum_age of 100 is not an error); past
    # 120 years an age is a typing error.
    service.age_min, service.age_max = 3, 121
    with pytest.raises(ValidationError) as exc:
        service.full_clean()
    assert "age_max" in exc.value.message_dict
    service.age_max = 100
    service.full_clean()


def test_referrals_need_a_response_deadline_and_a_delivery_mode_is_required():
    service = ServiceFactory.build(organization=OrganizationFactory(), accepts_referrals=True)
    with pytest.raises(ValidationError) as exc:
        service.full_clean()
    assert "срок ответа" in messages(exc.value)
    service.referral_response_days = 5
    service.delivery_in_person = False
    with pytest.raises(ValidationError) as exc:
        service.full_clean()
    assert "хотя бы один способ" in messages(exc.value)


def test_service_location_must_belong_to_the_same_organisation():
    service = ServiceFactory()
    foreign = LocationFactory()
    with pytest.raises(ValidationError) as exc:
        ServiceAtLocation(service=service, location=foreign).full_clean()
    assert "той же организации" in messages(exc.value)


def test_category_cannot_nest_in_itself_or_mix_schemes():
    group = Category.objects.get(code="A4")
    item = Category.objects.get(code="A4.1")
    group.parent = item
    with pytest.raises(ValidationError) as exc:
        group.full_clean()
    assert "сама в себя" in messages(exc.value)
    mixed = Category(code="X1", scheme="kind", parent=item, name="Смешанная")
    with pytest.raises(ValidationError) as exc:
        mixed.full_clean()
    assert "того же классификатора" in messages(exc.value)


def test_service_status_change_and_verification():
    service = ServiceFactory(status=Service.Status.DRAFT)
    services.service_set_status(service=service, status=Service.Status.PUBLISHED)
    assert Service.objects.get(pk=service.pk).status == "published"
