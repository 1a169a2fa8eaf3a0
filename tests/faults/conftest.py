import pytest


@pytest.fixture(autouse=True)
def fresh_search_breakers():
    """The search circuit breakers live in the process (search.engines.circuit): each test starts with none."""
    from search.engines import circuit

    circuit.reset()
    yield
    circuit.reset()
