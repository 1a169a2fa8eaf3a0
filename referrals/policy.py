"""The confidentiality policy: every rule about who may see or do what in the workspace, and nothing else.

Views, querysets, exports and services ask here; no other module decides access. Three questions:

* `cases_for(user)` / `referrals_for(user)`: which records a user may open at all (everything else is 404);
* `can(user, action, obj)`: may the user take this action on this record (otherwise 403);
* `shared_categories(user, referral)`: which personal data categories the user may see on a referral.

Sides: the *case side* is the organisation that supports the family (its curator, its head); the *partner
side* is the organisation a referral is addressed to (its intake, its head, the assigned specialist).
Coordinators see aggregated figures only; administrators manage users and read their organisation's access log
and security events, never cases. The whole network's log is for the network auditor alone.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from .codes import CaseStatus, DataCategory, Role
from .models import AccessLog, Consent, FamilyCase, HelpRequest, Membership, Referral, SecurityEvent
from .states import ACTIONS, UNLOCKED_STATES, State

ALL_CATEGORIES = frozenset(DataCategory.values)
NO_CATEGORIES = frozenset()


# -- Who is who ------------------------------------------------------------------------------------------------


def memberships(user) -> dict[str, set[int]]:
    """Role → organisation ids of the user's active memberships (cached on the user object per request)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    cached = getattr(user, "_referral_memberships", None)
    if cached is None:
        cached = {}
        rows = Membership.objects.filter(user=user, is_active=True, organization__is_network_partner=True)
        for role, org_id in rows.values_list("role", "organization_id"):
            cached.setdefault(role, set()).add(org_id)
        user._referral_memberships = cached
    return cached


def orgs_with(user, *roles: str) -> set[int]:
    found = set()
    for role in roles:
        found |= memberships(user).get(role, set())
    return found


def has_role(user, *roles: str) -> bool:
    return bool(orgs_with(user, *roles))


def is_workspace_user(user) -> bool:
    return bool(memberships(user))


def staff(organization_id: int, *roles: str):
    """Active users holding an active membership of the organisation in one of the roles."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__organization_id=organization_id,
            memberships__role__in=roles,
            memberships__is_active=True,
        )
        .distinct()
    )


def heads(organization_id: int):
    """Who answers for the organisation: escalations go to them."""
    return staff(organization_id, Role.HEAD)


def curators(organization_id: int):
    """Curators a case can be given to (deactivated accounts left out)."""
    return staff(organization_id, Role.CURATOR).order_by("last_name", "username")


def intake_staff(organization_id: int):
    """Those who answer for a partner organisation: its intake, or its head when it has no intake."""
    users = staff(organization_id, Role.PARTNER_INTAKE)
    return users if users.exists() else heads(organization_id)


def head_organizations(user) -> set[int]:
    return orgs_with(user, Role.HEAD)


def case_organizations(user) -> set[int]:
    """Organisations in which the user may open cases (curator or head)."""
    return orgs_with(user, Role.CURATOR, Role.HEAD)


# -- What may be opened ----------------------------------------------------------------------------------------


def cases_for(user):
    """Family cases the user may open: a curator their own, a head those of their organisation."""
    query = Q(pk__in=[])
    curator_orgs = orgs_with(user, Role.CURATOR)
    if curator_orgs:
        query |= Q(curator=user, organization_id__in=curator_orgs)
    head_orgs = orgs_with(user, Role.HEAD)
    if head_orgs:
        query |= Q(organization_id__in=head_orgs)
    return FamilyCase.objects.filter(query)


def partner_referrals_q(user) -> Q:
    query = Q(pk__in=[])
    intake_orgs = orgs_with(user, Role.PARTNER_INTAKE, Role.HEAD)
    if intake_orgs:
        query |= Q(organization_id__in=intake_orgs)
    specialist_orgs = orgs_with(user, Role.PARTNER_SPECIALIST)
    if specialist_orgs:
        query |= Q(organization_id__in=specialist_orgs, assignee=user)
    # A draft is the curator's own business until it is sent.
    return query & ~Q(status=State.DRAFT)


def referrals_for(user):
    """Referrals the user may open: those of their cases, and those addressed to their organisation."""
    case_side = Q(case__in=cases_for(user).values("pk"))
    return Referral.objects.filter(case_side | partner_referrals_q(user))


def is_case_side(user, case: FamilyCase) -> bool:
    if case.organization_id in orgs_with(user, Role.HEAD):
        return True
    return case.curator_id == user.pk and case.organization_id in orgs_with(user, Role.CURATOR)


def is_partner_side(user, referral: Referral) -> bool:
    if referral.status == State.DRAFT:
        return False
    if referral.organization_id in orgs_with(user, Role.PARTNER_INTAKE, Role.HEAD):
        return True
    return referral.assignee_id == user.pk and referral.organization_id in orgs_with(user, Role.PARTNER_SPECIALIST)


def is_curator_of(user, organization_id: int) -> bool:
    return organization_id in orgs_with(user, Role.CURATOR)


def is_head_of(user, organization_id: int) -> bool:
    return organization_id in orgs_with(user, Role.HEAD)


def is_partner_staff(user, organization_id: int) -> bool:
    """May be named the specialist of a referral addressed to this organisation."""
    return organization_id in orgs_with(user, Role.PARTNER_SPECIALIST, Role.PARTNER_INTAKE, Role.HEAD)


def is_partner_manager(user, referral: Referral) -> bool:
    """Intake and the head of the receiving organisation answer for it (accept, decline, assign)."""
    return referral.status != State.DRAFT and referral.organization_id in orgs_with(
        user, Role.PARTNER_INTAKE, Role.HEAD
    )


# -- Consent ---------------------------------------------------------------------------------------------------


def active_consent(case: FamilyCase, organization_id: int, day=None) -> Consent | None:
    """The newest consent valid today that covers this organisation, or None."""
    day = day or timezone.localdate()
    consents = case.consents.filter(signed_on__lte=day, expires_on__gte=day, withdrawn_on__isnull=True).filter(
        Q(all_partners=True) | Q(organizations__pk=organization_id)
    )
    return consents.order_by("-signed_on", "-id").first()


def consent_categories(consent: Consent | None) -> frozenset:
    if consent is None:
        return NO_CATEGORIES
    categories = set(consent.data_categories) & ALL_CATEGORIES
    if not consent.health_written:
        categories.discard(DataCategory.HEALTH)
    return frozenset(categories)


def partner_access_open(referral: Referral, now=None) -> bool:
    if referral.status not in UNLOCKED_STATES:
        return False
    if referral.closed_at is None:
        return True
    now = now or timezone.now()
    return now <= referral.closed_at + timedelta(days=settings.REFERRAL_PARTNER_ACCESS_DAYS)


def shared_categories(user, referral: Referral) -> frozenset:
    """Personal data categories the user may see on this referral (the case side sees all)."""
    if is_case_side(user, referral.case):
        return ALL_CATEGORIES
    if not is_partner_side(user, referral) or not partner_access_open(referral):
        return NO_CATEGORIES
    return consent_categories(active_consent(referral.case, referral.organization_id))


# -- What may be done ------------------------------------------------------------------------------------------


def _curator_transition(user, referral):
    return is_case_side(user, referral.case) and not referral.case.is_closed


def _partner_manager_transition(user, referral):
    return is_partner_manager(user, referral)


def _partner_worker_transition(user, referral):
    return is_partner_manager(user, referral) or (is_partner_side(user, referral) and referral.assignee_id == user.pk)


def _case_open_side(user, case):
    return is_case_side(user, case) and not case.is_closed


def _referral_unlocked(user, referral):
    """Messages and attachments carry personal data: the case side, or a partner after acceptance while the
    family's consent covers it."""
    if is_case_side(user, referral.case):
        return True
    return bool(shared_categories(user, referral))


