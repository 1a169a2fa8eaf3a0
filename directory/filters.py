"""The public directory's filters (django-filter). The search engines apply the same cleaned values."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from search import references

from . import selectors
from .kept_fields import KeptMultipleChoiceField
from .models import Category, Municipality, ProviderType, Service, ServiceAtLocation, Settlement, TargetGroup

DELIVERY_CHOICES = [
    ("in_person", _("очно")),
    ("phone", _("по телефону")),
    ("online", _("онлайн")),
    ("home_visit", _("выезд на дом")),
]


class CheckboxFilter(django_filters.BooleanFilter):
    """A checkbox that narrows when ticked and does nothing when not (never filters on «false»)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.CheckboxInput)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return super().filter(qs, True) if value else qs


def only_when_ticked(method):
    """django-filter calls a `method=` filter directly, bypassing CheckboxFilter.filter: guard it here."""

    def wrapper(self, queryset, name, value):
        return method(self, queryset, name, value) if value else queryset

    return wrapper


def kept(name: str, *, public: bool = False):
    """The objects of `search.references` named `name` (only the public ones with `public`)."""

    def objects():
        return [obj for obj in references.get(name) if not public or obj.is_public]

    return objects


class KeptMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    """Checks the chosen codes against the reference lists kept in the process, not with a query per request."""

    field_class = KeptMultipleChoiceField


class DirectoryFilterSet(django_filters.FilterSet):
    """Filters over published service-at-location rows. Parameter values are stable codes, not ids
    (django-filter compares `to_field_name` values, hence the `__code` lookups)."""

    category = KeptMultipleChoiceFilter(
        kept=kept("category", public=True),
        label=_("Вид помощи"),
        queryset=Category.objects.filter(is_public=True),
        to_field_name="code",
        method="filter_category",
    )
    target_group = KeptMultipleChoiceFilter(
        kept=kept("target_group", public=True),
        label=_("Категория семьи"),
        queryset=TargetGroup.objects.filter(is_public=True),
        to_field_name="code",
        field_name="service__target_groups__code",
        distinct=True,
    )
    municipality = KeptMultipleChoiceFilter(
        kept=kept("municipality"),
        label=_("Район"),
        queryset=Municipality.objects.all(),
        to_field_name="code",
        field_name="location__municipality__code",
    )
    settlement = KeptMultipleChoiceFilter(
        kept=kept("settlement"),
        label=_("Населённый пункт"),
        queryset=Settlement.objects.all(),
        to_field_name="code",
        field_name="location__settlement__code",
    )
    provider_type = KeptMultipleChoiceFilter(
        kept=kept("provider_type"),
        label=_("Тип организации"),
        queryset=ProviderType.objects.all(),
        to_field_name="code",
        field_name="service__organization__provider_type__code",
    )
    delivery = django_filters.MultipleChoiceFilter(
        label=_("Как получить"), choices=DELIVERY_CHOICES, method="filter_delivery"
    )
    free = CheckboxFilter(label=_("Только бесплатно"), method="filter_free")
    open_now = CheckboxFilter(label=_("Открыто сейчас"), method="filter_open_now")
    accessible = CheckboxFilter(label=_("Доступный вход"), field_name="location__wheelchair_accessible")

    class Meta:
        model = ServiceAtLocation
        fields: list[str] = []

    def filter_category(self, queryset, name, value):
        if not value:
            return queryset
        codes = tuple(sorted(c.code for c in value))
        if getattr(self, "_category_ids", (None,))[0] != codes:  # one tree walk per request, not per facet
            self._category_ids = (codes, selectors.category_descendant_ids(value))
        ids = self._category_ids[1]
        return queryset.filter(pk__in=queryset.filter(service__categories__in=ids).values("pk"))

    def filter_delivery(self, queryset, name, value):
        condition = Q()
        for mode in value:
            condition |= Q(**{f"service__delivery_{mode}": True})
        return queryset.filter(condition) if value else queryset

    @only_when_ticked
    def filter_free(self, queryset, name, value):
        return queryset.filter(service__cost=Service.Cost.FREE)

    @only_when_ticked
    def filter_open_now(self, queryset, name, value):
        return queryset.filter(selectors.open_now_q())


FACET_FIELDS = ("category", "target_group", "municipality", "settlement", "provider_type", "delivery")
CHECKBOX_FACETS = ("free", "open_now", "accessible")
