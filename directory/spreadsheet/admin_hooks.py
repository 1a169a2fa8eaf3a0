"""Wagtail hooks of the import: admin URLs and the «Импорт из таблицы» item of the «Банк данных» menu."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import views

SUBMENU_HOOK = "register_directory_menu_item"

urlpatterns = [
    path("", views.UploadView.as_view(), name="upload"),
    path("template.<str:kind>", views.template_download, name="template"),
    path("history/", views.HistoryView.as_view(), name="history"),
    path("<int:pk>/", views.PreviewView.as_view(), name="preview"),
    path("<int:pk>/file/", views.stored_file, name="file"),
    path("<int:pk>/rollback/", views.RollbackView.as_view(), name="rollback"),
]


class ImportMenuItem(MenuItem):
    def is_shown(self, request):
        return views.can_import(request.user)


@hooks.register("register_admin_urls")
def spreadsheet_import_urls():
    return [path("directory/import/", include((urlpatterns, "directory_spreadsheet")))]


@hooks.register(SUBMENU_HOOK)
def spreadsheet_import_menu_item():
    return ImportMenuItem(
        _("Импорт из таблицы"),
        reverse("directory_spreadsheet:upload"),
        name="spreadsheet-import",
        icon_name="table",
        order=900,
    )
