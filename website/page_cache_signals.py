"""What makes the cached public pages stale (core/page_cache.py): publication of Wagtail pages and every edit
of the content public pages show — the site's pages, settings and snippets, images and documents, kiosks, search
synonyms. Edits of the databank (the `directory` app) bump the cache through `search.sync.databank_changed`, with
the search table and the re-index, whether they come through signals (directory/signals.py) or in bulk."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save
from wagtail.signals import page_published, page_unpublished, post_page_move

from core import page_cache

CONTENT_APPS = {"website", "wagtailcore", "wagtailimages", "wagtaildocs", "wagtailredirects"}
CONTENT_MODELS = {("search", "synonym")}
# Written while public pages are served or by the workspace; never shown on a cached page.
IGNORED_MODELS = {
    ("website", "kioskdailyusage"),
    ("wagtailimages", "rendition"),
    ("wagtailcore", "revision"),
    ("wagtailcore", "pagelogentry"),
    ("wagtailcore", "modellogentry"),
    ("wagtailcore", "taskstate"),
    ("wagtailcore", "workflowstate"),
    ("wagtailcore", "pagesubscription"),
    ("wagtailcore", "referenceindex"),
}
KIOSK_HEARTBEAT_FIELDS = {"last_seen_at", "software_version"}


def _is_content(model) -> bool:
    label = (model._meta.app_label, model._meta.model_name)
    if label in IGNORED_MODELS:
        return False
    return model._meta.app_label in CONTENT_APPS or label in CONTENT_MODELS


def _saved(sender, instance=None, update_fields=None, raw=False, **kwargs):
    if raw or not _is_content(sender):
        return
    label = (sender._meta.app_label, sender._meta.model_name)
    if label == ("website", "kiosk") and update_fields and set(update_fields) <= KIOSK_HEARTBEAT_FIELDS:
        return
    page_cache.bump()


def _deleted(sender, **kwargs):
    if _is_content(sender):
        page_cache.bump()


def _m2m_changed(sender, instance=None, action="", **kwargs):
    if action.startswith("post_") and (_is_content(sender) or _is_content(type(instance))):
        page_cache.bump()


def connect() -> None:
    post_save.connect(_saved, dispatch_uid="page_cache_saved")
    post_delete.connect(_deleted, dispatch_uid="page_cache_deleted")
    m2m_changed.connect(_m2m_changed, dispatch_uid="page_cache_m2m_changed")
    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(page_cache.bump, dispatch_uid=f"page_cache_{id(signal)}")
