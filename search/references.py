"""The names behind the facets (categories, family categories, districts, settlements, types of organisation),
kept in the process: they change rarely and never change which rows a search finds.

Both engines label their facet counts with these. An edit in this process forgets them at once
(`reference_changed`); other processes read them again within `TTL` seconds.
"""

from __future__ import annotations

import threading
import time

from directory.models import Category, Municipality, ProviderType, Settlement, TargetGroup

from .taxonomy import Taxonomy

TTL = 60.0
LISTS = {
    "target_group": TargetGroup,
    "municipality": Municipality,
    "settlement": Settlement,
    "provider_type": ProviderType,
}

MODELS = (Category, *LISTS.values())

_lock = threading.Lock()
_kept: dict = {}
_kept_at = 0.0


def get(name: str):
    """`taxonomy` (search.taxonomy.Taxonomy), or the objects of a facet or of `category`, in the model's order."""
    global _kept, _kept_at
    kept = _kept
    if not kept or time.monotonic() - _kept_at > TTL:
        with _lock:
            kept = {
                "taxonomy": Taxonomy.load(),
                "category": list(Category.objects.all()),  # the filters' choices (`directory.kept_fields`)
                **{key: list(model.objects.all()) for key, model in LISTS.items()},
            }
            _kept, _kept_at = kept, time.monotonic()
    return kept[name]


def forget() -> None:
    global _kept
    _kept = {}


def reference_changed(sender, **kwargs):
    """Connected in `search.apps` to saves and deletes of every model of `MODELS`."""
    forget()
