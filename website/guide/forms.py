"""The parameters of a printed guide (district, category of help, life situation, page size), checked in Russian."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.models import Locale

from directory import selectors as directory_selectors
from directory.models import Category, Municipality
from website.models import LifeSituationPage

from .selectors import Selection

SIZE_CHOICES = [("a4", _("A4 — для стенда и папки")), ("a5", _("A5 — буклет, лист A4 пополам"))]


def life_situations() -> tuple[dict, int]:
    """Live public life situation pages by slug: the default language first, then translations (their slugs
    lead to the same booklet from the translated page's link)."""
    default = Locale.get_default()
    pages = LifeSituationPage.objects.live().public().prefetch_related("categories").order_by("title")
    found: dict = {}
    for page in sorted(pages, key=lambda p: p.locale_id != default.pk):
        found.setdefault(page.slug, page)
    return found, default.pk


class GuideForm(forms.Form):
    district = forms.ModelChoiceField(
        label=_("Район (кожуун) или город"),
        queryset=Municipality.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=_("Вся республика"),
        error_messages={"invalid_choice": _("Нет такого района. Выберите район из списка.")},
    )
    category = forms.ModelChoiceField(
        label=_("Вид помощи"),
        queryset=Category.objects.filter(is_public=True),
        to_field_name="code",
        required=False,
        empty_label=_("Любая помощь"),
        error_messages={"invalid_choice": _("Нет такого вида помощи. Выберите вид помощи из списка.")},
    )
    situation = forms.CharField(label=_("Жизненная ситуация"), required=False, widget=forms.Select)
    size = forms.ChoiceField(
        label=_("Формат"),
        choices=SIZE_CHOICES,
        required=False,
        initial="a4",
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Формат может быть только A4 или A5.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._situations, default_locale = life_situations()
        # The list offers the pages of the default language; a translation's slug (from its link) is accepted too.
        offered = [(slug, page.title) for slug, page in self._situations.items() if page.locale_id == default_locale]
        self.fields["situation"].widget.choices = [("", _("Любая"))] + offered
        # The list offers the kinds of help and the groups of measures; any public category code is accepted.
        offered = list(directory_selectors.kinds_of_help()) + list(directory_selectors.category_tiles())
        self.fields["category"].choices = [("", _("Любая помощь"))] + [(c.code, c.name) for c in offered]

    def clean_situation(self):
        slug = self.cleaned_data.get("situation") or ""
        if slug and slug not in self._situations:
            raise ValidationError(
                _("Нет такой жизненной ситуации. Выберите ситуацию из списка."), code="invalid_choice"
            )
        return slug

    def clean_size(self):
        return self.cleaned_data.get("size") or "a4"

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if not (cleaned.get("district") or cleaned.get("category") or cleaned.get("situation")):
            raise ValidationError(_("Выберите район, вид помощи или жизненную ситуацию."), code="empty")
        return cleaned

    def selection(self) -> Selection:
        data = self.cleaned_data
        situation = self._situations.get(data.get("situation") or "")
        return Selection(
            municipality=data.get("district"),
            category=data.get("category"),
            situation=situation,
            size=data["size"],
        )
