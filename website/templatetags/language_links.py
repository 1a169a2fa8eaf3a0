"""{% language_switcher %}: links to this page in the other languages.

A Wagtail page links to its live translations; a page outside the tree (the directory, /help/, …) links to the
same address in the other language (its URL patterns are language-prefixed, see website/urls.py); anything
else falls back to the home pages."""

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language, get_language_info
from wagtail.models import Page

register = template.Library()


def _targets(page, request) -> dict[str, str]:
    if page is not None and isinstance(page, Page):
        return {
            p.locale.language_code: p.url for p in page.get_translations(inclusive=True).live().select_related("locale")
        }
    if request is not None:
        path = request.get_full_path()
        current = get_language() or settings.LANGUAGE_CODE
        targets = {code: translate_url(path, code) for code, _name in settings.LANGUAGES}
        if any(url != path for code, url in targets.items() if code != current):
            return targets
    homes = Page.objects.filter(depth=2, live=True).select_related("locale")
    return {home.locale.language_code: home.url for home in homes}


@register.inclusion_tag("includes/language_switcher.html", takes_context=True)
def language_switcher(context):
    current = get_language() or settings.LANGUAGE_CODE
    targets = _targets(context.get("page"), context.get("request"))
    links = [
        {"code": code, "name": get_language_info(code)["name_local"], "url": targets[code], "current": code == current}
        for code, _name in settings.LANGUAGES
        if code in targets
    ]
    return {"links": links if len(links) > 1 else []}
