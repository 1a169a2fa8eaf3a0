"""Wagtail page types of the public site. Pages render; their data comes from directory selectors."""

import datetime

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from directory import selectors
from directory.forms import NearForm
from directory.validators import normalise_phone

from . import blocks as website_blocks
from . import page_values

QUICK_EXIT_HELP = _("Показать кнопку «Быстрый выход» (и выход по Esc): для страниц о насилии и жестоком обращении.")


def in_locale(model, pages, locale):
    """The live public pages of `locale` that stand for `pages` (the pages themselves or their translations).

    Cross-links between pages (a measure's life situations, a situation's measures) may point to a page of
    another language: a translated page keeps the links of its source. A visitor never follows a link out of
    the page's language: each linked page is replaced by its translation, and dropped when it has none.
    """
    if isinstance(pages, models.QuerySet):
        keys = pages.values("translation_key")  # a subquery: one query in all
    else:  # the in-memory relation of a page being previewed
        keys = {page.translation_key for page in pages}
    return model.objects.filter(translation_key__in=keys, locale=locale).live().public()


def quick_exit_field():
    return models.BooleanField(_("кнопка «Быстрый выход»"), default=False, help_text=QUICK_EXIT_HELP)


CAMPAIGN_PAGE_TYPES = [
    "website.LifeSituationPage",
    "website.MeasurePage",
    "website.ArticleIndexPage",
    "website.FaqPage",
    "website.ContactsPage",
    "website.DirectoryPage",
    "website.TextPage",
]


