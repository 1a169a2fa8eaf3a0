"""Facet values as every engine shows them: keys, labels, order and `selected` flags; the engine gives the counts."""

from __future__ import annotations

from collections.abc import Callable

from directory.filters import CHECKBOX_FACETS, DELIVERY_CHOICES

from . import references
from .engines.base import FacetValue

LISTED = ("target_group", "municipality", "settlement", "provider_type")


def facet_values(cleaned: dict, count: Callable[[str, object], int]) -> dict[str, list[FacetValue]]:
    """`count(facet, value)`: the count of one value — a category's pk, an object of a listed facet
    (`references`), the code of a way of getting help, None for a checkbox («бесплатно», «открыто сейчас»)."""
    selected = {
        name: {getattr(item, "code", item) for item in (cleaned.get(name) or [])}
        for name in ("category", *LISTED, "delivery")
    }
    taxonomy = references.get("taxonomy")
    public = taxonomy.public  # pk → (code, label, parent, scheme, sort_order)
    # Buckets shown: the top-level groups and the kinds of help, and the selected categories.
    shown = [pk for pk in taxonomy.order if public[pk][2] is None and public[pk][0] != "other"]
    shown += [pk for pk in taxonomy.order if public[pk][0] in selected["category"] and pk not in shown]
    facets = {
        "category": [
            FacetValue(public[pk][0], public[pk][1], count("category", pk), public[pk][0] in selected["category"])
            for pk in sorted(shown, key=lambda pk: (public[pk][3] != "kind", public[pk][4]))
        ]
    }
    for name in LISTED:
        values = [(obj, count(name, obj)) for obj in references.get(name)]
        facets[name] = [
            FacetValue(obj.code, str(obj), found, obj.code in selected[name])
            for obj, found in values
            if found or obj.code in selected[name]
        ]
    facets["delivery"] = [
        FacetValue(code, str(label), count("delivery", code), code in selected["delivery"])
        for code, label in DELIVERY_CHOICES
    ]
    for name in CHECKBOX_FACETS:
        facets[name] = [FacetValue("on", name, count(name, None), bool(cleaned.get(name)))]
    return facets
