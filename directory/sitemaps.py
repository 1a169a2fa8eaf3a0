"""Sitemap entries of the public directory: page addresses only, never a place's address."""

from django.contrib.sitemaps import Sitemap

from . import selectors
from .models import Organization


class ServiceSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return selectors.public_services().only("pk", "updated_at").order_by("pk")

    def lastmod(self, service):
        return service.updated_at


class OrganizationSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        published = selectors.public_services().values("organization_id")
        return Organization.objects.filter(pk__in=published).only("pk", "updated_at").order_by("pk")

    def lastmod(self, organization):
        return organization.updated_at
