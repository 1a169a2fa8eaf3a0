"""Demo pages for the public site: the home page texts and the life situations. Idempotent."""

from wagtail.models import Page

from directory.models import Category, TargetGroup

from .models import HomePage, LifeSituationPage

LIFE_SITUATIONS = [
    (
        "rodilsya-rebenok",
        "Родился ребёнок",
        "Пособия, молочная кухня, патронаж, помощь маме и малышу.",
        ["A6", "A9", "A2"],
        ["newborn"],
    ),
    (
        "poterya-raboty",
        "Потеря работы",
        "Как встать на учёт в центре занятости, получить пособие и найти работу.",
        ["A8", "A9"],
        [],
    ),
    (
        "rebenok-s-invalidnostyu",
        "Ребёнок с инвалидностью",
        "Реабилитация, ПМПК, льготы, поддержка родителей.",
        ["A6", "A10", "A13"],
        [],
    ),
    (
        "nasilie-v-seme",
        "Насилие в семье",
        "Безопасное место, психолог, юрист. В опасности звоните 112.",
        ["A3", "A4", "A11"],
        [],
    ),
    (
        "zavisimost-v-seme",
        "Зависимость в семье",
        "Лечение, реабилитация, группы поддержки для родных.",
        ["A5", "A4"],
        [],
    ),
    ("zhile", "Жильё", "Временное жильё, ремонт, помощь с коммунальными услугами.", ["A7", "A2"], []),
]


def load_demo_pages() -> int:
    home = HomePage.objects.first()
    if home is None:
        return 0
    count = 0
    for slug, title, intro, category_codes, group_codes in LIFE_SITUATIONS:
        page = LifeSituationPage.objects.child_of(home).filter(slug=slug).first()
        if page is None:
            page = LifeSituationPage(title=title, slug=slug, intro=intro)
            home.add_child(instance=page)
        else:
            page.title, page.intro = title, intro
        page.categories.set(Category.objects.filter(code__in=category_codes))
        page.target_groups.set(TargetGroup.objects.filter(code__in=group_codes))
        page.save_revision().publish()
        count += 1
    Page.objects.filter(pk=home.pk).update(live=True)
    return count
