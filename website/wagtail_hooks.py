"""Admin registrations of the website app."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet

from .kiosk.admin import KioskGroup
from .reports import OverdueMeasuresView

register_snippet(KioskGroup)


@hooks.register("register_admin_urls")
def overdue_measures_urls():
    return [
        path("reports/measures-to-review/", OverdueMeasuresView.as_view(), name="website_overdue_measures"),
        path(
            "reports/measures-to-review/results/",
            OverdueMeasuresView.as_view(results_only=True),
            name="website_overdue_measures_results",
        ),
    ]


@hooks.register("register_reports_menu_item")
def overdue_measures_menu_item():
    return MenuItem(
        _("Меры: пора проверить"), reverse("website_overdue_measures"), name="measures-to-review", icon_name="date"
    )
