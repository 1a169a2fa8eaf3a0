"""Family cases: the list, opening a case (from a help request too), the case page, its stages, post-support notes,
editing, closing, reassigning the curator, family members, and the help requests waiting for a curator."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from directory.models import Organization

from . import clocks, policy, procedure, selectors, services
from .codes import CaseGround, CaseStatus
from .forms import (
    CaseForm,
    CloseCaseForm,
    MemberForm,
    MemberFormSet,
    PostSupportNoteForm,
    ReassignForm,
)
from .workspace import client_ip, log, paginate, require, workspace_view


@workspace_view
def case_list(request):
    require(request.user, "curator.desk")
    page = paginate(request, selectors.organisation_cases(request.user))
    cases = selectors.with_nearest_clock(page.object_list)
    return render(request, "referrals/case_list.html", {"cases": cases, "page_obj": page})


def open_case(request, case_uuid):
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
    case = open_case(request, case_uuid)
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
    case = open_case(request, case_uuid)
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
    case = open_case(request, case_uuid)
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
    case = open_case(request, case_uuid)
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
    case = open_case(request, case_uuid)
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
    case = open_case(request, case_uuid)
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
    case = open_case(request, case_uuid)
    require(request.user, "case.edit", case)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.member_add(case=case, **form.cleaned_data)
        messages.success(request, _("Член семьи добавлен."))
        return redirect("referrals:case", case.uuid)
    return render(
        request, "referrals/simple_form.html", {"form": form, "case": case, "title": _("Добавить члена семьи")}
    )


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
