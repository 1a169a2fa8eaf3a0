"""«Open now» honours the weekday, public holidays, dated exceptions and 24/7 places."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from directory import selectors, services
from directory.models import Holiday, Location, ScheduleException
from tests.factories import LocationFactory

pytestmark = pytest.mark.django_db
TZ = ZoneInfo(settings.TIME_ZONE)

MONDAY = date(2026, 11, 16)
HOLIDAY_MONDAY = date(2026, 11, 23)  # made a holiday in the test
SUNDAY = date(2026, 11, 22)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


@pytest.fixture
def office():
    location = LocationFactory()
    services.location_set_schedule(
        location=location,
        intervals=[(wd, time(9), time(13)) for wd in range(5)] + [(wd, time(14), time(18)) for wd in range(5)],
    )
    return location


def is_open(location, moment):
    fresh = Location.objects.prefetch_related("schedules", "schedule_exceptions").get(pk=location.pk)
    by_status = selectors.opening_status(fresh, now=moment).is_open
    by_sql = Location.objects.filter(selectors.open_now_q(now=moment, prefix=""), pk=location.pk).exists()
    assert by_status == by_sql, "the SQL filter and the page disagree"
    return by_status


def test_weekday_hours(office):
    assert is_open(office, at(MONDAY, 10))
    assert not is_open(office, at(MONDAY, 13, 30))  # lunch break
    assert is_open(office, at(MONDAY, 17, 59))
    assert not is_open(office, at(MONDAY, 18))  # closing time is exclusive
    assert not is_open(office, at(MONDAY, 8, 59))
    assert not is_open(office, at(SUNDAY, 10))


def test_public_holiday_closes_a_regular_place(office):
    Holiday.objects.get_or_create(date=HOLIDAY_MONDAY, defaults={"name": "Тестовый праздник"})
    assert not is_open(office, at(HOLIDAY_MONDAY, 10))
    status = selectors.opening_status(
        Location.objects.prefetch_related("schedules", "schedule_exceptions").get(pk=office.pk),
        now=at(HOLIDAY_MONDAY, 10),
    )
    assert "праздничный" in status.today_text


def test_dated_exception_overrides_weekday_and_holiday(office):
    Holiday.objects.get_or_create(date=HOLIDAY_MONDAY, defaults={"name": "Тестовый праздник"})
    ScheduleException.objects.create(
        location=office, date=HOLIDAY_MONDAY, is_closed=False, opens_at=time(10), closes_at=time(14)
    )
    assert is_open(office, at(HOLIDAY_MONDAY, 11))
    assert not is_open(office, at(HOLIDAY_MONDAY, 15))
    ScheduleException.objects.create(location=office, date=MONDAY, is_closed=True, note="санитарный день")
    assert not is_open(office, at(MONDAY, 10))


def test_round_the_clock_place_is_always_open():
    location = LocationFactory(is_24_7=True)
    Holiday.objects.get_or_create(date=HOLIDAY_MONDAY, defaults={"name": "Тестовый праздник"})
    for moment in (at(SUNDAY, 3), at(HOLIDAY_MONDAY, 23, 30), at(MONDAY, 0)):
        assert is_open(location, moment)


def test_week_table_lists_every_day(office):
    fresh = Location.objects.prefetch_related("schedules").get(pk=office.pk)
    rows = selectors.weekly_hours(fresh)
    assert len(rows) == 7
    assert rows[0][2] == "09:00–13:00, 14:00–18:00"
    assert rows[6][2] == "выходной"
