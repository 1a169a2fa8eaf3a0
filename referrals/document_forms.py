"""Forms of the document pages: the act of housing inspection and the mark of an ИПСС measure with its result.

Validation messages are in Russian; `procedure.inspection_add` and `services.measure_mark` re-check what matters.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .codes import MeasureStatus
from .forms import DATE_WIDGET

TEXT_LIMIT = 5000


def _text(label, *, required=True, rows=3, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_LIMIT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class InspectionForm(forms.Form):
    """Акт обследования жилищно-бытовых условий (001, алгоритмы, этап III)."""

    inspected_on = forms.DateField(label=_("Дата обследования"), widget=DATE_WIDGET)
    participants = _text(
        _("При обследовании присутствовали"),
        required=False,
        rows=2,
        help_text=_("Ф.И.О. и кем приходятся ребёнку члены семьи, другие специалисты."),
    )
    housing = _text(_("Жилое помещение"), help_text=_("Вид, площадь, число комнат, собственник."))
    conditions = _text(_("Санитарно-гигиеническое состояние, благоустройство"))
    child_conditions = _text(
        _("Условия для ребёнка"), help_text=_("Спальное место, место для занятий, одежда, питание.")
    )
    conclusion = _text(_("Выводы и рекомендации"), rows=4)

    def clean_inspected_on(self):
        value = self.cleaned_data["inspected_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("Дата обследования не может быть в будущем."))
        return value


class MeasureMarkForm(forms.Form):
    """Отметка о выполнении мероприятия ИПСС (приложение 2) и его результат (001 §4.7)."""

    status = forms.ChoiceField(
        label=_("Отметка о выполнении"),
        choices=[(MeasureStatus.DONE, _("выполнено")), (MeasureStatus.NOT_DONE, _("не выполнено"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Отметьте, выполнено мероприятие или нет.")},
    )
    result = _text(
        _("Результат"),
        rows=2,
        help_text=_("Что сделано и что изменилось; если не выполнено — почему."),
    )

    def __init__(self, *args, measure=None, **kwargs):
        # One form per measure on the programme page: the measure's id keeps the fields' ids apart.
        if measure is not None:
            kwargs.setdefault("prefix", f"m{measure.pk}")
        super().__init__(*args, **kwargs)
        self.fields["result"].error_messages["required"] = _("Напишите результат мероприятия.")

    def clean_result(self):
        value = self.cleaned_data["result"].strip()
        if not value:
            raise forms.ValidationError(_("Напишите результат мероприятия."))
        return value
