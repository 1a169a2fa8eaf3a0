"""Helpers of the phone-first layout: how many filters are chosen, the one number to call first."""

from django import template

register = template.Library()


@register.simple_tag
def selected_filter_count(facets, near_form=None) -> int:
    """How many filter values the results page applies: the ticked facet values, and the place and the radius of
    «Сначала ближайшие» (the panel's summary «Фильтры (выбрано: N)»)."""
    count = sum(1 for values in (facets or {}).values() for value in values if getattr(value, "selected", False))
    data = getattr(near_form, "cleaned_data", None) if near_form is not None and near_form.is_bound else None
    if data:
        count += int(bool(data.get("near")) or data.get("lat") is not None) + int(data.get("radius") is not None)
    return count


@register.simple_tag
def first_phone(service, places=()) -> str:
    """The number a caller needs first on a service page: the service's own, then a place's (a confidential
    place's «front door» phone), then the organisation's. Stored numbers are E.164 or short (112)."""
    for phone in service.phones.all():
        return phone.number
    for place in places:
        if place.get("confidential"):
            if place.get("front_door_phone"):
                return place["front_door_phone"]
            continue
        for phone in place.get("phones") or []:
            return phone.number
    for phone in service.organization.phones.all():
        return phone.number
    return ""
