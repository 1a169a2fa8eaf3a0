"""Display preferences of a kiosk session (language, font scale, contrast), kept only in cookies the kiosk
clears on every reset. The device marker cookie tells the server that a request comes from a kiosk."""

from __future__ import annotations

from dataclasses import dataclass

LANG_COOKIE = "kiosk_lang"
SCALE_COOKIE = "kiosk_scale"
CONTRAST_COOKIE = "kiosk_contrast"
DEVICE_COOKIE = "kiosk_device"
PREFERENCE_COOKIES = (LANG_COOKIE, SCALE_COOKIE, CONTRAST_COOKIE)
LANGUAGES = ("ru", "en")
SCALES = ("100", "125", "150")


@dataclass(frozen=True)
class Preferences:
    lang: str
    scale: str
    contrast: bool


def read(request, kiosk) -> Preferences:
    lang = request.COOKIES.get(LANG_COOKIE, "")
    scale = request.COOKIES.get(SCALE_COOKIE, "")
    return Preferences(
        lang=lang if lang in LANGUAGES else kiosk.default_language,
        scale=scale if scale in SCALES else SCALES[0],
        contrast=request.COOKIES.get(CONTRAST_COOKIE) == "1",
    )


def parse(params) -> dict[str, str]:
    """Cookie values from a preferences link; anything unknown is ignored."""
    values = {}
    if params.get("lang") in LANGUAGES:
        values[LANG_COOKIE] = params["lang"]
    if params.get("scale") in SCALES:
        values[SCALE_COOKIE] = params["scale"]
    if params.get("contrast") in ("0", "1"):
        values[CONTRAST_COOKIE] = params["contrast"]
    return values


def set_cookie(response, name: str, value: str, *, kiosk_code: str, http_only: bool = False) -> None:
    # Session cookies (no max-age), only for this kiosk's pages, never sent to another site.
    path = "/" if name == DEVICE_COOKIE else f"/kiosk/{kiosk_code}/"
    response.set_cookie(name, value, path=path, samesite="Strict", httponly=http_only)


def clear_cookies(response, *, kiosk_code: str) -> None:
    for name in PREFERENCE_COOKIES:
        response.delete_cookie(name, path=f"/kiosk/{kiosk_code}/", samesite="Strict")
    response.delete_cookie(DEVICE_COOKIE, path="/", samesite="Strict")
