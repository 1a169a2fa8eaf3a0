"""Referrals to partners: creating, reading (with the personal data the consent shares), acting on them (the
state machine of `referrals/states.py`), assigning, messages, attachments, the printed referral, the family's
feedback, notifications and the partner's inbox."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from directory.models import Category

from . import policy, selectors, services
from .case_views import open_case
from .crypto import decrypt_bytes
from .forms import (
    AssignForm,
    AttachmentForm,
    CompleteForm,
    DeclineForm,
    FeedbackForm,
    MessageForm,
    NotCompleteForm,
    NotificationPreferenceForm,
    ReferralForm,
)
from .models import Attachment, NotificationPreference
from .states import ACTIONS, allowed_actions
from .workspace import file_response, log, paginate, require, workspace_view

TRANSITION_FORMS = {"decline": DeclineForm, "complete": CompleteForm, "not_complete": NotCompleteForm}


@workspace_view
def referral_new(request, case_uuid):
    case = open_case(request, case_uuid)
    require(request.user, "referral.create", case)
    category = None
    category_code = request.GET.get("category") or request.POST.get("category_code")
    if category_code:
        category = Category.objects.filter(code=category_code).first()
    initial = {
        "category": category,
        "organization": request.GET.get("organization"),
        "service": request.GET.get("service"),
        "measure": request.GET.get("measure"),
    }
    form = ReferralForm(request.POST or None, case=case, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            # Create and send together or not at all: a refused send leaves no draft behind.
            with transaction.atomic():
                referral = services.referral_create(user=request.user, case=case, **data)
                if request.POST.get("send"):
                    services.referral_transition(user=request.user, referral=referral, action="send")
        except services.ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Направление создано.") if referral.status == "draft" else _("Направление отправлено.")
            )
            return redirect("referrals:referral", referral.uuid)
    candidates = selectors.partner_candidates(category=category, case=case) if category else []
    context = {
        "case": case,
        "form": form,
        "category": category,
        "categories": Category.objects.filter(parent__isnull=False).order_by("name"),
        "candidates": candidates,
    }
    log(request, case, case, ["member.full_name"], "referral")
    return render(request, "referrals/referral_new.html", context)


def open_referral(request, referral_uuid):
    queryset = policy.referrals_for(request.user).select_related(
        "case", "case__district", "organization", "category", "service", "member", "assignee", "measure"
    )
    return get_object_or_404(queryset, uuid=referral_uuid)


def _personal_for(request, referral, purpose):
    categories = policy.shared_categories(request.user, referral)
    personal = selectors.referral_personal(referral, categories) if categories else {"blocks": {}, "fields": []}
    organization_id = (
        referral.organization_id
        if not policy.is_case_side(request.user, referral.case)
        else (referral.case.organization_id)
    )
    log(request, referral, referral.case, personal["fields"], purpose, organization_id=organization_id)
    return categories, personal


@workspace_view
def referral_detail(request, referral_uuid):
    referral = open_referral(request, referral_uuid)
    require(request.user, "referral.view", referral)
    categories, personal = _personal_for(request, referral, "referral")
    unlocked = policy.can(request.user, "referral.message", referral)
    actions = [a for a in allowed_actions(referral.status) if policy.can_transition(request.user, referral, a.code)]
    context = {
        "referral": referral,
        "card": selectors.referral_card(referral),
        "personal": personal["blocks"],
        "categories": categories,
        "is_case_side": policy.is_case_side(request.user, referral.case),
        "events": referral.events.select_related("actor"),
        "messages_list": referral.messages.select_related("author") if unlocked else None,
        "attachments": referral.attachments.defer("data") if unlocked else None,
        "unlocked": unlocked,
        "actions": [(a, TRANSITION_FORMS.get(a.code, lambda: None)()) for a in actions],
        "assign_form": AssignForm(organization_id=referral.organization_id)
        if policy.can(request.user, "referral.assign", referral)
        else None,
        "message_form": MessageForm() if unlocked else None,
        "attachment_form": AttachmentForm() if unlocked else None,
    }
    if unlocked:
        log(
            request,
            referral,
            referral.case,
            ["message.body", "attachment.name"],
            "referral",
            organization_id=context["referral"].organization_id,
        )
    return render(request, "referrals/referral_detail.html", context)


@workspace_view
@require_POST
def referral_act(request, referral_uuid, action):
    referral = open_referral(request, referral_uuid)
    if action not in ACTIONS or action == "expire":
        raise PermissionDenied
    if not policy.can_transition(request.user, referral, action) and referral.status in ACTIONS[action].sources:
        raise PermissionDenied(_("Недостаточно прав для этого действия."))
    form_class = TRANSITION_FORMS.get(action)
    data = {}
    note = request.POST.get("note", "")[:2000]
    if form_class:
        form = form_class(request.POST)
        if not form.is_valid():
            messages.error(request, _("Проверьте форму: выберите значение из списка."))
            return redirect("referrals:referral", referral.uuid)
        data = {k: v for k, v in form.cleaned_data.items() if k != "note"}
    try:
        services.referral_transition(user=request.user, referral=referral, action=action, note=note, **data)
    except services.NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except services.ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Готово: «%(action)s».") % {"action": ACTIONS[action].label})
    return redirect("referrals:referral", referral.uuid)


@workspace_view
@require_POST
def referral_assign(request, referral_uuid):
    referral = open_referral(request, referral_uuid)
    require(request.user, "referral.assign", referral)
    form = AssignForm(request.POST, organization_id=referral.organization_id)
    if form.is_valid():
        try:
            services.referral_assign(user=request.user, referral=referral, **form.cleaned_data)
        except services.ServiceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Исполнитель назначен."))
    else:
        messages.error(request, _("Выберите исполнителя из списка и проверьте дату приёма."))
    return redirect("referrals:referral", referral.uuid)


@workspace_view
@require_POST
def referral_message(request, referral_uuid):
    referral = open_referral(request, referral_uuid)
    require(request.user, "referral.message", referral)
    form = MessageForm(request.POST)
    if form.is_valid():
        services.message_post(user=request.user, referral=referral, body=form.cleaned_data["body"])
        messages.success(request, _("Сообщение отправлено."))
    else:
        messages.error(request, _("Сообщение пустое или слишком длинное (до 5000 знаков)."))
    return redirect("referrals:referral", referral.uuid)


@workspace_view
@require_POST
def referral_attachment(request, referral_uuid):
    referral = open_referral(request, referral_uuid)
    require(request.user, "referral.attachment", referral)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            data = services.read_upload(upload)
            services.attachment_add(user=request.user, referral=referral, name=upload.name, data=data)
        except services.ServiceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Файл прикреплён."))
    else:
        messages.error(request, _("Выберите файл."))
    return redirect("referrals:referral", referral.uuid)


@workspace_view
def attachment_download(request, attachment_id):
    attachment = get_object_or_404(
        Attachment.objects.filter(referral__in=policy.referrals_for(request.user)).select_related("referral__case"),
        pk=attachment_id,
    )
    require(request.user, "referral.attachment", attachment.referral)
    log(
        request,
        attachment,
        attachment.referral.case,
        ["attachment.data"],
        "attachment",
        organization_id=attachment.referral.organization_id,
    )
    return file_response(decrypt_bytes(bytes(attachment.data)), attachment.content_type, f"attachment-{attachment.pk}")


@workspace_view
def referral_print(request, referral_uuid):
    referral = open_referral(request, referral_uuid)
    require(request.user, "referral.print", referral)
    categories, personal = _personal_for(request, referral, "print")
    context = {"referral": referral, "card": selectors.referral_card(referral), "personal": personal["blocks"]}
    return render(request, "referrals/referral_print.html", context)


@workspace_view
@require_POST
def referral_feedback(request, referral_uuid):
    referral = open_referral(request, referral_uuid)
    require(request.user, "referral.feedback", referral)
    try:
        invitation = services.feedback_invite(user=request.user, referral=referral)
    except services.ServiceError as exc:
        messages.error(request, str(exc))
    else:
        link = request.build_absolute_uri(reverse("feedback", args=[invitation.token]))
        messages.success(request, _("Ссылка на анонимный опрос для семьи: %(link)s") % {"link": link})
    return redirect("referrals:referral", referral.uuid)


@never_cache
def feedback_public(request, token):
    """The family's anonymous survey (public, no sign-in, one answer per link)."""
    form = FeedbackForm(request.POST or None)
    done = False
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_answer(token=token, **form.cleaned_data)
        except services.ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            done = True
    return render(request, "referrals/feedback.html", {"form": form, "done": done})


@workspace_view
def notifications_view(request):
    preference, _created = NotificationPreference.objects.get_or_create(user=request.user)
    form = NotificationPreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST":
        if "mark_read" in request.POST:
            request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
            return redirect("referrals:notifications")
        if form.is_valid():
            form.save()
            messages.success(request, _("Настройки уведомлений сохранены."))
            return redirect("referrals:notifications")
    page = paginate(request, request.user.notifications.all())
    context = {"notices": page.object_list, "page_obj": page, "form": form}
    return render(request, "referrals/notifications.html", context)


INBOX_TAB_NAMES = ("new", "overdue", "progress", "closed")


@workspace_view
def inbox(request):
    require(request.user, "partner.inbox")
    tab = request.GET.get("tab", "new")
    if tab not in INBOX_TAB_NAMES:
        tab = "new"
    ids, counts = selectors.partner_inbox(request.user, tab)
    page = paginate(request, ids, total=counts[tab])
    page.object_list = selectors.inbox_rows(page.object_list)
    context = {
        "referrals": page.object_list,
        "counts": counts,
        "tab": tab,
        "page_obj": page,
        "pager_query": f"tab={tab}&",
    }
    return render(request, "referrals/inbox.html", context)
