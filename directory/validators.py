"""Field-level validation shared by models, forms and imports. Messages are in Russian for editors."""

from collections.abc import Iterable
from datetime import time

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from phonenumbers import shortnumberinfo

PHONE_REGION = "RU"
# Short numbers that phonenumbers' metadata does not list but Russian families dial (children's helpline).
EXTRA_SHORT_NUMBERS = {"124"}


def normalise_phone(raw: str) -> str:
    """Return the number in E.164 (+73942223344). Short service numbers (112, 124) are kept as they are."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError(_("Укажите номер телефона."))
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) <= 6 and not text.startswith("+"):
        try:
            short = phonenumbers.parse(digits, PHONE_REGION)
        except phonenumbers.NumberParseException:
            short = None
        if digits in EXTRA_SHORT_NUMBERS or (short is not None and shortnumberinfo.is_valid_short_number(short)):
            return digits
    try:
        number = phonenumbers.parse(text, PHONE_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("«%(value)s» не похоже на номер телефона. Пример: +7 394 222-33-44."), params={"value": text}
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("Номер «%(value)s» не существует: проверьте код города и количество цифр."), params={"value": text}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """Human form of a stored number, one format for every number the site shows: +7 394 222-33-44, and the
    toll-free ones too (+7 800 200-01-22). Short service numbers (112) are shown as they are."""
    if not e164.startswith("+"):
        return e164
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def find_schedule_overlaps(intervals: Iterable[tuple[int, time, time]]) -> list[int]:
    """Weekdays on which two regular intervals overlap. Intervals are (weekday, opens_at, closes_at)."""
    by_day: dict[int, list[tuple[time, time]]] = {}
    for weekday, opens_at, closes_at in intervals:
        by_day.setdefault(weekday, []).append((opens_at, closes_at))
    overlapping = []
    for weekday, spans in sorted(by_day.items()):
        spans.sort()
        if any(later[0] < earlier[1] for earlier, later in zip(spans, spans[1:], strict=False)):
            overlapping.append(weekday)
    return overlapping
