"""«Кабинет»: the restricted workspace. Every view opens records through policy and logs reads of personal data.

Records a user may not open answer 404 (their existence is itself confidential); actions a user may not
take on a record they can open answer 403.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from directory.models import Category, Organization
from website.db_router import reads_from_replica

from . import clocks, policy, procedure, selectors, services
from .codes import CaseGround, CaseStatus, ProgrammeStatus
from .crypto import decrypt_bytes
from .forms import (
    AssignForm,
    AttachmentForm,
    CaseForm,
    CloseCaseForm,
    CompleteForm,
    ConsentForm,
    DeclineForm,
    FeedbackForm,
    LoginForm,
    MeasureForm,
    MemberForm,
    MemberFormSet,
    MessageForm,
    NotCompleteForm,
    NotificationPreferenceForm,
    PostSupportNoteForm,
    ProgrammeDecisionForm,
    ReassignForm,
    ReferralForm,
)
from .models import Attachment, Consent, NotificationPreference, Programme
from .security import client_address
from .states import ACTIONS, allowed_actions

TRANSITION_FORMS = {"decline": DeclineForm, "complete": CompleteForm, "not_complete": NotCompleteForm}


def client_ip(request) -> str | None:
    return client_address(request)  # behind nginx on gunicorn's unix socket REMOTE_ADDR is empty


def workspace_view(view):
    """Signed in with both factors, and a member of the network. Never cached by browsers or proxies."""

    @wraps(view)
    @never_cache
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated or not user.is_verified():
            return redirect(reverse("referrals:login") + "?" + urlencode({"next": request.path}))
        if not policy.is_workspace_user(user):
            raise PermissionDenied(_("Нет доступа к кабинету."))
        return view(request, *args, **kwargs)

    return wrapper


def require(user, action, obj=None):
    if not policy.can(user, action, obj):
        raise PermissionDenied(_("Недостаточно прав для этого действия."))


def log(request, obj, case, fields, purpose, organization_id=None):
    services.log_access(
        user=request.user,
        obj=obj,
        case=case,
        fields=fields,
        purpose=purpose,
        ip_address=client_ip(request),
        organization_id=organization_id,
    )


# -- Sign in and out -------------------------------------------------------------------------------------------


@never_cache
def login_view(request):
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        auth_login(request, user)
        otp_login(request, form.otp_device)
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) or not target.startswith(
            "/cabinet/"
        ):
            target = reverse("referrals:home")
        return redirect(target)
    return render(request, "referrals/login.html", {"form": form})


@require_POST
def logout_view(request):
    auth_logout(request)
    messages.info(request, _("Вы вышли из кабинета."))
    return redirect("referrals:login")


# -- Home: the desk each role needs ----------------------------------------------------------------------------


@workspace_view
def home(request):
    user = request.user
    context = {"can": {rule.replace(".", "_"): policy.can(user, rule) for rule in policy.WORKSPACE_RULES}}
    if policy.can(user, "curator.desk"):
        context["desk"] = selectors.curator_desk(user)
        context["caseload"] = services.caseload(user)
    if policy.can(user, "head.dashboard"):
        context["head"] = selectors.head_dashboard(user)
    if policy.can(user, "partner.inbox"):
        _ids, context["inbox_counts"] = selectors.partner_inbox(user, "new")
    return render(request, "referrals/home.html", context)


LIST_PAGE_SIZE = 50  # rows per page of the workspace lists (inbox, cases, notifications)


def _page(request, queryset, total: int | None = None):
    """One page of a list; `total` (already counted, e.g. the inbox tab sizes) saves the COUNT query."""
    paginator = Paginator(queryset, LIST_PAGE_SIZE)
    if total is not None:
        paginator.count = total  # a cached_property: set on the instance, Paginator never counts
    return paginator.get_page(request.GET.get("page"))


@workspace_view
def case_list(request):
    require(request.user, "curator.desk")
    page = _page(request, selectors.organisation_cases(request.user))
    cases = selectors.with_nearest_clock(page.object_list)
    return render(request, "referrals/case_list.html", {"cases": cases, "page_obj": page})


# -- Family cases ----------------------------------------------------------------------------------------------


def _case(request, case_uuid):
    return get_object_or_404(policy.cases_for(request.user).select_related("district", "curator"), uuid=case_uuid)


def _help_request(request):
    """The public request a new case is opened from (`?request=<id>`), if the user may see it."""
    pk = request.GET.get("request") or request.POST.get("help_request")
    if not pk or not str(pk).isdigit():
        return None
    return get_object_or_404(policy.help_requests_for(request.user).filter(case__isnull=True), pk=pk)


def _from_help_request(help_request) -> tuple[dict, list[dict]]:
    """What the family wrote on the site, carried into the new case's form."""
    initial = {
        "registration_date": timezone.localdate(),
        "applied_on": timezone.localtime(help_request.created_at).date(),
        "ground": CaseGround.APPLICATION,
        "district": help_request.district_id,
        "narrative": help_request.message,
    }
    return initial, [{"full_name": help_request.name, "phone": help_request.phone}]


