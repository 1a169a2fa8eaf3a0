"""/metrics: request latency by view, search latency by engine and fallbacks, task queue, overdue referrals."""

from __future__ import annotations

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from directory.models import Service

pytestmark = pytest.mark.django_db


def scrape(client, **extra) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_and_searches_are_counted_by_view_and_engine(client):
    service = Service.objects.filter(status="published").first()
    before = scrape(client)
    client.get(f"/services/{service.pk}/")
    client.get("/services/", {"q": "психолог"})
    client.get("/no-such-page-at-all/")
    after = scrape(client)
    count = "http_request_duration_seconds_count"
    assert value(after, count, view="directory:service", method="GET", status="2xx") == (
        value(before, count, view="directory:service", method="GET", status="2xx") + 1
    )
    assert value(after, count, view="search:results", method="GET", status="2xx") >= 1
    assert value(after, "search_duration_seconds_count", engine="database") >= (
        value(before, "search_duration_seconds_count", engine="database") + 1
    )
    # paths with ids never become labels: the service page is one series whatever its id
    assert not [key for key in after if str(service.pk) in str(key[1])]


def test_a_failed_engine_counts_a_fallback(client, settings):
    settings.SEARCH_URL, settings.SEARCH_ENGINE, settings.SEARCH_TIMEOUT_SECONDS = "http://127.0.0.1:9", "opensearch", 1
    before = value(scrape(client), "search_fallback_total", engine="opensearch")
    assert client.get("/services/", {"q": "психолог"}).status_code == 200
    assert value(scrape(client), "search_fallback_total", engine="opensearch") == before + 1


def test_overdue_referrals_and_the_task_queue_are_read_at_scrape_time(client):
    from referrals.models import Referral
    from referrals.states import overdue_q

    samples = scrape(client)
    today = timezone.localdate()
    assert value(samples, "referrals_overdue") == Referral.objects.filter(overdue_q(today)).count()
    for state in ("ready", "running", "failed"):
        assert ("task_queue_depth", (("state", state),)) in samples


def test_metrics_answer_only_allowed_addresses_or_the_token(client, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.7").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.7", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    samples = scrape(client, REMOTE_ADDR="203.0.113.7", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert any(name == "referrals_overdue" for name, _ in samples)
