"""Editors manage the databank in the Wagtail admin: one form for an organisation and all its parts."""

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from directory.models import Municipality, Organization, ProviderType, Service

pytestmark = pytest.mark.django_db


def org_form(*, schedules):
    municipality = Municipality.objects.get(code="kyzyl")
    return nested_form_data(
        {
            "name": "Центр «Тестовый»",
            "short_name": "",
            "provider_type": ProviderType.objects.get(code="family_centre").pk,
            "agency": "",
            "legal_form": "",
            "description": "Помощь семьям",
            "website": "",
            "email": "",
            "phones": inline_formset(
                [{"number": "8 (39422) 3-33-33", "extension": "", "kind": "main", "description": ""}]
            ),
            "locations": inline_formset(
                [
                    {
                        "name": "",
                        "municipality": municipality.pk,
                        "settlement": municipality.settlements.first().pk,
                        "street": "ул. Кочетова",
                        "house": "10",
                        "postal_code": "667000",
                        "address_note": "",
                        "latitude": "51.719",
                        "longitude": "94.438",
                        "front_door_phone": "",
                        "accessibility_note": "",
                        "transport_note": "",
                        "schedules": inline_formset(schedules),
                        "schedule_exceptions": inline_formset([]),
                        "phones": inline_formset([]),
                    }
                ]
            ),
            "services": inline_formset(
                [{"name": "Консультация семейного психолога", "status": "published", "cost": "free", "description": ""}]
            ),
        }
    )


def test_listings_filters_and_forms_render(admin_client):
    organization = Organization.objects.filter(locations__isnull=False).first()
    urls = [
        reverse("wagtailsnippets_directory_organization:list"),
        reverse("wagtailsnippets_directory_organization:list") + "?provider_type=1&needs_verification=true",
        reverse("wagtailsnippets_directory_organization:list") + "?q=центр",
        reverse("wagtailsnippets_directory_organization:edit", args=[organization.pk]),
        reverse("wagtailsnippets_directory_organization:add"),
        reverse("wagtailsnippets_directory_service:list") + "?needs_verification=true&status=published",
        reverse("wagtailsnippets_directory_service:edit", args=[Service.objects.first().pk]),
        reverse("wagtailsnippets_directory_category:list"),
        reverse("wagtailsnippets_directory_targetgroup:list"),
        reverse("wagtailsnippets_directory_holiday:list"),
    ]
    for url in urls:
        assert admin_client.get(url).status_code == 200, url


def test_needs_verification_list_shows_only_stale_published_services(admin_client):
    response = admin_client.get(reverse("wagtailsnippets_directory_service:list") + "?needs_verification=true")
    from directory.selectors import services_needing_verification

    stale = services_needing_verification()
    assert stale.exists()
    assert response.context["paginator"].count == stale.count()
    assert {obj.pk for obj in response.context["object_list"]} <= set(stale.values_list("pk", flat=True))
    assert "needs_verification" in admin_client.get(reverse("wagtailadmin_home")).content.decode()  # menu item


def test_organization_with_location_hours_phones_and_service_created_in_one_form(
    admin_client, django_capture_on_commit_callbacks
):
    data = org_form(
        schedules=[
            {"weekday": 0, "opens_at": "09:00", "closes_at": "13:00"},
            {"weekday": 0, "opens_at": "14:00", "closes_at": "18:00"},
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("wagtailsnippets_directory_organization:add"), data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    organization = Organization.objects.get(name="Центр «Тестовый»")
    assert organization.phones.get().number == "+73942233333"
    location = organization.locations.get()
    assert location.schedules.count() == 2
    service = organization.services.get()
    assert " психолог" in Service.objects.get(pk=service.pk).search_text


def test_overlapping_hours_are_refused_and_nothing_is_saved(admin_client):
    data = org_form(
        schedules=[
            {"weekday": 0, "opens_at": "09:00", "closes_at": "13:00"},
            {"weekday": 0, "opens_at": "12:00", "closes_at": "18:00"},
        ]
    )
    response = admin_client.post(reverse("wagtailsnippets_directory_organization:add"), data)
    assert response.status_code == 200
    assert "пересекаются" in response.content.decode()
    assert not Organization.objects.filter(name="Центр «Тестовый»").exists()


def test_bad_phone_in_admin_gets_a_russian_message(admin_client):
    data = org_form(schedules=[])
    data["phones-0-number"] = "12-34"
    response = admin_client.post(reverse("wagtailsnippets_directory_organization:add"), data)
    assert response.status_code == 200
    assert "не существует" in response.content.decode()
    assert not Organization.objects.filter(name="Центр «Тестовый»").exists()
