"""Region profile: the rules of a region's support procedure as data, edited in the admin.

A profile version applies from its `valid_from` date until the next version starts; the version in force on a
day is read through `referrals.profiles`. Codes stored on cases stay valid when a profile changes: a list item is
retired (`retired=True`), never deleted, and its label is still found in older versions.
"""

from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from .codes import ResponsibilityZone


class RegionProfile(ClusterableModel):
    class CaseloadRule(models.TextChoices):
        PER_LEVEL = "per_level", _("по каждому уровню отдельно")
        WEIGHTED = "weighted", _("в долях норматива (сумма по уровням)")

    region = models.SlugField(_("регион (код)"), max_length=30)
    name = models.CharField(_("регион"), max_length=200)
    document = models.TextField(_("нормативный документ"))
    valid_from = models.DateField(_("действует с"), unique=True)
    decision_working_days = models.PositiveSmallIntegerField(
        _("решение о сопровождении и утверждение ИПСС, рабочих дней от обращения"), null=True, blank=True
    )
    programme_after_contract_working_days = models.PositiveSmallIntegerField(
        _("ИПСС после договора, рабочих дней"), null=True, blank=True
    )
    partner_response_working_days = models.PositiveSmallIntegerField(_("ответ партнёра, рабочих дней"), default=5)
    urgent_response_working_days = models.PositiveSmallIntegerField(
        _("ответ партнёра на срочное направление, рабочих дней"), default=1
    )
    guardianship_copy_working_days = models.PositiveSmallIntegerField(
        _("копия договора замещающей семьи в орган опеки, рабочих дней"), null=True, blank=True
    )
    post_support_months = models.PositiveSmallIntegerField(_("постсопровождение, месяцев"), default=0)
    interim_review_months = models.PositiveSmallIntegerField(
        _("контрольное рассмотрение случая, раз в … месяцев"), null=True, blank=True
    )
    support_extension_months = models.PositiveSmallIntegerField(
        _("продление срока сопровождения, не более … месяцев"), null=True, blank=True
    )
    caseload_rule = models.CharField(
        _("как считается нагрузка куратора"), max_length=10, choices=CaseloadRule.choices, default="per_level"
    )
    reporting_periods = models.JSONField(_("отчётные периоды"), default=list)
    sources = models.JSONField(_("источники (пункты документа)"), default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("профиль региона")
        verbose_name_plural = _("профили регионов")

    def __str__(self):
        return f"{self.name}, с {self.valid_from:%d.%m.%Y}"

    def export_link(self):
        return format_html('<a href="{}">{}</a>', reverse("region_profile_export", args=[self.pk]), _("скачать файл"))

    export_link.short_description = _("Файл профиля")


class ProfileLevel(models.Model):
    profile = ParentalKey(RegionProfile, related_name="levels", on_delete=models.CASCADE)
    sort_order = models.PositiveSmallIntegerField(default=0)
    code = models.SlugField(_("код"), max_length=30)
    label = models.CharField(_("уровень"), max_length=200)
    purpose = models.CharField(_("назначение"), max_length=300, blank=True)
    months = models.PositiveSmallIntegerField(_("срок, месяцев"), null=True, blank=True)
    caseload = models.PositiveSmallIntegerField(_("семей на одного куратора"), null=True, blank=True)
    retired = models.BooleanField(_("больше не применяется"), default=False)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("уровень сопровождения")
        verbose_name_plural = _("уровни сопровождения")
        constraints = [models.UniqueConstraint(fields=["profile", "code"], name="profile_level_unique")]

    def __str__(self):
        return self.label


class ProfileCode(models.Model):
    """One item of a code list of the profile (family categories, circumstances, reasons…)."""

    class List(models.TextChoices):
        FAMILY_CATEGORY = "family_categories", _("категории семей")
        CIRCUMSTANCE = "circumstances", _("обстоятельства нуждаемости")
        CLOSURE_REASON = "closure_reasons", _("основания прекращения сопровождения")
        DECLINE_REASON = "decline_reasons", _("причины отказа партнёра")
        OUTCOME = "outcomes", _("результаты направления")
        NOT_COMPLETED_REASON = "not_completed_reasons", _("причины невыполнения направления")

    profile = ParentalKey(RegionProfile, related_name="codes", on_delete=models.CASCADE)
    sort_order = models.PositiveSmallIntegerField(default=0)
    list = models.CharField(_("перечень"), max_length=30, choices=List.choices)
    code = models.SlugField(_("код"), max_length=30)
    label = models.CharField(_("название"), max_length=300)
    note = models.CharField(
        _("примечание"), max_length=300, blank=True, help_text=_("Для категории — алгоритм сопровождения.")
    )
    positive = models.BooleanField(
        _("положительный результат (за ним постсопровождение)"),
        default=False,
        help_text=_("Только для оснований прекращения."),
    )
    retired = models.BooleanField(_("больше не применяется"), default=False)

    class Meta:
        ordering = ["list", "sort_order", "id"]
        verbose_name = _("пункт перечня")
        verbose_name_plural = _("перечни")
        constraints = [models.UniqueConstraint(fields=["profile", "list", "code"], name="profile_code_unique")]

    def __str__(self):
        return self.label


class ProgrammeTemplate(ClusterableModel):
    """Алгоритм сопровождения: the measures proposed for a new ИПСС of a family of this category."""

    profile = models.ForeignKey(
        RegionProfile, verbose_name=_("профиль региона"), related_name="templates", on_delete=models.CASCADE
    )
    family_category = models.CharField(_("категория семьи (код)"), max_length=30, help_text=_("«*» — для любой семьи."))
    title = models.CharField(_("название"), max_length=300)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["profile", "sort_order", "id"]
        verbose_name = _("шаблон ИПСС (алгоритм)")
        verbose_name_plural = _("шаблоны ИПСС (алгоритмы)")

    def __str__(self):
        return self.title


class TemplateMeasure(models.Model):
    class Section(models.TextChoices):
        """Разделы плана работы с семьёй (001, приложение 2)."""

        MED = "med", _("Оказание содействия в получении медицинской помощи")
        LAW = "law", _("Оказание содействия в получении юридической помощи")
        PED = "ped", _("Оказание содействия в получении педагогической помощи")
        PSY = "psy", _("Оказание содействия в получении психологической помощи")
        SOC = "soc", _("Оказание содействия в получении социальной помощи")
        OTHER = "other", _("Иные виды помощи")

    template = ParentalKey(ProgrammeTemplate, related_name="measures", on_delete=models.CASCADE)
    sort_order = models.PositiveSmallIntegerField(default=0)
    section = models.CharField(_("раздел"), max_length=5, choices=Section.choices)
    category_code = models.CharField(_("вид помощи (код классификатора)"), max_length=30)
    description = models.TextField(_("мероприятие"))
    zone = models.CharField(_("зона ответственности"), max_length=10, choices=ResponsibilityZone.choices)
    days = models.PositiveSmallIntegerField(_("срок, дней от утверждения"), default=30)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("мероприятие шаблона")
        verbose_name_plural = _("мероприятия шаблона")

    def __str__(self):
        return self.description[:80]
