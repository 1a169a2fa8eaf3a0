"""Admin report «Меры: пора проверить»: measures of support whose review date has passed."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.reports import ReportView

from core.db_router import report_database
from core.db_timeouts import long_statements

from .models import MeasurePage


def overdue_measures():
    # Evaluated later by the report view: read from the replica by alias (core/db_router.py).
    return (
        MeasurePage.objects.using(report_database())
        .filter(review_date__lt=timezone.localdate())
        .order_by("review_date", "title")
    )


class OverdueMeasuresView(ReportView):
    page_title = _("Меры: пора проверить")
    header_icon = "date"
    index_url_name = "website_overdue_measures"
    index_results_url_name = "website_overdue_measures_results"
    list_export = ["title", "review_date", "reviewed_at", "status_string"]
    export_headings = {
        "title": _("Мера"),
        "review_date": _("Проверить не позднее"),
        "reviewed_at": _("Дата актуализации"),
        "status_string": _("Статус"),
    }
    columns = [
        TitleColumn("title", label=_("Мера"), url_name="wagtailadmin_pages:edit"),
        DateColumn("review_date", label=_("Проверить не позднее")),
        DateColumn("reviewed_at", label=_("Дата актуализации")),
        Column("status_string", label=_("Статус")),
    ]

    def get_filename(self):
        return f"measures-to-review-{timezone.localdate():%Y-%m-%d}"

    def get_queryset(self):
        return overdue_measures()

    def dispatch(self, request, *args, **kwargs):
        # A report: its statements may run longer than a web request's (rendered here, inside the bound).
        with long_statements(using=report_database):
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
        return response
