"""Reads for the workspace pages. Every queryset starts from policy.cases_for / policy.referrals_for."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Value, When, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.models import Settlement
from search.cards import with_rows
from search.engines.base import GeoPoint
from search.services import search

from . import policy
from .clocks import Calendar, case_clocks, nearest
from .codes import (
    ACTIVE_STATUSES,
    ENDED_STATUSES,
    OFF_REGISTER_STATUSES,
    AgendaKind,
    CaseStatus,
    DataCategory,
    ProgrammeStatus,
    Relation,
)
from .models import FamilyCase, Measure, Referral
from .services import caseloads
from .states import CLOSED_STATES, WORKING_STATES, State, overdue_q

REFERRAL_LIST_RELATED = ("case", "case__district", "organization", "category", "assignee")
# Lists show no personal data: the encrypted columns are neither read nor decrypted for them.
REFERRAL_LIST_DEFERRED = ("narrative", "health_notes", "education_notes", "case__address", "case__narrative")
CASE_LIST_DEFERRED = ("address", "narrative")


def _overdue_first(queryset):
    today = timezone.localdate()
    return queryset.annotate(
        overdue=Case(When(overdue_q(today), then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("overdue", "respond_by", "-created_at")


def overdue_count() -> int:
    """Every overdue referral of the network (a figure for monitoring: no rows leave this function)."""
    return Referral.objects.filter(overdue_q(timezone.localdate())).count()


DESK_ROWS = 100  # rows of each list on the desk; the full lists are paginated pages of their own
DUE_SOON_ROWS = 50


def curator_desk(user) -> dict:
    cases = (
        policy.cases_for(user)
        .filter(curator=user)
        .exclude(status__in=OFF_REGISTER_STATUSES)
        .select_related("district")
        .defer(*CASE_LIST_DEFERRED)
    )
    referrals = (
        _overdue_first(policy.referrals_for(user).filter(case__curator=user).exclude(status__in=CLOSED_STATES))
        .select_related(*REFERRAL_LIST_RELATED)
        .defer(*REFERRAL_LIST_DEFERRED)
    )
    return {
        "cases": with_nearest_clock(cases[:DESK_ROWS]),
        "referrals": list(referrals[:DESK_ROWS]),
        **measure_overview(policy.cases_for(user).filter(curator=user)),
    }


DUE_SOON_DAYS = 7


def measure_overview(cases) -> dict:
    """Measures of the approved programmes of these cases: due soon (the first DUE_SOON_ROWS), and how many stand
    in each state (the state of the measure's latest referral). Two queries, counted in SQL."""
    today = timezone.localdate()
    measures = Measure.objects.filter(
        programme__case__in=cases.filter(status__in=ACTIVE_STATUSES).values("pk"),
        programme__status=ProgrammeStatus.APPROVED,
    )
    due_soon = list(
        measures.filter(deadline__gte=today, deadline__lte=today + timedelta(days=DUE_SOON_DAYS))
        .select_related("programme__case", "category", "organization")
        .order_by("deadline", "id")[:DUE_SOON_ROWS]
    )
    latest = Referral.objects.filter(measure=OuterRef("pk")).order_by("-created_at", "-id").values("status")[:1]
    rows = measures.annotate(state=Subquery(latest)).values("state").annotate(n=Count("id")).order_by()
    labels = dict(State.choices)
    by_state = Counter()
    for row in rows:
        by_state[str(labels[row["state"]]) if row["state"] else _("без направления")] += row["n"]
    return {"measures_due_soon": due_soon, "measures_by_state": dict(by_state)}


def head_dashboard(user) -> dict:
    """Head of unit: overdue referrals of the whole organisation and every curator's caseload."""
    org_ids = policy.head_organizations(user)
    cases = FamilyCase.objects.filter(organization_id__in=org_ids)
    today = timezone.localdate()
    overdue = (
        policy.referrals_for(user)
        .filter(case__in=cases)
        .filter(overdue_q(today))
        .select_related(*REFERRAL_LIST_RELATED)
        .defer(*REFERRAL_LIST_DEFERRED)
        .order_by("respond_by")
    )
    people = [curator for org_id in sorted(org_ids) for curator in curators_of(org_id)]
    loads = caseloads([curator.pk for curator in people])
    curators = [{"curator": curator, "caseload": loads[curator.pk]} for curator in people]
    return {"overdue": list(overdue[:100]), "curators": curators, **measure_overview(cases)}


def organisation_cases(user):
    """Head of unit: every case of their organisations."""
    return (
        policy.cases_for(user)
        .select_related("district", "curator")
        .defer(*CASE_LIST_DEFERRED)
        .order_by("status", "-registration_date", "-id")
    )


INBOX_TABS = {
    "new": Q(status=State.SENT),
    "progress": Q(status__in=WORKING_STATES),
    "closed": Q(status__in=CLOSED_STATES),
}


def partner_inbox(user, tab: str):
    """The ids of one tab's referrals, overdue first, and the size of every tab (one aggregate query).

    The ids come from a narrow statement that the covering index `referral_inbox` answers (an index-only scan,
    no wide rows sorted); `inbox_rows` then reads the one page of rows to show."""
    partner = Referral.objects.filter(policy.partner_referrals_q(user))
    today = timezone.localdate()
    tabs = {**INBOX_TABS, "overdue": overdue_q(today)}
    counts = partner.aggregate(**{name: Count("pk", filter=q) for name, q in tabs.items()})
    selected = partner.filter(tabs["overdue"] if tab == "overdue" else INBOX_TABS.get(tab, INBOX_TABS["new"]))
    return _overdue_first(selected).values_list("pk", flat=True), counts


def inbox_rows(ids) -> list[Referral]:
    """The rows of one page of the inbox, in the order of `ids`."""
    ids = list(ids)
    rows = _overdue_first(Referral.objects.filter(pk__in=ids)).select_related(*REFERRAL_LIST_RELATED)
    by_id = {row.pk: row for row in rows.defer(*REFERRAL_LIST_DEFERRED)}
    return [by_id[pk] for pk in ids if pk in by_id]


def age_band(age: int | None) -> str:
    if age is None:
        return ""
    for upper, label in ((2, "0–2"), (6, "3–6"), (9, "7–9"), (13, "10–13"), (17, "14–17")):
        if age <= upper:
            return label
    return "18+"


def referral_card(referral: Referral) -> dict:
    """The minimal card a partner sees before accepting: no names, no contacts, no narrative."""
    today = timezone.localdate()
    member = referral.member
    if member is None or member.relation != Relation.CHILD:
        children = [m for m in referral.case.members.all() if m.relation == Relation.CHILD]
        member = min(children, key=lambda m: m.age_on(today) or 99, default=None)
    return {
        "category": referral.category,
        "district": referral.case.district,
        "child_age_band": age_band(member.age_on(today)) if member else "",
        "urgency": referral.get_urgency_display(),
        "needed_by": referral.needed_by,
        "respond_by": referral.respond_by,
    }


def referral_personal(referral: Referral, categories: frozenset) -> dict:
    """The personal blocks of a referral the given consent categories allow, and the fields actually shown."""
    case = referral.case
    shown: dict = {}
    fields: list[str] = []
    person = referral.member
    if DataCategory.CONTACTS in categories:
        people = [person] if person else [m for m in case.members.all() if m.relation != Relation.CHILD][:1]
        shown["contacts"] = [
            {"name": m.full_name, "relation": m.get_relation_display(), "phone": m.phone} for m in people
        ]
        fields += ["member.full_name", "member.phone"]
    if DataCategory.ADDRESS in categories:
        shown["address"] = (person.address if person and person.address else "") or case.address
        fields.append("case.address")
    if DataCategory.COMPOSITION in categories:
        today = timezone.localdate()
        shown["composition"] = [
            {"name": m.full_name, "relation": m.get_relation_display(), "age": m.age_on(today)}
            for m in case.members.all()
        ]
        fields += ["member.full_name", "member.birth_date"]
    if DataCategory.SOCIAL in categories:
        shown["narrative"] = referral.narrative
        fields.append("referral.narrative")
    if DataCategory.HEALTH in categories and referral.health_notes:
        shown["health_notes"] = referral.health_notes
        fields.append("referral.health_notes")
    if DataCategory.EDUCATION in categories and referral.education_notes:
        shown["education_notes"] = referral.education_notes
        fields.append("referral.education_notes")
    return {"blocks": shown, "fields": sorted(set(fields))}


def partner_candidates(*, category, case: FamilyCase, limit: int = 20) -> list[dict]:
    """Partners that offer this kind of help and accept referrals, nearest to the family's district first.

    Uses the directory's search service, as the public site does, then keeps network partners only.
    """
    centre = Settlement.objects.filter(municipality=case.district).order_by("-kind", "name").first()
    near = GeoPoint(float(centre.latitude), float(centre.longitude), label=centre.name) if centre else None
    results = search(filters={"category": [category.code]}, near=near, per_page=200)
    seen, candidates = set(), []
    for hit in with_rows(results.hits):  # the models, read for the page at once
        sal = hit.service_at_location
        service, organization = sal.service, sal.service.organization
        if not (service.accepts_referrals and organization.is_network_partner) or organization.pk in seen:
            continue
        seen.add(organization.pk)
        candidates.append({"organization": organization, "service": service, "distance_km": hit.distance_km})
        if len(candidates) >= limit:
            break
    return candidates


def curators_of(organization_id: int):
    """Curators a case can be given to: deactivated accounts are left out."""
    return policy.curators(organization_id)


def case_stages(case: FamilyCase) -> list[dict]:
    """The stages of the procedure (001, algorithms I–VII) with the date each was reached, for the case page.

    `action` names the one-button mark of a stage still open (views.case_stage), shown when the user may take it.
    """
    programmes = list(case.programmes.all())
    approved = [p for p in programmes if p.status == ProgrammeStatus.APPROVED]
    first_approved = min((p.decided_on for p in approved if p.decided_on), default=None)
    inspections = case.inspections.count()
    measures = Measure.objects.filter(programme__in=approved[:1]) if approved else Measure.objects.none()
    marks = list(measures.values_list("status", "marked_on"))
    measure_counts = Counter(status for status, _marked in marks)
    # The stage is reached when every measure has its mark; its date is the last mark's.
    measures_done_on = (
        max(marked for _status, marked in marks) if marks and all(marked for _status, marked in marks) else None
    )
    reviews = list(
        case.agenda_items.filter(decided_at__isnull=False, kind=AgendaKind.CONTROL).values_list(
            "meeting__held_on", flat=True
        )
    )
    ended = case.status in ENDED_STATUSES
    stages = [
        {"label": _("Обращение (заявление, сообщение)"), "date": case.applied_on or case.registration_date},
        {"label": _("Куратор закреплён"), "date": case.curator_assigned_on},
        {
            "label": _("Сбор информации, первичная диагностика"),
            "date": case.assessment_done_on,
            "detail": _("актов обследования: %(n)s") % {"n": inspections},
            "action": "assessment" if case.status == CaseStatus.INTAKE and not case.assessment_done_on else None,
            "action_label": _("Отметить: информация собрана"),
        },
        {
            "label": _("Консилиум: принята на сопровождение"),
            "date": case.accepted_on,
            "detail": case.get_status_display() if case.status == CaseStatus.NOT_ACCEPTED else "",
        },
        {"label": _("ИПСС утверждена"), "date": first_approved},
        {
            "label": _("ИПСС согласована с семьёй"),
            "date": case.family_agreed_on,
            "action": "agreement" if approved and not case.family_agreed_on and not ended else None,
            "action_label": _("Семья согласна с ИПСС"),
        },
        {"label": _("Договор о сопровождении"), "date": case.contract_date},
        {
            "label": _("Мероприятия ИПСС"),
            "date": measures_done_on,
            "detail": _("выполнено %(done)s, не выполнено %(not_done)s, запланировано %(planned)s")
            % {
                "done": measure_counts.get("done", 0),
                "not_done": measure_counts.get("not_done", 0),
                "planned": measure_counts.get("planned", 0),
            }
            if approved
            else "",
        },
        {
            "label": _("Контрольные рассмотрения"),
            "date": max(reviews) if reviews else None,
            "detail": str(len(reviews)) if reviews else "—",
        },
        {
            "label": _("Прекращение сопровождения"),
            "date": case.closed_on if case.status != CaseStatus.NOT_ACCEPTED else None,
            "detail": case.get_closure_reason_display() if case.closure_reason else "",
        },
    ]
    if case.post_support_until:
        stages.append(
            {
                "label": _("Постсопровождение"),
                "date": case.removed_on,
                "detail": _("до %(date)s") % {"date": case.post_support_until.strftime("%d.%m.%Y")},
            }
        )
    stages.append(
        {
            "label": _("Снята с учёта"),
            "date": case.removed_on,
            "action": "remove" if case.status == CaseStatus.POST_SUPPORT else None,
            "action_label": _("Снять с учёта"),
        }
    )
    return stages


def with_nearest_clock(cases) -> list[FamilyCase]:
    """Cases of a list page, each with `.clock`: its deadline that needs attention first (3 queries per page)."""
    cases = list(cases)
    prefetch_related_objects(cases, "programmes", "agenda_items__meeting")
    calendar, today = Calendar(), timezone.localdate()
    for case in cases:
        case.clock = nearest(case_clocks(case, today, calendar))
    return cases
