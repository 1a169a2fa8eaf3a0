"""Edits anywhere reach the index through the signals and the background task (immediate in tests)."""

import pytest

from directory.models import Service, ServiceAtLocation
from search.engines.base import Results


def found(engine, query: str) -> Results:
    return engine.search(query=query, filters={}, near=None, sort="relevance", page=1, per_page=50)


@pytest.mark.django_db
def test_saving_and_deleting_through_the_orm_updates_the_index(
    fresh_opensearch_engine, django_capture_on_commit_callbacks
):
    engine = fresh_opensearch_engine
    sal = ServiceAtLocation.objects.filter(service__status="published").select_related("service").first()
    service = sal.service
    with django_capture_on_commit_callbacks(execute=True):
        service.name = "Шахматный кружок для родителей"
        service.save()
    assert sal.pk in {hit.pk for hit in found(engine, "шахматный").hits}

    with django_capture_on_commit_callbacks(execute=True):
        Service.objects.get(pk=service.pk).delete()
    assert not found(engine, "шахматный").hits
