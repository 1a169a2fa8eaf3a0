"""{% seo_head %}: canonical link, Open Graph tags and schema.org JSON-LD of the page being rendered."""

from django import template
from django.conf import settings
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, to_locale

from website import seo

register = template.Library()
OG_LOCALES = {"ru": "ru_RU", "en": "en_US", "tt": "tt_RU"}


@register.inclusion_tag("includes/seo_head.html", takes_context=True)
def seo_head(context):
    share = seo.share_data(context)
    json_ld = [mark_safe(seo.to_json_ld(data)) for data in seo.structured_data(context)]
    request = context.get("request")
    # django-csp's nonce (core/csp.py) on the JSON-LD data blocks; asked for only when there is one.
    nonce = str(request.csp_nonce) if json_ld and hasattr(request, "csp_nonce") else ""
    language = get_language() or settings.LANGUAGE_CODE
    return {
        "canonical": seo.canonical_url(context),
        "share": share,
        "site_name": settings.WAGTAIL_SITE_NAME,
        "og_locale": OG_LOCALES.get(language, to_locale(language)),
        "json_ld": json_ld,
        "csp_nonce": nonce,
    }
