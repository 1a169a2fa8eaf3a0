"""The databank in the Wagtail admin: organisations with their places, hours, phones and services in one form."""

from datetime import timedelta

import django_filters
from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList, TabbedInterface
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import (
    UNDETERMINED_MUNICIPALITY,
    Agency,
    Category,
    Holiday,
    Language,
    Location,
    Municipality,
    Organization,
    Phone,
    ProviderType,
    Schedule,
    ScheduleException,
    Service,
    ServiceAtLocation,
    Settlement,
    TargetGroup,
)
from .spreadsheet.admin_hooks import SUBMENU_HOOK as SPREADSHEET_SUBMENU_HOOK
from .validators import find_schedule_overlaps

# ---------------------------------------------------------------- panels (kept here, models stay plain)

Phone.panels = [
    FieldRowPanel([FieldPanel("number"), FieldPanel("extension"), FieldPanel("kind")]),
    FieldPanel("description"),
]
Schedule.panels = [FieldRowPanel([FieldPanel("weekday"), FieldPanel("opens_at"), FieldPanel("closes_at")])]
ScheduleException.panels = [
    FieldRowPanel([FieldPanel("date"), FieldPanel("is_closed"), FieldPanel("opens_at"), FieldPanel("closes_at")]),
    FieldPanel("note"),
]
Location.panels = [
    FieldPanel("name"),
    FieldRowPanel([FieldPanel("municipality"), FieldPanel("settlement")]),
    FieldRowPanel([FieldPanel("street"), FieldPanel("house"), FieldPanel("postal_code")]),
    FieldPanel("address_note"),
    FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]),
    FieldRowPanel([FieldPanel("is_confidential"), FieldPanel("front_door_phone")]),
    FieldRowPanel([FieldPanel("is_24_7"), FieldPanel("wheelchair_accessible")]),
    FieldPanel("accessibility_note"),
    FieldPanel("transport_note"),
    InlinePanel("schedules", heading=_("Часы работы"), label=_("интервал")),
    InlinePanel("schedule_exceptions", heading=_("Особые дни"), label=_("особый день")),
    InlinePanel("phones", heading=_("Телефоны адреса"), label=_("телефон")),
]
ServiceAtLocation.panels = [FieldPanel("location"), FieldPanel("note")]

ORGANIZATION_SERVICE_PANELS = [
    FieldPanel("name"),
    FieldRowPanel([FieldPanel("status"), FieldPanel("cost"), FieldPanel("is_hotline")]),
    FieldPanel("description"),
]


class OrganizationForm(WagtailAdminModelForm):
    """Checks across nested forms that a field-level clean cannot see: overlapping opening hours."""

    def clean(self):
        cleaned = super().clean()
        for location_form in self.formsets.get("locations", []).forms:
            if location_form in self.formsets["locations"].deleted_forms:
                continue
            schedules = location_form.formsets.get("schedules")
            if schedules is None:
                continue
            intervals = [
                (f.cleaned_data["weekday"], f.cleaned_data["opens_at"], f.cleaned_data["closes_at"])
                for f in schedules.forms
                if f.is_valid()
                and f.cleaned_data.get("opens_at")
                and f.cleaned_data.get("closes_at")
                and f not in schedules.deleted_forms
            ]
            if find_schedule_overlaps(intervals):
                location_form.add_error(None, _("Часы работы пересекаются: исправьте интервалы одного дня."))
                self.add_error(None, _("Часы работы одного из адресов пересекаются."))
        return cleaned


# ---------------------------------------------------------------- filters


def _verification_cutoff():
    return timezone.now() - timedelta(days=settings.DIRECTORY_VERIFICATION_MAX_AGE_DAYS)


