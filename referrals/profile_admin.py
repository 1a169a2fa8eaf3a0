"""Admin views that move a region profile in and out as a file (the format of referrals/region_profiles/*.json)."""

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import profiles
from .models import RegionProfile

MAX_BYTES = 2 * 1024 * 1024


class ImportForm(forms.Form):
    shipped = forms.ChoiceField(label=gettext_lazy("Профиль из поставки"), required=False)
    upload = forms.FileField(label=gettext_lazy("или файл профиля (JSON)"), required=False)
    valid_from = forms.DateField(
        label=gettext_lazy("Действует с"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Если пусто — дата из файла."),
    )
    replace = forms.BooleanField(label=gettext_lazy("Заменить профиль с той же датой начала действия"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shipped"].choices = [("", "—")] + [(name, name) for name in profiles.shipped_names()]

    def clean(self):
        data = super().clean()
        upload, shipped = data.get("upload"), data.get("shipped")
        if bool(upload) == bool(shipped):
            raise forms.ValidationError(_("Выберите профиль из поставки или загрузите файл — что-то одно."))
        if upload:
            if upload.size > MAX_BYTES:
                raise forms.ValidationError(_("Файл больше 2 МБ — это не профиль региона."))
            try:
                data["profile"] = json.loads(upload.read().decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise forms.ValidationError(_("Файл не читается как JSON: %(error)s") % {"error": error}) from None
        else:
            data["profile"] = profiles.shipped_data(shipped)
        return data


def import_view(request):
    if not request.user.has_perm("referrals.add_regionprofile"):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            profile = profiles.import_profile(
                form.cleaned_data["profile"],
                valid_from=form.cleaned_data.get("valid_from"),
                replace=form.cleaned_data.get("replace", False),
            )
        except profiles.ProfileError as error:
            errors = error.errors
        else:
            messages.success(request, _("Профиль «%(profile)s» загружен.") % {"profile": profile})
            return redirect("wagtailsnippets_referrals_regionprofile:list")
    return render(request, "referrals/admin/profile_import.html", {"form": form, "errors": errors})


def export_view(request, pk):
    if not request.user.has_perm("referrals.view_regionprofile") and not request.user.has_perm(
        "referrals.change_regionprofile"
    ):
        raise PermissionDenied
    profile = get_object_or_404(RegionProfile, pk=pk)
    body = json.dumps(profiles.export_profile(profile), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{profile.region}-{profile.valid_from}.json"'
    return response
