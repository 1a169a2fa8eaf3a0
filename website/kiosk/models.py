"""Kiosks (touchscreen terminals) and their anonymous daily usage figures. Thin: rules live in services.py."""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from directory.models import latitude_validators, longitude_validators

KIOSK_LANGUAGES = [("ru", _("русский")), ("en", _("английский"))]


class Kiosk(models.Model):
    code = models.SlugField(
        _("код"),
        max_length=50,
        unique=True,
        validators=[RegexValidator(r"^[a-z0-9-]+$", _("Только строчные латинские буквы, цифры и дефис."))],
        help_text=_("Часть адреса терминала: /kiosk/<код>/ (латиница, цифры, дефис)."),
    )
    name = models.CharField(_("название"), max_length=200)
    place = models.CharField(_("где стоит"), max_length=300, help_text=_("Например: холл детской поликлиники."))
    latitude = models.DecimalField(_("широта"), max_digits=9, decimal_places=6, validators=latitude_validators())
    longitude = models.DecimalField(_("долгота"), max_digits=9, decimal_places=6, validators=longitude_validators())
    municipality = models.ForeignKey(
        "directory.Municipality", verbose_name=_("район"), on_delete=models.PROTECT, related_name="kiosks"
    )
    default_language = models.CharField(_("язык по умолчанию"), max_length=5, choices=KIOSK_LANGUAGES, default="ru")
    idle_timeout_seconds = models.PositiveSmallIntegerField(
        _("сброс после бездействия, секунд"),
        default=60,
        validators=[MinValueValidator(15), MaxValueValidator(900)],
        help_text=_("От 15 до 900 секунд; за 10 секунд до сброса на экране идёт обратный отсчёт."),
    )
    has_printer = models.BooleanField(_("есть принтер чеков (80 мм)"), default=False)
    is_enabled = models.BooleanField(_("включён"), default=True)
    last_seen_at = models.DateTimeField(_("последний сигнал"), null=True, blank=True, editable=False)
    software_version = models.CharField(_("версия программы"), max_length=40, blank=True, editable=False)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)

    class Meta:
        app_label = "website"
        ordering = ["name"]
        verbose_name = _("терминал")
        verbose_name_plural = _("терминалы")

    def __str__(self):
        return f"{self.name} ({self.code})"


class KioskDailyUsage(models.Model):
    """Counters per kiosk per day. Nothing about who used the kiosk or what was typed."""

    kiosk = models.ForeignKey(Kiosk, verbose_name=_("терминал"), on_delete=models.CASCADE, related_name="usage")
    date = models.DateField(_("дата"))
    category_taps = models.PositiveIntegerField(_("нажатия на категории"), default=0)
    searches = models.PositiveIntegerField(_("поиски"), default=0)
    zero_result_searches = models.PositiveIntegerField(_("поиски без результатов"), default=0)
    qr_shown = models.PositiveIntegerField(_("показано QR-кодов"), default=0)
    slips_printed = models.PositiveIntegerField(_("напечатано листков"), default=0)

    class Meta:
        app_label = "website"
        ordering = ["-date", "kiosk__name"]
        constraints = [models.UniqueConstraint(fields=["kiosk", "date"], name="kiosk_usage_one_row_per_day")]
        verbose_name = _("использование терминала за день")
        verbose_name_plural = _("использование терминалов")

    def __str__(self):
        return f"{self.kiosk.code} {self.date:%d.%m.%Y}"
