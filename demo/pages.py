"""Demo pages for the public site: life situations, measures of support, articles and news, FAQ, contacts and
the databank page. Idempotent: pages are found by slug under their parent and updated in place.

The texts are demo texts. Amounts, conditions and the details of legal acts must be checked against the
law in force before a real launch.
"""

import datetime
import json

from django.conf import settings
from wagtail.models import Page, Site

from demo import datafiles
from demo.databank import SERVICES as DEMO_SERVICES
from demo.translations import load_demo_translations
from directory.models import Category, Service, TargetGroup
from website.models import (
    ArticleIndexPage,
    ArticlePage,
    ContactsPage,
    DirectoryPage,
    FaqPage,
    HomePage,
    LifeSituationPage,
    MeasurePage,
    MeasureService,
    NewsPage,
    SiteOperator,
    TextPage,
)

DEMO_NOTE = (
    "<p>Демонстрационный текст. Размеры выплат, условия и реквизиты нормативных актов нужно проверить "
    "по действующему законодательству и на сайте органа социальной защиты.</p>"
)
PRAVO = "http://pravo.gov.ru/"


def _p(*paragraphs: str) -> str:
    return "".join(f"<p>{text}</p>" for text in paragraphs)


def _steps(*steps) -> str:
    return json.dumps([{"type": "step", "value": {"title": title, "text": _p(text)}} for title, text in steps])


def _documents(*documents) -> str:
    return json.dumps(
        [
            {"type": "document", "value": {"name": name, "origin": origin, "mandatory": mandatory, "comment": ""}}
            for name, origin, mandatory in documents
        ]
    )


def _body(*paragraphs: str, note: bool = True) -> str:
    blocks = [{"type": "paragraph", "value": _p(text)} for text in paragraphs]
    if note:
        blocks.append({"type": "callout", "value": {"kind": "warning", "text": DEMO_NOTE}})
    return json.dumps(blocks)


# The texts of the demo pages are data: demo/data/pages.json.
_DATA = datafiles.read("pages.json")

# slug, title, intro, category codes, target group codes, related measure slugs
LIFE_SITUATIONS = [tuple(row) for row in _DATA["life_situations"]]


def _measure(fields: dict) -> dict:
    fields["steps"] = [tuple(step) for step in fields["steps"]]
    fields["documents"] = [tuple(document) for document in fields["documents"]]
    return fields


# slug, title, provision form, periodicity, recipient groups, legal basis, OKTMO, summary, body (paragraphs),
# conditions (HTML), steps (title, text), documents (name, issued by, mandatory), categories, services (templates
# of the demo databank that deliver the measure), apply (URL)
MEASURES = [_measure(m) for m in _DATA["measures"]]


# Review dates of the demo measures: one is overdue, to show the «Меры: пора проверить» report.
DEMO_NEXT_REVIEW = datetime.date(2027, 6, 30)
DEMO_OVERDUE_REVIEW = datetime.date(2026, 1, 15)
DEMO_OVERDUE_SLUGS = {"pitanie-shkolnikov"}

# Pages about violence and abuse: they carry the «Быстрый выход» button.
QUICK_EXIT_SLUGS = {"nasilie-v-seme"}

# slug, title, date, intro
ARTICLES = [(slug, title, datetime.date.fromisoformat(date), intro) for slug, title, date, intro in _DATA["articles"]]
NEWS = [(slug, title, datetime.date.fromisoformat(date), intro) for slug, title, date, intro in _DATA["news"]]
# question, answer
FAQ = [tuple(row) for row in _DATA["faq"]]

# «Оператор сайта» (footer, personal data): demo values; the real operator's details are set in the admin
# («Настройки» → «Оператор сайта»).
OPERATOR = _DATA["operator"]
POLICY_SLUG = _DATA["policy_slug"]
POLICY_TITLE = _DATA["policy_title"]
POLICY_INTRO = _DATA["policy_intro"]
# (heading, paragraphs) of the policy; «{operator}» is the operator's name.
POLICY = [tuple(section) for section in _DATA["policy"]]


def _policy_body(operator: str) -> str:
    blocks = [
        {"type": "paragraph", "value": f"<h2>{heading}</h2>" + _p(*(text.format(operator=operator) for text in texts))}
        for heading, texts in POLICY
    ]
    blocks.append({"type": "callout", "value": {"kind": "warning", "text": DEMO_NOTE}})
    return json.dumps(blocks)


def load_demo_site_operator(home: Page) -> TextPage:
    """The demo personal data policy page and the «Оператор сайта» settings of the site that links it."""
    policy = _upsert(
        home,
        TextPage,
        POLICY_SLUG,
        title=POLICY_TITLE,
        intro=POLICY_INTRO,
        body=_policy_body(OPERATOR["name"]),
        revised_at=datetime.date(2026, 1, 15),
    )
    site = Site.objects.filter(root_page=home).first() or Site.objects.filter(is_default_site=True).first()
    if site is not None:
        operator = SiteOperator.for_site(site)
        for name, value in OPERATOR.items():
            setattr(operator, name, value)
        operator.privacy_policy = policy
        operator.save()
    return policy


