"""Sign-in lockout of the workspace: django-axes with this handler (settings.AXES_HANDLER).

Two counters, each over the cool-off window (AXES_COOLOFF_MINUTES, 30 by default; a failure stops counting that
long after the last failure of its username and address):

- the account: failures of one username from any address — AXES_FAILURE_LIMIT (5);
- the address: failures from one address whatever the usernames — AXES_ADDRESS_FAILURE_LIMIT (15, higher: an
  office behind one NAT address shares it).

A wrong password, a wrong or throttled second-factor code and a user without a second factor are all failures of
the account (referrals.forms sends user_login_failed for the second factor). Reaching either limit locks: every
sign-in of that account, or from that address, answers the locked-out page (429) before the password is checked,
until the window has passed or an administrator unlocks (`manage.py cabinet_unlock`, or «Блокировки входа» in the
admin). Attempts during a lockout do not extend it. A successful sign-in clears the failures of its account (from
every address), never other accounts' failures from the same address.

Each lockout and each unlock is a SecurityEvent: `lockout_account` / `lockout_address` when a limit is reached,
`unlock_account` / `unlock_address` when an administrator unlocks (with the administrator as actor) or when the
window has passed (recorded at the next sign-in attempt, or by `cabinet_unlock --sweep`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from .models import SecurityEvent
from .security import client_address, record

ACCOUNT, ADDRESS = "account", "address"
LOCK_KINDS = {ACCOUNT: "lockout_account", ADDRESS: "lockout_address"}
UNLOCK_KINDS = {ACCOUNT: "unlock_account", ADDRESS: "unlock_address"}
# Lockouts older than this with no unlock recorded are not looked at again (the sweep runs at every sign-in).
OPEN_LOCKOUT_LOOKBACK = datetime.timedelta(days=30)


def account_limit() -> int:
    return get_failure_limit(None, None)


def address_limit() -> int:
    return settings.AXES_ADDRESS_FAILURE_LIMIT


def cool_off() -> datetime.timedelta:
    return get_cool_off()


def failures(scope: str, key: str, now: datetime.datetime | None = None) -> int:
    """Failures of an account (scope ACCOUNT, key the username) or an address within the cool-off window."""
    threshold = (now or timezone.now()) - cool_off()
    field = "username" if scope == ACCOUNT else "ip_address"
    rows = AccessAttempt.objects.filter(**{field: key}, attempt_time__gte=threshold)
    return rows.aggregate(total=Sum("failures_since_start"))["total"] or 0


def is_locked(scope: str, key: str, now: datetime.datetime | None = None) -> bool:
    return failures(scope, key, now) >= (account_limit() if scope == ACCOUNT else address_limit())


def scopes_of(username: str | None, address: str | None) -> list[tuple[str, str]]:
    return [(scope, key) for scope, key in ((ACCOUNT, username), (ADDRESS, address)) if key]


def locked_scopes(username: str | None, address: str | None, now=None) -> set[tuple[str, str]]:
    return {(scope, key) for scope, key in scopes_of(username, address) if is_locked(scope, key, now)}


@dataclass(frozen=True)
class Lockout:
    scope: str  # ACCOUNT or ADDRESS
    key: str  # the username or the address
    failures: int
    since: datetime.datetime  # when it was recorded (or, unrecorded, the last failure)


def current_lockouts(now=None) -> list[Lockout]:
    """Accounts and addresses locked now, from the failures within the window."""
    threshold = (now or timezone.now()) - cool_off()
    recent = AccessAttempt.objects.filter(attempt_time__gte=threshold)
    recorded = open_lockouts()
    found = []
    for scope, field, limit in ((ACCOUNT, "username", account_limit()), (ADDRESS, "ip_address", address_limit())):
        rows = (
            recent.exclude(**{f"{field}__isnull": True})
            .values(field)
            .annotate(total=Sum("failures_since_start"), last=Max("attempt_time"))
        )
        for row in rows.filter(total__gte=limit).order_by(field):
            event = recorded.get((scope, row[field]))
            found.append(Lockout(scope, row[field], row["total"], event.at if event else row["last"]))
    return found


def _event_key(event: SecurityEvent) -> tuple[str, str]:
    if event.kind in (LOCK_KINDS[ACCOUNT], UNLOCK_KINDS[ACCOUNT]):
        return ACCOUNT, event.username
    return ADDRESS, event.ip_address or ""


def open_lockouts() -> dict[tuple[str, str], SecurityEvent]:
    """Lockouts recorded with no unlock recorded after them, by (scope, key)."""
    kinds = [*LOCK_KINDS.values(), *UNLOCK_KINDS.values()]
    since = timezone.now() - OPEN_LOCKOUT_LOOKBACK
    state: dict[tuple[str, str], SecurityEvent] = {}
    for event in SecurityEvent.objects.filter(kind__in=kinds, at__gte=since).order_by("at", "id"):
        if event.kind in LOCK_KINDS.values():
            state[_event_key(event)] = event
        else:
            state.pop(_event_key(event), None)
    return state


def _record_unlock(scope: str, key: str, *, detail: str, actor=None, request=None) -> None:
    if scope == ACCOUNT:
        user = get_user_model().objects.filter(username=key).first()
        record(UNLOCK_KINDS[ACCOUNT], user=user, username=key, actor=actor, detail=detail, request=request)
    else:
        SecurityEvent.objects.create(
            kind=UNLOCK_KINDS[ADDRESS],
            ip_address=key,
            actor=actor if getattr(actor, "pk", None) else None,
            detail=detail,
        )


def record_expired_lockouts(now=None) -> int:
    """Record an unlock for every recorded lockout whose window has passed. Returns how many."""
    minutes = int(cool_off().total_seconds() // 60)
    count = 0
    for (scope, key), _event in open_lockouts().items():
        if not is_locked(scope, key, now):
            _record_unlock(scope, key, detail=f"по истечении времени: попытки старше {minutes} мин. не считаются")
            count += 1
    return count


def unlock(*, username: str = "", address: str = "", actor=None, via: str = "") -> int:
    """An administrator unlocks an account, an address or both: their failures are cleared and the unlock recorded.
    Returns how many failure records were cleared."""
    cleared = 0
    for scope, key in scopes_of(username, address):
        was_locked = is_locked(scope, key)
        count = reset(username=key) if scope == ACCOUNT else reset(ip=key)
        cleared += count
        state = "была заблокирована" if was_locked else "не была заблокирована"
        _record_unlock(
            scope, key, actor=actor, detail=f"снята администратором ({via}); {state}; сброшено записей: {count}"
        )
    return cleared


class CabinetAxesHandler(AxesDatabaseHandler):
    """AxesDatabaseHandler with a limit per group (account, address) and the lockouts recorded as SecurityEvents."""

    def get_failures(self, request, credentials=None) -> int:
        # axes compares this one number with AXES_FAILURE_LIMIT (the account limit): a group at its own limit is
        # reported at least at that limit, otherwise the account's failures are.
        username = get_client_username(request, credentials)
        address = request.axes_ip_address
        now = request.axes_attempt_time
        account = failures(ACCOUNT, username, now) if username else 0
        if locked_scopes(username, address, now):
            return max(account, account_limit())
        return min(account, account_limit() - 1)

    def is_allowed(self, request, credentials=None) -> bool:
        record_expired_lockouts()
        allowed = super().is_allowed(request, credentials)
        if not allowed:
            request.login_refused_by_lockout = True  # the security event says so (referrals.security)
        return allowed

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is None:
            return super().user_login_failed(sender, credentials, request, **kwargs)
        username = get_client_username(request, credentials)
        address = request.axes_ip_address
        before = locked_scopes(username, address)
        super().user_login_failed(sender, credentials, request, **kwargs)
        for scope, key in sorted(locked_scopes(username, address) - before):
            count = failures(scope, key)
            minutes = int(cool_off().total_seconds() // 60)
            if scope == ACCOUNT:
                detail = f"учётная запись: {count} неудачных попыток входа с любых адресов за {minutes} мин."
            else:
                detail = f"адрес: {count} неудачных попыток входа под любыми именами за {minutes} мин."
            user = get_user_model().objects.filter(username=username).first() if scope == ACCOUNT else None
            record(LOCK_KINDS[scope], user=user, username=username or "", detail=detail, request=request)

    def reset_user_attempts(self, request, credentials=None) -> int:
        # After a successful sign-in: the account's failures from every address, not other accounts' failures
        # from this address (they still count towards the address limit).
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def axes_client_address(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the same client address the security events record."""
    return client_address(request)


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the Russian locked-out page, 429, never cached. The same page whatever was locked
    (the account or the address) and whether the password given was right: it is never checked while locked."""
    minutes = int(cool_off().total_seconds() // 60)
    response = render(request, "referrals/locked_out.html", {"minutes": minutes}, status=429)
    add_never_cache_headers(response)
    return response
