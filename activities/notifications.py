"""Notification activities: plan who hears about an event, then deliver each message.

`plan` runs next to the request workflow: it resolves audiences to people and their
channels and records one `notifications` row per (event, recipient, channel) with its
notification.requested event. `deliver` runs on the rate-limited notifications task
queue, once per row, and sends exactly once:

- a row already `sent`/`failed`/`unconfirmed` is not sent again (Temporal retries, a
  workflow replay, a duplicate start are all no-ops);
- the row is committed as `sending` right before the message is handed to the
  provider, so a later attempt that finds `sending` knows an earlier one died while the
  provider may already have the message: it records `unconfirmed` instead of sending a
  second copy;
- permanent failures (blocked bot, refused address) end the notification; transient
  ones are recorded and retried by Temporal with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from jinja2 import TemplateError
from redis.asyncio import Redis
from sqlalchemy import String, cast, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.heartbeats import heartbeating
from core.security import issue_action_link
from core.settings import Settings
from domain.access import visible_documents
from domain.lifecycle import STAFF_ROLES, Action, Role
from domain.notifications import (
    Audience,
    Channel,
    DeliveryOutcome,
    Kind,
    Notice,
    NotificationTrigger,
    PlannedNotification,
    choose_channels,
    notices_for,
    notification_id,
    tells_actor,
)
from notifications.email import EmailSender, OutgoingEmail, message_id_for, recipient_address
from notifications.errors import (
    DeliveryError,
    DeliveryInDoubt,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from notifications.rate_limit import Pacer
from notifications.telegram import TelegramSender, close_bot, make_bot
from notifications.templates import Templates
from store import notifications as notes
from store import requests as repo
from store.models import ExecutorProfile, Notification, RequestTransition, ServiceRequest, User

STALE_TURN_S = 0.05
# Audiences that are everyone holding a role (not someone related to the request).
STAFF_AUDIENCES = {
    Audience.SECURITY: Role.SECURITY,
    Audience.HEAD_SECURITY: Role.HEAD_SECURITY,
    Audience.HR: Role.HR,
}
UNCONFIRMED = (
    "an earlier attempt stopped after handing the message to the provider; "
    "not sent again to avoid a duplicate"
)


class NotificationActivities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        redis: Redis,
        settings: Settings,
        *,
        templates: Templates,
        email: EmailSender,
        telegram: TelegramSender,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.templates = templates
        self.email = email
        self.telegram = telegram
        # One pace per relay and per bot, whichever worker sends.
        smtp, bot = settings.smtp, settings.telegram
        self.pacers = {
            Channel.EMAIL: Pacer(
                redis, f"email:{smtp.host}:{smtp.port}", settings.notifications.email_per_s
            ),
            Channel.TELEGRAM: Pacer(
                redis, f"telegram:{bot.base_url}:{bot.token.split(':')[0]}", bot.messages_per_s
            ),
        }

    # ---- plan --------------------------------------------------------------------------

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
            rows = await session.execute(
                select(Notification)
                .where(Notification.trigger_event_id == uuid.UUID(trigger.event_id))
                .order_by(Notification.created_at, Notification.id)
            )
            # Ids only: the delivery reads the message from its row, so workflow history
            # does not carry a copy of every context (a breach may reach many managers).
            return [
                replace(notes.to_planned(row, trigger.trace_id), context={}, address="")
                for row in rows.scalars()
            ]

    @staticmethod
    async def _subject(
        session: AsyncSession, trigger: NotificationTrigger, request: ServiceRequest | None
    ) -> User | None:
        """Whom a notice is about: the request's assignee, or the executor being verified."""
        if request is not None:
            return await session.get(User, request.assignee_id) if request.assignee_id else None
        if trigger.executor_id:
            return await session.get(User, uuid.UUID(trigger.executor_id))
        return None

    async def _audience(
        self,
        session: AsyncSession,
        notice: Notice,
        trigger: NotificationTrigger,
        request: ServiceRequest | None,
    ) -> list[tuple[User, int | None]]:
        query = select(User, ExecutorProfile.telegram_chat_id).outerjoin(
            ExecutorProfile, ExecutorProfile.user_id == User.id
        )
        if notice.audience == Audience.EXECUTOR:
            assignee = request.assignee_id if request is not None else None
            executor = trigger.executor_id or (str(assignee or "") or None)
            if executor is None:
                return []
            query = query.where(User.id == uuid.UUID(executor))
        elif notice.audience in STAFF_AUDIENCES:
            query = query.where(
                User.role == STAFF_AUDIENCES[notice.audience].value, User.is_active.is_(True)
            )
        elif request is None:
            return []  # customers and managers hear about requests only
        elif notice.audience == Audience.CUSTOMER:
            query = query.where(User.id == request.customer_id)
        elif notice.audience == Audience.MANAGERS and (
            manager := await self._assigning_manager(session, request)
        ):
            query = query.where(User.id == manager)
        else:
            role = Role.MANAGER if notice.audience == Audience.MANAGERS else Role.HEAD_MANAGER
            query = query.where(User.role == role.value, User.is_active.is_(True))
        rows = await session.execute(query.order_by(User.id))
        return [(user, chat_id) for user, chat_id in rows.all()]

    @staticmethod
    async def _assigning_manager(
        session: AsyncSession, request: ServiceRequest
    ) -> uuid.UUID | None:
        """ "Its manager": whoever assigned the request last, while still active staff.
        A request nobody has assigned yet concerns every manager on the queue."""
        found = await session.execute(
            select(User.id)
            .join(RequestTransition, RequestTransition.actor_id == cast(User.id, String))
            .where(
                RequestTransition.request_id == request.id,
                RequestTransition.action == Action.ASSIGN.value,
                User.is_active.is_(True),
                User.role.in_([r.value for r in STAFF_ROLES]),
            )
            .order_by(RequestTransition.seq.desc())
            .limit(1)
        )
        return found.scalar_one_or_none()

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

    def _messages(
        self,
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

    # ---- deliver -----------------------------------------------------------------------

    @activity.defn
    async def deliver(self, item: PlannedNotification) -> DeliveryOutcome:
        # A live attempt blocked on a slow provider must not look dead to Temporal (a
        # second attempt would then find it `sending`).
        async with heartbeating():
            return await self._deliver(item)

    async def _deliver(self, planned: PlannedNotification) -> DeliveryOutcome:
        attempt = activity.info().attempt
        async with self.sessions.begin() as session:
            row = await notes.get(session, planned.notification_id, lock=True)
            if row.status in notes.FINISHED:
                return DeliveryOutcome(planned.notification_id, row.status, "already done")
            # The message itself comes from the store: workflow history carries only ids.
            item = notes.to_planned(row, planned.trace_id)
            if row.status == "sending":
                await notes.mark_failed(
                    session,
                    row,
                    item,
                    UNCONFIRMED,
                    permanent=True,
                    now=_now(),
                    attempt=attempt,
                    status="unconfirmed",
                )
                return DeliveryOutcome(item.notification_id, "unconfirmed", UNCONFIRMED)
            unlinked = await self._chat_moved(session, item)
        if unlinked:
            return await self._finish_unsent(item, PermanentDeliveryError(unlinked), attempt)
        try:
            send = await self._prepared_send(item)
        except PermanentDeliveryError as error:
            return await self._finish_unsent(item, error, attempt)
        except (TemplateError, ValueError, KeyError) as error:  # a retry renders the same
            unrenderable = PermanentDeliveryError(f"cannot render {item.kind}: {error}")
            return await self._finish_unsent(item, unrenderable, attempt)
        pacer = self.pacers[Channel(item.channel)]
        await pacer.wait_turn(_heartbeat)
        turn_at = time.monotonic()
        try:
            async with send() as hand_over:
                await self._mark_sending(item, attempt)
                if time.monotonic() - turn_at > STALE_TURN_S:
                    # Connecting or the store took long: a late send would bunch up with
                    # later turns at the provider, so this one takes a current turn.
                    await pacer.wait_turn(_heartbeat)

                async def hand_over_and_record() -> str:
                    message_id = await hand_over()
                    await self._finish_sent(item, attempt, message_id)
                    return message_id

                # A cancelled attempt (shutdown, lost heartbeat) still records what it sent.
                message_id = await asyncio.shield(hand_over_and_record())
        except DeliveryInDoubt as error:
            return await self._finish_handed_over(item, attempt, error, "unconfirmed")
        except PermanentDeliveryError as error:
            return await self._finish_handed_over(item, attempt, error, "failed")
        except TransientDeliveryError as error:
            await self._finish_handed_over(item, attempt, error, "requested")
            raise ApplicationError(
                f"{item.channel} delivery failed, will retry: {error.detail}",
                type="transient_delivery_error",
                next_retry_delay=_delay(error.retry_after_s),
            ) from None
        return DeliveryOutcome(item.notification_id, "sent", message_id)

    async def _chat_moved(self, session: AsyncSession, item: PlannedNotification) -> str:
        """A Telegram chat unlinked or moved to another executor since planning must not
        get this recipient's message; empty when the address still belongs to them."""
        if item.channel != Channel.TELEGRAM:
            return ""
        owner = await session.execute(
            select(ExecutorProfile.user_id).where(
                ExecutorProfile.telegram_chat_id == int(item.address)
            )
        )
        if str(owner.scalar_one_or_none()) != item.recipient_id:
            return "the recipient's Telegram chat was unlinked since the message was planned"
        return ""

    async def _prepared_send(
        self, item: PlannedNotification
    ) -> Callable[[], contextlib.AbstractAsyncContextManager[Callable[[], Awaitable[str]]]]:
        """Render now (a template error is permanent) and return how to send: a context
        that opens the channel (connect, authenticate) and yields the final hand-over."""
        context = self._delivery_context(item)
        if item.channel == Channel.EMAIL:
            recipient_address(item.address)  # a malformed address fails before "sending"
            rendered = self.templates.email(item.kind, item.locale, context)
            email = OutgoingEmail(
                to=item.address,
                subject=rendered.subject,
                text=rendered.text,
                html=rendered.html,
                message_id=message_id_for(item.notification_id, self.settings.smtp.sender),
            )

            @contextlib.asynccontextmanager
            async def by_email() -> AsyncIterator[Callable[[], Awaitable[str]]]:
                async with self.email.session() as smtp:
                    yield lambda: smtp.deliver(email)

            return by_email
        message = self.templates.telegram(item.kind, item.locale, context)

        @contextlib.asynccontextmanager
        async def by_telegram() -> AsyncIterator[Callable[[], Awaitable[str]]]:
            yield lambda: self.telegram.send(item.address, message)

        return by_telegram

    def _delivery_context(self, item: PlannedNotification) -> dict[str, Any]:
        context = dict(item.context)
        if item.kind == Kind.REQUEST_COMPLETED and item.request_id:
            token = issue_action_link(
                self.settings.auth,
                subject=item.recipient_id,
                request_id=item.request_id,
                action=Action.CONFIRM.value,
                ttl_s=int(self.settings.sla.auto_confirm_s) + 24 * 3600,
            )
            context["links"] = {
                **context["links"],
                "confirm": f"{self._public_url}/confirm/{token}",
            }
        return context

    @activity.defn
    async def give_up(self, item: PlannedNotification) -> DeliveryOutcome:
        """The workflow's last word when every retry of a delivery ran out of time."""
        async with self.sessions.begin() as session:
            row = await notes.get(session, item.notification_id, lock=True)
            if row.status in notes.FINISHED:
                return DeliveryOutcome(item.notification_id, row.status, "already done")
            detail = f"gave up after retrying: {row.last_error or 'no answer'}"
            # attempt 0 marks the workflow's verdict, after the activity's own attempts.
            await notes.mark_failed(
                session, row, item, detail, permanent=True, now=_now(), attempt=0
            )
        return DeliveryOutcome(item.notification_id, "failed", detail)

    async def _mark_sending(self, item: PlannedNotification, attempt: int) -> None:
        """The point of no return, taken by exactly one attempt."""
        async with self.sessions.begin() as session:
            row = await notes.get(session, item.notification_id, lock=True)
            if row.status != "requested":
                # Another attempt (one Temporal already gave up on) got here first: retry
                # later and find its outcome, rather than report this one as done.
                raise ApplicationError(
                    f"notification {item.notification_id} is {row.status} by another attempt",
                    type="delivery_contended",
                )
            notes.mark_sending(row, _now(), attempt)

    async def _finish_sent(self, item: PlannedNotification, attempt: int, message_id: str) -> None:
        async with self.sessions.begin() as session:
            row = await notes.get(session, item.notification_id, lock=True)
            if notes.owns_send(row, attempt):
                await notes.mark_sent(session, row, item, message_id, _now())

    async def _finish_handed_over(
        self, item: PlannedNotification, attempt: int, error: DeliveryError, status: str
    ) -> DeliveryOutcome:
        """After the hand-over began: only the attempt that owns the send may record."""
        async with self.sessions.begin() as session:
            row = await notes.get(session, item.notification_id, lock=True)
            if notes.owns_send(row, attempt):
                await notes.mark_failed(
                    session,
                    row,
                    item,
                    error.detail,
                    permanent=status != "requested",
                    now=_now(),
                    attempt=attempt,
                    status=status,
                )
            outcome = DeliveryOutcome(item.notification_id, row.status, error.detail)
        self._log_failure(item, status)
        return outcome

    async def _finish_unsent(
        self, item: PlannedNotification, error: PermanentDeliveryError, attempt: int
    ) -> DeliveryOutcome:
        """Before any hand-over: nothing reached the provider, the failure is final."""
        async with self.sessions.begin() as session:
            row = await notes.get(session, item.notification_id, lock=True)
            if row.status == "requested":
                await notes.mark_failed(
                    session, row, item, error.detail, permanent=True, now=_now(), attempt=attempt
                )
            outcome = DeliveryOutcome(item.notification_id, row.status, error.detail)
        self._log_failure(item, "failed")
        return outcome

    @staticmethod
    def _log_failure(item: PlannedNotification, status: str) -> None:
        activity.logger.warning(
            "notification.%s", status, extra={"notification_id": item.notification_id}
        )


@contextlib.asynccontextmanager
async def notification_activities(
    sessions: async_sessionmaker[AsyncSession], redis: Redis, settings: Settings
) -> AsyncIterator[NotificationActivities]:
    """The activities with their senders, as configured; the bot's HTTP client is closed
    when the block ends."""
    bot = make_bot(settings.telegram)
    try:
        yield NotificationActivities(
            sessions,
            redis,
            settings,
            templates=Templates(timezone=settings.time_zone),
            email=EmailSender(settings.smtp),
            telegram=TelegramSender(bot),
        )
    finally:
        await close_bot(bot)


async def _heartbeat() -> None:
    activity.heartbeat()


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _delay(seconds: float | None) -> timedelta | None:
    return timedelta(seconds=seconds) if seconds else None
