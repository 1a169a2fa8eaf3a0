"""«Попросить о помощи»: the public form that puts a family's request in front of its district's social service.

Nothing is logged in plain text: the request is encrypted like every personal field, the rate limit counts a
keyed hash of the address in the cache, and the confirmation shows only the reference number.
"""

from __future__ import annotations

import uuid
from collections import Counter

from django import forms
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directory.models import Municipality, Organization, Settlement

from .crypto import keyed_hash, phone_hash
from .forms import validate_phone
from .models import HelpRequest

RATE_LIMIT = 3  # requests per address
RATE_WINDOW_SECONDS = 3600
MESSAGE_MAX = 2000

CONSENT_TEXT = gettext_lazy(
    "Я даю согласие на обработку моих персональных данных (имя, телефон, район, описание ситуации) "
    "организацией социального обслуживания моего района и органами системы профилактики в соответствии с "
    "Федеральным законом от 27.07.2006 № 152-ФЗ «О персональных данных» — для того, чтобы со мной связались и "
    "предложили помощь. Данные хранятся в зашифрованном виде, не публикуются и не передаются для других целей. "
    "Согласие действует до достижения цели обработки и может быть отозвано письменным заявлением."
)


# «с. Хову-Аксы», «город Кызыл»: the kind before a name is not part of it
SETTLEMENT_KINDS = frozenset({"г", "город", "с", "село", "пгт", "п", "пос", "посёлок", "поселок", "д", "деревня"})
SETTLEMENT_KINDS |= {"м", "местечко", "аал", "ст", "станица"}


def settlement_key(text: str) -> str:
    """A typed settlement name as a comparable key: case, ё, hyphens, extra spaces, a leading kind («с.», «город»)
    and a trailing «(район)» do not matter. The browser (help-form.js) compares with the same rules."""
    text = text.split("(", 1)[0].lower().replace("ё", "е").replace("-", " ").replace("\u2011", " ")
    words = text.replace(".", ". ").replace(",", " ").split()
    kinds = {kind.replace("ё", "е") for kind in SETTLEMENT_KINDS}
    while len(words) > 1 and words[0].rstrip(".") in kinds:
        words = words[1:]
    return " ".join(words)


def settlements_named(text: str) -> list[Settlement]:
    """The settlements of the databank whose name is what the family typed (several when the name repeats; a
    district in brackets, «Хайыракан (Дзун-Хемчикский кожуун)», picks one of them).

    Compared in Python: SQLite's lower() does not fold Cyrillic, and the list is one region's settlements."""
    key = settlement_key(text)
    if not key:
        return []
    found = [s for s in Settlement.objects.select_related("municipality") if settlement_key(s.name) == key]
    district = settlement_key(text.partition("(")[2].rstrip(") "))
    if len(found) > 1 and district:
        return [s for s in found if settlement_key(s.municipality.name) == district] or found
    return found


