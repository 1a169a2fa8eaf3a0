"""Wagtail page types of the public site. Pages render; their data comes from directory selectors."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from directory import selectors


class HomePage(Page):
    hero_title = models.CharField(_("заголовок"), max_length=200, default="Помощь семьям с детьми")
    hero_text = models.TextField(
        _("подзаголовок"),
        blank=True,
        default="Бесплатные и доступные службы рядом с вами: врачи, психологи, юристы, центры занятости и соцзащиты.",
    )
    body = RichTextField(_("текст"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("hero_title"), FieldPanel("hero_text"), FieldPanel("body")]
    subpage_types = ["website.LifeSituationPage"]
    max_count = 1

    class Meta:
        verbose_name = _("главная страница")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["category_tiles"] = selectors.category_tiles()
        context["life_situations"] = LifeSituationPage.objects.child_of(self).live().public().specific()
        context["settlements"] = selectors.settlement_choices()
        return context


class LifeSituationPage(Page):
    """A guide for a life situation («Родился ребёнок», «Потеря работы»…) with the help that fits it."""

    intro = models.TextField(_("кратко"), blank=True)
    body = RichTextField(_("текст"), blank=True)
    categories = ParentalManyToManyField("directory.Category", verbose_name=_("категории помощи"), blank=True)
    target_groups = ParentalManyToManyField("directory.TargetGroup", verbose_name=_("категории семей"), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("body"),
        FieldPanel("categories"),
        FieldPanel("target_groups"),
    ]
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
        context["search_query"] = selectors.search_querystring(categories=[c.code for c in categories])
        return context
