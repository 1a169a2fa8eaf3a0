"""«Версия для слабовидящих»: large font, high contrast and hidden images, remembered in a cookie.

It works without JavaScript: the header's links go to `switch`, which sets the cookie and sends the visitor back
to the page they came from (only a path of this site is accepted as `next`). Templates get the state from
`context` (through the site context processor) and put its classes on <body>.
"""

from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

COOKIE = "a11y"
OPTIONS = ("large", "contrast", "noimages")
DEFAULT_ON = ("large", "contrast")  # what «Версия для слабовидящих» turns on at first
MAX_AGE = 365 * 24 * 3600


def read(request) -> set[str]:
    return {flag for flag in request.COOKIES.get(COOKIE, "").split(".") if flag in OPTIONS}


def _safe_next(request) -> str:
    target = request.GET.get("next", "")
    local = target.startswith("/") and not target.startswith("//")
    if local and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return "/"


@require_GET
def switch(request):
    """`?on=1` (the version with its defaults), `?off=1`, or `?<option>=1|0` for one option."""
    flags = read(request)
    if request.GET.get("off"):
        flags = set()
    elif request.GET.get("on"):
        flags |= set(DEFAULT_ON)
    for option in OPTIONS:
        value = request.GET.get(option)
        if value == "1":
            flags.add(option)
        elif value == "0":
            flags.discard(option)
    response = HttpResponseRedirect(_safe_next(request))
    if flags:
        value = ".".join(option for option in OPTIONS if option in flags)
        response.set_cookie(COOKIE, value, max_age=MAX_AGE, samesite="Lax", httponly=True)
    else:
        response.delete_cookie(COOKIE, samesite="Lax")
    return response


def context(request) -> dict:
    flags = read(request)
    here = request.get_full_path()
    base = reverse("a11y")

    def link(**params) -> str:
        return f"{base}?{urlencode({**params, 'next': here})}"

    classes = ["a11y", *[f"a11y-{option}" for option in OPTIONS if option in flags]] if flags else []
    return {
        "on": bool(flags),
        "flags": flags,
        "body_class": " ".join(classes),
        "on_url": link(on="1"),
        "off_url": link(off="1"),
        "toggle": [
            {"option": option, "active": option in flags, "url": link(**{option: "0" if option in flags else "1"})}
            for option in OPTIONS
        ],
    }
