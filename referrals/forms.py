"""Workspace forms. Validation messages are in Russian; services re-check every rule that matters."""

import phonenumbers
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp import match_token

from directory.models import Category, Municipality, Organization, Service

from . import profiles
from .codes import CaseGround, DataCategory, PostSupportContact, ProgrammeStatus, Relation, Urgency
from .models import Measure, NotificationPreference

BLANK = [("", _("— выберите —"))]


def profile_choices(code_list: str, *, blank: bool = False):
    """Choices of a list of the region profile in force, read when the form is built (callable choices)."""

    def choices():
        return (BLANK if blank else []) + profiles.in_force().choices(code_list)

    return choices


DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


LOGIN_FAILED = _(
    "Вход не выполнен: неверное имя пользователя, пароль или код подтверждения. "
    "Если ошибка повторяется, обратитесь к администратору."
)


class LoginForm(AuthenticationForm):
    """Password and a one-time code from the authenticator app, in one step. Every failure — unknown user, wrong
    password, wrong or throttled code, no second factor — gives the same message and the same page, and counts for
    lockout (referrals/lockout.py); the security event says which it was."""

    otp_token = forms.CharField(
        label=_("Код из приложения-аутентификатора"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    error_messages = {**AuthenticationForm.error_messages, "invalid_login": LOGIN_FAILED, "inactive": LOGIN_FAILED}

    def clean_username(self):
        # AuthenticationForm sets max_length on the widget only: a longer name reached django-axes, whose
        # varchar(255) refused it on PostgreSQL (a 500, found by tests/security/test_hypothesis_forms.py).
        username = self.cleaned_data.get("username", "")
        if len(username) > get_user_model()._meta.get_field("username").max_length:
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        return username

    def clean(self):
        super().clean()
        user = self.get_user()
        if user is None:  # a field is missing: its own error says so
            return self.cleaned_data
        token = (self.cleaned_data.get("otp_token") or "").strip().replace(" ", "")
        has_device = any(True for _device in user.totpdevice_set.filter(confirmed=True))
        device = match_token(user, token) if has_device and token.isdigit() else None
        if device is None:
            # The password was right: the second factor failed. Said exactly as a wrong password is, and counted
            # as a failure of the account (django-axes records it from this signal, from whatever address).
            self.user_cache = None
            user_login_failed.send(
                sender="referrals.forms" if has_device else "referrals.forms.no_device",
                credentials={"username": user.get_username()},
                request=self.request,
            )
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        self.otp_device = device
        return self.cleaned_data


def _choices_field(choices, label, required=False):
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=required, widget=forms.CheckboxSelectMultiple
    )


class CaseForm(forms.Form):
    registration_number = forms.CharField(label=_("Номер в журнале первичного учёта"), max_length=30)
    registration_date = forms.DateField(label=_("Дата регистрации"), widget=DATE_WIDGET)
    ground = forms.ChoiceField(label=_("Основание"), choices=CaseGround.choices)
    district = forms.ModelChoiceField(label=_("Район"), queryset=None)
    applied_on = forms.DateField(
        label=_("Дата обращения (заявления, сообщения)"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("С неё идёт срок принятия решения. Если пусто — дата регистрации."),
    )
    categories = _choices_field(profile_choices("family_categories"), _("Категории семьи"))
    circumstances = _choices_field(profile_choices("circumstances"), _("Обстоятельства нуждаемости"))
    support_level = forms.ChoiceField(label=_("Уровень сопровождения"), choices=profile_choices("levels"))
    contract_number = forms.CharField(label=_("Номер договора о сопровождении"), max_length=30, required=False)
    contract_date = forms.DateField(label=_("Дата договора"), required=False, widget=DATE_WIDGET)
    guardianship_notified_on = forms.DateField(
        label=_("Копия договора направлена в орган опеки (для замещающих семей)"), required=False, widget=DATE_WIDGET
    )
    address = forms.CharField(label=_("Адрес проживания"), max_length=300, required=False)
    narrative = forms.CharField(
        label=_("Описание ситуации"), required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )

    override_reason = forms.CharField(
        label=_("Причина назначения сверх норматива нагрузки (для руководителя)"),
        required=False,
        max_length=500,
        help_text=_("Нужна, только если у куратора превышен норматив нагрузки по профилю региона."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = Municipality.objects.order_by("name")
        # A stored code retired by a later profile version stays selectable on its own case.
        rules = profiles.in_force()
        for name, code_list in (("categories", "family_categories"), ("circumstances", "circumstances")):
            kept = self.initial.get(name) or []
            self.fields[name].choices = rules.choices(code_list, keep=kept)
        self.fields["support_level"].choices = rules.choices("levels", keep=[self.initial.get("support_level")])

    def clean_registration_date(self):
        value = self.cleaned_data["registration_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("Дата регистрации не может быть в будущем."))
        return value

    def clean(self):
        data = super().clean()
        if bool(data.get("contract_number")) != bool(data.get("contract_date")):
            raise forms.ValidationError(_("Укажите и номер, и дату договора (или ни то, ни другое)."))
        contract_date = data.get("contract_date")
        if contract_date and contract_date > timezone.localdate():
            self.add_error("contract_date", _("Дата договора не может быть в будущем."))
        return data


def validate_phone(value: str) -> str:
    if not value:
        return value
    try:
        number = phonenumbers.parse(value, "RU")
    except phonenumbers.NumberParseException as exc:
        raise forms.ValidationError(_("Телефон не распознан: укажите его в виде +7 999 123-45-67.")) from exc
    if not phonenumbers.is_valid_number(number):
        raise forms.ValidationError(_("Такого номера телефона не существует: проверьте цифры."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


class MemberForm(forms.Form):
    full_name = forms.CharField(label=_("ФИО"), max_length=200)
    birth_date = forms.DateField(label=_("Дата рождения"), required=False, widget=DATE_WIDGET)
    # A blank first choice: the extra rows of the formset a curator leaves empty post nothing and are ignored (with
    # a relation preselected, a browser posted «мать» for every empty row and the form refused to save).
    relation = forms.ChoiceField(label=_("Кем приходится"), choices=[("", "—"), *Relation.choices])
    phone = forms.CharField(label=_("Телефон"), max_length=30, required=False)
    address = forms.CharField(label=_("Адрес, если отличается"), max_length=300, required=False)

    def clean_birth_date(self):
        value = self.cleaned_data.get("birth_date")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("Дата рождения не может быть в будущем."))
        if value and value.year < 1900:
            raise forms.ValidationError(_("Проверьте год рождения."))
        return value

    def clean_phone(self):
        return validate_phone(self.cleaned_data.get("phone", "").strip())


class BaseMemberFormSet(forms.BaseFormSet):
    default_error_messages = {
        **forms.BaseFormSet.default_error_messages,
        "too_few_forms": _("Запишите хотя бы одного члена семьи."),
        "too_many_forms": _("Не больше 20 членов семьи в одной форме."),
    }


MemberFormSet = formset_factory(
    MemberForm, formset=BaseMemberFormSet, extra=2, min_num=1, validate_min=True, max_num=20
)


class CloseCaseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Основание прекращения"), choices=profile_choices("closure_reasons", blank=True))
    conclusion = forms.CharField(
        label=_("Заключение межведомственной рабочей группы"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class PostSupportNoteForm(forms.Form):
    on = forms.DateField(label=_("Дата"), widget=DATE_WIDGET)
    contact = forms.ChoiceField(label=_("Как"), choices=PostSupportContact.choices)
    note = forms.CharField(
        label=_("Что выяснили, что сделано"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )

    def clean_on(self):
        value = self.cleaned_data["on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("Дата не может быть в будущем."))
        return value


class ReassignForm(forms.Form):
    curator = forms.ModelChoiceField(label=_("Новый куратор"), queryset=None)
    override_reason = forms.CharField(
        label=_("Причина назначения сверх норматива нагрузки"),
        required=False,
        max_length=500,
        help_text=_("Нужна, только если у куратора превышен норматив нагрузки по профилю региона."),
    )

    def __init__(self, *args, curators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["curator"].queryset = curators


class ConsentForm(forms.Form):
    signed_on = forms.DateField(label=_("Дата подписания"), widget=DATE_WIDGET)
    signed_by = forms.CharField(label=_("Кто подписал (ФИО)"), max_length=200)
    expires_on = forms.DateField(label=_("Действует до"), widget=DATE_WIDGET)
    data_categories = _choices_field(DataCategory.choices, _("Какие сведения можно передавать"), required=True)
    all_partners = forms.BooleanField(label=_("Всем организациям-партнёрам сети"), required=False)
    organizations = forms.ModelMultipleChoiceField(
        label=_("Или только этим организациям"),
        queryset=Organization.objects.filter(is_network_partner=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    health_written = forms.BooleanField(
        label=_("Есть отдельное письменное согласие на передачу сведений о здоровье"), required=False
    )
    document = forms.FileField(label=_("Скан согласия (PDF, JPEG или PNG)"), required=False)

    def clean(self):
        data = super().clean()
        signed, expires = data.get("signed_on"), data.get("expires_on")
        if signed and signed > timezone.localdate():
            self.add_error("signed_on", _("Дата подписания не может быть в будущем."))
        if signed and expires and expires < signed:
            self.add_error("expires_on", _("Срок действия не может закончиться раньше даты подписания."))
        if not data.get("all_partners") and not data.get("organizations"):
            self.add_error(None, _("Отметьте «всем организациям-партнёрам» или выберите организации."))
        if DataCategory.HEALTH in (data.get("data_categories") or []) and not data.get("health_written"):
            self.add_error(
                "health_written",
                _("Сведения о здоровье передаются только с письменного согласия: отметьте его наличие."),
            )
        return data


class MeasureForm(forms.ModelForm):
    """A measure of a draft ИПСС: its section of the plan (приложение 2) and the family member it is for."""

    class Meta:
        model = Measure
        fields = [
            "section",
            "category",
            "description",
            "member",
            "organization",
            "responsible_person",
            "deadline",
            "zone",
            "form",
        ]
        # responsible_person is an encrypted text column (referrals/crypto.py): one line in the form, as before.
        widgets = {
            "deadline": DATE_WIDGET,
            "description": forms.Textarea(attrs={"rows": 2}),
            "responsible_person": forms.TextInput(),
        }

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.filter(is_network_partner=True)
        self.fields["section"].required = True
        self.fields["section"].choices = BLANK + list(Measure._meta.get_field("section").choices)
        member = self.fields["member"]
        member.queryset = case.members.all() if case is not None else member.queryset.none()
        member.label_from_instance = lambda m: f"{m.full_name} ({m.get_relation_display()})"
        member.empty_label = _("— вся семья —")


class ProgrammeDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Решение рабочей группы"), choices=[("approve", _("утвердить")), ("reject", _("отклонить"))]
    )
    decided_on = forms.DateField(label=_("Дата решения"), widget=DATE_WIDGET)
    protocol_number = forms.CharField(label=_("Номер протокола"), max_length=30)

    def clean_decided_on(self):
        value = self.cleaned_data["decided_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("Дата решения не может быть в будущем."))
        return value


class ReferralForm(forms.Form):
    category = forms.ModelChoiceField(label=_("Вид помощи"), queryset=Category.objects.all())
    organization = forms.ModelChoiceField(label=_("Организация-партнёр"), queryset=Organization.objects.all())
    service = forms.ModelChoiceField(label=_("Услуга"), queryset=None, required=False)
    measure = forms.ModelChoiceField(label=_("Мероприятие ИПСС"), queryset=None, required=False)
    member = forms.ModelChoiceField(label=_("Для кого"), queryset=None, required=False)
    urgency = forms.ChoiceField(label=_("Срочность"), choices=Urgency.choices)
    needed_by = forms.DateField(label=_("Помощь нужна до"), required=False, widget=DATE_WIDGET)
    narrative = forms.CharField(
        label=_("Описание ситуации для партнёра"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )
    health_notes = forms.CharField(
        label=_("Сведения о здоровье"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=3000
    )
    education_notes = forms.CharField(
        label=_("Сведения об образовании"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=3000
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(accepts_referrals=True)
        self.fields["measure"].queryset = Measure.objects.filter(
            programme__case=case, programme__status=ProgrammeStatus.APPROVED
        )
        self.fields["member"].queryset = case.members.all()
        self.fields["member"].label_from_instance = lambda m: f"{m.full_name} ({m.get_relation_display()})"

    def clean_needed_by(self):
        value = self.cleaned_data.get("needed_by")
        if value and value < timezone.localdate():
            raise forms.ValidationError(_("Дата не может быть в прошлом."))
        return value


class DeclineForm(forms.Form):
    decline_reason = forms.ChoiceField(
        label=_("Причина отказа"), choices=profile_choices("decline_reasons", blank=True)
    )
    note = forms.CharField(label=_("Пояснение"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CompleteForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Результат"), choices=profile_choices("outcomes", blank=True))
    note = forms.CharField(label=_("Что сделано"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class NotCompleteForm(forms.Form):
    not_completed_reason = forms.ChoiceField(
        label=_("Причина"), choices=profile_choices("not_completed_reasons", blank=True)
    )
    note = forms.CharField(label=_("Пояснение"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Исполнитель"), queryset=None)
    appointment_at = forms.DateTimeField(
        label=_("Дата и время приёма"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, organization_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = (
            get_user_model()
            .objects.filter(memberships__organization_id=organization_id, memberships__is_active=True)
            .distinct()
            .order_by("last_name", "username")
        )
        self.fields["assignee"].label_from_instance = lambda u: u.get_full_name() or u.get_username()


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Сообщение"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Файл (PDF, JPEG или PNG)"))


class NotificationPreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["email_mode"]
        widgets = {"email_mode": forms.RadioSelect}


class FeedbackForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Насколько вы довольны помощью?"),
        choices=[(5, _("5 — очень доволен")), (4, "4"), (3, "3"), (2, "2"), (1, _("1 — совсем не доволен"))],
        coerce=int,
        widget=forms.RadioSelect,
    )
    helped = forms.TypedChoiceField(
        label=_("Вы получили помощь, за которой обращались?"),
        choices=[("1", _("да")), ("0", _("нет"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
