"""Factories for records a test needs beyond the demo databank."""

from decimal import Decimal

import factory

from directory import models


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organization

    name = factory.Sequence(lambda n: f"Тестовая организация № {n}")
    provider_type = factory.LazyFunction(lambda: models.ProviderType.objects.get(code="social_service"))


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Location

    organization = factory.SubFactory(OrganizationFactory)
    municipality = factory.LazyFunction(lambda: models.Municipality.objects.order_by("pk").first())
    street = "ул. Ленина"
    house = "1"
    latitude = Decimal("51.719100")
    longitude = Decimal("94.437800")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Service

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Тестовая услуга {n}")
    status = models.Service.Status.PUBLISHED
