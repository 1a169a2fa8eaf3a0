"""The databank, aligned with Open Referral HSDS 3.x names where they fit.

Models stay thin: field definitions, constraints and field-level validation. Rules that change state
live in `services.py`, reads in `selectors.py`.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel

from .validators import format_phone, normalise_phone

MAX_CHILD_AGE = 18
# A service's age limits may go beyond childhood (a service open to everyone, «from 18», «up to 100»).
MAX_AGE = 120
# The district of places imported without a known one (directory/hsds/importer.py): an editor resolves them.
UNDETERMINED_MUNICIPALITY = "ne-opredelen"


class ReferenceItem(models.Model):
    """Base of the editable reference lists (provider types, agencies, family categories, languages)."""

    code = models.SlugField(_("код"), max_length=50, unique=True)
    name = models.CharField(_("название"), max_length=255)
    sort_order = models.PositiveSmallIntegerField(_("порядок"), default=0)

    class Meta:
        abstract = True
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class Agency(ReferenceItem):
    class Meta(ReferenceItem.Meta):
        verbose_name = _("ведомство")
        verbose_name_plural = _("ведомства")


class ProviderType(ReferenceItem):
    agency = models.ForeignKey(
        Agency, verbose_name=_("ведомство по умолчанию"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta(ReferenceItem.Meta):
        verbose_name = _("тип организации")
        verbose_name_plural = _("типы организаций")


class TargetGroup(ReferenceItem):
    """Family category (категория семьи) a service is meant for."""

    description = models.TextField(_("описание"), blank=True)
    # «Социально опасное положение» is a status of a family inside the referral workspace, never a public label.
    is_public = models.BooleanField(
        _("показывать на сайте"),
        default=True,
        help_text=_("Снимите отметку, чтобы категория не была фильтром поиска и не показывалась посетителям."),
    )

    class Meta(ReferenceItem.Meta):
        verbose_name = _("категория семей")
        verbose_name_plural = _("категории семей")


class Language(ReferenceItem):
    class Meta(ReferenceItem.Meta):
        verbose_name = _("язык")
        verbose_name_plural = _("языки")


class Category(models.Model):
    """Taxonomy of help: the five kinds of help and the groups/items of the «Перечень мер помощи»."""

    class Scheme(models.TextChoices):
        KIND = "kind", _("вид помощи")
        MEASURE = "measure", _("перечень мер помощи")

    code = models.CharField(_("код"), max_length=30, unique=True)
    scheme = models.CharField(_("классификатор"), max_length=10, choices=Scheme.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("родительская категория"),
        null=True,
        blank=True,
        related_name="children",
        on_delete=models.PROTECT,
    )
    name = models.CharField(_("название"), max_length=500)
    short_name = models.CharField(_("краткое название"), max_length=60, blank=True)
    description = models.TextField(_("описание"), blank=True)
    kinds = models.ManyToManyField(
        "self",
        verbose_name=_("виды помощи"),
        blank=True,
        symmetrical=False,
        related_name="measure_groups",
        limit_choices_to={"scheme": "kind"},
        help_text=_("К каким видам помощи относится группа мер."),
    )
    is_public = models.BooleanField(
        _("показывать на сайте"), default=True, help_text=_("Выключите для служебных категорий.")
    )
    sort_order = models.PositiveIntegerField(_("порядок"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("категория помощи")
        verbose_name_plural = _("категории помощи")

    def __str__(self):
        return self.label

    @property
    def label(self):
        return self.short_name or self.name

    def clean(self):
        if self.parent_id and self.parent.scheme != self.scheme:
            raise ValidationError({"parent": _("Родительская категория должна быть из того же классификатора.")})
        ancestor, seen = self.parent, set()
        while ancestor is not None:
            if ancestor.pk == self.pk and self.pk is not None or ancestor.pk in seen:
                raise ValidationError({"parent": _("Категория не может быть вложена сама в себя.")})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent


class Municipality(models.Model):
    """Municipal district or city district (кожуун, район, городской округ)."""

    code = models.SlugField(_("код"), max_length=60, unique=True)
    region = models.CharField(_("субъект РФ"), max_length=150)
    name = models.CharField(_("название"), max_length=150)
    oktmo = models.CharField(_("код ОКТМО"), max_length=11, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("муниципальное образование")
        verbose_name_plural = _("муниципальные образования")

    def __str__(self):
        return self.name


def latitude_validators():
    return [MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))]


def longitude_validators():
    return [MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))]


class Settlement(models.Model):
    """Populated place (город, село, посёлок) with its centre, used as a «from where» for distance sort."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("муниципальное образование"), related_name="settlements", on_delete=models.PROTECT
    )
    code = models.SlugField(_("код"), max_length=80, unique=True)
    name = models.CharField(_("название"), max_length=150)
    kind = models.CharField(_("тип"), max_length=30, blank=True, help_text=_("город, пгт, село, местечко…"))
    latitude = models.DecimalField(_("широта"), max_digits=9, decimal_places=6, validators=latitude_validators())
    longitude = models.DecimalField(_("долгота"), max_digits=9, decimal_places=6, validators=longitude_validators())

    class Meta:
        ordering = ["name"]
        verbose_name = _("населённый пункт")
        verbose_name_plural = _("населённые пункты")
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="settlement_coordinates_in_range",
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.name}".strip()


