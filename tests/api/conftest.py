import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    """Each test starts with an empty rate-limit counter."""
    cache.clear()
    yield
    cache.clear()
