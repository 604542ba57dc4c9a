"""SLA policy: how long each stage may take and what happens when it does not.

Each stage has a due time and escalation tiers: at the due time the manager is told,
one step later the head manager, and (where it makes sense) one step after that the
request goes back to the queue. Accept-timeout and auto-confirm act at the due time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from domain.lifecycle import Action, State


class Sla(StrEnum):
    ASSIGN = "assign"
    ACCEPT = "accept"
    START = "start"
    COMPLETE = "complete"
    AUTO_CONFIRM = "auto_confirm"


class Escalation(StrEnum):
    NOTIFY_MANAGER = "notify_manager"
    NOTIFY_HEAD = "notify_head"
    REQUEUE = "requeue"
    ACT = "act"  # perform the stage's timeout action (accept-timeout, auto-confirm)


SLA_OF_STATE: dict[State, Sla] = {
    State.NEW: Sla.ASSIGN,
    State.ASSIGNED: Sla.ACCEPT,
    State.ACCEPTED: Sla.START,
    State.IN_PROGRESS: Sla.COMPLETE,
    State.COMPLETED: Sla.AUTO_CONFIRM,
}

TIERS: dict[Sla, tuple[Escalation, ...]] = {
    Sla.ASSIGN: (Escalation.NOTIFY_MANAGER, Escalation.NOTIFY_HEAD),
    Sla.ACCEPT: (Escalation.ACT,),
    Sla.START: (Escalation.NOTIFY_MANAGER, Escalation.NOTIFY_HEAD, Escalation.REQUEUE),
    Sla.COMPLETE: (Escalation.NOTIFY_MANAGER, Escalation.NOTIFY_HEAD),
    Sla.AUTO_CONFIRM: (Escalation.ACT,),
}

TIMEOUT_ACTION: dict[Sla, Action] = {
    Sla.ACCEPT: Action.ACCEPT_TIMEOUT,
    Sla.AUTO_CONFIRM: Action.AUTO_CONFIRM,
}


@dataclass(frozen=True)
class SlaPolicy:
    """Durations in seconds (dataclass of plain numbers so workflows can carry it)."""

    assign_s: float = 4 * 3600
    accept_s: float = 2 * 3600
    start_s: float = 24 * 3600
    complete_s: float = 72 * 3600
    auto_confirm_s: float = 48 * 3600
    escalation_step_s: float = 3600

    def duration(self, sla: Sla) -> timedelta:
        seconds = {
            Sla.ASSIGN: self.assign_s,
            Sla.ACCEPT: self.accept_s,
            Sla.START: self.start_s,
            Sla.COMPLETE: self.complete_s,
            Sla.AUTO_CONFIRM: self.auto_confirm_s,
        }[sla]
        return timedelta(seconds=seconds)

    def tier_offset(self, tier: int) -> timedelta:
        """How long after the due time tier `tier` (0-based) fires."""
        return timedelta(seconds=self.escalation_step_s * tier)
