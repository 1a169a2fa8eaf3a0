"""Kiosks in the Wagtail admin («Терминалы»): the registry with online status, and the daily usage figures."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from . import selectors
from .models import Kiosk, KioskDailyUsage


class KioskViewSet(SnippetViewSet):
    model = Kiosk
    icon = "desktop"
    menu_label = _("Терминалы")
    list_display = [
        "name",
        "code",
        "municipality",
        BooleanColumn("is_enabled", label=_("включён")),
        BooleanColumn("online", label=_("на связи"), accessor=selectors.is_online),
        DateColumn("last_seen_at", label=_("последний сигнал")),
        Column("software_version", label=_("версия программы")),
    ]
    list_filter = ["is_enabled", "municipality", "has_printer"]
    search_fields = ["name", "code", "place"]
    ordering = ["name"]
    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("name")]),
        FieldPanel("place"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]), FieldPanel("municipality")],
            heading=_("Где стоит терминал («рядом» считается от этой точки)"),
        ),
        FieldRowPanel([FieldPanel("default_language"), FieldPanel("idle_timeout_seconds")]),
        FieldRowPanel([FieldPanel("has_printer"), FieldPanel("is_enabled")]),
    ]


class KioskUsageViewSet(SnippetViewSet):
    model = KioskDailyUsage
    icon = "table"
    menu_label = _("Использование терминалов")
    list_display = [
        "kiosk",
        DateColumn("date", label=_("дата")),
        "category_taps",
        "searches",
        "zero_result_searches",
        "qr_shown",
        "slips_printed",
    ]
    list_filter = ["kiosk", "date"]
    list_export = ["kiosk", "date", "category_taps", "searches", "zero_result_searches", "qr_shown", "slips_printed"]
    export_filename = "kiosk-usage"
    ordering = ["-date", "kiosk__name"]
    copy_view_enabled = False


class KioskGroup(SnippetViewSetGroup):
    menu_label = _("Терминалы")
    menu_icon = "desktop"
    menu_order = 210
    items = (KioskViewSet, KioskUsageViewSet)