@workspace_view
def case_new(request):
    require(request.user, "curator.desk")
    organization_id = min(policy.case_organizations(request.user))
    help_request = _help_request(request)
    initial, members_initial = {}, []
    if help_request is not None:
        organization_id = help_request.organization_id
        initial, members_initial = _from_help_request(help_request)
        log(request, help_request, None, ["helprequest.name", "helprequest.phone", "helprequest.message"], "case")
    form = CaseForm(request.POST or None, initial=initial)
    if not policy.can(request.user, "caseload.override", organization_id):
        del form.fields["override_reason"]
    formset = MemberFormSet(request.POST or None, prefix="members", initial=members_initial)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        members = [f.cleaned_data for f in formset if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        try:
            case = services.case_open(
                user=request.user,
                organization=Organization.objects.get(pk=organization_id),
                curator=request.user,
                members=members,
                help_request=help_request,
                **form.cleaned_data,
            )
        except services.ServiceError as exc:
            form.add_error(None, str(exc))
        except IntegrityError:  # the unique journal number, repeated or raced
            form.add_error("registration_number", _("Случай с таким номером в журнале уже есть."))
        else:
            messages.success(request, _("Семья поставлена на учёт."))
            return redirect("referrals:case", case.uuid)
    return render(request, "referrals/case_form.html", {"form": form, "formset": formset, "help_request": help_request})


@workspace_view
def case_detail(request, case_uuid):
    case = _case(request, case_uuid)
    require(request.user, "case.view", case)
    members = list(case.members.all())
    log(
        request,
        case,
        case,
        ["case.address", "case.narrative", "member.full_name", "member.birth_date", "member.phone", "member.address"],
        "case",
    )
    case_clocks = clocks.case_clocks(case)
    context = {
        "case": case,
        "clocks": case_clocks,
        "stages": selectors.case_stages(case),
        "post_support_notes": case.post_support_notes.select_related("author") if case.post_support_until else (),
        "members": members,
        "consents": case.consents.prefetch_related("organizations"),
        "programmes": case.programmes.prefetch_related("measures__category", "measures__organization"),
        "referrals": case.referrals.select_related("organization", "category").order_by("-created_at"),
        "can_edit": policy.can(request.user, "case.edit", case),
        "can_reassign": policy.can(request.user, "case.reassign", case),
        # What the user may do on this case, by rule ("inspection.add" → can.inspection_add), for the page's blocks.
        "can": {rule.replace(".", "_"): policy.can(request.user, rule, case) for rule in policy.CASE_RULES},
        "caseload": services.caseload(case.curator),
    }
    return render(request, "referrals/case_detail.html", context)


STAGE_MARKS = {
    # step: (service, message)
    "assessment": (procedure.assessment_done, gettext_lazy("Сбор информации и первичная диагностика отмечены.")),
    "agreement": (procedure.family_agreement, gettext_lazy("Согласие семьи с ИПСС записано.")),
    "remove": (services.case_remove_from_register, gettext_lazy("Семья снята с учёта.")),
}


@workspace_view
@require_POST
def case_stage(request, case_uuid, step):
    """One-button stage marks of the case page (the service checks the policy and the stage)."""
    case = _case(request, case_uuid)
    if step not in STAGE_MARKS:
        raise Http404
    service, text = STAGE_MARKS[step]
    try:
        service(user=request.user, case=case)
    except services.NotAllowed as exc:
        raise PermissionDenied(str(exc)) from None
    except services.ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, text)
    return redirect("referrals:case", case.uuid)


