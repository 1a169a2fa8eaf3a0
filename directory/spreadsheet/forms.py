"""Forms of the import pages (labels and messages in Russian)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SpreadsheetImport
from .parse import MAX_BYTES


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Файл таблицы (XLSX или CSV)"),
        help_text=_("По образцу шаблона: первая строка — заголовки столбцов, далее по одной услуге в строке."),
        error_messages={
            "required": _("Выберите файл таблицы."),
            "empty": _("Файл пустой: в нём нет ни заголовка, ни строк."),
        },
    )
    on_duplicate = forms.ChoiceField(
        label=_("Если такая услуга у организации уже есть"),
        choices=SpreadsheetImport.OnDuplicate.choices,
        initial=SpreadsheetImport.OnDuplicate.UPDATE,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("Файл больше %(mb)s МБ: разделите его на части.") % {"mb": MAX_BYTES // 2**20}
            )
        return upload


class CommitForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("Как загрузить"),
        choices=SpreadsheetImport.Mode.choices,
        initial=SpreadsheetImport.Mode.VALID_ONLY,
        widget=forms.RadioSelect,
        error_messages={"required": _("Выберите, как загрузить файл.")},
    )
