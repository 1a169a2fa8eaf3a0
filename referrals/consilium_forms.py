"""Forms of the consilium pages: a meeting with its participants, a case on the agenda, the decision on it.

The decision form has the fields its review needs (001 stages IV and VI, 002 §9.4, §14.3): a primary review
accepts the family or not, with the level and the draft ИПСС to approve; a control review continues, amends,
extends or closes; a final one extends or closes. `referrals.procedure` re-checks every rule that matters.
"""

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.models import Organization

from . import profiles
from .codes import AgendaKind, ConsiliumKind, Decision, ProgrammeStatus
from .documents import person_name
from .forms import BLANK, DATE_WIDGET
from .procedure import DECISIONS

# The kind of meeting in the genitive: «ПРОТОКОЛ № 7 заседания …» (001 stage IV, 002 §7.3).
KIND_GENITIVE = {
    ConsiliumKind.DEPARTMENTAL: _("ведомственного социального консилиума"),
    ConsiliumKind.INTERAGENCY: _("межведомственной рабочей группы"),
}


def case_label(case) -> str:
    """A case in a select: its journal number and curator, never the family's names."""
    return _("№ %(number)s — куратор %(curator)s") % {
        "number": case.registration_number,
        "curator": person_name(case.curator),
    }


class MeetingForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Организация"), queryset=Organization.objects.none())
    kind = forms.ChoiceField(label=_("Вид заседания"), choices=ConsiliumKind.choices)
    held_on = forms.DateField(label=_("Дата заседания"), widget=DATE_WIDGET)
    number = forms.CharField(label=_("Номер протокола"), max_length=30)
    place = forms.CharField(label=_("Место проведения"), max_length=300, required=False)
    chair = forms.CharField(label=_("Председатель (ФИО)"), max_length=200)
    secretary = forms.CharField(label=_("Секретарь (ФИО)"), max_length=200, required=False)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        if len(organizations) == 1:  # a head of one organisation: nothing to choose
            self.fields["organization"].initial = organizations[0]
            self.fields["organization"].widget = forms.HiddenInput()

    def clean_number(self):
        number = self.cleaned_data["number"].strip()
        if not number:
            raise forms.ValidationError(_("Укажите номер протокола."))
        return number


class ParticipantForm(forms.Form):
    """A specialist present at the meeting (the family's members are invited per case, on the agenda)."""

    organization = forms.ModelChoiceField(
        label=_("Организация"),
        queryset=Organization.objects.filter(is_network_partner=True).order_by("name"),
        required=False,
        empty_label=_("— не из сети или не указана —"),
    )
    full_name = forms.CharField(label=_("ФИО"), max_length=200)
    position = forms.CharField(label=_("Должность, роль на заседании"), max_length=200)


ParticipantFormSet = formset_factory(ParticipantForm, extra=3, max_num=30, validate_max=True)


