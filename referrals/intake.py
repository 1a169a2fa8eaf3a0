"""«Попросить о помощи»: the public form that puts a family's request in front of its district's social service.

Nothing is logged in plain text: the request is encrypted like every personal field, the rate limit counts a
keyed hash of the address in the cache, and the confirmation shows only the reference number.
"""

from __future__ import annotations

import uuid

from django import forms
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directory.models import Municipality, Organization

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


class HelpRequestForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Как к вам обращаться"), max_length=100)
    phone = forms.CharField(
        label=gettext_lazy("Телефон для связи"),
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    district = forms.ModelChoiceField(
        label=gettext_lazy("Район"), queryset=Municipality.objects.order_by("name"), empty_label=None
    )
    message = forms.CharField(
        label=gettext_lazy("Что случилось"),
        max_length=MESSAGE_MAX,
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

    def clean_phone(self):
        return validate_phone(self.cleaned_data["phone"].strip())

    def clean(self):
        data = super().clean()
        if data.get("website"):  # only a bot fills the hidden field
            raise forms.ValidationError(_("Не удалось отправить обращение. Позвоните по телефону помощи."))
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
    from django.shortcuts import redirect, render

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
    from django.shortcuts import redirect, render

    reference = request.session.pop(SESSION_KEY, None)
    if not reference:
        return redirect("help_request")
    help_request = HelpRequest.objects.select_related("organization").get(reference=reference)
    return render(request, "referrals/help_request_sent.html", {"help_request": help_request})
