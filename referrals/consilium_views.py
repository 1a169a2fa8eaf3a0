"""«Кабинет»: заседания консилиума (ведомственного социального консилиума или межведомственной рабочей группы).

The head of an organisation convenes a meeting, lists who is present, puts cases on the agenda with the family
members invited (001 stage IV «с приглашением семьи», stage VI), records a decision per case (which
`procedure.agenda_decide` applies to the case) and prints the protocol. Curators of the organisation see its
meetings and, on them, only the cases they may open. A meeting of another organisation answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from directory.models import Organization

from . import documents, policy, procedure, services
from .codes import ENDED_STATUSES
from .consilium_forms import (
    KIND_GENITIVE,
    AgendaCaseForm,
    AgendaForm,
    DecisionForm,
    MeetingForm,
    ParticipantForm,
    ParticipantFormSet,
)
from .models import AgendaItem, ConsiliumMeeting
from .workspace import client_ip, file_response, log, paginate, require, workspace_view

# What an agenda item shows of the family: the invited members' names and the consilium's conclusion.
ITEM_FIELDS = ["agenda.conclusion", "member.full_name"]


def _meetings(user):
    """Meetings of the organisations where the user is a head or a curator (rule "consilium.view")."""
    return ConsiliumMeeting.objects.filter(organization_id__in=policy.case_organizations(user))


def _meeting(request, meeting_id) -> ConsiliumMeeting:
    meeting = get_object_or_404(_meetings(request.user).select_related("organization"), pk=meeting_id)
    require(request.user, "consilium.view", meeting)
    return meeting


def _items(request, meeting):
    """The agenda as this user may see it: all of it for the head, a curator's own cases otherwise."""
    items = meeting.items.select_related("case__curator", "programme").prefetch_related("invited")
    if not policy.can(request.user, "consilium.edit", meeting):
        items = items.filter(case__in=policy.cases_for(request.user))
    return list(items)


def _log_items(request, items, purpose):
    services.log_access_many(
        user=request.user,
        rows=[(item, item.case, None) for item in items],
        fields=ITEM_FIELDS,
        purpose=purpose,
        ip_address=client_ip(request),
    )


def _open_cases(request, meeting):
    """Cases the meeting may take up: open cases of its organisation not yet on its agenda."""
    return (
        policy.cases_for(request.user)
        .filter(organization_id=meeting.organization_id)
        .exclude(status__in=ENDED_STATUSES)
        .exclude(agenda_items__meeting=meeting)
        .select_related("curator")
        .order_by("-registration_date", "-id")
    )


def _meeting_url(meeting, anchor=""):
    return reverse("referrals:consilium_meeting", args=[meeting.pk]) + (f"#{anchor}" if anchor else "")


# -- List and new meeting ---------------------------------------------------------------------------------------


@workspace_view
def meeting_list(request):
    require(request.user, "consilium.list")
    meetings = (
        _meetings(request.user)
        .select_related("organization")
        .annotate(item_count=Count("items"))
        .order_by("-held_on", "-id")
    )
    page = paginate(request, meetings)
    context = {
        "meetings": page.object_list,
        "page_obj": page,
        "can_convene": bool(policy.head_organizations(request.user)),
    }
    return render(request, "referrals/consilium/meeting_list.html", context)


@workspace_view
def meeting_new(request):
    head_of = sorted(policy.head_organizations(request.user))
    if not head_of:
        require(request.user, "consilium.manage", None)
    organizations = Organization.objects.filter(pk__in=head_of).order_by("name")
    form = MeetingForm(request.POST or None, organizations=organizations)
    formset = ParticipantFormSet(request.POST or None, prefix="participants")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = dict(form.cleaned_data)
        organization = data.pop("organization")
        participants = [row.cleaned_data for row in formset if row.has_changed() and row.cleaned_data]
        try:
            with transaction.atomic():
                meeting = procedure.meeting_create(
                    user=request.user, organization=organization, participants=participants, **data
                )
        except services.NotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
        except services.ServiceError as exc:
            form.add_error("number", str(exc))
        except IntegrityError:  # the same number saved at the same moment by someone else
            form.add_error("number", _("Протокол с таким номером уже есть."))
        else:
            messages.success(request, _("Заседание создано. Добавьте случаи в повестку."))
            return redirect("referrals:consilium_meeting", meeting.pk)
    return render(request, "referrals/consilium/meeting_form.html", {"form": form, "formset": formset})


# -- The meeting page and its forms -----------------------------------------------------------------------------


