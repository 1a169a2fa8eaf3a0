"""The anonymous log of public searches that found little (read by the working group's unmet-need report)."""

import re

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import SearchGap
from .services import filter_values

FEW_RESULTS = 3


def _first(filters, name: str) -> str:
    values = filter_values(filters, name)
    return str(values[0])[:60] if values else ""


def record_search(*, query: str, filters, total: int) -> None:
    """Count a public search with few or no results (nothing is recorded for searches that found enough)."""
    if total > FEW_RESULTS:
        return
    key = {
        "day": timezone.localdate(),
        "query": re.sub(r"\d", "#", " ".join(query.lower().split()))[:100],
        "category": _first(filters, "category")[:50],
        "municipality": _first(filters, "municipality"),
        "results": total,
    }
    if not (key["query"] or key["category"]):
        return
    updated = SearchGap.objects.filter(**key).update(count=F("count") + 1)
    if not updated:
        try:
            with transaction.atomic():
                SearchGap.objects.create(**key, count=1)
        except IntegrityError:  # created meanwhile by a parallel request
            SearchGap.objects.filter(**key).update(count=F("count") + 1)
