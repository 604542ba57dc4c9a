"""What the bot does with each kind of update.

Every update starts by finding the executor bound to the chat; an unlinked chat gets
one clear answer and nothing else. Buttons and dialogs end in `RequestCommands.act`
with the executor's identity, so the lifecycle table rules here exactly as in the API.
"""

from __future__ import annotations

import io
import uuid
from contextlib import suppress
from dataclasses import dataclass
from html import escape

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bridges.telegram_bot.dialogs import Dialog, Dialogs
from bridges.telegram_bot.texts import label, locale_of, say, state_name
from domain.lifecycle import (
    Action,
    Actor,
    RequestFacts,
    Role,
    State,
    TransitionError,
    actions_available,
)
from domain.notifications import BUTTON_ACTIONS, REFRESH, Locale, button_data, parse_button_data
from services.errors import ServiceError
from services.executor_profiles import ExecutorProfiles, ProfileChange
from services.requests import RequestCommands
from services.telegram_link import CODE_LENGTH, TelegramLinks, normalize
from store import attachments, users
from store import requests as repo
from store.models import ServiceRequest, User

log = structlog.get_logger("bot")
Context = ContextTypes.DEFAULT_TYPE
MAX_PHOTO_BYTES = 10 * 1024 * 1024
# The same limits as the API's reason and report fields.
MAX_REASON = 1000
MAX_REPORT = 4000


@dataclass(frozen=True)
class Executor:
    user: User

    @property
    def id(self) -> str:
        return str(self.user.id)

    @property
    def locale(self) -> Locale:
        return locale_of(self.user.locale)

    @property
    def actor(self) -> Actor:
        return Actor(self.id, Role.EXECUTOR)