class HelpRequestForm(forms.Form):
    """The district decides which centre gets the request, so it is never guessed: the family chooses it or types
    their settlement (the district is derived from it, and shown on the confirmation). Without JavaScript both
    work; with it (static/js/help-form.js) the district is filled in from the settlement or the browser's position
    before sending, and the family can still change it. Neither the settlement nor the position is stored."""

    name = forms.CharField(
        label=gettext_lazy("Как к вам обращаться"),
        max_length=100,
        error_messages={"required": gettext_lazy("Напишите, как к вам обращаться.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=gettext_lazy("Телефон для связи"),
        max_length=30,
        error_messages={"required": gettext_lazy("Укажите телефон, по которому вам перезвонят.")},
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    settlement = forms.CharField(
        label=gettext_lazy("Ваше село или город"),
        max_length=150,
        required=False,
        help_text=gettext_lazy("По нему мы определим район. Можно не заполнять, если выберете район сами."),
        widget=forms.TextInput(attrs={"list": "settlement-list", "autocomplete": "off"}),
    )
    # Not required by the field: a settlement can stand for it (see clean()).
    district = forms.ModelChoiceField(
        label=gettext_lazy("Район"),
        queryset=Municipality.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("— выберите район —"),
        help_text=gettext_lazy("Обращение получит центр социального обслуживания этого района."),
    )
    message = forms.CharField(
        label=gettext_lazy("Что случилось"),
        max_length=MESSAGE_MAX,
        error_messages={"required": gettext_lazy("Коротко напишите, что случилось.")},
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("До 2000 знаков. В опасности звоните 112."),
    )
    consent = forms.BooleanField(label=CONSENT_TEXT, required=True)
    # A field people do not see (and bots fill in).
    website = forms.CharField(required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent"].error_messages["required"] = _(
            "Без согласия на обработку данных мы не сможем связаться с вами."
        )

    def settlements(self) -> list[dict]:
        """The list of suggestions, with each settlement's district and coordinates for the browser's «nearest
        settlement» (public data, as on the home page). A name found in two districts is given with its district."""
        rows = list(Settlement.objects.select_related("municipality").order_by("name", "municipality__name"))
        names = Counter(settlement_key(s.name) for s in rows)
        return [
            {
                "value": f"{s.name} ({s.municipality.name})" if names[settlement_key(s.name)] > 1 else s.name,
                "settlement": s,
            }
            for s in rows
        ]

    def clean_phone(self):
        return validate_phone(self.cleaned_data["phone"].strip())

    def clean_settlement(self):
        return " ".join(self.cleaned_data["settlement"].split())

    def clean(self):
        data = super().clean()
        if data.get("website"):  # only a bot fills the hidden field
            raise forms.ValidationError(_("Не удалось отправить обращение. Позвоните по телефону помощи."))
        if "district" in self.errors or "settlement" in self.errors:
            return data
        district, typed = data.get("district"), data.get("settlement", "")
        found = settlements_named(typed) if typed else []
        districts = list({s.municipality_id: s.municipality for s in found}.values())
        if district is not None:
            if districts and district not in districts:
                self.add_error(
                    "district",
                    _(
                        "«%(settlement)s» — в районе «%(found)s», а выбран район «%(chosen)s». "
                        "Исправьте район или название населённого пункта."
                    )
                    % {"settlement": typed, "found": ", ".join(d.name for d in districts), "chosen": district.name},
                )
            return data
        if len(districts) == 1:
            data["district"] = districts[0]
        elif len(districts) > 1:
            self.add_error(
                "district",
                _("«%(settlement)s» есть в нескольких районах: %(districts)s. Выберите свой район.")
                % {"settlement": typed, "districts": ", ".join(d.name for d in districts)},
            )
        elif typed:
            self.add_error(
                "district",
                _("Мы не нашли «%(settlement)s» в списке населённых пунктов. Выберите район из списка.")
                % {"settlement": typed},
            )
        else:
            self.add_error("district", _("Выберите район, в котором живёт семья, или напишите своё село или город."))
        return data


class RateLimited(Exception):
    pass


def rate_limit(address: str | None) -> None:
    """At most RATE_LIMIT requests per address per hour (the cache keeps a keyed hash, not the address)."""
    key = "help-request:" + keyed_hash("ip:" + (address or "unknown"))
    count = cache.get(key, 0)
    if count >= RATE_LIMIT:
        raise RateLimited
    cache.set(key, count + 1, RATE_WINDOW_SECONDS)


def organization_for(district: Municipality) -> Organization | None:
    """The district's social service centre in the network, else any social service centre of the region."""
    centres = Organization.objects.filter(provider_type__code="social_service")
    local = centres.filter(Q(locations__municipality=district)).distinct().order_by("-is_network_partner", "name")
    return local.first() or centres.order_by("-is_network_partner", "name").first()


@transaction.atomic
def create_help_request(*, name: str, phone: str, district: Municipality, message: str) -> HelpRequest:
    organization = organization_for(district)
    if organization is None:
        raise ValueError("no social service organisation in the databank")
    request = HelpRequest.objects.create(
        reference=f"tmp-{uuid.uuid4().hex[:16]}",
        organization=organization,
        district=district,
        name=name,
        phone=phone,
        phone_hash=phone_hash(phone),
        message=message,
        consent_at=timezone.now(),
    )
    request.reference = f"О-{timezone.localdate():%Y}-{request.pk:06d}"
    request.save(update_fields=["reference"])
    return request


# -- Views -----------------------------------------------------------------------------------------------------

SESSION_KEY = "help_request_reference"


def help_request_view(request):
    form = HelpRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rate_limit(request.META.get("REMOTE_ADDR"))
        except RateLimited:
            form.add_error(
                None,
                _("Слишком много обращений с этого адреса. Попробуйте через час или позвоните по телефону помощи."),
            )
        else:
            data = form.cleaned_data
            help_request = create_help_request(
                name=data["name"], phone=data["phone"], district=data["district"], message=data["message"]
            )
            request.session[SESSION_KEY] = help_request.reference
            return redirect("help_request_sent")
    return render(request, "referrals/help_request.html", {"form": form})


def help_request_sent(request):
    reference = request.session.pop(SESSION_KEY, None)
    if not reference:
        return redirect("help_request")
    help_request = HelpRequest.objects.select_related("organization", "district").get(reference=reference)
    return render(request, "referrals/help_request_sent.html", {"help_request": help_request})
