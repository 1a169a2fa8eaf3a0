"""English translations of the main demo pages (the Russian pages stay the source; editors translate the rest
with «Перевести» of wagtail.contrib.simple_translation)."""

from django.conf import settings
from wagtail.models import Locale, Page

from website.models import HomePage, MeasurePage, MeasureService

# slug of the Russian page → English fields
ENGLISH = {
    None: {
        "title": "Help for families with children",
        "hero_title": "Help for families with children",
        "hero_text": "Free help in Tyva: doctors, psychologists, lawyers, employment and social centres.",
    },
    "rodilsya-rebenok": {
        "slug": "a-baby-is-born",
        "title": "A baby is born",
        "intro": "Allowances, baby food, home visits, help for mother.",
    },
    "poterya-raboty": {
        "slug": "job-loss",
        "title": "Job loss",
        "intro": "Register at the job centre, get benefits and find work.",
    },
    "nasilie-v-seme": {
        "slug": "domestic-violence",
        "title": "Domestic violence",
        "intro": "A safe place, a psychologist, a lawyer. In danger, call 112.",
    },
    "edinoe-posobie": {
        "slug": "unified-child-allowance",
        "title": "Unified child allowance",
        "summary": "A monthly payment for low-income families.",
    },
    "materinskij-kapital": {
        "slug": "maternity-capital",
        "title": "Maternity capital",
        "summary": "A federal payment for a child.",
    },
}


def ensure_locales() -> dict[str, Locale]:
    return {
        code: Locale.objects.get_or_create(language_code=code)[0] for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES
    }


def load_demo_translations() -> int:
    locales = ensure_locales()
    english = locales.get("en")
    home = HomePage.objects.filter(locale__language_code=settings.LANGUAGE_CODE).first()
    if english is None or home is None:
        return 0
    count = 0
    for slug, fields in ENGLISH.items():
        source = home if slug is None else Page.objects.child_of(home).filter(slug=slug).first()
        if source is None:
            continue
        source = source.specific
        translation = source.get_translation_or_none(english)
        if translation is None:
            translation = source.copy_for_translation(english, copy_parents=True)
        for name, value in fields.items():
            setattr(translation, name, value)
        if getattr(source, "show_quick_exit", False):
            translation.show_quick_exit = True
        if isinstance(source, MeasurePage):
            # Where to apply does not depend on the language: the same services and categories as the source.
            translation.categories.set(list(source.categories.all()))
            translation.service_links = [
                MeasureService(service_id=link.service_id, sort_order=link.sort_order)
                for link in source.service_links.all()
            ]
        translation.save_revision().publish()
        count += 1
    return count
