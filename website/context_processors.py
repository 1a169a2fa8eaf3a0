from django.conf import settings
from django.utils.functional import SimpleLazyObject

from directory import selectors

from . import accessibility


def site_operator(request):
    """The «Оператор сайта» settings of the request's site, or None (no site matches the host)."""
    from wagtail.models import Site

    from .models import SiteOperator

    site = Site.find_for_request(request) if request is not None else None
    return SiteOperator.for_request_site(site) if site is not None else None


def site_context(request):
    """Data every public page shows: the hotline panel, the demo-data notice, the visually-impaired version, the
    site's operator and its personal data policy (footer, consent texts)."""
    operator = SimpleLazyObject(lambda: site_operator(request))
    return {
        "hotlines": selectors.hotline_list,  # callable: evaluated only by templates that show it
        "is_demo_databank": selectors.databank_is_demo,
        "quick_exit_url": settings.QUICK_EXIT_URL,
        "a11y": accessibility.context(request),
        # Lazy: read (two small queries) only by the templates that show them.
        "site_operator": operator,
        "privacy_policy_url": SimpleLazyObject(lambda: operator.privacy_policy_url(request) if operator else ""),
    }
