"""The record of every spreadsheet import (imported into `directory.models` so that Django sees it)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SpreadsheetImport(models.Model):
    """Who uploaded which file when, what the check found, what was written, and what a rollback restores.

    `created_ids` lists the primary keys of the rows the import created, by model («organization»,
    «location», «service», «service_at_location», «phone»); `previous_values` keeps, for every service the import
    updated, its fields and categories as they were before (a JSON snapshot), so that a rollback deletes the one
    and restores the other.
    """

    class Status(models.TextChoices):
        CHECKED = "checked", _("проверен, не загружен")
        COMMITTED = "committed", _("загружен")
        REFUSED = "refused", _("не загружен: есть ошибки")
        CANCELLED = "cancelled", _("отменён без загрузки")
        ROLLED_BACK = "rolled_back", _("загрузка отменена")

    class Mode(models.TextChoices):
        VALID_ONLY = "valid_only", _("загрузить только верные строки")
        ALL_OR_NOTHING = "all_or_nothing", _("ничего не загружать при ошибках")

    class OnDuplicate(models.TextChoices):
        UPDATE = "update", _("обновить существующую услугу")
        ERROR = "error", _("считать ошибкой")

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто загрузил"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("когда загружен"), auto_now_add=True)
    file_name = models.CharField(_("файл"), max_length=255)
    file_data = models.BinaryField(_("содержимое файла"))
    file_size = models.PositiveIntegerField(_("размер файла, байт"), default=0)
    on_duplicate = models.CharField(
        _("если услуга уже есть"), max_length=10, choices=OnDuplicate.choices, default=OnDuplicate.UPDATE
    )
    mode = models.CharField(_("режим загрузки"), max_length=20, choices=Mode.choices, blank=True)
    status = models.CharField(_("состояние"), max_length=20, choices=Status.choices, default=Status.CHECKED)
    rows_total = models.PositiveIntegerField(_("строк в файле"), default=0)
    rows_valid = models.PositiveIntegerField(_("строк без ошибок"), default=0)
    rows_with_errors = models.PositiveIntegerField(_("строк с ошибками"), default=0)
    created_count = models.PositiveIntegerField(_("создано записей"), default=0)
    updated_count = models.PositiveIntegerField(_("обновлено записей"), default=0)
    created_ids = models.JSONField(_("созданные записи"), default=dict, blank=True)
    previous_values = models.JSONField(_("прежние значения обновлённых записей"), default=dict, blank=True)
    committed_at = models.DateTimeField(_("когда загружен в банк"), null=True, blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто загрузил в банк"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    duration_ms = models.PositiveIntegerField(_("время загрузки, мс"), null=True, blank=True)
    rolled_back_at = models.DateTimeField(_("когда отменён"), null=True, blank=True)
    rolled_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто отменил"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        app_label = "directory"
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("импорт из таблицы")
        verbose_name_plural = _("импорты из таблиц")

    def __str__(self):
        return f"{self.file_name} ({self.uploaded_at:%d.%m.%Y %H:%M})"

    @property
    def can_commit(self) -> bool:
        return self.status == self.Status.CHECKED

    @property
    def can_roll_back(self) -> bool:
        return self.status == self.Status.COMMITTED