class ExecutorBot:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        links: TelegramLinks,
        dialogs: Dialogs,
        commands: RequestCommands,
    ) -> None:
        self.sessions = sessions
        self.links = links
        self.dialogs = dialogs
        self.commands = commands

    # ---- identity ----------------------------------------------------------------------

    async def _executor(self, update: Update) -> Executor | None:
        """The executor bound to this private chat; in groups nobody acts as anyone."""
        chat, sender = update.effective_chat, update.effective_user
        if chat is None or chat.type != "private" or sender is None or sender.id != chat.id:
            return None
        user = await self.links.executor_of_chat(chat.id)
        return Executor(user) if user is not None else None

    async def _not_linked(self, update: Update) -> None:
        locale = locale_of(update.effective_user.language_code if update.effective_user else None)
        if update.callback_query is not None:
            await update.callback_query.answer(say("not_linked", locale), show_alert=True)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(say("not_linked", locale))

    # ---- commands ----------------------------------------------------------------------

    async def start(self, update: Update, context: Context) -> None:
        """/start CODE links the chat; /start alone greets (or explains linking)."""
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None:
            return
        code = " ".join(context.args or [])
        if code and chat.type != "private":
            await message.reply_text(say("private_only", _locale_of_update(update)))
            return
        if code:
            user = await self.links.redeem(code, chat.id)
            if user is None:
                await message.reply_text(say("bad_code", _locale_of_update(update)))
                return
            log.info("bot.linked", executor_id=str(user.id), chat_id=chat.id)
            locale = locale_of(user.locale)
            await message.reply_text(
                say("linked", locale, name=user.full_name, help=say("help", locale))
            )
            return
        executor = await self._executor(update)
        if executor is None:
            await self._not_linked(update)
            return
        await message.reply_text(
            say(
                "hello",
                executor.locale,
                name=executor.user.full_name,
                help=say("help", executor.locale),
            )
        )

    async def help(self, update: Update, context: Context) -> None:
        executor = await self._executor(update)
        if executor is None or update.effective_message is None:
            await self._not_linked(update)
            return
        await update.effective_message.reply_text(say("help", executor.locale))

    async def jobs(self, update: Update, context: Context) -> None:
        executor = await self._executor(update)
        message = update.effective_message
        if executor is None or message is None:
            await self._not_linked(update)
            return
        async with self.sessions() as session:
            rows = await repo.active_for_executor(session, executor.id)
        if not rows:
            await message.reply_text(say("no_jobs", executor.locale))
            return
        lines = [say("jobs_title", executor.locale)]
        buttons = []
        for row in rows:
            short = str(row.id)[:8]
            lines.append(
                f"• <code>{short}</code> {_escape(row.category)}, {_escape(row.address)} — "
                f"{state_name(row.state, executor.locale)}"
            )
            buttons.append(
                [
                    InlineKeyboardButton(
                        f"{short} · {label(REFRESH, executor.locale)}",
                        callback_data=button_data(REFRESH, str(row.id)),
                    )
                ]
            )
        await message.reply_text(
            "\n".join(lines), parse_mode=ParseMode.HTML, reply_markup=InlineKeyboardMarkup(buttons)
        )

    async def job(self, update: Update, context: Context) -> None:
        executor = await self._executor(update)
        message = update.effective_message
        if executor is None or message is None:
            await self._not_linked(update)
            return
        if not context.args:
            await message.reply_text(say("job_usage", executor.locale))
            return
        async with self.sessions() as session:
            row = await repo.find_for_executor(session, executor.id, context.args[0])
            verified = await _verified(session, executor)
        if row is None:
            await message.reply_text(
                say("job_not_found", executor.locale, ref=context.args[0][:40])
            )
            return
        await self._show_job(message, executor, row, verified)

    async def off_duty(self, update: Update, context: Context) -> None:
        """/off: no new offers or assignments until /on (jobs held stay held)."""
        await self._set_duty(update, on=False)

    async def on_duty(self, update: Update, context: Context) -> None:
        await self._set_duty(update, on=True)

    async def _set_duty(self, update: Update, *, on: bool) -> None:
        executor = await self._executor(update)
        message = update.effective_message
        if executor is None or message is None:
            await self._not_linked(update)
            return
        change = ProfileChange({"available": on})
        await ExecutorProfiles(self.sessions).change(executor.actor, executor.id, change)
        log.info("bot.duty", executor_id=executor.id, on_duty=on)
        await message.reply_text(say("on_duty" if on else "off_duty", executor.locale))

    async def cancel(self, update: Update, context: Context) -> None:
        executor = await self._executor(update)
        chat, message = update.effective_chat, update.effective_message
        if executor is None or chat is None or message is None:
            await self._not_linked(update)
            return
        closed = await self.dialogs.close(chat.id)
        await message.reply_text(
            say("cancelled_input" if closed else "nothing_to_cancel", executor.locale)
        )

    # ---- buttons -----------------------------------------------------------------------

    async def button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None:
            return
        executor = await self._executor(update)
        if executor is None:
            await self._not_linked(update)
            return
        parsed = parse_button_data(query.data or "")
        if parsed is None:
            log.warning("bot.unknown_button", data=(query.data or "")[:64])
            await query.answer(say("unknown_button", executor.locale))
            return
        action, request_id = parsed
        if action == REFRESH:
            await query.answer()
            await self._show_current(query, executor, request_id)
            return
        if action in (Action.DECLINE, Action.COMPLETE):
            await self._open_dialog(query, executor, Action(action), request_id)
            return
        await self._act(query, executor, Action(action), request_id, key=query.id)

    async def _open_dialog(
        self, query: CallbackQuery, executor: Executor, action: Action, request_id: str
    ) -> None:
        """Decline needs a reason and complete a report: ask, unless it is already stale."""
        async with self.sessions() as session:
            row = await repo.get(session, request_id)
            verified = await _verified(session, executor)
        if row is None or not _can(row, executor, action, verified):
            await self._refuse_stale(query, executor, request_id)
            return
        chat_id = query.message.chat.id if query.message else None
        if chat_id is None:
            return
        await self.dialogs.open(chat_id, Dialog(action.value, request_id))
        await query.answer()
        prompt = "ask_reason" if action == Action.DECLINE else "ask_report"
        await context_reply(
            query, say(prompt, executor.locale, short=request_id[:8]), force_reply=True
        )

    async def _act(
        self,
        query: CallbackQuery | None,
        executor: Executor,
        action: Action,
        request_id: str,
        *,
        key: str,
        reason: str | None = None,
        report: str | None = None,
        reply_to: Message | None = None,
    ) -> bool:
        try:
            view = await self.commands.act(
                request_id,
                action,
                executor.actor,
                reason=reason,
                report=report,
                # Telegram may deliver a press twice; one update id runs once.
                idempotency_key=f"tg-{key}",
            )
        except (TransitionError, ServiceError) as error:  # refused: say why, change nothing
            if query is not None:
                await self._refuse_stale(query, executor, request_id)
            elif reply_to is not None:
                await reply_to.reply_text(
                    say("refused", executor.locale, detail=getattr(error, "message", str(error)))
                )
            return False
        log.info("bot.action", action=action.value, request_id=request_id, executor_id=executor.id)
        done = say(f"done_{action.value}", executor.locale, short=request_id[:8])
        markup = _keyboard(
            view.state, view.customer_id, view.assignee_id, executor, True, request_id
        )
        if query is not None:
            await query.answer(done)
            await _edit_keyboard(query, markup)
            if query.message is not None:
                await context_reply(query, done, markup=markup)
        elif reply_to is not None:
            await reply_to.reply_text(done, reply_markup=markup)
        return True

    async def _refuse_stale(
        self, query: CallbackQuery, executor: Executor, request_id: str
    ) -> None:
        """A button from an older message: say where the request is now, refresh buttons."""
        async with self.sessions() as session:
            row = await repo.get(session, request_id)
            verified = await _verified(session, executor)
        short = request_id[:8]
        if row is None or str(row.assignee_id) != executor.id:
            await query.answer(say("not_yours", executor.locale, short=short), show_alert=True)
            await _edit_keyboard(query, None)
            return
        await query.answer(
            say(
                "stale", executor.locale, short=short, state=state_name(row.state, executor.locale)
            ),
            show_alert=True,
        )
        await _edit_keyboard(query, _row_keyboard(row, executor, verified))

    async def _show_current(
        self, query: CallbackQuery, executor: Executor, request_id: str
    ) -> None:
        async with self.sessions() as session:
            row = await repo.get(session, request_id)
            verified = await _verified(session, executor)
        if row is None or str(row.assignee_id) != executor.id:
            return
        if isinstance(query.message, Message):
            await self._show_job(query.message, executor, row, verified)

    async def _show_job(
        self, message: Message, executor: Executor, row: ServiceRequest, verified: bool
    ) -> None:
        text = say(
            "job",
            executor.locale,
            short=str(row.id)[:8],
            state=state_name(row.state, executor.locale),
            category=_escape(row.category),
            address=_escape(row.address),
            description=_escape(row.description),
        )
        await message.reply_text(
            text, parse_mode=ParseMode.HTML, reply_markup=_row_keyboard(row, executor, verified)
        )

    # ---- free text and photos ------------------------------------------------------------

    async def text(self, update: Update, context: Context) -> None:
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or not message.text:
            return
        executor = await self._executor(update)
        if executor is None:
            # A bare code is the most natural thing to paste after getting one.
            if _looks_like_code(message.text):
                context.args = [message.text]
                await self.start(update, context)
            else:
                await self._not_linked(update)
            return
        dialog = await self.dialogs.current(chat.id)
        if dialog is None:
            await message.reply_text(
                say("unknown", executor.locale, help=say("help", executor.locale))
            )
            return
        action = Action(dialog.action)
        limit = MAX_REASON if action == Action.DECLINE else MAX_REPORT
        if len(message.text) > limit:
            await message.reply_text(say("too_long", executor.locale, limit=limit))
            return  # the dialog stays open for a shorter text
        done = await self._act(
            None,
            executor,
            action,
            dialog.request_id,
            key=f"{chat.id}-{message.message_id}",
            reason=message.text if action == Action.DECLINE else None,
            report=message.text if action == Action.COMPLETE else None,
            reply_to=message,
        )
        # A refused action ends the dialog too: the reply has said why.
        await self.dialogs.close(chat.id)
        log.info("bot.dialog_closed", action=action.value, done=done)

    async def photo(self, update: Update, context: Context) -> None:
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or not message.photo:
            return
        executor = await self._executor(update)
        if executor is None:
            await self._not_linked(update)
            return
        dialog = await self.dialogs.current(chat.id)
        if dialog is None or dialog.action != Action.COMPLETE:
            await message.reply_text(say("photo_without_job", executor.locale))
            return
        async with self.sessions() as session:
            row = await repo.get(session, dialog.request_id)
        if row is None or str(row.assignee_id) != executor.id or row.state != State.IN_PROGRESS:
            # The job moved on (cancelled, reassigned) while the executor was typing.
            await self.dialogs.close(chat.id)
            short = dialog.request_id[:8]
            state = state_name(row.state, executor.locale) if row else "—"
            await message.reply_text(say("stale", executor.locale, short=short, state=state))
            return
        largest = max(message.photo, key=lambda p: p.file_size or p.width * p.height)
        if largest.file_size and largest.file_size > MAX_PHOTO_BYTES:
            await message.reply_text(say("refused", executor.locale, detail="photo > 10 MB"))
            return
        file = await largest.get_file()
        buffer = io.BytesIO()
        await file.download_to_memory(buffer)
        async with self.sessions.begin() as session:
            attachment_id = await attachments.add_photo(
                session,
                request_id=dialog.request_id,
                uploaded_by=executor.id,
                content=buffer.getvalue(),
                caption=message.caption or "",
            )
        if attachment_id not in dialog.photos:
            dialog.photos.append(attachment_id)
        await self.dialogs.open(chat.id, dialog)
        await message.reply_text(say("photo_saved", executor.locale, count=len(dialog.photos)))

    # ---- anything else -----------------------------------------------------------------

    async def error(self, update: object, context: Context) -> None:
        """Log and go on: one bad update must never stop the bot. A pressed button still
        gets an answer, so the executor's spinner stops and they can try again."""
        log.error(
            "bot.update_failed",
            error=repr(context.error)[:500],
            update_id=getattr(update, "update_id", None),
        )
        if isinstance(update, Update) and update.callback_query is not None:
            with suppress(TelegramError):
                await update.callback_query.answer(
                    say("try_again", _locale_of_update(update)), show_alert=True
                )