class HomePage(Page):
    hero_title = models.CharField(_("заголовок"), max_length=200, default="Помощь семьям с детьми")
    hero_text = models.TextField(
        _("подзаголовок"),
        blank=True,
        default="Бесплатные и доступные службы рядом с вами: врачи, психологи, юристы, центры занятости и соцзащиты.",
    )
    body = RichTextField(_("текст"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("hero_title"), FieldPanel("hero_text"), FieldPanel("body")]
    subpage_types = CAMPAIGN_PAGE_TYPES
    max_count = 1

    class Meta:
        verbose_name = _("главная страница")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["category_tiles"] = selectors.category_tiles()
        context["life_situations"] = LifeSituationPage.objects.child_of(self).live().public().specific()
        context["settlements"] = selectors.settlement_choices()
        context["measures"] = MeasurePage.objects.child_of(self).live().public().order_by("title")
        return context


class LifeSituationPage(Page):
    """A guide for a life situation («Родился ребёнок», «Потеря работы»…) with the help that fits it."""

    intro = models.TextField(_("кратко"), blank=True)
    body = RichTextField(_("текст"), blank=True)
    categories = ParentalManyToManyField("directory.Category", verbose_name=_("категории помощи"), blank=True)
    target_groups = ParentalManyToManyField("directory.TargetGroup", verbose_name=_("категории семей"), blank=True)
    content = StreamField(website_blocks.BodyBlock(), verbose_name=_("содержание"), blank=True)
    related_measures = ParentalManyToManyField(
        "website.MeasurePage", verbose_name=_("меры поддержки"), blank=True, related_name="life_situations"
    )
    show_quick_exit = quick_exit_field()

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("body"),
        FieldPanel("content"),
        FieldPanel("related_measures"),
        FieldPanel("categories"),
        FieldPanel("target_groups"),
        FieldPanel("show_quick_exit"),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["website.HomePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("жизненная ситуация")
        verbose_name_plural = _("жизненные ситуации")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        categories = list(self.categories.all())
        context["situation_categories"] = categories
        context["services"] = selectors.services_for_categories(categories, limit=10)
        context["search_query"] = selectors.search_querystring(category=[c.code for c in categories])
        context["measures"] = in_locale(MeasurePage, self.related_measures.all(), self.locale).order_by("title")
        return context


class MeasurePage(Page):
    """A measure of support («Единое пособие», «Материнский капитал»…), with the fields of the national measures
    classifier (ЕГИССО/ЕЦП: form of provision, periodicity, recipient categories, legal basis, ОКТМО, code)."""

    class ProvisionForm(models.TextChoices):
        MONEY = "money", _("денежная")
        NATURAL = "natural", _("натуральная")
        EXEMPTION = "exemption", _("льгота")
        SERVICE = "service", _("услуга")

    class Periodicity(models.TextChoices):
        ONCE = "once", _("единовременная")
        MONTHLY = "monthly", _("ежемесячная")
        YEARLY = "yearly", _("ежегодная")
        OTHER = "other", _("иная")

    provision_form = models.CharField(
        _("форма предоставления"), max_length=10, choices=ProvisionForm.choices, default=ProvisionForm.MONEY
    )
    periodicity = models.CharField(
        _("периодичность"), max_length=10, choices=Periodicity.choices, default=Periodicity.ONCE
    )
    recipient_groups = ParentalManyToManyField(
        "directory.TargetGroup", verbose_name=_("категории получателей"), blank=True, related_name="+"
    )
    legal_basis = models.TextField(_("нормативный правовой акт"), blank=True)
    legal_basis_url = models.URLField(_("ссылка на НПА"), blank=True)
    oktmo = models.CharField(
        _("территория (ОКТМО)"), max_length=11, blank=True, help_text=_("Код ОКТМО территории действия меры.")
    )
    classifier_code = models.CharField(
        _("код по классификатору мер"), max_length=40, blank=True, help_text=_("Код меры в ЕГИССО / ЕЦП (КМСЗ).")
    )
    reviewed_at = models.DateField(_("дата актуализации"), null=True, blank=True)
    review_date = models.DateField(
        _("проверить не позднее"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("Когда снова проверить меру: после этой даты она попадает в отчёт «Меры: пора проверить»."),
    )

    summary = models.TextField(_("что даёт, кратко"), blank=True)
    body = StreamField(website_blocks.BodyBlock(), verbose_name=_("что даёт, подробно"), blank=True)
    conditions = RichTextField(_("кто может получить"), blank=True)
    steps = StreamField([("step", website_blocks.StepBlock())], verbose_name=_("как получить: шаги"), blank=True)
    documents = StreamField([("document", website_blocks.DocumentItemBlock())], verbose_name=_("документы"), blank=True)
    categories = ParentalManyToManyField(
        "directory.Category",
        verbose_name=_("куда обратиться: категории помощи"),
        blank=True,
        related_name="+",
        limit_choices_to={"scheme": "measure"},
        help_text=_(
            "Когда службы не выбраны в «Где получить: службы», страница показывает службы этих категорий и "
            "вложенных в них. Выбирайте самые узкие пункты перечня: группа включает все свои пункты."
        ),
    )
    apply_online_url = models.URLField(_("подать заявление онлайн"), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("conditions"),
        FieldPanel("steps"),
        FieldPanel("documents"),
        InlinePanel(
            "service_links",
            heading=_("Где получить: службы"),
            label=_("служба"),
            help_text=_(
                "Службы банка данных, где принимают заявление на эту меру или помогают её получить. Если выбраны, "
                "в «Куда обратиться» показаны только они (ближайшие — первыми)."
            ),
        ),
        FieldPanel("categories"),
        FieldPanel("apply_online_url"),
        MultiFieldPanel(
            [
                FieldPanel("provision_form"),
                FieldPanel("periodicity"),
                FieldPanel("recipient_groups"),
                FieldPanel("legal_basis"),
                FieldPanel("legal_basis_url"),
                FieldPanel("oktmo"),
                FieldPanel("classifier_code"),
                FieldPanel("reviewed_at"),
                FieldPanel("review_date"),
            ],
            heading=_("Классификатор мер (ЕГИССО)"),
        ),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("conditions")]
    parent_page_types = ["website.HomePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("мера поддержки")
        verbose_name_plural = _("меры поддержки")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        categories = list(self.categories.all())
        service_ids = [link.service_id for link in self.service_links.all()]
        context["measure_categories"] = categories
        context["near_form"] = NearForm(request.GET or None)
        if service_ids:
            context["where"] = website_blocks.linked_services(
                service_ids, request=request, limit=None if request.GET.get("all") else 10
            )
        else:
            # Only the items of the «Перечень мер» (and what they contain): a kind of help would bring every group of
            # that kind, that is services unrelated to the measure.
            measure_items = [c for c in categories if c.scheme == c.Scheme.MEASURE]
            context["where"] = website_blocks.nearby_services(measure_items, request=request, limit=10)
        # The situations that name this measure in any language, each in the language of this page.
        linking = LifeSituationPage.objects.filter(related_measures__translation_key=self.translation_key)
        context["situations"] = in_locale(LifeSituationPage, linking, self.locale).order_by("title")
        return context


class MeasureService(Orderable):
    """«Где получить»: a service of the databank that delivers the measure (takes the application, pays)."""

    page = ParentalKey(MeasurePage, on_delete=models.CASCADE, related_name="service_links")
    service = models.ForeignKey(
        "directory.Service", verbose_name=_("служба"), on_delete=models.CASCADE, related_name="measure_links"
    )

    panels = [FieldPanel("service")]

    class Meta(Orderable.Meta):
        verbose_name = _("служба, где получить меру")
        verbose_name_plural = _("где получить: службы")

    def __str__(self):
        return str(self.service)


class ArticleIndexPage(Page):
    intro = models.TextField(_("вступление"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["website.HomePage"]
    subpage_types = ["website.ArticlePage", "website.NewsPage"]
    page_size = 10

    class Meta:
        verbose_name = _("статьи и новости")
        verbose_name_plural = _("разделы статей и новостей")

    def dated_children(self) -> list[int]:
        """Ids of the live public articles and news under this page, newest first (two small queries)."""
        rows = []
        for model in (ArticlePage, NewsPage):
            rows += list(model.objects.child_of(self).live().public().values_list("date", "pk"))
        rows.sort(key=lambda row: (row[0], row[1]), reverse=True)
        return [pk for _date, pk in rows]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        paginator = Paginator(self.dated_children(), self.page_size)
        page_obj = paginator.get_page(request.GET.get("page"))
        pages = Page.objects.filter(pk__in=list(page_obj.object_list)).specific().in_bulk()
        context["paginator"] = paginator
        context["page_obj"] = page_obj
        context["entries"] = [pages[pk] for pk in page_obj.object_list if pk in pages]
        return context


class DatedPage(Page):
    date = models.DateField(_("дата"), default=datetime.date.today)
    intro = models.TextField(_("кратко"), blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("изображение"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(website_blocks.BodyBlock(), verbose_name=_("текст"), blank=True)
    show_quick_exit = quick_exit_field()

    content_panels = Page.content_panels + [
        FieldPanel("date"),
        FieldPanel("intro"),
        FieldPanel("image"),
        FieldPanel("body"),
        FieldPanel("show_quick_exit"),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro")]
    parent_page_types = ["website.ArticleIndexPage"]
    subpage_types = []
    template = "website/article_page.html"

    class Meta:
        abstract = True


class ArticlePage(DatedPage):
    kind_label = _("Статья")
    template = "website/article_page.html"

    class Meta:
        verbose_name = _("статья")
        verbose_name_plural = _("статьи")


class NewsPage(DatedPage):
    kind_label = _("Новость")
    template = "website/article_page.html"

    class Meta:
        verbose_name = _("новость")
        verbose_name_plural = _("новости")


class FaqPage(Page):
    intro = models.TextField(_("вступление"), blank=True)
    items = StreamField(website_blocks.FaqBlock(), verbose_name=_("вопросы и ответы"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("items")]
    parent_page_types = ["website.HomePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("вопросы и ответы")
        verbose_name_plural = _("страницы вопросов и ответов")


class ContactsPage(Page):
    body = RichTextField(_("текст"), blank=True)
    show_hotlines = models.BooleanField(_("показывать телефоны помощи"), default=True)

    content_panels = Page.content_panels + [FieldPanel("body"), FieldPanel("show_hotlines")]
    parent_page_types = ["website.HomePage"]
    subpage_types = []
    max_count = 1

    class Meta:
        verbose_name = _("контакты")
        verbose_name_plural = _("страницы контактов")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["hotline_items"] = page_values.hotline_list() if self.show_hotlines else []
        return context


class DirectoryPage(Page):
    """The public databank in the page tree: an intro, the search form and the tiles. Search itself lives in
    the search app (`search:results`, `/services/`)."""

    intro = models.TextField(_("вступление"), blank=True)
    body = StreamField(website_blocks.BodyBlock(), verbose_name=_("текст"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["website.HomePage"]
    subpage_types = []
    max_count = 1

    class Meta:
        verbose_name = _("банк данных")
        verbose_name_plural = _("страницы банка данных")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["category_tiles"] = selectors.category_tiles()
        context["settlements"] = selectors.settlement_choices()
        return context


class TextPage(Page):
    """A plain text page: the personal data policy, terms of use, «about the project»."""

    intro = models.TextField(_("кратко"), blank=True)
    body = StreamField(website_blocks.BodyBlock(), verbose_name=_("текст"), blank=True)
    revised_at = models.DateField(_("редакция от"), null=True, blank=True, help_text=_("Дата текущей редакции."))

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body"), FieldPanel("revised_at")]
    search_fields = Page.search_fields + [index.SearchField("intro")]
    parent_page_types = ["website.HomePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("текстовая страница")
        verbose_name_plural = _("текстовые страницы")


@register_setting(icon="user")
class SiteOperator(BaseSiteSetting):
    """«Оператор сайта»: who runs the site and processes the personal data it collects (152-ФЗ), shown in the
    footer of every public page."""

    name = models.CharField(_("название оператора"), max_length=300, blank=True)
    address = models.CharField(_("адрес"), max_length=300, blank=True)
    phone = models.CharField(
        _("телефон"), max_length=20, blank=True, help_text=_("Любой записью: сохранится как +7 394 222-33-44.")
    )
    email = models.EmailField(_("электронная почта"), blank=True)
    privacy_policy = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("политика обработки персональных данных"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("address"),
        FieldPanel("phone"),
        FieldPanel("email"),
        FieldPanel("privacy_policy"),
    ]

    class Meta:
        verbose_name = _("оператор сайта")

    def clean(self):
        super().clean()
        if self.phone:
            try:
                self.phone = normalise_phone(self.phone)
            except ValidationError as error:
                raise ValidationError({"phone": error.messages}) from error

    @classmethod
    def for_request_site(cls, site):
        """The settings of `site` with the policy page in the same query, or None when editors never saved them
        (a public page never writes: no `get_or_create` as `for_site` does)."""
        return cls.objects.select_related("privacy_policy__locale").filter(site=site).first()

    def privacy_policy_url(self, request=None) -> str:
        """The policy page in the visitor's language when it is translated, else the page editors chose."""
        page = self.privacy_policy
        if page is None or not page.live:
            return ""
        if page.locale.language_code != translation.get_language():
            localized = page.localized
            page = localized if localized.live else page
        return page.get_url(request) or ""


from .kiosk.models import Kiosk, KioskDailyUsage  # noqa: E402,F401 - kiosk models live in website's migrations
