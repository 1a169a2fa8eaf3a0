"""Reads for search helpers that are not the main search: autocomplete suggestions."""

from __future__ import annotations

import re

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directory import selectors as directory_selectors
from directory.models import Category, Organization
from directory.validators import format_phone

from . import text as textmod
from .models import SearchOrganization
from .query import parse as parse_query

WORD_RE = re.compile(r"[0-9a-zа-яё]+", re.IGNORECASE)


def normalise(text: str) -> str:
    """Lower case, ё→е, words separated by one space, a leading space: `" word" in` is «a word starts with»."""
    return " " + " ".join(WORD_RE.findall((text or "").lower().replace("ё", "е")))


def autocomplete(prefix: str, *, limit: int = 6) -> dict:
    """Suggestions whose words start with what was typed (after keyboard-layout repair)."""
    prefix = (prefix or "").strip()[:100]
    if len(prefix) < 2:
        return {"query": prefix, "services": [], "organizations": [], "categories": []}
    parsed = parse_query(prefix)
    typed = normalise(parsed.text if parsed.corrected else prefix).strip()
    words = typed.split()
    crisis = crisis_suggestions() if parsed.crisis else []
    if not words:
        return {"query": prefix, "crisis": crisis, "services": [], "organizations": [], "categories": []}

    def matches(text: str) -> bool:
        normal = normalise(text)
        return all(f" {word}" in normal for word in words if word not in textmod.STOP_WORDS)

    services = directory_selectors.public_services()
    for word in words[:-1]:
        if word not in textmod.STOP_WORDS:
            services = services.filter(search_text__contains=f" {textmod.lemma(word)}")
    last = words[-1]
    service_rows = (
        services.filter(search_name__contains=f" {last[:4]}")
        .values_list("pk", "name")
        .order_by("name")
        .distinct()[: limit * 10]
    )
    seen, service_items = set(), []
    for pk, name in service_rows:
        if matches(name) and name not in seen:
            seen.add(name)
            service_items.append({"label": name, "url": reverse("directory:service", args=[pk])})
        if len(service_items) >= limit:
            break

    organization_items = []
    # Organisations with a published service whose words start with every typed word (search.rows keeps the
    # normalised names), in the organisations' order, at most `limit`.
    entries = SearchOrganization.objects.filter(
        *[Q(text__contains=f" {word}") for word in words if word not in textmod.STOP_WORDS]
    )
    organizations = Organization.objects.filter(pk__in=entries.values("organization_id"))
    for pk, name, short in organizations.values_list("pk", "name", "short_name")[:limit]:
        if matches(f"{name} {short}"):
            organization_items.append({"label": short or name, "url": reverse("directory:organization", args=[pk])})

    category_items = []
    search_url = reverse("search:results")
    for code, name, short in Category.objects.filter(is_public=True).values_list("code", "name", "short_name"):
        if matches(f"{short} {name}"):
            category_items.append({"label": short or name, "url": f"{search_url}?category={code}"})
            if len(category_items) >= limit:
                break
    return {
        "query": prefix,
        "corrected": parsed.text if parsed.corrected else "",
        "crisis": crisis,
        "crisis_title": str(_("Если вам или ребёнку угрожает опасность — позвоните сейчас")) if crisis else "",
        "services": service_items,
        "organizations": organization_items,
        "categories": category_items,
    }


def crisis_suggestions() -> list[dict]:
    """The crisis block's numbers as autocomplete items: shown first, whatever else matches."""
    return [
        {"label": f"{format_phone(contact['number'])} — {contact['name']}", "url": f"tel:{contact['number']}"}
        for contact in directory_selectors.crisis_contacts()
    ]


# ---------------------------------------------------------------- zero results


FILTER_LABELS = {
    "category": gettext_lazy("вид помощи"),
    "target_group": gettext_lazy("категория семьи"),
    "municipality": gettext_lazy("район"),
    "settlement": gettext_lazy("населённый пункт"),
    "provider_type": gettext_lazy("тип организации"),
    "delivery": gettext_lazy("способ получения"),
    "free": gettext_lazy("только бесплатно"),
    "open_now": gettext_lazy("открыто сейчас"),
    "accessible": gettext_lazy("доступный вход"),
    "radius": gettext_lazy("радиус"),
    "q": gettext_lazy("слова запроса"),
}


def relax_suggestions(params, facets, near) -> list[dict]:
    """Links that drop one active condition each, so that nobody is left with an empty page."""
    suggestions = []
    for key, label in FILTER_LABELS.items():
        values = [v for v in params.getlist(key) if v]
        for value in values:
            reduced = params.copy()
            reduced.setlist(key, [v for v in values if v != value])
            reduced.pop("page", None)
            names = {f.value: f.label for f in facets.get(key, [])}
            text = f"{label}: {names.get(value, value)}" if key not in {"free", "open_now", "accessible"} else label
            suggestions.append({"label": text, "querystring": reduced.urlencode()})
    return suggestions
