"""The referral state machine under random sequences of actions by random actors (hypothesis stateful).

No invalid transition succeeds; every successful one writes exactly one event; a refused one writes none.
"""

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from referrals import clocks, policy, services
from referrals.models import ReferralEvent
from referrals.states import ACTIONS, CLOSED_STATES, FHIR_TASK_STATUS, State, is_valid

ACTORS = ["curator", "intake", "specialist", "other_intake", "head"]
DATA = {
    "decline": {"decline_reason": "no_capacity"},
    "complete": {"outcome": "provided"},
    "not_complete": {"not_completed_reason": "unreachable"},
}


def test_every_state_maps_to_a_fhir_task_status():
    assert set(FHIR_TASK_STATUS) == set(State)
    assert set(FHIR_TASK_STATUS.values()) <= {
        "draft",
        "requested",
        "received",
        "accepted",
        "rejected",
        "ready",
        "cancelled",
        "in-progress",
        "on-hold",
        "failed",
        "completed",
        "entered-in-error",
    }


def test_closed_states_have_no_way_out():
    for action in ACTIONS.values():
        assert not (action.sources & CLOSED_STATES), action.code


@pytest.mark.django_db
def test_random_action_sequences(network):
    class ReferralMachine(RuleBasedStateMachine):
        @initialize()
        def new_referral(self):
            self.referral = network.new_referral()
            self.state = State.DRAFT
            self.events = self.referral.events.count()

        @rule(action=st.sampled_from([code for code in ACTIONS if code != "expire"]), actor=st.sampled_from(ACTORS))
        def act(self, action, actor):
            user = network.users[actor]
            self.referral.refresh_from_db()
            allowed = is_valid(action, self.state) and policy.can_transition(user, self.referral, action)
            try:
                services.referral_transition(user=user, referral=self.referral, action=action, **DATA.get(action, {}))
            except services.ServiceError:
                assert not allowed, f"{actor} could not {action} from {self.state}"
                assert self.referral.events.count() == self.events
                return
            assert allowed, f"{actor} did {action} from {self.state}"
            self.state = ACTIONS[action].target
            self.events += 1
            last = self.referral.events.order_by("-id").first()
            assert (last.action, last.to_status, last.actor_id) == (action, self.state, user.pk)

        @invariant()
        def history_matches(self):
            if hasattr(self, "referral"):
                self.referral.refresh_from_db()
                assert self.referral.status == self.state
                assert self.referral.events.count() == self.events

    run_state_machine_as_test(
        ReferralMachine,
        settings=settings(
            max_examples=25, stateful_step_count=12, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )


def test_events_are_append_only(network):
    referral = network.new_referral()
    event = referral.events.get()
    event.note = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    assert ReferralEvent.objects.filter(pk=event.pk, note="").exists()


def test_unanswered_referrals_expire_after_working_days(network):
    import datetime

    from django.utils import timezone

    referral = network.new_referral(steps=[("curator", "send", {})])
    assert referral.respond_by > timezone.localdate()
    assert referral.respond_by.weekday() < 5
    assert services.expire_overdue(referral.respond_by) == 0
    assert services.expire_overdue(referral.respond_by + datetime.timedelta(days=1)) == 1
    referral.refresh_from_db()
    assert referral.status == State.EXPIRED
    assert referral.events.order_by("-id").first().actor is None


def test_working_days_skip_weekends_and_holidays(db):
    import datetime

    from directory.models import Holiday

    friday = datetime.date(2031, 1, 3)
    assert friday.weekday() == 4
    assert clocks.add_working_days(friday, 1) == datetime.date(2031, 1, 6)
    Holiday.objects.get_or_create(date=datetime.date(2031, 1, 6), defaults={"name": "test"})
    assert clocks.add_working_days(friday, 1) == datetime.date(2031, 1, 7)


def test_code_lists_are_documented():
    from pathlib import Path

    from referrals import codes

    document = (Path(__file__).resolve().parents[2] / "docs" / "referrals.md").read_text()
    enums = [
        State,
        codes.CaseStatus,
        codes.MeasureStatus,
        codes.AgendaKind,
        codes.Decision,
        codes.DataCategory,
        codes.Role,
    ]
    for enum in enums:
        for member in enum:
            assert f"`{member.value}`" in document, f"{enum.__name__}.{member.name} missing in docs/referrals.md"
    for state, fhir in FHIR_TASK_STATUS.items():
        assert f"| `{state.value}` | {state.label} | `{fhir}` |" in document
