"""Wagtail's Site lookup from the sites kept in the process (core/kept.py) instead of a query per request.

`Site.find_for_request` keeps its answer on the request only (`request._wagtail_site`) and asks
`Site._find_for_request` for it, which reads the sites matching the host every time. Wagtail has no setting for
this, so `install()` puts `site_for_request` in that place: the same answer by Wagtail's own rules
(`wagtail.models.sites.get_site_for_hostname`) from the kept list. Still asked only when something needs the site
(a Wagtail page, a setting, the footer): /healthz touches nothing.
"""

from __future__ import annotations

import copy

from django.http.request import split_domain_port
from wagtail.models import Site

from .kept import kept

# Wagtail's ranks (wagtail.models.sites): the best match first.
HOSTNAME_PORT, HOSTNAME_DEFAULT, DEFAULT, HOSTNAME = range(4)


def all_sites() -> list[Site]:
    return kept("sites", lambda: list(Site.objects.select_related("root_page")))


def _rank(site: Site, hostname: str, port: int | None) -> int:
    if site.hostname == hostname:
        if site.port == port:
            return HOSTNAME_PORT
        return HOSTNAME_DEFAULT if site.is_default_site else HOSTNAME
    return DEFAULT


def site_for_hostname(hostname: str, port: int | None, sites: list[Site]) -> Site | None:
    """What `get_site_for_hostname` answers (None for its Site.DoesNotExist), from `sites`."""
    candidates = sorted(
        (site for site in sites if site.hostname == hostname or site.is_default_site),
        key=lambda site: _rank(site, hostname, port),
    )
    if not candidates:
        return None
    best = _rank(candidates[0], hostname, port)
    if len(candidates) == 1 or best in (HOSTNAME_PORT, HOSTNAME_DEFAULT):
        return candidates[0]
    if best == DEFAULT:
        # The default site, unless exactly one site has the hostname (on another port).
        return candidates[len(candidates) == 2]
    return None


def site_for_request(request) -> Site | None:
    # As Site._find_for_request: the raw host, so that the ALLOWED_HOSTS check stays where Django does it.
    hostname = split_domain_port(request._get_raw_host())[0]
    try:
        port = int(request.get_port())
    except (TypeError, ValueError):
        port = None
    site = site_for_hostname(hostname, port, all_sites())
    # A copy per request: Wagtail caches on its pages (`specific`), which must not pass between requests.
    return copy.deepcopy(site)


def install() -> None:
    Site._find_for_request = staticmethod(site_for_request)
