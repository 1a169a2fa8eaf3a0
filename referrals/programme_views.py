"""The measures of an ИПСС one at a time: edit or remove a measure of a draft (the measures proposed from the region's
templates are the curator's to keep, edit or remove), and mark a measure of an approved programme done or not done
with its result (`services.measure_mark`).

Like views.py: records the user may not open answer 404, actions they may not take answer 403, and every page that
shows personal data writes the access log.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import documents, policy, services
from .case_views import open_case
from .codes import ProgrammeStatus
from .document_forms import MeasureMarkForm
from .forms import (
    MeasureForm,
    ProgrammeDecisionForm,
)
from .models import Measure, Programme
from .workspace import log, require, workspace_view


def _measure(request, measure_id) -> Measure:
    queryset = Measure.objects.filter(programme__case__in=policy.cases_for(request.user)).select_related(
        "programme__case", "category", "organization", "member"
    )
    return get_object_or_404(queryset, pk=measure_id)


def _draft_measure(request, measure_id) -> Measure:
    """A measure the user may change: of a draft programme, on a case whose programme the user may edit."""
    measure = _measure(request, measure_id)
    require(request.user, "programme.edit", measure.programme.case)
    if measure.programme.status != ProgrammeStatus.DRAFT:
        raise PermissionDenied(_("Утверждённую программу изменяют новой редакцией."))
    return measure


@workspace_view
def measure_edit(request, measure_id):
    measure = _draft_measure(request, measure_id)
    programme, case = measure.programme, measure.programme.case
    form = MeasureForm(request.POST or None, instance=measure, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            services.measure_save(user=request.user, programme=programme, measure=form.save(commit=False))
        except services.ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Мероприятие изменено."))
            return redirect("referrals:programme", programme.pk)
    log(request, measure, case, ["member.full_name"], "case")
    context = {"form": form, "measure": measure, "programme": programme, "case": case}
    return render(request, "referrals/documents/measure_form.html", context)


@workspace_view
def measure_delete(request, measure_id):
    measure = _draft_measure(request, measure_id)
    programme = measure.programme
    if request.method == "POST":
        try:
            services.measure_remove(user=request.user, measure=measure)
        except services.ServiceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Мероприятие удалено из проекта программы."))
        return redirect("referrals:programme", programme.pk)
    return render(
        request,
        "referrals/documents/measure_delete.html",
        {"measure": measure, "programme": programme, "case": programme.case},
    )


@workspace_view
def measure_mark(request, measure_id):
    """Отметка о выполнении: done or not done, with the result (required)."""
    measure = _measure(request, measure_id)
    programme, case = measure.programme, measure.programme.case
    require(request.user, "measure.mark", case)
    initial = {"status": measure.status if measure.marked_on else None, "result": measure.result}
    form = MeasureMarkForm(request.POST or None, measure=measure, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.measure_mark(user=request.user, measure=measure, **form.cleaned_data)
        except services.NotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
        except services.ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Отметка записана: «%(status)s».") % {"status": measure.get_status_display()},
            )
            return redirect("referrals:programme", programme.pk)
    log(request, measure, case, ["member.full_name", "measure.result"], "case")
    context = {"form": form, "measure": measure, "programme": programme, "case": case}
    return render(request, "referrals/documents/measure_mark.html", context)


@workspace_view
@require_POST
def programme_new(request, case_uuid):
    case = open_case(request, case_uuid)
    require(request.user, "programme.edit", case)
    programme = services.programme_new_version(user=request.user, case=case)
    return redirect("referrals:programme", programme.pk)


def open_programme(request, programme_id):
    return get_object_or_404(
        Programme.objects.filter(case__in=policy.cases_for(request.user)).select_related("case"), pk=programme_id
    )


@workspace_view
def programme_detail(request, programme_id):
    programme = open_programme(request, programme_id)
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
    programme = open_programme(request, programme_id)
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
