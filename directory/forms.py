"""Public forms: the «from where» of a distance sort (a settlement or the browser's position)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from search import references
from search.engines.base import GeoPoint

from .kept_fields import KeptChoiceField
from .models import Settlement


class NearForm(forms.Form):
    near = KeptChoiceField(
        kept=lambda: references.get("settlement"),  # kept in the process: no query to check or list them
        label=_("Рядом с"),
        queryset=Settlement.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=_("— выберите населённый пункт —"),
    )
    radius = forms.TypedChoiceField(
        label=_("В радиусе"),
        choices=[
            ("", _("любое расстояние")),
            (5, _("5 км")),
            (10, _("10 км")),
            (25, _("25 км")),
            (50, _("50 км")),
            (100, _("100 км")),
        ],
        coerce=int,
        empty_value=None,
        required=False,
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise forms.ValidationError(_("Не удалось определить место: нужны обе координаты."))
        return data

    def point(self) -> GeoPoint | None:
        if not self.is_valid():
            return None
        data = self.cleaned_data
        radius = data.get("radius")
        if data.get("lat") is not None:
            return GeoPoint(data["lat"], data["lon"], str(_("ваше местоположение")), radius_km=radius)
        settlement = data.get("near")
        if settlement is not None:
            return GeoPoint(float(settlement.latitude), float(settlement.longitude), str(settlement), radius_km=radius)
        return None
