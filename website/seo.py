"""SEO and sharing: canonical URL, Open Graph and schema.org structured data (JSON-LD) of a public page.

Everything is computed from the template context: a Wagtail `page`, or the directory's `service` /
`organization`. Confidential addresses never appear in structured data.
"""

import json

from django.conf import settings
from django.utils.html import strip_tags
from django.utils.text import Truncator

from website.models import MeasurePage

SCHEMA = "https://schema.org"


def _text(value, words: int = 40) -> str:
    return Truncator(" ".join(strip_tags(str(value or "")).split())).words(words)


def canonical_url(context) -> str:
    request = context.get("request")
    page = context.get("page")
    if page is not None and hasattr(page, "get_full_url"):
        url = page.get_full_url(request)
        if url:
            return url
    if request is None:
        return ""
    return request.build_absolute_uri(request.path)


def share_data(context) -> dict:
    """Title and description for Open Graph."""
    page, service, organization = context.get("page"), context.get("service"), context.get("organization")
    if page is not None and hasattr(page, "seo_title"):
        description = page.search_description or getattr(page, "summary", "") or getattr(page, "intro", "")
        return {"title": page.seo_title or page.title, "description": _text(description), "type": "article"}
    if service is not None:
        return {
            "title": f"{service.name} — {service.organization.display_name}",
            "description": _text(service.description),
            "type": "website",
        }
    if organization is not None:
        return {"title": organization.name, "description": _text(organization.description), "type": "website"}
    return {"title": settings.WAGTAIL_SITE_NAME, "description": "", "type": "website"}


def _address(location) -> dict | None:
    if location.is_confidential:
        return None
    address = {"@type": "PostalAddress", "addressCountry": "RU"}
    if location.settlement_id:
        address["addressLocality"] = location.settlement.name
    if location.municipality_id:
        address["addressRegion"] = location.municipality.region
    street = ", ".join(part for part in (location.street, location.house) if part)
    if street:
        address["streetAddress"] = street
    if location.postal_code:
        address["postalCode"] = location.postal_code
    return address


def organization_data(organization, url: str = "") -> dict:
    data = {"@context": SCHEMA, "@type": "Organization", "name": organization.name}
    if organization.short_name:
        data["alternateName"] = organization.short_name
    if organization.description:
        data["description"] = _text(organization.description, 60)
    if url:
        data["url"] = url
    if organization.website:
        data["sameAs"] = [organization.website]
    if organization.email:
        data["email"] = organization.email
    addresses = [a for a in (_address(loc) for loc in organization.locations.all()) if a]
    if addresses:
        data["address"] = addresses if len(addresses) > 1 else addresses[0]
    return data


def service_data(service, url: str, request=None) -> dict:
    organization = service.organization
    provider = {"@type": "Organization", "name": organization.name}
    if request is not None:
        provider["url"] = request.build_absolute_uri(organization.get_absolute_url())
    data = {"@context": SCHEMA, "@type": "Service", "name": service.name, "url": url, "provider": provider}
    if service.description:
        data["description"] = _text(service.description, 60)
    categories = [category.name for category in service.categories.all()]
    if categories:
        data["serviceType"] = categories
    if service.cost == service.Cost.FREE:
        data["isAccessibleForFree"] = True
    places = [a for a in (_address(sal.location) for sal in service.service_at_locations.all()) if a]
    if places:
        data["availableChannel"] = [
            {"@type": "ServiceChannel", "serviceLocation": {"@type": "Place", "address": a}} for a in places
        ]
    return data


def measure_data(page, url: str) -> dict:
    data = {
        "@context": SCHEMA,
        "@type": "GovernmentService",
        "name": page.title,
        "url": url,
        "serviceType": page.get_provision_form_display() if page.provision_form else "",
        "description": _text(page.search_description or page.summary, 60),
        "provider": {"@type": "GovernmentOrganization", "name": settings.WAGTAIL_SITE_NAME},
        "areaServed": {"@type": "AdministrativeArea", "name": page.oktmo} if page.oktmo else None,
        "audience": [{"@type": "Audience", "audienceType": group.name} for group in page.recipient_groups.all()],
        "termsOfService": page.legal_basis_url or None,
        "identifier": page.classifier_code or None,
    }
    return {key: value for key, value in data.items() if value not in ("", None, [])}


def structured_data(context) -> list[dict]:
    request, page = context.get("request"), context.get("page")
    url = canonical_url(context)
    if isinstance(page, MeasurePage):
        return [measure_data(page, url)]
    if context.get("service") is not None:
        return [service_data(context["service"], url, request)]
    if context.get("organization") is not None:
        return [organization_data(context["organization"], url)]
    return []


def to_json_ld(data: dict) -> str:
    """JSON for a <script type="application/ld+json">: `<`, `>` and `&` escaped so that no tag can close it."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
