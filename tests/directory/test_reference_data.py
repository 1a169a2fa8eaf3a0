"""The reference data ships with the code and is in the database after `migrate`."""

import pytest

from directory import reference_data as ref
from directory.models import Agency, Category, Holiday, Language, ProviderType, TargetGroup

pytestmark = pytest.mark.django_db


def test_five_kinds_of_help():
    kinds = Category.objects.filter(scheme=Category.Scheme.KIND, parent=None)
    assert set(kinds.values_list("name", flat=True)) == {
        "Медицинская помощь",
        "Психологическая помощь",
        "Педагогическая помощь",
        "Юридическая помощь",
        "Социальная помощь",
    }


def test_sixteen_groups_of_the_tyva_list_with_all_items_and_other():
    groups = Category.objects.filter(scheme=Category.Scheme.MEASURE, parent=None)
    assert set(groups.values_list("code", flat=True)) == {f"A{n}" for n in range(1, 17)} | {"other"}
    assert groups.get(code="other").name == "Иное"
    assert groups.get(code="A2").name == "Срочная социальная помощь"
    expected_items = sum(len(g["items"]) for g in ref.MEASURE_GROUPS)
    assert Category.objects.filter(parent__in=groups).count() == expected_items
    # The appendix's 109 items are all there (extra items carry an "x" in their code).
    appendix = Category.objects.filter(parent__in=groups).exclude(code__contains="x")
    assert appendix.count() == 109
    assert Category.objects.filter(parent__parent__in=groups).count() == 48
    assert Category.objects.get(code="A4").kinds.filter(code="psy").exists()


def test_family_categories_provider_types_agencies_languages():
    names = set(TargetGroup.objects.values_list("name", flat=True))
    assert {"Многодетные семьи"} <= names
    assert TargetGroup.objects.count() == len(ref.TARGET_GROUPS) >= 12
    codes = set(ProviderType.objects.values_list("code", flat=True))
    assert {"clinic", "school", "employment", "social_service", "crisis", "ngo", "hotline", "legal_aid"} <= codes
    assert ProviderType.objects.get(code="clinic").agency.code == "health"
    assert Agency.objects.count() == len(ref.AGENCIES)
    assert Language.objects.filter(code="tyv").exists()


def test_public_holidays_for_the_production_calendar():
    assert Holiday.objects.filter(date="2026-01-07").exists()
    assert Holiday.objects.filter(date="2026-06-12").exists()


def test_editors_can_extend_the_reference_lists():
    parent = Category.objects.get(code="A8")
    Category(code="A8.local1", scheme="measure", parent=parent, name="Ярмарка вакансий").full_clean()