def _in_post_support(user, case):
    return is_case_side(user, case) and case.status == CaseStatus.POST_SUPPORT


def _meeting_head(user, meeting):
    return is_head_of(user, meeting.organization_id)


RULES = {
    # Family cases (organisation-level rules take the organisation's id)
    "case.open": lambda user, organization_id: organization_id in orgs_with(user, Role.CURATOR, Role.HEAD),
    "case.assign": lambda user, organization_id: is_head_of(user, organization_id),
    "caseload.override": lambda user, organization_id: is_head_of(user, organization_id),
    "case.view": lambda user, case: is_case_side(user, case),
    "case.edit": _case_open_side,
    "case.close": _case_open_side,
    "case.remove": _in_post_support,
    "case.reassign": lambda user, case: is_head_of(user, case.organization_id) and not case.is_closed,
    "case.print": lambda user, case: is_case_side(user, case),
    "consent.add": _case_open_side,
    "consent.withdraw": _case_open_side,
    "programme.edit": _case_open_side,
    "programme.decide": lambda user, case: is_head_of(user, case.organization_id) and not case.is_closed,
    "measure.mark": lambda user, case: is_case_side(user, case) and case.status == CaseStatus.ON_SUPPORT,
    "inspection.add": _case_open_side,
    "postsupport.add": _in_post_support,
    # The consilium: the head of the organisation convenes it and writes the protocol; its curators see the
    # meetings and, on them, only their own cases.
    "consilium.list": lambda user, organization_id=None: has_role(user, Role.HEAD, Role.CURATOR),
    "consilium.manage": lambda user, organization_id: is_head_of(user, organization_id),
    "consilium.view": lambda user, meeting: meeting.organization_id in orgs_with(user, Role.HEAD, Role.CURATOR),
    "consilium.edit": _meeting_head,
    "consilium.decide": _meeting_head,
    "consilium.print": _meeting_head,
    "registers.view": lambda user, obj=None: has_role(user, Role.HEAD),
    "referral.create": _case_open_side,
    # Referrals
    "referral.view": lambda user, referral: is_case_side(user, referral.case) or is_partner_side(user, referral),
    "referral.print": lambda user, referral: is_case_side(user, referral.case) or is_partner_side(user, referral),
    "referral.send": _curator_transition,
    "referral.cancel": _curator_transition,
    "referral.accept": _partner_manager_transition,
    "referral.decline": _partner_manager_transition,
    "referral.assign": lambda user, referral: (
        is_partner_manager(user, referral) and referral.status in (State.ACCEPTED, State.IN_PROGRESS)
    ),
    "referral.start": _partner_worker_transition,
    "referral.complete": _partner_worker_transition,
    "referral.not_complete": _partner_worker_transition,
    "referral.message": _referral_unlocked,
    "referral.feedback": lambda user, referral: is_case_side(user, referral.case),
    "referral.attachment": _referral_unlocked,
    # Organisation-wide
    "helprequests.view": lambda user, obj=None: has_role(user, Role.CURATOR, Role.HEAD),
    # The access log and the security events: heads and administrators those of their organisation, the network
    # auditor the whole network's, on a page of its own whose every opening is a SecurityEvent.
    "securitylog.view": lambda user, obj=None: has_role(user, Role.ADMIN, Role.AUDITOR),
    "accesslog.view": lambda user, obj=None: has_role(user, Role.HEAD, Role.ADMIN, Role.AUDITOR),
    "accesslog.network": lambda user, obj=None: has_role(user, Role.AUDITOR),
    "reports.view": lambda user, obj=None: has_role(user, Role.COORDINATOR, Role.HEAD, Role.ADMIN),
    "partner.inbox": lambda user, obj=None: has_role(user, Role.PARTNER_INTAKE, Role.PARTNER_SPECIALIST, Role.HEAD),
    "curator.desk": lambda user, obj=None: has_role(user, Role.CURATOR, Role.HEAD),
    "head.dashboard": lambda user, obj=None: has_role(user, Role.HEAD),
}

