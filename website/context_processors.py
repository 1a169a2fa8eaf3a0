from django.conf import settings

from directory import selectors

from . import accessibility


def site_context(request):
    """Data every public page shows: the hotline panel, the demo-data notice, the visually-impaired version."""
    return {
        "hotlines": selectors.hotline_list,  # callable: evaluated only by templates that show it
        "is_demo_databank": selectors.databank_is_demo,
        "quick_exit_url": settings.QUICK_EXIT_URL,
        "a11y": accessibility.context(request),
    }