# ---- helpers ---------------------------------------------------------------------------


async def _verified(session: AsyncSession, executor: Executor) -> bool:
    profile = await users.executor_profile(session, uuid.UUID(executor.id))
    return profile is not None and profile.verification_status == "verified"


def _can(row: ServiceRequest, executor: Executor, action: Action, verified: bool) -> bool:
    facts = RequestFacts(
        state=State(row.state),
        customer_id=str(row.customer_id),
        assignee_id=str(row.assignee_id) if row.assignee_id else None,
        assignee_verified=verified,
    )
    return action in actions_available(facts, executor.actor)


def _keyboard(
    state: str,
    customer_id: str,
    assignee_id: str | None,
    executor: Executor,
    verified: bool,
    request_id: str,
) -> InlineKeyboardMarkup | None:
    facts = RequestFacts(State(state), customer_id, assignee_id, verified)
    buttons = [
        InlineKeyboardButton(
            label(a.value, executor.locale), callback_data=button_data(a, request_id)
        )
        for a in actions_available(facts, executor.actor)
        if a in BUTTON_ACTIONS
    ]
    return InlineKeyboardMarkup([buttons]) if buttons else None


def _row_keyboard(
    row: ServiceRequest, executor: Executor, verified: bool
) -> InlineKeyboardMarkup | None:
    return _keyboard(
        row.state,
        str(row.customer_id),
        str(row.assignee_id) if row.assignee_id else None,
        executor,
        verified,
        str(row.id),
    )


async def _edit_keyboard(query: CallbackQuery, markup: InlineKeyboardMarkup | None) -> None:
    try:
        await query.edit_message_reply_markup(reply_markup=markup)
    except TelegramError as error:  # "message is not modified" and friends: cosmetic
        log.debug("bot.keyboard_unchanged", detail=str(error)[:200])


async def context_reply(
    query: CallbackQuery,
    text: str,
    *,
    markup: InlineKeyboardMarkup | None = None,
    force_reply: bool = False,
) -> None:
    if not isinstance(query.message, Message):
        return  # too old for Telegram to show us (inaccessible)
    await query.message.reply_text(
        text, reply_markup=ForceReply(selective=True) if force_reply else markup
    )


def _looks_like_code(text: str) -> bool:
    return len(normalize(text)) == CODE_LENGTH and len(text.strip()) <= CODE_LENGTH + 4


def _locale_of_update(update: Update) -> Locale:
    return locale_of(update.effective_user.language_code if update.effective_user else None)


def _escape(text: str) -> str:
    return escape(text, quote=False)
