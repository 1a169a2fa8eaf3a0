import pytest

from demo.kiosk import load_demo_kiosk


@pytest.fixture
def kiosk(db):
    return load_demo_kiosk()
