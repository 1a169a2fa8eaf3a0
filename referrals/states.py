"""The referral state machine: states, the actions that move between them, and the FHIR `Task` mapping.

draft → sent → accepted | declined → in progress → completed | not completed;
cancelled by the curator before completion; expired when the partner does not answer by the deadline.
The mapping follows FHIR R4 `Task.status`, which eReferral profiles (e.g. 360X, NHS e-RS) use.
"""

from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    DRAFT = "draft", _("черновик")
    SENT = "sent", _("отправлено")
    ACCEPTED = "accepted", _("принято")
    DECLINED = "declined", _("отклонено")
    IN_PROGRESS = "in_progress", _("в работе")
    COMPLETED = "completed", _("выполнено")
    NOT_COMPLETED = "not_completed", _("не выполнено")
    CANCELLED = "cancelled", _("отменено")
    EXPIRED = "expired", _("срок ответа истёк")


FHIR_TASK_STATUS = {
    State.DRAFT: "draft",
    State.SENT: "requested",
    State.ACCEPTED: "accepted",
    State.DECLINED: "rejected",
    State.IN_PROGRESS: "in-progress",
    State.COMPLETED: "completed",
    State.NOT_COMPLETED: "failed",
    State.CANCELLED: "cancelled",
    State.EXPIRED: "cancelled",
}

CLOSED_STATES = frozenset({State.DECLINED, State.COMPLETED, State.NOT_COMPLETED, State.CANCELLED, State.EXPIRED})
# States in which the partner has taken the family on: personal fields (within consent) are unlocked.
UNLOCKED_STATES = frozenset({State.ACCEPTED, State.IN_PROGRESS, State.COMPLETED, State.NOT_COMPLETED})
OPEN_STATES = frozenset(set(State) - CLOSED_STATES)
# The partner has taken the family on and the work is not finished.
WORKING_STATES = frozenset({State.ACCEPTED, State.IN_PROGRESS})


def late_q(today) -> Q:
    """Taken on, and not done by the date the family needs the help."""
    return Q(status__in=WORKING_STATES, needed_by__lt=today)


def overdue_q(today) -> Q:
    """Overdue, the one definition: not answered by its response date, or late (late_q)."""
    return Q(status=State.SENT, respond_by__lt=today) | late_q(today)


@dataclass(frozen=True)
class Action:
    code: str
    label: str
    sources: frozenset
    target: State
    side: str  # "curator" or "partner" or "system": who may take it (refined by policy)


ACTIONS = {
    a.code: a
    for a in (
        Action("send", _("Отправить"), frozenset({State.DRAFT}), State.SENT, "curator"),
        Action("accept", _("Принять"), frozenset({State.SENT}), State.ACCEPTED, "partner"),
        Action("decline", _("Отклонить"), frozenset({State.SENT}), State.DECLINED, "partner"),
        Action("start", _("Начать работу"), frozenset({State.ACCEPTED}), State.IN_PROGRESS, "partner"),
        Action("complete", _("Завершить: выполнено"), frozenset({State.IN_PROGRESS}), State.COMPLETED, "partner"),
        Action(
            "not_complete",
            _("Завершить: не выполнено"),
            frozenset({State.ACCEPTED, State.IN_PROGRESS}),
            State.NOT_COMPLETED,
            "partner",
        ),
        Action(
            "cancel",
            _("Отменить"),
            frozenset({State.DRAFT, State.SENT, State.ACCEPTED, State.IN_PROGRESS}),
            State.CANCELLED,
            "curator",
        ),
        Action("expire", _("Срок ответа истёк"), frozenset({State.SENT}), State.EXPIRED, "system"),
    )
}


def allowed_actions(state: str) -> list[Action]:
    return [action for action in ACTIONS.values() if state in action.sources]


def is_valid(action_code: str, state: str) -> bool:
    action = ACTIONS.get(action_code)
    return action is not None and state in action.sources