class VerifiedRecord(models.Model):
    verified_at = models.DateTimeField(_("дата проверки"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кем проверено"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменено"), auto_now=True)

    class Meta:
        abstract = True


class Organization(ClusterableModel, VerifiedRecord):
    uuid = models.UUIDField(_("идентификатор"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("полное название"), max_length=500)
    short_name = models.CharField(_("краткое название"), max_length=200, blank=True)
    provider_type = models.ForeignKey(
        ProviderType, verbose_name=_("тип организации"), related_name="organizations", on_delete=models.PROTECT
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("ведомство"),
        null=True,
        blank=True,
        related_name="organizations",
        on_delete=models.PROTECT,
    )
    legal_form = models.CharField(_("организационно-правовая форма"), max_length=200, blank=True)
    description = models.TextField(_("описание"), blank=True)
    website = models.URLField(_("сайт"), blank=True)
    email = models.EmailField(_("электронная почта"), blank=True)
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("логотип"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    photo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("фотография"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_network_partner = models.BooleanField(
        _("партнёр сети сопровождения"), default=False, help_text=_("Может получать направления кураторов.")
    )
    is_demo = models.BooleanField(_("демонстрационные данные"), default=False, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("организация")
        verbose_name_plural = _("организации")

    def __str__(self):
        return self.short_name or self.name

    def get_absolute_url(self):
        return reverse("directory:organization", args=[self.pk])

    @property
    def display_name(self):
        return self.short_name or self.name


class Location(ClusterableModel):
    """A place where an organisation receives people. Confidential ones (shelters) never show their address."""

    uuid = models.UUIDField(_("идентификатор"), default=uuid.uuid4, unique=True, editable=False)
    organization = ParentalKey(
        Organization, verbose_name=_("организация"), related_name="locations", on_delete=models.CASCADE
    )
    name = models.CharField(
        _("название места"), max_length=255, blank=True, help_text=_("Например, «Филиал в с. Мугур-Аксы».")
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("муниципальный район / городской округ"),
        related_name="locations",
        on_delete=models.PROTECT,
    )
    settlement = models.ForeignKey(
        Settlement,
        verbose_name=_("населённый пункт"),
        null=True,
        blank=True,
        related_name="locations",
        on_delete=models.PROTECT,
    )
    street = models.CharField(_("улица"), max_length=200, blank=True)
    house = models.CharField(_("дом"), max_length=50, blank=True)
    postal_code = models.CharField(_("индекс"), max_length=6, blank=True)
    address_note = models.CharField(
        _("уточнение адреса"), max_length=255, blank=True, help_text=_("Корпус, этаж, кабинет, вход.")
    )
    latitude = models.DecimalField(
        _("широта"), max_digits=9, decimal_places=6, null=True, blank=True, validators=latitude_validators()
    )
    longitude = models.DecimalField(
        _("долгота"), max_digits=9, decimal_places=6, null=True, blank=True, validators=longitude_validators()
    )
    is_confidential = models.BooleanField(
        _("адрес конфиденциален"),
        default=False,
        help_text=_("Кризисные убежища: адрес и координаты не публикуются, показывается только телефон для обращения."),
    )
    front_door_phone = models.CharField(
        _("телефон для обращения"), max_length=20, blank=True, help_text=_("Обязателен для конфиденциального адреса.")
    )
    is_24_7 = models.BooleanField(_("круглосуточно"), default=False)
    wheelchair_accessible = models.BooleanField(_("доступный вход (пандус, без ступеней)"), default=False)
    accessibility_note = models.TextField(_("доступность"), blank=True)
    transport_note = models.TextField(_("как добраться"), blank=True)

    class Meta:
        ordering = ["organization", "pk"]
        verbose_name = _("адрес (место приёма)")
        verbose_name_plural = _("адреса (места приёма)")
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="location_latitude_in_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="location_longitude_in_range",
            ),
        ]

    def __str__(self):
        return self.name or self.address_line

    @property
    def address_line(self):
        parts = [str(self.settlement) if self.settlement_id else "", self.street, self.house]
        return ", ".join(p for p in parts if p)

    @property
    def has_coordinates(self):
        return self.latitude is not None and self.longitude is not None

    def clean(self):
        errors = {}
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude"] = _("Укажите обе координаты — широту и долготу — или ни одной.")
        if self.settlement_id and self.municipality_id and self.settlement.municipality_id != self.municipality_id:
            errors["settlement"] = _("Населённый пункт не относится к выбранному району.")
        if self.front_door_phone:
            try:
                self.front_door_phone = normalise_phone(self.front_door_phone)
            except ValidationError as exc:
                errors["front_door_phone"] = exc.messages
        if self.is_confidential and not self.front_door_phone:
            errors["front_door_phone"] = _(
                "Для конфиденциального адреса укажите телефон, по которому можно обратиться."
            )
        if errors:
            raise ValidationError(errors)


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("понедельник")
    TUESDAY = 1, _("вторник")
    WEDNESDAY = 2, _("среда")
    THURSDAY = 3, _("четверг")
    FRIDAY = 4, _("пятница")
    SATURDAY = 5, _("суббота")
    SUNDAY = 6, _("воскресенье")


def validate_interval(opens_at, closes_at, field="closes_at"):
    if opens_at is None or closes_at is None:
        raise ValidationError({field: _("Укажите время начала и окончания приёма.")})
    if closes_at <= opens_at:
        raise ValidationError({field: _("Время окончания должно быть позже времени начала.")})


class Schedule(models.Model):
    """One interval of regular opening hours on a weekday (several per day for a lunch break)."""

    location = ParentalKey(Location, verbose_name=_("адрес"), related_name="schedules", on_delete=models.CASCADE)
    weekday = models.PositiveSmallIntegerField(_("день недели"), choices=Weekday.choices)
    opens_at = models.TimeField(_("с"))
    closes_at = models.TimeField(_("до"))

    class Meta:
        ordering = ["weekday", "opens_at"]
        verbose_name = _("часы работы")
        verbose_name_plural = _("часы работы")
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="schedule_closes_after_opens")
        ]
        indexes = [models.Index(fields=["weekday", "opens_at", "closes_at"])]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"

    def clean(self):
        validate_interval(self.opens_at, self.closes_at)