@workspace_view
def post_support_note_new(request, case_uuid):
    case = _case(request, case_uuid)
    require(request.user, "postsupport.add", case)
    form = PostSupportNoteForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            procedure.post_support_note_add(user=request.user, case=case, **form.cleaned_data)
        except services.ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Запись постсопровождения сохранена."))
            return redirect("referrals:case", case.uuid)
    return render(
        request, "referrals/simple_form.html", {"form": form, "case": case, "title": _("Запись постсопровождения")}
    )


@workspace_view
def case_edit(request, case_uuid):
    case = _case(request, case_uuid)
    require(request.user, "case.edit", case)
    initial = {name: getattr(case, name) for name in CaseForm.base_fields if hasattr(case, name)}
    form = CaseForm(request.POST or None, initial=initial)
    if not policy.can(request.user, "caseload.override", case.organization_id):
        del form.fields["override_reason"]
    if request.method == "POST" and form.is_valid():
        try:
            services.case_update(user=request.user, case=case, **form.cleaned_data)
        except services.ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Изменения сохранены."))
            return redirect("referrals:case", case.uuid)
    log(request, case, case, ["case.address", "case.narrative"], "case")
    return render(request, "referrals/case_edit.html", {"form": form, "case": case})


@workspace_view
def case_close(request, case_uuid):
    case = _case(request, case_uuid)
    require(request.user, "case.close", case)
    form = CloseCaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_close(user=request.user, case=case, **form.cleaned_data)
        except services.ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            if case.status == CaseStatus.POST_SUPPORT:
                text = _("Сопровождение прекращено; семья на постсопровождении до %(date)s.") % {
                    "date": case.post_support_until.strftime("%d.%m.%Y")
                }
            else:
                text = _("Сопровождение прекращено, семья снята с учёта; открытые направления отменены.")
            messages.success(request, text)
            return redirect("referrals:case", case.uuid)
    return render(
        request, "referrals/simple_form.html", {"form": form, "case": case, "title": _("Прекратить сопровождение")}
    )


@workspace_view
def case_reassign(request, case_uuid):
    case = _case(request, case_uuid)
    require(request.user, "case.reassign", case)
    form = ReassignForm(request.POST or None, curators=selectors.curators_of(case.organization_id))
    if request.method == "POST" and form.is_valid():
        try:
            services.case_reassign(user=request.user, case=case, **form.cleaned_data)
        except services.ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Куратор семьи изменён."))
            return redirect("referrals:case", case.uuid)
    return render(request, "referrals/simple_form.html", {"form": form, "case": case, "title": _("Сменить куратора")})


@workspace_view
def member_new(request, case_uuid):
    case = _case(request, case_uuid)
    require(request.user, "case.edit", case)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.member_add(case=case, **form.cleaned_data)
        messages.success(request, _("Член семьи добавлен."))
        return redirect("referrals:case", case.uuid)
    return render(
        request, "referrals/simple_form.html", {"form": form, "case": case, "title": _("Добавить члена семьи")}
    )


# -- Consent ---------------------------------------------------------------------------------------------------


@workspace_view
def consent_new(request, case_uuid):
    case = _case(request, case_uuid)
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
    return _file_response(decrypt_bytes(bytes(consent.document_data)), consent.document_type, f"consent-{consent.pk}")


# -- Individual programme --------------------------------------------------------------------------------------


@workspace_view
@require_POST
def programme_new(request, case_uuid):
    case = _case(request, case_uuid)
    require(request.user, "programme.edit", case)
    programme = services.programme_new_version(user=request.user, case=case)
    return redirect("referrals:programme", programme.pk)


