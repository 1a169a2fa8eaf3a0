"""Pages and PDFs of the case documents: the act of housing inspection (form, page, PDF), the ИПСС in the form of
appendix 2 as PDF, and the registers of the organisation (журнал первичного учёта, журнал ведомственного учёта) as a
page, a PDF and a workbook.

Every printed document and every register shown or downloaded writes the access log (purpose «document» or
«register», one row per case); a register downloaded is also an export in the security log. Rendering is
documents.py's; the rules are policy's ("inspection.add", "case.print", "registers.view").
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from directory.models import Organization

from . import documents, policy, procedure, services
from .case_views import open_case
from .codes import ProgrammeStatus, Role
from .document_forms import InspectionForm
from .models import HousingInspection, Programme
from .programme_views import open_programme
from .security import record
from .workspace import client_ip, log, require, workspace_view

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INSPECTION_FIELDS = [
    "inspection.participants",
    "inspection.housing",
    "inspection.conditions",
    "inspection.child_conditions",
    "inspection.conclusion",
]


def _pdf(data: bytes, stem: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{stem}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


# -- The act of housing inspection -----------------------------------------------------------------------------


def _inspection(request, inspection_id) -> HousingInspection:
    queryset = HousingInspection.objects.filter(case__in=policy.cases_for(request.user)).select_related(
        "case__organization", "case__district", "inspected_by"
    )
    return get_object_or_404(queryset, pk=inspection_id)


@workspace_view
def inspection_new(request, case_uuid):
    case = open_case(request, case_uuid)
    require(request.user, "inspection.add", case)
    form = InspectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            inspection = procedure.inspection_add(user=request.user, case=case, **form.cleaned_data)
        except services.ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Акт обследования жилищно-бытовых условий записан."))
            return redirect("referrals:inspection", inspection.pk)
    log(request, case, case, ["case.address"], "case")
    return render(request, "referrals/documents/inspection_form.html", {"form": form, "case": case})


@workspace_view
def inspection_detail(request, inspection_id):
    inspection = _inspection(request, inspection_id)
    case = inspection.case
    require(request.user, "case.view", case)
    log(request, inspection, case, ["case.address", *INSPECTION_FIELDS], "case")
    context = {
        "inspection": inspection,
        "case": case,
        "inspector": documents.person_name(inspection.inspected_by),
        "can_print": policy.can(request.user, "case.print", case),
    }
    return render(request, "referrals/documents/inspection_detail.html", context)


@workspace_view
def inspection_print(request, inspection_id):
    inspection = _inspection(request, inspection_id)
    case = inspection.case
    require(request.user, "case.print", case)
    log(
        request,
        inspection,
        case,
        ["case.address", "member.full_name", "member.birth_date", *INSPECTION_FIELDS],
        "document",
    )
    return _pdf(documents.inspection_pdf(inspection), f"inspection-{inspection.pk}")


# -- The ИПСС (appendix 2) -------------------------------------------------------------------------------------

PROGRAMME_FIELDS = ["case.address", "member.full_name", "member.birth_date", "measure.result"]


def _programme_pdf(request, programme: Programme) -> HttpResponse:
    case = programme.case
    require(request.user, "case.print", case)
    log(request, programme, case, PROGRAMME_FIELDS, "document")
    return _pdf(documents.programme_pdf(programme), f"ipss-{programme.pk}")


@workspace_view
def programme_print(request, programme_id):
    """This version of the ИПСС as a PDF in the form of appendix 2 (a draft is printed as a draft)."""
    return _programme_pdf(request, open_programme(request, programme_id))


@workspace_view
def case_programme_print(request, case_uuid):
    """The case's current ИПСС: the newest approved version, else the newest draft."""
    case = open_case(request, case_uuid)
    require(request.user, "case.print", case)
    programmes = case.programmes.select_related("case__organization", "case__curator").order_by("-version")
    current = (
        programmes.filter(status=ProgrammeStatus.APPROVED).first()
        or programmes.filter(status=ProgrammeStatus.DRAFT).first()
    )
    if current is None:
        raise Http404(_("У семьи ещё нет индивидуальной программы."))
    return _programme_pdf(request, current)


# -- Registers -------------------------------------------------------------------------------------------------

REGISTER_FIELDS = {"primary": ["member.full_name"], "departmental": ["member.full_name"]}


def _register(request, kind: str):
    require(request.user, "registers.view")
    organizations = list(Organization.objects.filter(pk__in=policy.orgs_with(request.user, Role.HEAD)).order_by("name"))
    chosen = next((o for o in organizations if str(o.pk) == request.GET.get("org")), organizations[0])
    cases = (
        policy.register_cases(request.user)
        .filter(organization=chosen)
        .select_related("district", "curator")
        .prefetch_related("members")
    )
    if kind == "primary":
        register = documents.primary_register(chosen, cases.order_by("registration_date", "registration_number", "id"))
    else:
        cases = cases.filter(accepted_on__isnull=False).order_by("accepted_on", "registration_number", "id")
        register = documents.departmental_register(chosen, cases)
    services.log_access_many(
        user=request.user,
        rows=[(case, case, case.organization_id) for case in register.cases],
        fields=REGISTER_FIELDS[kind],
        purpose="register",
        ip_address=client_ip(request),
    )
    file_format = request.GET.get("format")
    if file_format in ("pdf", "xlsx"):
        record("export", user=request.user, detail=f"{register.title}, {file_format.upper()}", request=request)
        stem = f"register-{kind}-{register.made_on:%Y-%m-%d}"
        if file_format == "pdf":
            return _pdf(documents.register_pdf(register), stem)
        response = HttpResponse(documents.register_xlsx(register), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
        response["Cache-Control"] = "no-store"
        return response
    context = {"register": register, "organizations": organizations, "chosen": chosen, "kind": kind}
    return render(request, "referrals/documents/register.html", context)


@workspace_view
def register_primary(request):
    return _register(request, "primary")


@workspace_view
def register_departmental(request):
    return _register(request, "departmental")
