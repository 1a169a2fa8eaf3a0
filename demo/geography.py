"""Municipal units and settlements of the Republic of Tyva for the demo databank (data: demo/data/geography.json).

Two city districts (городские округа) and all seventeen kozhuuns (муниципальные районы). The first settlement
of each unit is its administrative centre; the others are main villages of the kozhuun. Coordinates are
decimal degrees (WGS 84, 6 places): the centres are taken from public gazetteers, the smaller villages are
approximate (good to a few kilometres), which is enough for a «nearest first» sort.

"phone_code" is the five-digit area code used to make up the fictional landline numbers of the demo
organisations of that unit (all of them are valid Tyva numbers, +7 394xx xxxxx). OKTMO is given where it was
checked; it is left empty otherwise.
"""

from . import datafiles

REGION = "Республика Тыва"

# kind of settlement (Settlement.kind)
CITY = "город"
URBAN_SETTLEMENT = "пгт"
VILLAGE = "село"

_DATA = datafiles.read("geography.json")

# Each unit: code, name, official_name, genitive, dative, prepositional, oktmo, phone_code and its settlements
# (code, name, kind, latitude, longitude), the administrative centre first.
MUNICIPALITIES = _DATA["municipalities"]

CITY_DISTRICTS = ("kyzyl", "ak-dovurak")
KOZHUUNS = tuple(m["code"] for m in MUNICIPALITIES if m["code"] not in CITY_DISTRICTS)

# Street names for made-up addresses: real streets of Kyzyl and Ak-Dovurak, common street names in villages.
STREETS = _DATA["streets"]
