import pytest

from demo import geography
from demo.databank import load_demo_databank
from directory import reference_data, selectors
from directory.models import Location, Municipality, Organization, Phone, Service
from directory.validators import normalise_phone


@pytest.mark.django_db
def test_demo_databank_loads_idempotently_with_full_coverage():
    first = load_demo_databank()
    second = load_demo_databank()

    assert first == second
    assert first["organizations"] >= 150
    assert first["published_services"] >= 400
    assert Organization.objects.filter(is_demo=True).count() == first["organizations"]
    assert Service.objects.filter(organization__is_demo=True).count() == first["services"]

    used_types = set(Organization.objects.filter(is_demo=True).values_list("provider_type__code", flat=True))
    assert used_types >= {row["code"] for row in reference_data.PROVIDER_TYPES}

    for data in geography.MUNICIPALITIES:
        municipality = Municipality.objects.get(code=data["code"])
        assert municipality.region == "Республика Тыва"
        assert Location.objects.filter(municipality=municipality, organization__is_demo=True).exists(), data["code"]

    shelter = Location.objects.get(organization__is_demo=True, is_confidential=True)
    assert shelter.front_door_phone
    assert not shelter.street and not shelter.house
    assert selectors.place_view(shelter)["address"] == ""

    helpline = Service.objects.get(phones__number="+78002000122")
    assert helpline.is_hotline
    assert helpline.status == Service.Status.PUBLISHED
    assert helpline.phones.get(number="+78002000122").kind == Phone.Kind.HOTLINE
    assert Service.objects.filter(is_hotline=True, phones__number="112").exists()


@pytest.mark.django_db
def test_demo_records_are_valid():
    load_demo_databank()
    services = Service.objects.filter(organization__is_demo=True).prefetch_related(
        "categories", "languages", "service_at_locations"
    )
    for service in services:
        assert 1 <= len([c for c in service.categories.all() if c.scheme == "measure"]) <= 3, service.name
        assert "ru" in {language.code for language in service.languages.all()}
        assert service.service_at_locations.all(), service.name
        assert any(getattr(service, name) for name in Service.DELIVERY_FIELDS)
        if service.age_max is not None:
            assert service.age_min <= service.age_max <= 18
        if service.accepts_referrals:
            assert service.organization.is_network_partner
            assert 3 <= service.referral_response_days <= 10
    for number in Phone.objects.values_list("number", flat=True):
        assert normalise_phone(number) == number
    for location in Location.objects.filter(organization__is_demo=True, is_confidential=False):
        assert location.street and location.house and location.has_coordinates
        assert location.settlement.municipality_id == location.municipality_id
