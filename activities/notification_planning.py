"""Planning notifications: who hears about an event, on which channels, with what.

`plan_notifications` runs next to the workflow that saw the event (a local activity): it
resolves the event's audiences to people and their channels and records one
`notifications` row per (event, recipient, channel) with its notification.requested
event. Each row is then sent by activities/notification_delivery.py."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from core.settings import Settings
from domain.access import visible_documents
from domain.lifecycle import Role
from domain.notifications import (
    Audience,
    Channel,
    Notice,
    NotificationTrigger,
    PlannedNotification,
    choose_channels,
    notices_for,
    notification_id,
    tells_actor,
)
from store import notifications as notes
from store import requests as repo
from store import users
from store.models import ServiceRequest, User
from store.users import Recipient

# Audiences that are everyone holding a role (not someone related to the request).
STAFF_AUDIENCES = {
    Audience.SECURITY: Role.SECURITY,
    Audience.HEAD_SECURITY: Role.HEAD_SECURITY,
    Audience.HR: Role.HR,
}


class NotificationPlanning:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self.sessions = sessions
        self.settings = settings

    @activity.defn
    async def plan_notifications(self, trigger: NotificationTrigger) -> list[PlannedNotification]:
        notices = notices_for(trigger)
        if not notices:
            return []
        async with self.sessions.begin() as session:
            request = await repo.get(session, trigger.request_id) if trigger.request_id else None
            if trigger.request_id and request is None:
                return []
            subject = await self._subject(session, trigger, request)
            planned: list[PlannedNotification] = []
            for notice in notices:
                for user, chat_id in await self._audience(session, notice, trigger, request):
                    if str(user.id) == trigger.actor_id and not tells_actor(trigger.event_type):
                        continue
                    context = (
                        self._context(trigger, request, user, subject)
                        if request is not None
                        else self._person_context(trigger, user, subject)
                    )
                    planned.extend(self._messages(notice, trigger, user, chat_id, context))
            await notes.record_planned(session, planned, trigger.event_id, trigger.occurred_at)
            # An earlier attempt may have planned for people this one did not find (a
            # manager deactivated meanwhile): deliver everything ever planned for it.
            rows = await notes.planned_for(session, trigger.event_id)
            # Ids only: the delivery reads the message from its row, so workflow history
            # does not carry a copy of every context (a breach may reach many managers).
            return [
                replace(notes.to_planned(row, trigger.trace_id), context={}, address="")
                for row in rows
            ]

    @staticmethod
    async def _subject(
        session: AsyncSession, trigger: NotificationTrigger, request: ServiceRequest | None
    ) -> User | None:
        """Whom a notice is about: the request's assignee, or the executor being verified."""
        if request is not None:
            return await users.get(session, request.assignee_id) if request.assignee_id else None
        if trigger.executor_id:
            return await users.get(session, uuid.UUID(trigger.executor_id))
        return None

    @staticmethod
    async def _audience(
        session: AsyncSession,
        notice: Notice,
        trigger: NotificationTrigger,
        request: ServiceRequest | None,
    ) -> list[Recipient]:
        if notice.audience == Audience.EXECUTOR:
            assignee = request.assignee_id if request is not None else None
            executor = trigger.executor_id or (str(assignee or "") or None)
            if executor is None:
                return []
            return await users.recipient(session, uuid.UUID(executor))
        if notice.audience == Audience.RELEASED_EXECUTOR:
            released = trigger.data.get("released_executor_id")
            return await users.recipient(session, uuid.UUID(str(released))) if released else []
        if notice.audience in STAFF_AUDIENCES:
            return await users.active_with_role(session, STAFF_AUDIENCES[notice.audience])
        if request is None:
            return []  # customers and managers hear about requests only
        if notice.audience == Audience.CUSTOMER:
            return await users.recipient(session, request.customer_id)
        # "Its manager": whoever assigned the request last, while still active staff. A
        # request nobody has assigned yet concerns every manager on the queue.
        if notice.audience == Audience.MANAGERS and (
            manager := await repo.assigned_last_by(session, request.id)
        ):
            return await users.recipient(session, manager)
        role = Role.MANAGER if notice.audience == Audience.MANAGERS else Role.HEAD_MANAGER
        return await users.active_with_role(session, role)

    def _person_context(
        self, trigger: NotificationTrigger, user: User, executor: User | None
    ) -> dict[str, Any]:
        executor_id = trigger.executor_id or ""
        return {
            "recipient": {"name": user.full_name, "role": user.role},
            "request": None,
            "executor": {"id": executor_id, "name": executor.full_name if executor else ""},
            "event": {
                "type": trigger.event_type,
                "occurred_at": trigger.occurred_at.isoformat(),
                "reason": trigger.data.get("reason") or None,
                "data": {
                    "verified_until": trigger.data.get("verified_until"),
                    "failed_checks": list(trigger.data.get("failed_checks", [])),
                    "not_checked": list(trigger.data.get("not_checked", [])),
                    "round": int(trigger.data.get("round", 0)),
                },
            },
            "links": {
                "request": None,
                "verification": f"{self._public_url}/executors/{executor_id}/verification",
            },
        }

    @staticmethod
    def _messages(
        notice: Notice,
        trigger: NotificationTrigger,
        user: User,
        chat_id: int | None,
        context: dict[str, Any],
    ) -> list[PlannedNotification]:
        channels = choose_channels(
            user.role, user.notification_channels, telegram_linked=chat_id is not None
        )
        return [
            PlannedNotification(
                notification_id=notification_id(trigger.event_id, notice.kind, str(user.id), ch),
                kind=notice.kind.value,
                channel=ch.value,
                recipient_id=str(user.id),
                address=str(chat_id) if ch == Channel.TELEGRAM else user.email,
                locale=user.locale,
                request_id=trigger.request_id,
                context=context,
                trace_id=trigger.trace_id,
            )
            for ch in channels
        ]

    def _context(
        self,
        trigger: NotificationTrigger,
        request: ServiceRequest,
        user: User,
        assignee: User | None,
    ) -> dict[str, Any]:
        view = repo.to_view(request)
        data = {k: v for k, v in trigger.data.items() if k != "reason"}
        if "documents" in data:  # each recipient hears only of what they may download
            allowed = visible_documents(Role(user.role))
            data["documents"] = [
                {**d, "url": f"{self._public_url}/requests/{view.id}/documents/{d['id']}"}
                for d in data["documents"]
                if d.get("kind") in allowed
            ]
        return {
            "recipient": {"name": user.full_name, "role": user.role},
            "request": {
                "id": view.id,
                "short_id": view.id[:8],
                "category": view.category,
                "description": view.description,
                "address": view.address,
                "state": view.state,
                "budget": view.budget,
                "window_start": _iso(view.window_start),
                "window_end": _iso(view.window_end),
                "report": view.report,
                "assignee_name": assignee.full_name if assignee else None,
            },
            "event": {
                "type": trigger.event_type,
                "occurred_at": trigger.occurred_at.isoformat(),
                "reason": trigger.data.get("reason"),
                "data": data,
            },
            "links": {
                "request": f"{self._public_url}/requests/{view.id}",
                "confirm": None,  # signed at delivery time, never stored
            },
        }

    @property
    def _public_url(self) -> str:
        return self.settings.notifications.public_url.rstrip("/")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
