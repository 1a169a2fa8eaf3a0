"""Two partner users answer the same referral at the same moment: exactly one wins (PostgreSQL row locks)."""

import threading

import pytest
from django.db import connection, connections

from referrals import services
from referrals.models import Referral
from referrals.states import State

from .conftest import SEND, make_user

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row-level locking is measured on PostgreSQL (CI runs it)"
)


def answer(referral_pk, barrier, outcomes, user, action, data):
    """One partner user's click, in its own thread and database connection."""
    stale = Referral.objects.get(pk=referral_pk)  # both read «sent» before either writes
    barrier.wait()
    try:
        services.referral_transition(user=user, referral=stale, action=action, **data)
        outcomes[action] = "ok"
    except services.ServiceError as exc:
        outcomes[action] = str(exc)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_accept_and_decline_at_once_one_wins(network):
    from referrals.codes import Role
    from referrals.models import Membership

    second = make_user("t-intake-b")
    Membership.objects.create(user=second, organization=network.partner, role=Role.PARTNER_INTAKE)
    for _round in range(5):
        referral = network.new_referral(steps=[SEND])
        barrier = threading.Barrier(2)
        outcomes = {}

        threads = [
            threading.Thread(
                target=answer, args=(referral.pk, barrier, outcomes, network.users["intake"], "accept", {})
            ),
            threading.Thread(
                target=answer,
                args=(referral.pk, barrier, outcomes, second, "decline", {"decline_reason": "no_capacity"}),
            ),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        winners = [action for action, result in outcomes.items() if result == "ok"]
        assert len(winners) == 1, outcomes
        loser = next(action for action in outcomes if action not in winners)
        assert "другой сотрудник" in outcomes[loser]
        referral.refresh_from_db()
        assert referral.status == (State.ACCEPTED if winners == ["accept"] else State.DECLINED)
        assert referral.events.exclude(action__in=["create", "send"]).count() == 1
