"""What public pages show whatever the request, read through `kept` (core/kept.py): one read per process until
an edit bumps the page cache's generation, or a minute passes."""

from __future__ import annotations

from core.kept import kept
from directory import selectors


def hotline_list() -> list[dict]:
    """The hotline panel (directory.selectors.hotline_list): published hotline services with their numbers."""
    return kept("hotlines", selectors.hotline_list)


def databank_is_demo() -> bool:
    """Whether the databank holds demo organisations: the notice on every page."""
    return kept("databank-is-demo", selectors.databank_is_demo)


def site_operator(site):
    """The «Оператор сайта» settings of `site`, or None when editors never saved them."""
    from .models import SiteOperator  # inside: website.models imports this module (cycle at app loading)

    return kept(f"site-operator:{site.pk}", lambda: SiteOperator.for_request_site(site))
