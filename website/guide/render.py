"""The printed resource guide as PDF bytes (WeasyPrint), A4 or A5, with the DejaVu fonts shipped in the repo.

WeasyPrint never reaches the network: `LocalOnlyFetcher` serves `data:` URIs (the QR codes) and files under
the guide's own folder and the fonts folder, and refuses everything else.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit
from urllib.request import url2pathname

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from directory import selectors as directory_selectors

from . import selectors

GUIDE_DIR = Path(__file__).resolve().parent
FONTS_DIR = Path(settings.BASE_DIR) / "referrals" / "fonts"
STYLESHEET = GUIDE_DIR / "booklet.css"
ALLOWED_DIRS = (GUIDE_DIR, FONTS_DIR)
PAGE_SIZES = {"a4": "A4", "a5": "A5"}

# WeasyPrint reports every layout step at INFO; a booklet of 100 pages would fill the log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class LocalFetchRefused(ValueError):
    pass


def local_only_fetcher():
    """A WeasyPrint URL fetcher for `data:` URIs and the guide's local files only (built lazily: import cost)."""
    from weasyprint.urls import URLFetcher  # inside: WeasyPrint takes ~1.5 s to import, only PDFs need it

    class LocalOnlyFetcher(URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False, timeout=1)

        def fetch(self, url, headers=None):
            scheme = urlsplit(url).scheme.lower()
            if scheme == "file":
                path = Path(url2pathname(urlsplit(url).path)).resolve()
                if not any(path.is_relative_to(folder) for folder in ALLOWED_DIRS) or not path.is_file():
                    raise LocalFetchRefused(f"Файл вне каталога справочника: {url}")
            elif scheme != "data":
                raise LocalFetchRefused(f"Справочник не загружает ничего из сети: {url}")
            return super().fetch(url, headers)

    return LocalOnlyFetcher()


def qr_data_uri(url: str) -> str:
    """A QR code as a small PNG data URI (a raster is laid out much faster than an SVG path by WeasyPrint).

    A fixed mask pattern skips segno's search for the best one (4× faster, still readable by any phone)."""
    return segno.make(url, error="m", mask=0, boost_error=False).png_data_uri(scale=4, border=2)


def guide_context(selection: selectors.Selection, *, base_url: str) -> dict:
    sections = selectors.guide_sections(selection)
    for section in sections:
        for entry in section.entries:
            entry.url = urljoin(base_url, entry.service.get_absolute_url())
            entry.qr = qr_data_uri(entry.url)
    online_url = urljoin(base_url, reverse("search:results")) + "?" + urlencode(selection.filters, doseq=True)
    return {
        "selection": selection,
        "sections": sections,
        "entry_count": sum(len(s.entries) for s in sections),
        "hotlines": selectors.guide_hotlines(),
        "region": settings.DIRECTORY_REGION_NAME,
        "data_date": timezone.localdate(),
        "online_url": online_url,
        "online_qr": qr_data_uri(online_url),
        "is_demo": directory_selectors.databank_is_demo(),
        "page_size": PAGE_SIZES[selection.size],
    }


def render_html(context: dict) -> str:
    return render_to_string("website/guide/booklet.html", context)


def render_pdf(html: str, *, size: str) -> bytes:
    from weasyprint import CSS, HTML  # inside: WeasyPrint takes ~1.5 s to import, only PDFs need it

    fetcher = local_only_fetcher()
    stylesheets = [
        CSS(filename=str(STYLESHEET), url_fetcher=fetcher),
        CSS(string=f"@page {{ size: {PAGE_SIZES[size]}; }}", url_fetcher=fetcher),
    ]
    document = HTML(string=html, base_url=GUIDE_DIR.as_uri() + "/", url_fetcher=fetcher)
    return document.write_pdf(stylesheets=stylesheets)


def guide_pdf(selection: selectors.Selection, *, base_url: str) -> tuple[bytes, int]:
    """The booklet's PDF and its number of entries (0: nothing to print, the caller says so)."""
    context = guide_context(selection, base_url=base_url)
    if not context["entry_count"]:
        return b"", 0
    return render_pdf(render_html(context), size=selection.size), context["entry_count"]
