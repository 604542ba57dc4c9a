"""Delivering planned notifications: each `notifications` row is sent once, through its
channel, at the channel's pace, and its status recorded.

`deliver` runs on the rate-limited notifications task queue, once per row planned by
activities/notification_planning.py, and sends exactly once:

- a row already `sent`/`failed`/`unconfirmed` is not sent again (Temporal retries, a
  workflow replay, a duplicate start are all no-ops);
- the row is committed as `sending` right before the message is handed to the
  provider, so a later attempt that finds `sending` knows an earlier one died while the
  provider may already have the message: it records `unconfirmed` instead of sending a
  second copy;
- permanent failures (blocked bot, refused address) end the notification; transient
  ones are recorded and retried by Temporal with backoff. `give_up` is the workflow's
  verdict once the retries ran out.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from jinja2 import TemplateError
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.heartbeats import heartbeating
from core.security import issue_action_link
from core.settings import Settings
from domain.lifecycle import Action
from domain.notifications import Channel, DeliveryOutcome, Kind, PlannedNotification
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
from store import users

STALE_TURN_S = 0.05
UNCONFIRMED = (
    "an earlier attempt stopped after handing the message to the provider; "
    "not sent again to avoid a duplicate"
)


class NotificationDelivery:
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
        if str(await users.owner_of_chat(session, int(item.address))) != item.recipient_id:
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

    @property
    def _public_url(self) -> str:
        return self.settings.notifications.public_url.rstrip("/")


@contextlib.asynccontextmanager
async def notification_delivery(
    sessions: async_sessionmaker[AsyncSession], redis: Redis, settings: Settings
) -> AsyncIterator[NotificationDelivery]:
    """The delivery with its senders, as configured; the bot's HTTP client is closed
    when the block ends."""
    bot = make_bot(settings.telegram)
    try:
        yield NotificationDelivery(
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


def _delay(seconds: float | None) -> timedelta | None:
    return timedelta(seconds=seconds) if seconds else None