class OrganizationFilterSet(WagtailFilterSet):
    provider_type = django_filters.ModelChoiceFilter(label=_("Тип организации"), queryset=ProviderType.objects.all())
    municipality = django_filters.ModelChoiceFilter(
        label=_("Район"), queryset=Municipality.objects.all(), field_name="locations__municipality", distinct=True
    )
    status = django_filters.ChoiceFilter(
        label=_("Статус услуг"), choices=Service.Status.choices, field_name="services__status", distinct=True
    )
    needs_verification = django_filters.BooleanFilter(
        label=_("Требует повторной проверки"), method="filter_needs_verification"
    )
    needs_district = django_filters.BooleanFilter(
        label=_("Требует внимания после импорта (район не определён)"), method="filter_needs_district"
    )

    class Meta:
        model = Organization
        fields = ["is_network_partner"]

    def filter_needs_district(self, queryset, name, value):
        """Organisations with a place the HSDS import could not put in a district (directory/hsds/importer.py)."""
        undetermined = Q(locations__municipality__code=UNDETERMINED_MUNICIPALITY)
        if value is None:
            return queryset
        return queryset.filter(undetermined).distinct() if value else queryset.exclude(undetermined)

    def filter_needs_verification(self, queryset, name, value):
        stale = Q(verified_at__isnull=True) | Q(verified_at__lt=_verification_cutoff())
        return queryset.filter(stale) if value else queryset.exclude(stale) if value is False else queryset


class ServiceFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(label=_("Статус"), choices=Service.Status.choices)
    provider_type = django_filters.ModelChoiceFilter(
        label=_("Тип организации"), queryset=ProviderType.objects.all(), field_name="organization__provider_type"
    )
    municipality = django_filters.ModelChoiceFilter(
        label=_("Район"),
        queryset=Municipality.objects.all(),
        field_name="service_at_locations__location__municipality",
        distinct=True,
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Категория помощи"), queryset=Category.objects.all(), field_name="categories", distinct=True
    )
    needs_verification = django_filters.BooleanFilter(
        label=_("Не проверено более 12 месяцев (опубликованные)"), method="filter_needs_verification"
    )

    class Meta:
        model = Service
        fields = ["accepts_referrals", "is_hotline", "cost"]

    def filter_needs_verification(self, queryset, name, value):
        if value is None:
            return queryset
        stale = Q(verified_at__isnull=True) | Q(verified_at__lt=_verification_cutoff())
        published = Q(status=Service.Status.PUBLISHED)
        return queryset.filter(published & stale) if value else queryset.exclude(published & stale)


# ---------------------------------------------------------------- viewsets


class OrganizationViewSet(SnippetViewSet):
    model = Organization
    icon = "group"
    menu_label = _("Организации")
    list_display = ["name", "provider_type", "is_network_partner", "verified_at"]
    filterset_class = OrganizationFilterSet
    search_fields = ["name", "short_name", "description"]
    list_export = ["name", "short_name", "provider_type", "agency", "website", "email", "verified_at"]
    ordering = ["name"]
    edit_handler = TabbedInterface(
        [
            ObjectList(
                [
                    FieldPanel("name"),
                    FieldPanel("short_name"),
                    FieldRowPanel([FieldPanel("provider_type"), FieldPanel("agency")]),
                    FieldPanel("legal_form"),
                    FieldPanel("description"),
                    FieldRowPanel([FieldPanel("website"), FieldPanel("email")]),
                    FieldRowPanel([FieldPanel("logo"), FieldPanel("photo")]),
                    FieldPanel("is_network_partner"),
                    InlinePanel("phones", heading=_("Телефоны организации"), label=_("телефон")),
                    MultiFieldPanel([FieldPanel("verified_at"), FieldPanel("verified_by")], heading=_("Проверка")),
                ],
                heading=_("Организация"),
            ),
            ObjectList(
                [InlinePanel("locations", heading=_("Адреса, часы работы и телефоны"), label=_("адрес"))],
                heading=_("Адреса"),
            ),
            ObjectList(
                [InlinePanel("services", heading=_("Услуги"), label=_("услуга"), panels=ORGANIZATION_SERVICE_PANELS)],
                heading=_("Услуги"),
            ),
        ],
        base_form_class=OrganizationForm,
    )


