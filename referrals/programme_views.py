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

from . import policy, services
from .codes import ProgrammeStatus
from .document_forms import MeasureMarkForm
from .forms import MeasureForm
from .models import Measure
from .views import log, require, workspace_view


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
