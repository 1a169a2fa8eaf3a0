"""The demo kiosk of `make run`: a terminal in the hall of the children's clinic of Kyzyl (idempotent)."""

from decimal import Decimal

from directory.models import Municipality
from website.kiosk.models import Kiosk

DEMO_KIOSK = {
    "code": "kyzyl-hospital",
    "name": "Терминал в детской поликлинике",
    "place": "Кызыл, холл детской поликлиники (демо)",
    "latitude": Decimal("51.719100"),
    "longitude": Decimal("94.437800"),
    "municipality_code": "kyzyl",
    "has_printer": True,
}


def load_demo_kiosk() -> Kiosk:
    values = dict(DEMO_KIOSK)
    municipality = Municipality.objects.get(code=values.pop("municipality_code"))
    code = values.pop("code")
    kiosk, _created = Kiosk.objects.update_or_create(code=code, defaults={**values, "municipality": municipality})
    return kiosk
