"""The import pages in the Wagtail admin: upload with the template, preview with errors, commit, history, rollback.

Access: editors who may both add and change organisations and services (`can_import`); the admin URLs are
behind Wagtail's own admin-access check as well.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import services
from .forms import CommitForm, UploadForm
from .models import SpreadsheetImport
from .parse import ParseError
from .template import BY_KEY, COLUMNS, template_csv, template_xlsx

IMPORT_PERMISSIONS = (
    "directory.add_organization",
    "directory.change_organization",
    "directory.add_service",
    "directory.change_service",
)
SHOWN_ERROR_ROWS = 500
SHOWN_VALID_ROWS = 100
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def can_import(user) -> bool:
    return bool(user and user.is_active and user.has_perms(IMPORT_PERMISSIONS))


class ImportView(WagtailAdminTemplateMixin, TemplateView):
    header_icon = "table"

    def dispatch(self, request, *args, **kwargs):
        if not can_import(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("directory_spreadsheet:upload"), "label": _("Импорт из таблицы")},
            {"url": "", "label": self.get_page_title()},
        ]


class UploadView(ImportView):
    template_name = "directory/admin/spreadsheet_upload.html"
    page_title = _("Импорт из таблицы")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", UploadForm())
        context["columns"] = COLUMNS
        context["recent"] = SpreadsheetImport.objects.select_related("uploaded_by")[:5]
        return context

    def post(self, request):
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        upload = form.cleaned_data["file"]
        try:
            record, _check = services.import_upload(
                user=request.user,
                file_name=upload.name,
                data=upload.read(),
                on_duplicate=form.cleaned_data["on_duplicate"],
            )
        except ParseError as exc:
            form.add_error("file", str(exc))
            return self.render_to_response(self.get_context_data(form=form), status=400)
        return redirect("directory_spreadsheet:preview", record.pk)


def template_download(request, kind: str):
    if not can_import(request.user):
        raise PermissionDenied
    if kind not in ("xlsx", "csv"):
        raise Http404
    if kind == "xlsx":
        response = HttpResponse(template_xlsx(), content_type=XLSX_TYPE)
    else:
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="shablon-importa-uslug.{kind}"'
    return response


def stored_file(request, pk: int):
    if not can_import(request.user):
        raise PermissionDenied
    record = get_object_or_404(SpreadsheetImport, pk=pk)
    is_xlsx = bytes(record.file_data[:4]) == b"PK\x03\x04"
    response = HttpResponse(bytes(record.file_data), content_type=XLSX_TYPE if is_xlsx else "text/csv")
    extension = "xlsx" if is_xlsx else "csv"
    response["Content-Disposition"] = f'attachment; filename="import-{record.pk}.{extension}"'
    return response


def display_rows(rows, limit: int) -> list[dict]:
    """Rows for the preview table: every cell with the id of its error message, if any."""
    shown = []
    for row in rows[:limit]:
        errors, error_ids = [], {}
        for index, (key, message) in enumerate(row.errors):
            ident = f"r{row.number}-e{index}"
            error_ids.setdefault(key, []).append(ident)
            errors.append({"id": ident, "column": BY_KEY[key].title if key else "", "text": message})
        cells = [
            {"key": column.key, "value": row.values[column.key], "error_ids": " ".join(error_ids.get(column.key, []))}
            for column in COLUMNS
        ]
        shown.append({"number": row.number, "cells": cells, "errors": errors, "notes": row.notes})
    return shown


class PreviewView(ImportView):
    template_name = "directory/admin/spreadsheet_preview.html"
    page_title = _("Проверка файла")

    def get_page_subtitle(self):
        return self.record.file_name

    def dispatch(self, request, *args, pk, **kwargs):
        self.record = get_object_or_404(SpreadsheetImport.objects.select_related("uploaded_by"), pk=pk)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        record = self.record
        context["record"] = record
        context["columns"] = COLUMNS
        context.setdefault("form", CommitForm())
        if "check" not in context:
            try:
                _table, context["check"] = services.check_upload(record)
            except ParseError as exc:
                context["parse_error"] = str(exc)
                return context
        check = context["check"]
        context["error_rows"] = display_rows(check.error_rows, SHOWN_ERROR_ROWS)
        context["valid_rows"] = display_rows(check.valid_rows, SHOWN_VALID_ROWS)
        context["hidden_error_rows"] = max(0, len(check.error_rows) - SHOWN_ERROR_ROWS)
        context["hidden_valid_rows"] = max(0, len(check.valid_rows) - SHOWN_VALID_ROWS)
        context["updates"] = sum(1 for row in check.valid_rows if row.updates_service is not None)
        return context

    def post(self, request, pk=None):
        record = self.record
        if "cancel" in request.POST:
            try:
                services.import_cancel(record=record)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Импорт отменён, в банк данных ничего не загружено."))
            return redirect("directory_spreadsheet:history")
        form = CommitForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            record, check = services.import_commit(record=record, mode=form.cleaned_data["mode"], user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("directory_spreadsheet:history")
        except ParseError as exc:
            messages.error(request, str(exc))
            return redirect("directory_spreadsheet:history")
        if record.status == SpreadsheetImport.Status.REFUSED:
            messages.error(
                request,
                _("В банк данных ничего не загружено: в файле есть ошибки (%(count)s строк).")
                % {"count": record.rows_with_errors},
            )
        else:
            messages.success(
                request,
                _("Загружено строк: %(rows)s. Создано записей: %(created)s, обновлено услуг: %(updated)s.")
                % {"rows": record.rows_valid, "created": record.created_count, "updated": record.updated_count},
            )
        return redirect("directory_spreadsheet:history")


class HistoryView(ImportView):
    template_name = "directory/admin/spreadsheet_history.html"
    page_title = _("История импорта")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        queryset = SpreadsheetImport.objects.select_related("uploaded_by", "committed_by", "rolled_back_by").defer(
            "file_data", "created_ids", "previous_values"
        )
        context["page"] = Paginator(queryset, 50).get_page(self.request.GET.get("p"))
        return context


class RollbackView(ImportView):
    template_name = "directory/admin/spreadsheet_rollback.html"
    page_title = _("Отмена импорта")

    def dispatch(self, request, *args, pk, **kwargs):
        self.record = get_object_or_404(SpreadsheetImport.objects.defer("file_data"), pk=pk)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["record"] = self.record
        context["created"] = {kind: len(ids) for kind, ids in self.record.created_ids.items()}
        return context

    def post(self, request, pk=None):
        try:
            services.import_roll_back(record=self.record, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Импорт «%(name)s» отменён: созданные записи удалены, обновлённые восстановлены.")
                % {"name": self.record.file_name},
            )
        return redirect("directory_spreadsheet:history")
