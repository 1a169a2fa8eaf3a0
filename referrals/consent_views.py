"""Consents to share personal data with partners: recording, withdrawing, the signed document."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import policy, services
from .case_views import open_case
from .crypto import decrypt_bytes
from .forms import (
    ConsentForm,
)
from .models import Consent
from .workspace import file_response, log, require, workspace_view


@workspace_view
def consent_new(request, case_uuid):
    case = open_case(request, case_uuid)
    require(request.user, "consent.add", case)
    form = ConsentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        upload = data.pop("document")
        organizations = data.pop("organizations")
        try:
            document = None
            if upload:
                raw = services.read_upload(upload)
                document = {"data": raw, "content_type": services.inspect_upload(upload.name, raw)}
            services.consent_record(
                user=request.user, case=case, organizations=organizations, document=document, **data
            )
        except services.ServiceError as exc:
            form.add_error("document", str(exc))
        else:
            messages.success(request, _("Согласие записано."))
            return redirect("referrals:case", case.uuid)
    return render(
        request,
        "referrals/simple_form.html",
        {"form": form, "case": case, "title": _("Записать согласие"), "multipart": True},
    )


@workspace_view
@require_POST
def consent_withdraw(request, consent_id):
    consent = get_object_or_404(Consent.objects.filter(case__in=policy.cases_for(request.user)), pk=consent_id)
    try:
        services.consent_withdraw(user=request.user, consent=consent)
    except services.NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except services.ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Согласие отозвано: партнёры больше не видят персональные данные семьи."))
    return redirect("referrals:case", consent.case.uuid)


@workspace_view
def consent_document(request, consent_id):
    consent = get_object_or_404(Consent.objects.filter(case__in=policy.cases_for(request.user)), pk=consent_id)
    require(request.user, "case.view", consent.case)
    if not consent.document_data:
        raise PermissionDenied
    log(request, consent, consent.case, ["consent.document"], "attachment")
    return file_response(decrypt_bytes(bytes(consent.document_data)), consent.document_type, f"consent-{consent.pk}")