def _render_meeting(request, meeting, *, participant_form=None, decision_forms=None):
    user = request.user
    items = _items(request, meeting)
    can_edit = policy.can(user, "consilium.edit", meeting)
    can_decide = policy.can(user, "consilium.decide", meeting)
    decision_forms = decision_forms or {}
    for item in items:
        item.form = None
        if can_decide and not item.decided_at:
            item.form = decision_forms.get(item.pk) or DecisionForm(item=item)
    _log_items(request, items, "case")
    context = {
        "meeting": meeting,
        "kind_genitive": KIND_GENITIVE.get(meeting.kind, ""),
        "participants": meeting.participants.select_related("organization"),
        "items": items,
        "can_edit": can_edit,
        "can_print": policy.can(user, "consilium.print", meeting),
        "participant_form": participant_form or (ParticipantForm(prefix="participant") if can_edit else None),
        "picker": AgendaCaseForm(cases=_open_cases(request, meeting)) if can_edit else None,
    }
    return render(request, "referrals/consilium/meeting_detail.html", context)


@workspace_view
def meeting_detail(request, meeting_id):
    return _render_meeting(request, _meeting(request, meeting_id))


@workspace_view
@require_POST
def participant_add(request, meeting_id):
    meeting = _meeting(request, meeting_id)
    require(request.user, "consilium.edit", meeting)
    form = ParticipantForm(request.POST, prefix="participant")
    if form.is_valid():
        procedure.participant_add(user=request.user, meeting=meeting, **form.cleaned_data)
        messages.success(request, _("Участник заседания добавлен."))
        return redirect(_meeting_url(meeting, "participants"))
    return _render_meeting(request, meeting, participant_form=form)


@workspace_view
def agenda_add(request, meeting_id):
    """Two steps without scripts: choose the case (GET), then the review and whom of the family to invite."""
    meeting = _meeting(request, meeting_id)
    require(request.user, "consilium.edit", meeting)
    cases = _open_cases(request, meeting)
    source = request.POST if request.method == "POST" else request.GET
    picker = AgendaCaseForm(source if "case" in source else None, cases=cases)
    context = {"meeting": meeting, "picker": picker}
    if not picker.is_valid():
        return render(request, "referrals/consilium/agenda_form.html", context)
    case = picker.cleaned_data["case"]
    form = AgendaForm(request.POST if request.method == "POST" else None, cases=cases, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            item = procedure.agenda_add(
                user=request.user,
                meeting=meeting,
                case=case,
                kind=form.cleaned_data["kind"],
                invited=form.cleaned_data["invited"],
            )
        except services.NotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
        except services.ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Случай № %(number)s добавлен в повестку.") % {"number": case.registration_number}
            )
            return redirect(_meeting_url(meeting, f"item-{item.pk}"))
    log(request, case, case, ["member.full_name"], "case")
    return render(request, "referrals/consilium/agenda_form.html", {**context, "case": case, "form": form})


@workspace_view
@require_POST
def agenda_decide(request, item_id):
    visible = AgendaItem.objects.filter(
        meeting__in=_meetings(request.user), case__in=policy.cases_for(request.user)
    ).select_related("meeting__organization", "case")
    item = get_object_or_404(visible, pk=item_id)
    meeting = item.meeting
    require(request.user, "consilium.decide", meeting)
    if item.decided_at:
        messages.error(request, _("Решение по этому вопросу уже записано в протокол."))
        return redirect(_meeting_url(meeting, f"item-{item.pk}"))
    form = DecisionForm(request.POST, item=item)
    if form.is_valid():
        try:
            procedure.agenda_decide(user=request.user, item=item, **form.service_arguments())
        except services.NotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
        except services.ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Решение по случаю № %(case)s записано в протокол № %(number)s.")
                % {"case": item.case.registration_number, "number": meeting.number},
            )
            return redirect(_meeting_url(meeting, f"item-{item.pk}"))
    return _render_meeting(request, meeting, decision_forms={item.pk: form})


# -- The protocol -----------------------------------------------------------------------------------------------


def protocol_context(meeting, items) -> dict:
    return {
        "meeting": meeting,
        "kind_genitive": KIND_GENITIVE.get(meeting.kind, ""),
        "participants": meeting.participants.select_related("organization"),
        "items": items,
    }


@workspace_view
def protocol_pdf(request, meeting_id):
    meeting = _meeting(request, meeting_id)
    require(request.user, "consilium.print", meeting)
    items = _items(request, meeting)
    _log_items(request, items, "document")
    pdf = documents.render_pdf("referrals/consilium/protocol.html", protocol_context(meeting, items))
    return file_response(pdf, "application/pdf", f"protocol-{meeting.pk}")
