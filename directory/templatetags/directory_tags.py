"""Presentation helpers for directory templates: phones, QR codes, Russian plurals and declined place names."""

import segno
from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core import grammar
from directory.validators import format_phone

register = template.Library()


@register.filter
def phone_display(number: str) -> str:
    return format_phone(number or "")


@register.filter
def tel_href(number: str) -> str:
    return f"tel:{number}"


@register.simple_tag
def qr_svg(url: str, title: str | None = None) -> str:
    """An inline SVG QR code of `url` (made on the server, no external service)."""
    title = title or _("QR-код: открыть эту страницу на телефоне")
    svg = segno.make(url, error="m").svg_inline(scale=4, title=title, svgclass="qr", lineclass=None, omitsize=True)
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308 - segno escapes the title


@register.filter
def ru_plural(count: int, forms: str) -> str:
    """`{{ n|ru_plural:"услуга,услуги,услуг" }}`: the form only (1 услуга, 2 услуги, 5 услуг, 11 услуг, 21 услуга)."""
    one, few, many = forms.split(",")
    return grammar.plural(count, one, few, many)


def _russian() -> bool:
    return (get_language() or "ru").split("-")[0] == "ru"


@register.filter
def ru_count(count: int, forms: str) -> str:
    """`{{ age|ru_count:"год,года,лет" }}` → «34 года»; other languages: the number and the translated «many» form."""
    one, few, many = forms.split(",")
    if _russian():
        return grammar.count_phrase(count, one, few, many)
    return f"{count} {_(many)}"


@register.filter
def place_case(name, case: str = "gent") -> str:
    """`{{ near.label|place_case:"gent" }}` → «города Кызыла» (Russian only: other languages keep the name)."""
    name = str(name or "")
    return grammar.decline_place(name, case) if _russian() else name


@register.filter
def from_place(name) -> str:
    """`{{ label|from_place }}` → «от города Кызыла» (for Russian-only text; other languages keep the name)."""
    name = str(name or "")
    return grammar.from_place(name) if _russian() else name


@register.filter
def in_place(name) -> str:
    """`{{ label|in_place }}` → «в городе Кызыле» (for Russian-only text; other languages keep the name)."""
    name = str(name or "")
    return grammar.in_place(name) if _russian() else name


@register.filter
def age_range(service) -> str:
    """«возраст ребёнка от 3 до 17 лет», «… до 1 года» (the unit agrees with the last number)."""
    age_min, age_max = service.age_min, service.age_max
    if age_min is None and age_max is None:
        return ""
    if _russian():
        return grammar.age_range_ru(age_min, age_max)
    parts = [_("возраст ребёнка")]
    if age_min is not None:
        parts += [_("от"), str(age_min)]
    if age_max is not None:
        parts += [_("до"), str(age_max)]
    return " ".join([*parts, _("лет")])


@register.simple_tag(takes_context=True)
def url_with(context, **params) -> str:
    """The current query string with some parameters replaced (None removes one); always resets the page."""
    query = context["request"].GET.copy()
    query.pop("page", None)
    for key, value in params.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = value
    return "?" + query.urlencode() if query else "?"
