"""The organisations autocomplete offers (`search.selectors`): present while one of their services is published,
with their names as autocomplete matches them. Written with the search table (`search.rows`)."""

from __future__ import annotations

from collections.abc import Iterable

from directory import selectors
from directory.models import Organization

from .models import SearchOrganization
from .selectors import normalise

CHUNK_SIZE = 2000


def _text(name: str, short_name: str) -> str:
    return normalise(f"{name} {short_name}")


def refresh(organization_ids: Iterable[int]) -> None:
    """The entries of these organisations, written again."""
    ids = sorted({int(pk) for pk in organization_ids if pk is not None})
    for start in range(0, len(ids), CHUNK_SIZE):
        chunk = ids[start : start + CHUNK_SIZE]
        SearchOrganization.objects.filter(organization_id__in=chunk)._raw_delete(SearchOrganization.objects.db)
        _write(Organization.objects.filter(pk__in=chunk))


def rebuild() -> int:
    """Every entry written again; returns how many there are."""
    SearchOrganization.objects.all()._raw_delete(SearchOrganization.objects.db)
    return _write(Organization.objects.all())


def _write(organizations) -> int:
    published = selectors.public_services().values("organization_id")
    entries = [
        SearchOrganization(organization_id=pk, text=_text(name, short_name))
        for pk, name, short_name in organizations.filter(pk__in=published).values_list("pk", "name", "short_name")
    ]
    SearchOrganization.objects.bulk_create(entries, batch_size=1000)
    return len(entries)