class ServiceViewSet(SnippetViewSet):
    model = Service
    icon = "help"
    menu_label = _("Услуги")
    list_display = ["name", "organization", "status", "cost", "verified_at"]
    filterset_class = ServiceFilterSet
    search_fields = ["name", "description"]
    list_export = ["name", "organization", "status", "cost", "accepts_referrals", "verified_at"]
    ordering = ["name"]
    edit_handler = TabbedInterface(
        [
            ObjectList(
                [
                    FieldPanel("organization"),
                    FieldPanel("name"),
                    FieldPanel("description"),
                    FieldRowPanel([FieldPanel("status"), FieldPanel("is_hotline")]),
                    FieldPanel("categories"),
                    FieldPanel("target_groups"),
                    FieldRowPanel([FieldPanel("age_min"), FieldPanel("age_max")]),
                    FieldPanel("eligibility"),
                    FieldRowPanel([FieldPanel("cost"), FieldPanel("cost_note")]),
                    FieldPanel("how_to_apply"),
                    FieldPanel("required_documents"),
                    FieldPanel("languages"),
                    FieldRowPanel(
                        [
                            FieldPanel("delivery_in_person"),
                            FieldPanel("delivery_phone"),
                            FieldPanel("delivery_online"),
                            FieldPanel("delivery_home_visit"),
                        ],
                        heading=_("Способы получения"),
                    ),
                    FieldRowPanel([FieldPanel("email"), FieldPanel("url")]),
                    FieldRowPanel([FieldPanel("accepts_referrals"), FieldPanel("referral_response_days")]),
                    MultiFieldPanel([FieldPanel("verified_at"), FieldPanel("verified_by")], heading=_("Проверка")),
                ],
                heading=_("Услуга"),
            ),
            ObjectList(
                [
                    InlinePanel("service_at_locations", heading=_("Где оказывается"), label=_("адрес")),
                    InlinePanel("phones", heading=_("Телефоны услуги"), label=_("телефон")),
                ],
                heading=_("Адреса и телефоны"),
            ),
        ]
    )


def reference_viewset(model_class, icon="list-ul", fields=("code", "name", "sort_order"), search=("name", "code")):
    return type(
        f"{model_class.__name__}ViewSet",
        (SnippetViewSet,),
        {
            "model": model_class,
            "icon": icon,
            "list_display": list(fields[:2]),
            "search_fields": list(search),
            "panels": [FieldPanel(name) for name in fields],
        },
    )


class CategoryViewSet(SnippetViewSet):
    model = Category
    icon = "folder-open-inverse"
    list_display = ["code", "label", "parent", "scheme"]
    list_filter = ["scheme", "is_public"]
    search_fields = ["name", "short_name", "code"]
    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("scheme"), FieldPanel("sort_order")]),
        FieldPanel("parent"),
        FieldPanel("name"),
        FieldPanel("short_name"),
        FieldPanel("description"),
        FieldPanel("kinds"),
        FieldPanel("is_public"),
    ]


class SettlementViewSet(SnippetViewSet):
    model = Settlement
    icon = "site"
    list_display = ["name", "kind", "municipality"]
    list_filter = ["municipality"]
    search_fields = ["name"]
    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("kind"), FieldPanel("code")]),
        FieldPanel("municipality"),
        FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]),
    ]


class DirectoryGroup(SnippetViewSetGroup):
    menu_label = _("Банк данных")
    menu_icon = "folder-inverse"
    menu_order = 200
    submenu_hook = SPREADSHEET_SUBMENU_HOOK  # «Импорт из таблицы» (directory/spreadsheet/admin_hooks.py)
    items = (
        OrganizationViewSet,
        ServiceViewSet,
        CategoryViewSet,
        reference_viewset(TargetGroup, icon="group", fields=("code", "name", "description", "sort_order")),
        reference_viewset(ProviderType, fields=("code", "name", "agency", "sort_order")),
        reference_viewset(Agency),
        reference_viewset(Language),
        reference_viewset(Municipality, icon="site", fields=("code", "name", "region", "oktmo"), search=("name",)),
        SettlementViewSet,
        reference_viewset(Holiday, icon="date", fields=("date", "name"), search=("name",)),
    )


register_snippet(DirectoryGroup)


@hooks.register("register_admin_menu_item")
def needs_verification_menu_item():
    """The editors' work list: published services not verified in the last 12 months."""
    return MenuItem(
        _("Требуют проверки"),
        reverse("wagtailsnippets_directory_service:list") + "?needs_verification=true",
        icon_name="warning",
        order=210,
    )


@hooks.register("register_admin_menu_item")
def needs_attention_after_import_menu_item():
    """The editors' work list after an HSDS import: organisations with a place in the «Район не определён» district
    (the import found no district in its address or near its coordinates); the editor sets the district in the
    place's form."""
    return MenuItem(
        _("Требует внимания после импорта"),
        reverse("wagtailsnippets_directory_organization:list") + "?needs_district=true",
        icon_name="warning",
        order=211,
    )