def _upsert(parent: Page, model, slug: str, **fields):
    """Create the page under `parent` or update it; many-to-many values are passed as `m2m={name: queryset}`,
    inline child rows as `children={name: [unsaved rows]}` (they replace the rows the page had)."""
    m2m = fields.pop("m2m", {})
    children = fields.pop("children", {})
    page = model.objects.child_of(parent).filter(slug=slug).first()
    created = page is None
    if created:
        page = model(slug=slug, **fields)
    else:
        for name, value in fields.items():
            setattr(page, name, value)
    for name, value in m2m.items():
        getattr(page, name).set(value)
    for name, rows in children.items():
        setattr(page, name, rows)
    if created:
        parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def demo_services(keys) -> list[Service]:
    """The published demo services made from these templates of the databank (`demo.databank`):
    one per organisation that offers it, in the order of the keys, then by organisation."""
    names = [DEMO_SERVICES[key].name for key in keys if key in DEMO_SERVICES]
    rows = Service.objects.filter(organization__is_demo=True, status=Service.Status.PUBLISHED, name__in=names)
    return sorted(rows.select_related("organization"), key=lambda s: (names.index(s.name), s.organization.name, s.pk))


def load_demo_pages() -> int:
    home = HomePage.objects.filter(locale__language_code=settings.LANGUAGE_CODE).first()
    if home is None:
        return 0
    Page.objects.filter(pk=home.pk).update(live=True)
    home.refresh_from_db()
    count = 0
    categories = {c.code: c for c in Category.objects.all()}
    groups = {g.code: g for g in TargetGroup.objects.all()}

    measures = {}
    for m in MEASURES:
        measures[m["slug"]] = _upsert(
            home,
            MeasurePage,
            m["slug"],
            title=m["title"],
            provision_form=m["provision_form"],
            periodicity=m["periodicity"],
            legal_basis=m["legal_basis"],
            legal_basis_url=PRAVO,
            oktmo=m["oktmo"],
            reviewed_at=datetime.date(2025, 1, 15),
            review_date=DEMO_OVERDUE_REVIEW if m["slug"] in DEMO_OVERDUE_SLUGS else DEMO_NEXT_REVIEW,
            summary=m["summary"],
            body=_body(*m["body"]),
            conditions=m["conditions"],
            steps=_steps(*m["steps"]),
            documents=_documents(*m["documents"]),
            apply_online_url=m["apply"],
            m2m={
                "categories": [categories[c] for c in m["categories"] if c in categories],
                "recipient_groups": [groups[g] for g in m["groups"] if g in groups],
            },
            children={
                "service_links": [
                    MeasureService(service=s, sort_order=i) for i, s in enumerate(demo_services(m.get("services", [])))
                ]
            },
        )
        count += 1

    for slug, title, intro, category_codes, group_codes, measure_slugs in LIFE_SITUATIONS:
        _upsert(
            home,
            LifeSituationPage,
            slug,
            title=title,
            intro=intro,
            show_quick_exit=slug in QUICK_EXIT_SLUGS,
            m2m={
                "categories": [categories[c] for c in category_codes if c in categories],
                "target_groups": [groups[g] for g in group_codes if g in groups],
                "related_measures": [measures[s] for s in measure_slugs],
            },
        )
        count += 1

    index = _upsert(
        home,
        ArticleIndexPage,
        "stati-i-novosti",
        title="Статьи и новости",
        intro="Объясняем, как получить помощь, и рассказываем о новостях служб помощи семьям.",
    )
    count += 1
    for model, rows in ((ArticlePage, ARTICLES), (NewsPage, NEWS)):
        for slug, title, date, intro in rows:
            _upsert(index, model, slug, title=title, date=date, intro=intro, body=_body(intro, note=False))
            count += 1

    faq_items = [{"type": "faq", "value": {"question": q, "answer": _p(a)}} for q, a in FAQ]
    _upsert(
        home,
        FaqPage,
        "voprosy-i-otvety",
        title="Вопросы и ответы",
        intro="Ответы на частые вопросы о помощи семьям с детьми.",
        items=json.dumps(faq_items),
    )
    _upsert(
        home,
        ContactsPage,
        "kontakty",
        title="Контакты",
        body=_p(
            "Банк данных ведёт ресурсный центр (демонстрационные данные).",
            "Если сведения о службе устарели, напишите на адрес info@example.ru.",
        ),
        show_hotlines=True,
    )
    _upsert(
        home,
        DirectoryPage,
        "bank-dannyh",
        title="Банк данных служб помощи",
        intro="Организации, которые помогают семьям с детьми: найдите нужную помощь по виду, району или словам.",
    )
    load_demo_site_operator(home)
    return count + 4 + load_demo_translations()
