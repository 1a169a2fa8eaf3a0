"""Confidential tables of the referral network. Thin models: rules live in policy.py and services.py.

Personal data (names, dates of birth, phones, addresses, narratives, attachment contents) is encrypted at
rest with `referrals.crypto`; nothing here is ever read by the public site.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.models import Category, Municipality, Organization, Service

from . import profiles
from .codes import (
    ENDED_STATUSES,
    SECURITY_EVENT_KINDS,
    AgendaKind,
    CaseGround,
    CaseStatus,
    ConsiliumKind,
    DataCategory,
    Decision,
    MeasureForm,
    MeasureStatus,
    PostSupportContact,
    ProgrammeStatus,
    Relation,
    ResponsibilityZone,
    Role,
    Urgency,
)
from .crypto import EncryptedDateField, EncryptedJSONField, EncryptedTextField
from .profile_models import ProfileCode, ProfileLevel, ProgrammeTemplate, RegionProfile, TemplateMeasure
from .states import State

__all__ = ["ProfileCode", "ProfileLevel", "ProgrammeTemplate", "RegionProfile", "TemplateMeasure"]


def profile_label(field: str, code_list: str):
    """A `get_<field>_display` for a field whose codes come from the region profile (labels: profiles.label)."""

    def display(self):
        return profiles.label(code_list, getattr(self, field))

    return display


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("пользователь"), related_name="memberships", on_delete=models.CASCADE
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("организация"), related_name="memberships", on_delete=models.CASCADE
    )
    role = models.CharField(_("роль"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("действует"), default=True)

    class Meta:
        verbose_name = _("членство в сети")
        verbose_name_plural = _("членство в сети")
        constraints = [models.UniqueConstraint(fields=["user", "organization", "role"], name="membership_unique")]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()}, {self.organization}"


class FamilyCase(models.Model):
    """Семья на сопровождении: a record of the primary journal with its curator and support level."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name=_("организация сопровождения"), related_name="family_cases", on_delete=models.PROTECT
    )
    registration_number = models.CharField(_("номер в журнале первичного учёта"), max_length=30)
    registration_date = models.DateField(_("дата регистрации"))
    ground = models.CharField(_("основание"), max_length=20, choices=CaseGround.choices)
    district = models.ForeignKey(
        Municipality, verbose_name=_("район"), related_name="family_cases", on_delete=models.PROTECT
    )
    # Sensitive codes (e.g. `refusal_intent`, `medical_need`), encrypted: the database cannot filter on them, so
    # reports and selectors test them in Python over the rows they read (see referrals/reports.py).
    categories = EncryptedJSONField(_("категории семьи"), default=list, blank=True)
    circumstances = EncryptedJSONField(_("обстоятельства нуждаемости"), default=list, blank=True)
    support_level = models.CharField(_("уровень сопровождения"), max_length=30)
    curator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("куратор"),
        related_name="curated_cases",
        on_delete=models.PROTECT,
    )
    status = models.CharField(_("этап"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.INTAKE)
    # The stages of the procedure (001 §4–5, algorithms' stages I–VII); the clocks run from these dates.
    applied_on = models.DateField(_("дата обращения (заявления, сообщения)"), null=True, blank=True)
    help_request = models.OneToOneField(
        "HelpRequest",
        verbose_name=_("обращение с сайта"),
        related_name="case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    curator_assigned_on = models.DateField(_("куратор закреплён"), null=True, blank=True)
    assessment_done_on = models.DateField(_("сбор информации и первичная диагностика завершены"), null=True, blank=True)
    accepted_on = models.DateField(_("принята на сопровождение (ведомственный учёт)"), null=True, blank=True)
    family_agreed_on = models.DateField(_("ИПСС согласована с семьёй"), null=True, blank=True)
    post_support_until = models.DateField(_("постсопровождение до"), null=True, blank=True)
    removed_on = models.DateField(_("снята с учёта"), null=True, blank=True)
    support_until = models.DateField(_("сопровождение до"), null=True, blank=True)
    contract_number = models.CharField(_("номер договора о сопровождении"), max_length=30, blank=True)
    contract_date = models.DateField(_("дата договора"), null=True, blank=True)
    guardianship_notified_on = models.DateField(_("копия договора направлена в орган опеки"), null=True, blank=True)
    # Personal data, encrypted.
    address = EncryptedTextField(_("адрес проживания"), blank=True)
    narrative = EncryptedTextField(_("описание ситуации (для куратора)"), blank=True)
    closed_on = models.DateField(_("дата прекращения"), null=True, blank=True)
    closure_reason = models.CharField(_("основание прекращения"), max_length=30, blank=True)
    closure_conclusion = EncryptedTextField(_("заключение рабочей группы"), blank=True)
    anonymised_at = models.DateTimeField(_("обезличено"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-registration_date", "-id"]
        verbose_name = _("семья на сопровождении")
        verbose_name_plural = _("семьи на сопровождении")
        # The case list of a head of unit, in its order, a page at a time.
        indexes = [models.Index(fields=["organization", "status", "-registration_date", "-id"], name="case_list")]
        constraints = [
            models.UniqueConstraint(fields=["organization", "registration_number"], name="case_registration_unique")
        ]

    def __str__(self):
        return _("Случай № %(number)s") % {"number": self.registration_number}

    get_support_level_display = profile_label("support_level", "levels")
    get_closure_reason_display = profile_label("closure_reason", "closure_reasons")

    @property
    def has_contract(self) -> bool:
        return bool(self.contract_number and self.contract_date)

    @property
    def is_closed(self) -> bool:
        """Support has ended (closed, not accepted, or in post-support): no more measures or referrals."""
        return self.status in ENDED_STATUSES


class FamilyMember(models.Model):
    case = models.ForeignKey(FamilyCase, related_name="members", on_delete=models.CASCADE)
    full_name = EncryptedTextField(_("ФИО"))
    birth_date = EncryptedDateField(_("дата рождения"), null=True, blank=True)
    relation = models.CharField(_("кем приходится"), max_length=12, choices=Relation.choices)
    phone = EncryptedTextField(_("телефон"), blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    address = EncryptedTextField(_("адрес, если отличается"), blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("член семьи")
        verbose_name_plural = _("члены семьи")

    def __str__(self):
        return self.get_relation_display()

    def age_on(self, day) -> int | None:
        if not self.birth_date:
            return None
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class Consent(models.Model):
    """Согласие на обработку и передачу персональных данных: its own document, separate from the contract."""

    case = models.ForeignKey(FamilyCase, related_name="consents", on_delete=models.CASCADE)
    signed_on = models.DateField(_("дата подписания"))
    signed_by = EncryptedTextField(_("кто подписал (ФИО)"))
    expires_on = models.DateField(_("действует до"))
    data_categories = models.JSONField(_("какие сведения можно передавать"), default=list)
    all_partners = models.BooleanField(_("всем организациям-партнёрам сети"), default=False)
    organizations = models.ManyToManyField(
        Organization, verbose_name=_("названным организациям"), related_name="+", blank=True
    )
    health_written = models.BooleanField(
        _("есть письменное согласие на передачу сведений о здоровье"),
        default=False,
        help_text=_("Без него сведения о здоровье не передаются, даже если категория отмечена."),
    )
    # The scanned document, encrypted like attachments (see Attachment).
    document_data = models.BinaryField(null=True, blank=True, editable=False)
    document_type = models.CharField(max_length=50, blank=True, editable=False)
    withdrawn_on = models.DateField(_("отозвано"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-signed_on", "-id"]
        verbose_name = _("согласие")
        verbose_name_plural = _("согласия")

    def __str__(self):
        return _("Согласие от %(date)s") % {"date": self.signed_on}

    @property
    def category_labels(self) -> list[str]:
        return [str(DataCategory(code).label) for code in self.data_categories if code in DataCategory.values]

    def clean(self):
        if self.signed_on and self.expires_on and self.expires_on < self.signed_on:
            raise ValidationError({"expires_on": _("Срок действия не может закончиться раньше даты подписания.")})
        if self.signed_on and self.signed_on > timezone.localdate():
            raise ValidationError({"signed_on": _("Дата подписания не может быть в будущем.")})


class Programme(models.Model):
    """Индивидуальная программа социального сопровождения (ИПСС), one row per version."""

    case = models.ForeignKey(FamilyCase, related_name="programmes", on_delete=models.CASCADE)
    version = models.PositiveSmallIntegerField(_("редакция"), default=1)
    status = models.CharField(
        _("статус"), max_length=10, choices=ProgrammeStatus.choices, default=ProgrammeStatus.DRAFT
    )
    decided_on = models.DateField(_("дата решения рабочей группы"), null=True, blank=True)
    protocol_number = models.CharField(_("номер протокола"), max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "-version"]
        verbose_name = _("индивидуальная программа (ИПСС)")
        verbose_name_plural = _("индивидуальные программы (ИПСС)")
        constraints = [models.UniqueConstraint(fields=["case", "version"], name="programme_version_unique")]

    def __str__(self):
        return _("ИПСС, редакция %(version)s") % {"version": self.version}


class Measure(models.Model):
    programme = models.ForeignKey(Programme, related_name="measures", on_delete=models.CASCADE)
    category = models.ForeignKey(Category, verbose_name=_("вид помощи"), related_name="+", on_delete=models.PROTECT)
    # Personal data, encrypted (what the family needs, often about a child's health).
    description = EncryptedTextField(_("мероприятие"))
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("ответственная организация"),
        related_name="+",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    responsible_person = EncryptedTextField(_("ответственный"), max_length=200, blank=True)
    deadline = models.DateField(_("срок"))
    zone = models.CharField(_("зона ответственности"), max_length=10, choices=ResponsibilityZone.choices)
    form = models.CharField(_("форма"), max_length=10, choices=MeasureForm.choices, default=MeasureForm.INDIVIDUAL)
    section = models.CharField(_("раздел плана"), max_length=5, choices=TemplateMeasure.Section.choices, blank=True)
    member = models.ForeignKey(
        "FamilyMember",
        verbose_name=_("для кого из членов семьи"),
        related_name="measures",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    status = models.CharField(
        _("отметка о выполнении"), max_length=10, choices=MeasureStatus.choices, default=MeasureStatus.PLANNED
    )
    marked_on = models.DateField(_("дата отметки"), null=True, blank=True)
    result = EncryptedTextField(_("результат"), blank=True)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("мероприятие программы")
        verbose_name_plural = _("мероприятия программы")

    def __str__(self):
        return self.description[:80]


class Referral(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(FamilyCase, related_name="referrals", on_delete=models.CASCADE)
    measure = models.ForeignKey(
        Measure,
        verbose_name=_("мероприятие ИПСС"),
        related_name="referrals",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    member = models.ForeignKey(
        FamilyMember,
        verbose_name=_("для кого"),
        related_name="referrals",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    category = models.ForeignKey(Category, verbose_name=_("вид помощи"), related_name="+", on_delete=models.PROTECT)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("организация-партнёр"),
        related_name="referrals_received",
        on_delete=models.PROTECT,
    )
    service = models.ForeignKey(
        Service, verbose_name=_("услуга"), related_name="referrals", null=True, blank=True, on_delete=models.SET_NULL
    )
    urgency = models.CharField(_("срочность"), max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    needed_by = models.DateField(_("помощь нужна до"), null=True, blank=True)
    status = models.CharField(_("состояние"), max_length=15, choices=State.choices, default=State.DRAFT, db_index=True)
    respond_by = models.DateField(_("ответить до"), null=True, blank=True)
    # Personal data, encrypted; each block is unlocked for the partner by its own consent category.
    narrative = EncryptedTextField(_("описание ситуации"), blank=True)
    health_notes = EncryptedTextField(_("сведения о здоровье"), blank=True)
    education_notes = EncryptedTextField(_("сведения об образовании"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("исполнитель"),
        related_name="assigned_referrals",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    appointment_at = models.DateTimeField(_("дата и время приёма"), null=True, blank=True)
    decline_reason = models.CharField(_("причина отказа"), max_length=30, blank=True)
    outcome = models.CharField(_("результат"), max_length=30, blank=True)
    not_completed_reason = models.CharField(_("причина невыполнения"), max_length=30, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("направление")
        verbose_name_plural = _("направления")
        indexes = [
            # The partner inbox: tab counts and the ordered ids of a tab, from the index alone (PostgreSQL).
            models.Index(
                fields=["organization", "status", "respond_by", "needed_by", "created_at", "id"],
                name="referral_inbox",
            ),
        ]

    def __str__(self):
        return _("Направление № %(id)s") % {"id": self.pk}

    get_decline_reason_display = profile_label("decline_reason", "decline_reasons")
    get_outcome_display = profile_label("outcome", "outcomes")
    get_not_completed_reason_display = profile_label("not_completed_reason", "not_completed_reasons")


class AppendOnlyModel(models.Model):
    """Rows written once: history and logs are evidence, so the ORM refuses to change or delete them."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("append-only record")
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("append-only record")


class ReferralEvent(AppendOnlyModel):
    referral = models.ForeignKey(Referral, related_name="events", on_delete=models.CASCADE)
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=15, choices=State.choices, blank=True)
    to_status = models.CharField(max_length=15, choices=State.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, related_name="+", on_delete=models.PROTECT)
    at = models.DateTimeField(default=timezone.now)
    note = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("событие направления")
        verbose_name_plural = _("история направления")

    def __str__(self):
        return f"{self.action}: {self.from_status} → {self.to_status}"


class Message(models.Model):
    referral = models.ForeignKey(Referral, related_name="messages", on_delete=models.CASCADE)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT)
    body = EncryptedTextField(_("сообщение"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("сообщение")
        verbose_name_plural = _("сообщения")

    def __str__(self):
        return _("Сообщение № %(id)s") % {"id": self.pk}


class Attachment(models.Model):
    """A file kept encrypted in the database, never under MEDIA_URL; served only by a permission-checked view."""

    referral = models.ForeignKey(Referral, related_name="attachments", on_delete=models.CASCADE)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT)
    name = EncryptedTextField(_("имя файла"))
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("вложение")
        verbose_name_plural = _("вложения")

    def __str__(self):
        return _("Вложение № %(id)s") % {"id": self.pk}


class AccessLog(AppendOnlyModel):
    """One row for every read of personal data (who, as which organisation, what, why, when, from where)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, related_name="+", on_delete=models.SET_NULL)
    username = models.CharField(max_length=150)
    organization = models.ForeignKey(Organization, null=True, related_name="+", on_delete=models.SET_NULL)
    object_type = models.CharField(max_length=30)
    object_id = models.PositiveBigIntegerField()
    case = models.ForeignKey(FamilyCase, null=True, related_name="+", on_delete=models.SET_NULL)
    fields = models.JSONField(default=list)
    purpose = models.CharField(max_length=30)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(null=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("запись журнала доступа")
        verbose_name_plural = _("журнал доступа к персональным данным")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.object_type}:{self.object_id}"


class DestructionRecord(AppendOnlyModel):
    """Акт об уничтожении персональных данных (152-ФЗ practice) written by purge_closed_cases."""

    case_reference = models.CharField(max_length=100)
    destroyed_at = models.DateTimeField(default=timezone.now)
    destroyed_by = models.CharField(max_length=150)
    what = models.TextField()
    log_extract = models.JSONField(default=list)

    class Meta:
        ordering = ["-destroyed_at"]
        verbose_name = _("акт уничтожения персональных данных")
        verbose_name_plural = _("акты уничтожения персональных данных")

    def __str__(self):
        return self.case_reference


class NotificationPreference(models.Model):
    class EmailMode(models.TextChoices):
        IMMEDIATE = "immediate", _("сразу")
        DIGEST = "digest", _("сводкой раз в день")
        OFF = "off", _("не присылать")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, related_name="notification_preference", on_delete=models.CASCADE
    )
    email_mode = models.CharField(_("письма"), max_length=10, choices=EmailMode.choices, default=EmailMode.IMMEDIATE)

    class Meta:
        verbose_name = _("настройка уведомлений")
        verbose_name_plural = _("настройки уведомлений")

    def __str__(self):
        return f"{self.user}: {self.get_email_mode_display()}"


class Notification(models.Model):
    """In-app notice (the bell). Texts carry no personal data: numbers, kinds of help and dates only."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="notifications", on_delete=models.CASCADE)
    kind = models.CharField(max_length=30)
    # One notice per recipient and event (reminders run repeatedly and must not repeat themselves).
    key = models.CharField(max_length=120)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("уведомление")
        verbose_name_plural = _("уведомления")
        indexes = [models.Index(fields=["recipient", "-created_at", "-id"], name="notification_recent")]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_once")]

    def __str__(self):
        return self.text


class OutgoingEmail(models.Model):
    """Outbox: a message stays here until the mail server accepts it; failures are retried with back-off."""

    to = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("исходящее письмо")
        verbose_name_plural = _("исходящие письма")

    def __str__(self):
        return f"{self.to}: {self.subject}"


class FeedbackInvitation(models.Model):
    """A one-time link to an anonymous satisfaction survey, given to the family by the curator (with consent).

    The answer is stored without any link to the family or the referral (see FeedbackResponse).
    """

    referral = models.OneToOneField(Referral, related_name="feedback_invitation", on_delete=models.CASCADE)
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    used = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("приглашение к опросу")
        verbose_name_plural = _("приглашения к опросу")

    def __str__(self):
        return _("Опрос по направлению № %(id)s") % {"id": self.referral_id}


class FeedbackResponse(models.Model):
    """Удовлетворённость: an anonymous answer, counted per partner and kind of help only."""

    organization = models.ForeignKey(Organization, related_name="+", on_delete=models.CASCADE)
    category = models.ForeignKey(Category, related_name="+", on_delete=models.PROTECT)
    score = models.PositiveSmallIntegerField(_("оценка"))
    helped = models.BooleanField(_("помощь получена"))
    created_on = models.DateField(default=timezone.localdate)

    class Meta:
        verbose_name = _("ответ на опрос")
        verbose_name_plural = _("ответы на опрос")

    def __str__(self):
        return f"{self.organization}: {self.score}"


class HelpRequest(models.Model):
    """«Попросить о помощи»: a family's own request from the public site, for the district's social service
    organisation. It enters the primary journal when a curator registers the family (FamilyCase)."""

    class Status(models.TextChoices):
        NEW = "new", _("новое")
        TAKEN = "taken", _("принято в работу")

    reference = models.CharField(_("номер обращения"), max_length=20, unique=True)
    organization = models.ForeignKey(
        Organization, verbose_name=_("организация"), related_name="help_requests", on_delete=models.PROTECT
    )
    district = models.ForeignKey(Municipality, verbose_name=_("район"), related_name="+", on_delete=models.PROTECT)
    name = EncryptedTextField(_("как обращаться"))
    phone = EncryptedTextField(_("телефон"))
    phone_hash = models.CharField(max_length=64, db_index=True, editable=False)
    message = EncryptedTextField(_("что случилось"))
    consent_at = models.DateTimeField(_("согласие на обработку персональных данных"))
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(_("статус"), max_length=10, choices=Status.choices, default=Status.NEW)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("обращение за помощью")
        verbose_name_plural = _("обращения за помощью")

    def __str__(self):
        return self.reference


class LevelChange(AppendOnlyModel):
    """A family moved to another support level (an indicator of the working group's report)."""

    case = models.ForeignKey(FamilyCase, related_name="level_changes", on_delete=models.CASCADE)
    from_level = models.CharField(max_length=30)
    to_level = models.CharField(max_length=30)
    changed_on = models.DateField(default=timezone.localdate)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, related_name="+", on_delete=models.SET_NULL)

    class Meta:
        ordering = ["changed_on", "id"]
        verbose_name = _("перевод на другой уровень")
        verbose_name_plural = _("переводы на другой уровень")

    def __str__(self):
        return f"{self.case}: {self.from_level} → {self.to_level}"


class SecurityEvent(AppendOnlyModel):
    """Audit trail of security events (sign-ins, second factor, roles, exports, deactivation), kept apart from
    the personal-data access log. Append-only, like it."""

    kind = models.CharField(max_length=30, db_index=True)
    username = models.CharField(max_length=150, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, related_name="+", on_delete=models.SET_NULL)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, related_name="+", on_delete=models.SET_NULL)
    detail = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("событие безопасности")
        verbose_name_plural = _("журнал событий безопасности")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.username}"

    @property
    def kind_label(self) -> str:
        return str(SECURITY_EVENT_KINDS.get(self.kind, self.kind))


class UserSession(models.Model):
    """Which sessions belong to which user, so that deactivating an account ends all of them at once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.CASCADE)
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("сеанс пользователя")
        verbose_name_plural = _("сеансы пользователей")

    def __str__(self):
        return f"{self.user_id}: {self.session_key[:6]}…"


# -- The procedure: inspection act, consilium, term changes, post-support, caseload overrides -------------------


class HousingInspection(models.Model):
    """Акт обследования жилищно-бытовых условий (001, алгоритмы, этап III). Written once, never edited."""

    case = models.ForeignKey(FamilyCase, related_name="inspections", on_delete=models.CASCADE)
    inspected_on = models.DateField(_("дата обследования"))
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("обследование провёл"), related_name="+", on_delete=models.PROTECT
    )
    participants = EncryptedTextField(_("при обследовании присутствовали"), blank=True)
    housing = EncryptedTextField(_("жилое помещение (вид, площадь, число комнат, собственник)"))
    conditions = EncryptedTextField(_("санитарно-гигиеническое состояние, благоустройство"))
    child_conditions = EncryptedTextField(_("условия для ребёнка (спальное место, место для занятий, одежда, питание)"))
    conclusion = EncryptedTextField(_("выводы и рекомендации"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-inspected_on", "-id"]
        verbose_name = _("акт обследования жилищно-бытовых условий")
        verbose_name_plural = _("акты обследования жилищно-бытовых условий")

    def __str__(self):
        return _("Акт обследования от %(date)s") % {"date": f"{self.inspected_on:%d.%m.%Y}"}


class ConsiliumMeeting(models.Model):
    """Заседание ведомственного социального консилиума или межведомственной рабочей группы."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("организация"), related_name="consilium_meetings", on_delete=models.PROTECT
    )
    kind = models.CharField(_("вид"), max_length=15, choices=ConsiliumKind.choices, default=ConsiliumKind.DEPARTMENTAL)
    held_on = models.DateField(_("дата заседания"))
    number = models.CharField(_("номер протокола"), max_length=30)
    place = models.CharField(_("место проведения"), max_length=300, blank=True)
    chair = models.CharField(_("председатель"), max_length=200)
    secretary = models.CharField(_("секретарь"), max_length=200, blank=True)
    held = models.BooleanField(_("заседание проведено"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("заседание консилиума")
        verbose_name_plural = _("заседания консилиума")
        constraints = [models.UniqueConstraint(fields=["organization", "number"], name="consilium_number_unique")]

    def __str__(self):
        return _("Протокол № %(number)s от %(date)s") % {"number": self.number, "date": f"{self.held_on:%d.%m.%Y}"}


class ConsiliumParticipant(models.Model):
    """A specialist at the meeting (staff, not the family): organisation, position, name."""

    meeting = models.ForeignKey(ConsiliumMeeting, related_name="participants", on_delete=models.CASCADE)
    organization = models.ForeignKey(
        Organization, verbose_name=_("организация"), related_name="+", null=True, blank=True, on_delete=models.PROTECT
    )
    full_name = models.CharField(_("ФИО"), max_length=200)
    position = models.CharField(_("должность, роль"), max_length=200)

    class Meta:
        ordering = ["id"]
        verbose_name = _("участник заседания")
        verbose_name_plural = _("участники заседания")

    def __str__(self):
        return f"{self.full_name}, {self.position}"


class AgendaItem(models.Model):
    """A case on the meeting's agenda and the decision taken on it (one row per case and meeting)."""

    meeting = models.ForeignKey(ConsiliumMeeting, related_name="items", on_delete=models.CASCADE)
    case = models.ForeignKey(FamilyCase, related_name="agenda_items", on_delete=models.PROTECT)
    kind = models.CharField(_("вопрос"), max_length=10, choices=AgendaKind.choices)
    invited = models.ManyToManyField(
        FamilyMember, verbose_name=_("приглашены члены семьи"), related_name="+", blank=True
    )
    decision = models.CharField(_("решение"), max_length=12, choices=Decision.choices, blank=True)
    level = models.CharField(_("уровень сопровождения"), max_length=30, blank=True)
    programme = models.ForeignKey(
        Programme, verbose_name=_("ИПСС"), related_name="agenda_items", null=True, blank=True, on_delete=models.PROTECT
    )
    family_agreed = models.BooleanField(_("ИПСС согласована с семьёй"), default=False)
    extend_until = models.DateField(_("продлить сопровождение до"), null=True, blank=True)
    closure_reason = models.CharField(_("основание прекращения"), max_length=30, blank=True)
    conclusion = EncryptedTextField(_("заключение, рекомендации"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "id"]
        verbose_name = _("вопрос повестки")
        verbose_name_plural = _("повестка заседания")
        constraints = [models.UniqueConstraint(fields=["meeting", "case"], name="agenda_case_unique")]

    def __str__(self):
        return f"{self.meeting}: {self.case}"

    get_level_display = profile_label("level", "levels")
    get_closure_reason_display = profile_label("closure_reason", "closure_reasons")


class SupportTermChange(AppendOnlyModel):
    """Продление или корректировка срока сопровождения (001 §5.8а, 002 §9.8.5)."""

    case = models.ForeignKey(FamilyCase, related_name="term_changes", on_delete=models.CASCADE)
    from_until = models.DateField(null=True)
    to_until = models.DateField()
    reason = EncryptedTextField(_("основание"))
    agenda_item = models.ForeignKey(AgendaItem, null=True, related_name="+", on_delete=models.PROTECT)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, related_name="+", on_delete=models.SET_NULL)
    changed_on = models.DateField(default=timezone.localdate)

    class Meta:
        ordering = ["changed_on", "id"]
        verbose_name = _("изменение срока сопровождения")
        verbose_name_plural = _("изменения срока сопровождения")

    def __str__(self):
        return f"{self.case}: {self.from_until} → {self.to_until}"


class PostSupportNote(models.Model):
    """Постсопровождение (001 §5.9): a visit or a call in the months after a positive closure."""

    case = models.ForeignKey(FamilyCase, related_name="post_support_notes", on_delete=models.CASCADE)
    on = models.DateField(_("дата"))
    contact = models.CharField(_("как"), max_length=10, choices=PostSupportContact.choices)
    note = EncryptedTextField(_("что выяснили, что сделано"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("запись постсопровождения")
        verbose_name_plural = _("записи постсопровождения")

    def __str__(self):
        return f"{self.case}: {self.on:%d.%m.%Y}"


class CaseloadOverride(AppendOnlyModel):
    """A head's decision to give a curator a case beyond the caseload limit of the region's profile."""

    case = models.ForeignKey(FamilyCase, related_name="caseload_overrides", on_delete=models.CASCADE)
    curator = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT)
    level = models.CharField(max_length=30)
    load = models.CharField(_("нагрузка до назначения"), max_length=100)
    reason = EncryptedTextField(_("причина превышения"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("превышение нагрузки куратора")
        verbose_name_plural = _("превышения нагрузки кураторов")

    def __str__(self):
        return f"{self.case}: {self.load}"