def _programme(request, programme_id):
    return get_object_or_404(
        Programme.objects.filter(case__in=policy.cases_for(request.user)).select_related("case"), pk=programme_id
    )


@workspace_view
def programme_detail(request, programme_id):
    from . import documents
    from .document_forms import MeasureMarkForm

    programme = _programme(request, programme_id)
    case = programme.case
    require(request.user, "case.view", case)
    editable = programme.status == ProgrammeStatus.DRAFT and policy.can(request.user, "programme.edit", case)
    form = MeasureForm(request.POST or None, case=case) if editable else None
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(_("Утверждённую программу изменяют новой редакцией."))
        if form.is_valid():
            try:
                services.measure_save(user=request.user, programme=programme, measure=form.save(commit=False))
            except services.ServiceError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Мероприятие добавлено."))
                return redirect("referrals:programme", programme.pk)
    decide = (
        ProgrammeDecisionForm()
        if programme.status == ProgrammeStatus.DRAFT and policy.can(request.user, "programme.decide", case)
        else None
    )
    measures = list(documents.programme_measures(programme))
    # Appendix 2: the measures by the six sections of the plan, each with a form to mark it where it may be marked.
    sections = documents.plan_sections(measures)
    if programme.status == ProgrammeStatus.APPROVED and policy.can(request.user, "measure.mark", case):
        for row in (row for section in sections for row in section.rows):
            row.form = MeasureMarkForm(measure=row.measure)
    log(request, programme, case, ["member.full_name", "measure.result"], "case")
    context = {
        "programme": programme,
        "case": case,
        "measures": measures,
        "sections": sections,
        "templates": documents.programme_templates(programme, measures),
        "editable": editable,
        "form": form,
        "decide_form": decide,
        "can_print": policy.can(request.user, "case.print", case),
    }
    return render(request, "referrals/programme_detail.html", context)


@workspace_view
@require_POST
def programme_decide(request, programme_id):
    programme = _programme(request, programme_id)
    require(request.user, "programme.decide", programme.case)
    form = ProgrammeDecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("referrals:programme", programme.pk)
    try:
        services.programme_decide(
            user=request.user,
            programme=programme,
            approved=form.cleaned_data["decision"] == "approve",
            decided_on=form.cleaned_data["decided_on"],
            protocol_number=form.cleaned_data["protocol_number"],
        )
    except services.ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Решение рабочей группы записано."))
    return redirect("referrals:programme", programme.pk)


# -- Referrals: create -----------------------------------------------------------------------------------------


@workspace_view
def referral_new(request, case_uuid):
    case = _case(request, case_uuid)
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


# -- Referrals: read and act -----------------------------------------------------------------------------------


def _referral(request, referral_uuid):
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
    referral = _referral(request, referral_uuid)
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
    referral = _referral(request, referral_uuid)
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
    referral = _referral(request, referral_uuid)
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
    referral = _referral(request, referral_uuid)
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
    referral = _referral(request, referral_uuid)
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


def _file_response(data: bytes, content_type: str, stem: str) -> HttpResponse:
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(content_type, "bin")
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{stem}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


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
    return _file_response(decrypt_bytes(bytes(attachment.data)), attachment.content_type, f"attachment-{attachment.pk}")


@workspace_view
def referral_print(request, referral_uuid):
    referral = _referral(request, referral_uuid)
    require(request.user, "referral.print", referral)
    categories, personal = _personal_for(request, referral, "print")
    context = {"referral": referral, "card": selectors.referral_card(referral), "personal": personal["blocks"]}
    return render(request, "referrals/referral_print.html", context)