class ScheduleException(models.Model):
    """A dated change of hours: closed for a day, or special hours (also work on a public holiday)."""

    location = ParentalKey(
        Location, verbose_name=_("адрес"), related_name="schedule_exceptions", on_delete=models.CASCADE
    )
    date = models.DateField(_("дата"))
    is_closed = models.BooleanField(_("не работает"), default=True)
    opens_at = models.TimeField(_("с"), null=True, blank=True)
    closes_at = models.TimeField(_("до"), null=True, blank=True)
    note = models.CharField(_("примечание"), max_length=255, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("особый день")
        verbose_name_plural = _("особые дни")
        constraints = [
            models.UniqueConstraint(fields=["location", "date"], name="one_exception_per_location_day"),
            models.CheckConstraint(
                condition=Q(is_closed=True) | Q(closes_at__gt=models.F("opens_at")),
                name="exception_closes_after_opens",
            ),
        ]

    def __str__(self):
        return f"{self.date:%d.%m.%Y}"

    def clean(self):
        if not self.is_closed:
            validate_interval(self.opens_at, self.closes_at)


class Holiday(models.Model):
    """Public holiday (нерабочий праздничный день): places are closed unless 24/7 or a dated exception says so."""

    date = models.DateField(_("дата"), unique=True)
    name = models.CharField(_("название"), max_length=200)

    class Meta:
        ordering = ["date"]
        verbose_name = _("нерабочий праздничный день")
        verbose_name_plural = _("нерабочие праздничные дни")

    def __str__(self):
        return f"{self.date:%d.%m.%Y} — {self.name}"


class Service(ClusterableModel, VerifiedRecord):
    class Status(models.TextChoices):
        DRAFT = "draft", _("черновик")
        PUBLISHED = "published", _("опубликовано")
        ARCHIVED = "archived", _("в архиве")

    class Cost(models.TextChoices):
        FREE = "free", _("бесплатно")
        PARTLY_FREE = "partly_free", _("частично бесплатно")
        PAID = "paid", _("платно")

    uuid = models.UUIDField(_("идентификатор"), default=uuid.uuid4, unique=True, editable=False)
    organization = ParentalKey(
        Organization, verbose_name=_("организация"), related_name="services", on_delete=models.CASCADE
    )
    name = models.CharField(_("название услуги"), max_length=300)
    description = models.TextField(_("описание"), blank=True)
    categories = ParentalManyToManyField(
        Category, verbose_name=_("категории помощи"), related_name="services", blank=True
    )
    target_groups = ParentalManyToManyField(
        TargetGroup, verbose_name=_("категории семей"), related_name="services", blank=True
    )
    languages = ParentalManyToManyField(Language, verbose_name=_("языки"), related_name="services", blank=True)
    age_min = models.PositiveSmallIntegerField(
        _("возраст ребёнка от, лет"), null=True, blank=True, validators=[MaxValueValidator(MAX_AGE)]
    )
    age_max = models.PositiveSmallIntegerField(
        _("возраст ребёнка до, лет"), null=True, blank=True, validators=[MaxValueValidator(MAX_AGE)]
    )
    eligibility = models.TextField(_("кто может получить"), blank=True)
    cost = models.CharField(_("стоимость"), max_length=12, choices=Cost.choices, default=Cost.FREE)
    cost_note = models.CharField(_("условия оплаты"), max_length=300, blank=True)
    how_to_apply = models.TextField(_("как обратиться"), blank=True)
    required_documents = models.TextField(
        _("какие документы нужны"), blank=True, help_text=_("Каждый документ с новой строки.")
    )
    delivery_in_person = models.BooleanField(_("очно"), default=True)
    delivery_phone = models.BooleanField(_("по телефону"), default=False)
    delivery_online = models.BooleanField(_("онлайн"), default=False)
    delivery_home_visit = models.BooleanField(_("выезд на дом"), default=False)
    email = models.EmailField(_("электронная почта"), blank=True)
    url = models.URLField(_("страница услуги"), blank=True)
    is_hotline = models.BooleanField(
        _("горячая линия"), default=False, help_text=_("Показывать в панели телефонов помощи на каждой странице.")
    )
    accepts_referrals = models.BooleanField(_("принимает направления"), default=False)
    referral_response_days = models.PositiveSmallIntegerField(
        _("срок ответа на направление, рабочих дней"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    status = models.CharField(_("статус"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    # Lemmatised text for the database search engine; kept up to date by directory.services.
    search_name = models.TextField(editable=False, blank=True, default="")
    search_text = models.TextField(editable=False, blank=True, default="")

    class Meta:
        ordering = ["name"]
        verbose_name = _("услуга")
        verbose_name_plural = _("услуги")
        constraints = [
            models.CheckConstraint(
                condition=Q(age_min__isnull=True) | Q(age_max__isnull=True) | Q(age_max__gte=models.F("age_min")),
                name="service_age_range_ordered",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("directory:service", args=[self.pk])

    DELIVERY_FIELDS = ("delivery_in_person", "delivery_phone", "delivery_online", "delivery_home_visit")

    @property
    def delivery_modes(self):
        return [self._meta.get_field(f).verbose_name for f in self.DELIVERY_FIELDS if getattr(self, f)]

    @property
    def document_list(self):
        return [line.strip(" -•\t") for line in self.required_documents.splitlines() if line.strip(" -•\t")]

    def clean(self):
        errors = {}
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            errors["age_max"] = _("Возраст «до» не может быть меньше возраста «от».")
        if self.accepts_referrals and not self.referral_response_days:
            errors["referral_response_days"] = _("Укажите срок ответа на направление в рабочих днях.")
        if not any(getattr(self, f) for f in self.DELIVERY_FIELDS):
            errors["delivery_in_person"] = _("Отметьте хотя бы один способ получения услуги.")
        if errors:
            raise ValidationError(errors)


class ServiceAtLocation(models.Model):
    """A service offered at one of the organisation's places (the unit families search for)."""

    uuid = models.UUIDField(_("идентификатор"), default=uuid.uuid4, unique=True, editable=False)
    service = ParentalKey(
        Service, verbose_name=_("услуга"), related_name="service_at_locations", on_delete=models.CASCADE
    )
    location = models.ForeignKey(
        Location, verbose_name=_("адрес"), related_name="service_at_locations", on_delete=models.CASCADE
    )
    note = models.CharField(_("особенности на этом адресе"), max_length=300, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("услуга по адресу")
        verbose_name_plural = _("услуги по адресам")
        constraints = [models.UniqueConstraint(fields=["service", "location"], name="service_location_unique")]

    def __str__(self):
        return f"{self.service} — {self.location}"

    def clean(self):
        if self.service_id and self.location_id and self.location.organization_id != self.service.organization_id:
            raise ValidationError({"location": _("Адрес должен принадлежать той же организации, что и услуга.")})


class Phone(models.Model):
    class Kind(models.TextChoices):
        MAIN = "main", _("основной")
        HOTLINE = "hotline", _("телефон доверия / горячая линия")
        RECEPTION = "reception", _("регистратура / приёмная")
        MOBILE = "mobile", _("мобильный")
        FAX = "fax", _("факс")

    organization = ParentalKey(
        Organization,
        verbose_name=_("организация"),
        related_name="phones",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    location = ParentalKey(
        Location, verbose_name=_("адрес"), related_name="phones", null=True, blank=True, on_delete=models.CASCADE
    )
    service = ParentalKey(
        Service, verbose_name=_("услуга"), related_name="phones", null=True, blank=True, on_delete=models.CASCADE
    )
    number = models.CharField(_("номер"), max_length=20, help_text=_("Например, +7 394 222-33-44 или 8 800 2000 122."))
    extension = models.CharField(_("добавочный"), max_length=10, blank=True)
    kind = models.CharField(_("вид"), max_length=10, choices=Kind.choices, default=Kind.MAIN)
    description = models.CharField(_("пояснение"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("порядок"), default=0)

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = _("телефон")
        verbose_name_plural = _("телефоны")
        constraints = [
            models.CheckConstraint(
                condition=Q(organization__isnull=False) | Q(location__isnull=False) | Q(service__isnull=False),
                name="phone_has_owner",
            )
        ]

    def __str__(self):
        return self.display

    @property
    def display(self):
        text = format_phone(self.number)
        return f"{text} доб. {self.extension}" if self.extension else text

    @property
    def tel_href(self):
        return f"tel:{self.number}" + (f",{self.extension}" if self.extension else "")

    def clean(self):
        try:
            self.number = normalise_phone(self.number)
        except ValidationError as exc:
            raise ValidationError({"number": exc.messages}) from exc
        if self.extension and not self.extension.isdigit():
            raise ValidationError({"extension": _("Добавочный номер — только цифры.")})


from .spreadsheet.models import SpreadsheetImport  # noqa: E402, F401  (the import record lives with its package)
