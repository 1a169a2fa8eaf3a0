"""Presentation helpers for directory templates: phones, QR codes, Russian plurals."""

import segno
from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

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
    """`{{ n|ru_plural:"услуга,услуги,услуг" }}`"""
    one, few, many = forms.split(",")
    n = abs(int(count or 0))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


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
