"""How each lifecycle action is reached: the workflow update that performs it, the API
route that sends it, what it carries, and whether executors press it in the bot.

One table, read by the API (its action routes), by services/requests.py (the update it
calls) and by the bot (its buttons); tests/domain/test_request_actions.py checks that it
covers every action and matches the workflow. Who may act and from which state is
domain/lifecycle.py's business, not this table's.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.lifecycle import Action


class Carries(StrEnum):
    """What an action's input holds beyond the actor."""

    NOTHING = "nothing"
    EXECUTOR = "executor"  # the executor to assign
    REASON = "reason"  # an optional reason, kept in the history
    REPORT = "report"  # the executor's report of the work done


@dataclass(frozen=True)
class ActionEntry:
    action: Action
    # The workflow update that performs it. These names are recorded in the histories of
    # requests in flight: renaming one strands them, so a new name means a new update.
    # None: only the workflow itself takes the action (a timer or a hook).
    update: str | None
    # POST /requests/{id}/<route>. Actions sharing a route are told apart by the body's
    # `outcome` (`choice` below).
    route: str | None
    carries: Carries
    summary: str
    choice: str | None = None
    bot_button: bool = False


def _by_workflow(action: Action, carries: Carries = Carries.REASON) -> ActionEntry:
    return ActionEntry(action, None, None, carries, "taken by the workflow itself")


ACTION_TABLE: tuple[ActionEntry, ...] = (
    ActionEntry(
        Action.ASSIGN, "assign", "assign", Carries.EXECUTOR, "Assign an executor (managers)"
    ),
    ActionEntry(
        Action.REASSIGN,
        "reassign",
        "reassign",
        Carries.EXECUTOR,
        "Move an assigned or accepted request to another executor; the previous one is "
        "told (managers)",
    ),
    ActionEntry(
        Action.WITHDRAW,
        "withdraw",
        "withdraw",
        Carries.REASON,
        "Take an assigned request back into the queue; a running dispatch cascade stops (managers)",
    ),
    ActionEntry(
        Action.ACCEPT,
        "accept",
        "accept",
        Carries.NOTHING,
        "Accept the job (the assigned executor, once verified)",
        bot_button=True,
    ),
    ActionEntry(
        Action.DECLINE,
        "decline",
        "decline",
        Carries.REASON,
        "Decline the job; it goes back to the queue (the assigned executor)",
        bot_button=True,
    ),
    ActionEntry(
        Action.START,
        "start",
        "start",
        Carries.NOTHING,
        "Start the work (the assigned executor)",
        bot_button=True,
    ),
    ActionEntry(
        Action.COMPLETE,
        "complete",
        "complete",
        Carries.REPORT,
        "Report the work done (the assigned executor)",
        bot_button=True,
    ),
    ActionEntry(
        Action.CONFIRM, "confirm", "confirm", Carries.NOTHING, "Confirm the work (the customer)"
    ),
    ActionEntry(
        Action.DISPUTE, "dispute", "dispute", Carries.REASON, "Dispute the work (the customer)"
    ),
    ActionEntry(
        Action.RESOLVE_REWORK,
        "resolve_rework",
        "resolve",
        Carries.REASON,
        "Resolve a dispute: rework (back to in_progress) or accept (managers)",
        choice="rework",
    ),
    ActionEntry(
        Action.RESOLVE_ACCEPT,
        "resolve_accept",
        "resolve",
        Carries.REASON,
        "Resolve a dispute: rework (back to in_progress) or accept (managers)",
        choice="accept",
    ),
    ActionEntry(
        Action.CANCEL,
        "cancel",
        "cancel",
        Carries.REASON,
        "Cancel (the customer before work starts; managers until completion)",
    ),
    _by_workflow(Action.ACCEPT_TIMEOUT),
    _by_workflow(Action.AUTO_CONFIRM),
    _by_workflow(Action.REQUEUE),
    _by_workflow(Action.VERIFICATION_REJECTED),
    _by_workflow(Action.CLOSE, Carries.NOTHING),
    _by_workflow(Action.OFFER, Carries.EXECUTOR),
)

_ENTRIES = {entry.action: entry for entry in ACTION_TABLE}


def entry_of(action: Action) -> ActionEntry:
    return _ENTRIES[action]


def update_of(action: Action) -> str:
    """The name of the workflow update that performs `action` for an actor."""
    update = entry_of(action).update
    if update is None:
        raise ValueError(f"'{action}' is taken by the workflow itself, never sent to it")
    return update


def routes() -> dict[str, tuple[ActionEntry, ...]]:
    """Each API action route and the actions it sends, in the table's order."""
    grouped: dict[str, list[ActionEntry]] = {}
    for entry in ACTION_TABLE:
        if entry.route is not None:
            grouped.setdefault(entry.route, []).append(entry)
    return {route: tuple(entries) for route, entries in grouped.items()}


BOT_ACTIONS: tuple[Action, ...] = tuple(e.action for e in ACTION_TABLE if e.bot_button)