@workspace_view
@require_POST
def referral_feedback(request, referral_uuid):
    referral = _referral(request, referral_uuid)
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
def help_requests(request):
    require(request.user, "helprequests.view")
    rows = list(policy.help_requests_for(request.user).select_related("district", "taken_by", "case")[:200])
    visible = set(policy.cases_for(request.user).filter(help_request__in=rows).values_list("pk", flat=True))
    calendar = clocks.Calendar()
    for row in rows:
        case = getattr(row, "case", None)
        row.opened_case = case if case is not None and case.pk in visible else None
        row.case_id_hidden = case is not None and row.opened_case is None
        row.clock = None if case is not None else clocks.request_clock(row, calendar=calendar)
    services.log_access_many(
        user=request.user,
        rows=[(row, None, row.organization_id) for row in rows],
        fields=["helprequest.name", "helprequest.phone", "helprequest.message"],
        purpose="case",
        ip_address=client_ip(request),
    )
    return render(request, "referrals/help_requests.html", {"rows": rows})


# -- Notifications ---------------------------------------------------------------------------------------------


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
    page = _page(request, request.user.notifications.all())
    context = {"notices": page.object_list, "page_obj": page, "form": form}
    return render(request, "referrals/notifications.html", context)


# -- Partner inbox, access log, figures ------------------------------------------------------------------------


INBOX_TAB_NAMES = ("new", "overdue", "progress", "closed")


@workspace_view
def inbox(request):
    require(request.user, "partner.inbox")
    tab = request.GET.get("tab", "new")
    if tab not in INBOX_TAB_NAMES:
        tab = "new"
    ids, counts = selectors.partner_inbox(request.user, tab)
    page = _page(request, ids, total=counts[tab])
    page.object_list = selectors.inbox_rows(page.object_list)
    context = {
        "referrals": page.object_list,
        "counts": counts,
        "tab": tab,
        "page_obj": page,
        "pager_query": f"tab={tab}&",
    }
    return render(request, "referrals/inbox.html", context)


@workspace_view
def access_log(request):
    """The access log of the user's organisation (and its security events, for its administrator)."""
    require(request.user, "accesslog.view")
    rows = policy.access_log_scope(request.user).select_related("organization", "case")[:500]
    events = None
    if policy.can(request.user, "securitylog.view"):
        events = policy.security_events_scope(request.user)[:200]
    context = {"rows": rows, "events": events, "network": False}
    return render(request, "referrals/access_log.html", context)


@workspace_view
def access_log_network(request):
    """The whole network's access log and security events: the network auditor's, and every opening is logged."""
    require(request.user, "accesslog.network")
    from .security import record

    record(
        "network_log_view", user=request.user, detail="журнал доступа и события безопасности всей сети", request=request
    )
    rows = policy.access_log_scope(request.user, network=True).select_related("organization", "case")[:500]
    events = policy.security_events_scope(request.user, network=True)[:200]
    context = {"rows": rows, "events": events, "network": True}
    return render(request, "referrals/access_log.html", context)


@workspace_view
@reads_from_replica()  # aggregated figures only: they may lag the primary (website/db_router.py)
def figures(request):
    require(request.user, "reports.view")
    from . import profiles
    from .reports import PERIOD_NAMES, Period, bar_chart, build_report, line_chart

    today = timezone.localdate()
    period = Period.from_query(request.GET, today)
    report = build_report(period)
    export = request.GET.get("format")
    if export in ("xlsx", "pdf"):
        from .reports import report_pdf, report_xlsx
        from .security import record

        record("export", user=request.user, detail=f"отчёт {export.upper()} {period.slug}", request=request)
        if export == "xlsx":
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            response = HttpResponse(report_xlsx(report), content_type=content_type)
        else:
            response = HttpResponse(report_pdf(report), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="analysis-{period.slug}.{export}"'
        return response
    required = profiles.in_force(period.end).reporting_periods
    context = {
        "report": report,
        "period": period,
        "kinds": [(kind, name, kind in required) for kind, name in PERIOD_NAMES.items()],
        "years": range(min(period.year, today.year) - 5, max(period.year, today.year) + 2),
        "parts": range(1, period.parts + 1),
        "chart": bar_chart(report["referrals"]["by_kind"], "total"),
        "line": line_chart(report["weekly"], "total"),
        "previous": period.shifted(-1),
        "next": period.shifted(1),
    }
    return render(request, "referrals/figures.html", context)
