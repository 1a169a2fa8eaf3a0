"""Property-based run of the published OpenAPI schema (schemathesis), bounded to a few examples per operation:
no server errors, every response matches its declared schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from website.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def wsgi_in_test_transaction(settings):
    """Django closes connections around WSGI requests; inside a test transaction it must not."""
    settings.API_RATE_LIMIT = 0
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_schema(case, wsgi_in_test_transaction):
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])