# The organisation-wide rules (no object): menus and the home page show what they allow.
WORKSPACE_RULES = (
    "curator.desk",
    "head.dashboard",
    "partner.inbox",
    "helprequests.view",
    "consilium.list",
    "registers.view",
    "reports.view",
    "accesslog.view",
    "accesslog.network",
    "securitylog.view",
)

# The rules that take a family case (the case page shows its actions by them).
CASE_RULES = (
    "case.view",
    "case.edit",
    "case.close",
    "case.remove",
    "case.reassign",
    "case.print",
    "consent.add",
    "programme.edit",
    "programme.decide",
    "measure.mark",
    "inspection.add",
    "postsupport.add",
    "referral.create",
)

# Every referral state action has a rule (checked by tests/referrals/test_permission_matrix.py).
TRANSITION_RULES = {code: f"referral.{code}" for code in ACTIONS if code != "expire"}


def can(user, action: str, obj=None) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    rule = RULES[action]
    return bool(rule(user, obj))


def can_transition(user, referral: Referral, action_code: str) -> bool:
    rule = TRANSITION_RULES.get(action_code)
    return rule is not None and can(user, rule, referral)


def help_requests_for(user):
    """Requests from the public site addressed to the user's organisation (curators and heads)."""
    return HelpRequest.objects.filter(organization_id__in=orgs_with(user, Role.CURATOR, Role.HEAD))


LOG_ROLES = (Role.HEAD, Role.ADMIN, Role.AUDITOR)


def access_log_scope(user, *, network: bool = False):
    """Access-log rows a user may read. A head or an administrator: those of their organisation — read by its
    staff acting for it, or about its cases; another organisation's rows never, whatever the role. The whole
    network's rows only in the network view, and only for the network auditor."""
    if network:
        return AccessLog.objects.all() if can(user, "accesslog.network") else AccessLog.objects.none()
    if not can(user, "accesslog.view"):
        return AccessLog.objects.none()
    orgs = orgs_with(user, *LOG_ROLES)
    return AccessLog.objects.filter(Q(organization_id__in=orgs) | Q(case__organization_id__in=orgs))


def security_events_scope(user, *, network: bool = False):
    """Security events a user may read: an administrator those of the people of their organisation (any
    membership, past or present: as the user, as the one who acted, or by username when the account is gone);
    the network auditor, in the network view, all of them."""
    if network:
        return SecurityEvent.objects.all() if can(user, "accesslog.network") else SecurityEvent.objects.none()
    if not can(user, "securitylog.view"):
        return SecurityEvent.objects.none()
    people = Membership.objects.filter(organization_id__in=orgs_with(user, Role.ADMIN, Role.AUDITOR)).values("user_id")
    usernames = get_user_model().objects.filter(pk__in=people).values("username")
    return SecurityEvent.objects.filter(Q(user_id__in=people) | Q(actor_id__in=people) | Q(username__in=usernames))


def register_cases(user):
    """The cases in the registers (журналы первичного и ведомственного учёта) a user keeps: every case of the
    organisations the user heads, and none for anyone else (a curator who is also a head elsewhere sees only those)."""
    return FamilyCase.objects.filter(organization_id__in=orgs_with(user, Role.HEAD))
