import pytest

from website.kiosk.demo import load_demo_kiosk


@pytest.fixture
def kiosk(db):
    return load_demo_kiosk()