class AgendaCaseForm(forms.Form):
    """Step one of putting a case on the agenda: which case (open cases of the meeting's organisation)."""

    case = forms.ModelChoiceField(
        label=_("Случай"),
        queryset=None,
        empty_label=BLANK[0][1],
        error_messages={"invalid_choice": _("Выберите случай из списка открытых случаев организации.")},
    )

    def __init__(self, *args, cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases
        self.fields["case"].label_from_instance = case_label


class AgendaForm(AgendaCaseForm):
    """Step two: the review and the family members invited to the meeting (001 stage IV «с приглашением семьи»)."""

    kind = forms.ChoiceField(label=_("Вопрос"), choices=AgendaKind.choices)
    invited = forms.ModelMultipleChoiceField(
        label=_("Пригласить на заседание членов семьи"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].widget = forms.HiddenInput()
        self.fields["invited"].queryset = case.members.all()
        self.fields["invited"].label_from_instance = lambda m: f"{m.full_name} ({m.get_relation_display()})"
        if not self.is_bound:
            self.initial.setdefault("case", case.pk)
            self.initial.setdefault("kind", AgendaKind.CONTROL if case.accepted_on else AgendaKind.PRIMARY)

    def clean(self):
        data = super().clean()
        case, kind = data.get("case"), data.get("kind")
        if case and kind == AgendaKind.PRIMARY and case.accepted_on:
            self.add_error("kind", _("Семья уже принята на сопровождение: выберите контрольное или итоговое."))
        elif case and kind and kind != AgendaKind.PRIMARY and not case.accepted_on:
            self.add_error("kind", _("Семью ещё не принимали на сопровождение: нужно первичное рассмотрение."))
        return data


class DecisionForm(forms.Form):
    """The consilium's decision on one agenda item; its fields depend on the review (see DECISION_FIELDS)."""

    decision = forms.ChoiceField(label=_("Решение"), widget=forms.RadioSelect)
    level = forms.ChoiceField(label=_("Уровень сопровождения"), required=False)
    programme = forms.ModelChoiceField(
        label=_("Утвердить проект ИПСС"), queryset=None, required=False, empty_label=_("— не утверждать —")
    )
    family_agreed = forms.BooleanField(label=_("ИПСС согласована с семьёй"), required=False)
    extend_until = forms.DateField(label=_("Продлить сопровождение до"), required=False, widget=DATE_WIDGET)
    closure_reason = forms.ChoiceField(label=_("Основание прекращения"), required=False)
    conclusion = forms.CharField(
        label=_("Заключение, рекомендации"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    FIELDS = {
        AgendaKind.PRIMARY: ("decision", "level", "programme", "family_agreed", "conclusion"),
        AgendaKind.CONTROL: (
            "decision",
            "level",
            "programme",
            "family_agreed",
            "extend_until",
            "closure_reason",
            "conclusion",
        ),
        AgendaKind.FINAL: ("decision", "extend_until", "closure_reason", "conclusion"),
    }

    def __init__(self, *args, item, **kwargs):
        kwargs.setdefault("prefix", f"item{item.pk}")
        super().__init__(*args, **kwargs)
        self.item = item
        case = item.case
        for name in list(self.fields):
            if name not in self.FIELDS[item.kind]:
                del self.fields[name]
        self.fields["decision"].choices = [(code, Decision(code).label) for code in DECISIONS[item.kind]]
        rules = profiles.in_force(item.meeting.held_on)
        if "level" in self.fields:
            self.fields["level"].choices = rules.choices("levels", keep=[case.support_level])
            self.fields["level"].initial = case.support_level
        if "programme" in self.fields:
            drafts = case.programmes.filter(status=ProgrammeStatus.DRAFT).order_by("-version")
            self.fields["programme"].queryset = drafts
        if "closure_reason" in self.fields:
            self.fields["closure_reason"].choices = BLANK + rules.choices("closure_reasons")
        if item.kind == AgendaKind.PRIMARY:
            self.fields["conclusion"].help_text = _("При отказе в принятии на сопровождение — обязательно.")
        elif "closure_reason" in self.fields:
            self.fields["conclusion"].help_text = _("При прекращении сопровождения — обязательно.")

    def clean(self):
        data = super().clean()
        if self.item.meeting.held_on > timezone.localdate():
            raise forms.ValidationError(_("Заседание ещё не состоялось: решение записывают в день заседания."))
        decision = data.get("decision")
        if decision == Decision.ACCEPT and not data.get("level"):
            self.add_error("level", _("Укажите уровень сопровождения."))
        if decision == Decision.AMEND and not data.get("programme"):
            self.add_error("programme", _("Выберите проект скорректированной ИПСС."))
        if decision == Decision.EXTEND and not data.get("extend_until"):
            self.add_error("extend_until", _("Укажите, до какой даты продлить сопровождение."))
        if decision == Decision.CLOSE and not data.get("closure_reason"):
            self.add_error("closure_reason", _("Укажите основание прекращения."))
        if decision in (Decision.NOT_ACCEPT, Decision.CLOSE) and not (data.get("conclusion") or "").strip():
            self.add_error("conclusion", _("Напишите заключение: почему принято такое решение."))
        return data

    def service_arguments(self) -> dict:
        """The cleaned data as `procedure.agenda_decide` takes it (only what this decision uses)."""
        data, decision = self.cleaned_data, self.cleaned_data["decision"]
        arguments = {"decision": decision, "conclusion": (data.get("conclusion") or "").strip()}
        if decision in (Decision.ACCEPT, Decision.CONTINUE, Decision.AMEND):
            arguments.update(
                level=data.get("level") or "",
                programme=data.get("programme"),
                family_agreed=bool(data.get("family_agreed")),
            )
        if decision == Decision.EXTEND:
            arguments["extend_until"] = data["extend_until"]
        if decision == Decision.CLOSE:
            arguments["closure_reason"] = data["closure_reason"]
        return arguments
