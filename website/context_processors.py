from django.conf import settings
from django.utils.functional import SimpleLazyObject
from wagtail.models import Site

from . import accessibility, page_values


def site_operator(request):
    """The «Оператор сайта» settings of the request's site, or None (no site matches the host)."""
    site = Site.find_for_request(request) if request is not None else None
    return page_values.site_operator(site) if site is not None else None


def site_context(request):
    """Data every public page shows: the hotline panel, the demo-data notice, the visually-impaired version, the
    site's operator and its personal data policy (footer, consent texts)."""
    operator = SimpleLazyObject(lambda: site_operator(request))
    return {
        # Callables: evaluated only by templates that show them; kept in the process (website/page_values.py).
        "hotlines": page_values.hotline_list,
        "is_demo_databank": page_values.databank_is_demo,
        "quick_exit_url": settings.QUICK_EXIT_URL,
        "a11y": accessibility.context(request),
        # Lazy: read only by the templates that show them.
        "site_operator": operator,
        "privacy_policy_url": SimpleLazyObject(lambda: operator.privacy_policy_url(request) if operator else ""),
    }
