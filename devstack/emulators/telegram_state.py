"""The emulated Telegram's memory and behaviour, free of HTTP: private chats with their users,
the messages on both sides, files, button presses, the bot's commands, pending updates, the
webhook, the send rate limit and the "hold" switch tests use to freeze a send mid-flight.

Bot-side operations raise BotApiError with Telegram's own status and description; user-side
(control) operations raise UnknownObject or ValueError.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import math
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from devstack.emulators.telegram_text import render
from devstack.emulators.telegram_updates import UpdateQueue, WebhookDelivery

JSONDict = dict[str, Any]

DEFAULT_BOT_USERNAME = "local_emulator_bot"
CHAT_NOT_FOUND = "chat not found"
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
# The emulator does not decode images; PTB only needs plausible sizes.
PHOTO_SIZES = ((90, 90), (800, 800))


class BotApiError(Exception):
    """A Bot API call refused the way Telegram refuses it."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {reason}")


class UnknownObject(LookupError):
    """A control call named a chat, message or callback the emulator does not have."""


@dataclass(frozen=True)
class UserInfo:
    """Who writes, as a test describes them; anything left out is made up from the chat id."""

    id: int | None = None
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None


@dataclass
class Person:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None

    def as_user(self) -> JSONDict:
        user: JSONDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        return user


@dataclass
class Chat:
    """A private chat: its id is the user's id, its name is theirs."""

    id: int
    person: Person
    blocked: bool = False
    last_action: str | None = None
    messages: dict[int, JSONDict] = field(default_factory=dict)  # as the Bot API shows them

    def as_chat(self) -> JSONDict:
        chat: JSONDict = {"id": self.id, "type": "private", "first_name": self.person.first_name}
        if self.person.last_name:
            chat["last_name"] = self.person.last_name
        if self.person.username:
            chat["username"] = self.person.username
        return chat


@dataclass
class SentMessage:
    """A message the bot sent, as the tests look at it: what the bot asked for, not how
    Telegram rendered it, plus every later edit and when the request arrived."""

    chat_id: int
    message_id: int
    text: str
    parse_mode: str | None
    reply_markup: JSONDict | None
    reply_to_message_id: int | None
    sent_at: datetime
    received_monotonic: float
    edits: list[JSONDict] = field(default_factory=list)

    def view(self) -> JSONDict:
        return {
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "text": self.text,
            "parse_mode": self.parse_mode,
            "reply_markup": self.reply_markup,
            "reply_to_message_id": self.reply_to_message_id,
            "edits": self.edits,
            "sent_at": self.sent_at.isoformat(),
            "received_monotonic": self.received_monotonic,
        }


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes

    def as_file(self) -> JSONDict:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
            "file_path": self.file_path,
        }


@dataclass
class ButtonPress:
    id: str
    chat_id: int
    message_id: int
    data: str
    answer: JSONDict | None = None


@dataclass
class Outgoing:
    """A bot message to send, already validated and rendered by the Bot API layer."""

    text: str  # as the bot sent it
    plain_text: str  # as Telegram stores it (markup parsed into entities)
    entities: list[JSONDict]
    parse_mode: str | None
    reply_markup: JSONDict | None


class _SendWindow:
    """At most `rate` sends per second on average, over a sliding window, like Telegram's
    flood control: a burst beyond it is refused with a whole number of seconds to wait."""

    def __init__(self, rate: float) -> None:
        self.capacity = max(1, math.floor(rate))
        self.window_s = self.capacity / rate
        self._times: deque[float] = deque()

    def retry_after(self, now: float) -> int | None:
        while self._times and self._times[0] <= now - self.window_s:
            self._times.popleft()
        if len(self._times) >= self.capacity:
            return max(1, math.ceil(self._times[0] + self.window_s - now))
        self._times.append(now)
        return None


class _Hold:
    """While on, sends are recorded but not answered: the test's way to have a worker die
    after Telegram took a message and before the worker learned it."""

    def __init__(self) -> None:
        self._released = asyncio.Event()
        self._released.set()
        self.waiting = 0

    @property
    def on(self) -> bool:
        return not self._released.is_set()

    def switch(self, on: bool) -> None:
        if on:
            self._released.clear()
        else:
            self._released.set()

    async def pass_through(self) -> None:
        if self._released.is_set():
            return
        self.waiting += 1
        try:
            await self._released.wait()
        finally:
            self.waiting -= 1


class TelegramEmulator:
    """One bot, its users' private chats, in memory."""

    def __init__(
        self,
        token: str,
        *,
        max_messages_per_s: float | None = None,
        bot_username: str = DEFAULT_BOT_USERNAME,
        bot_first_name: str = "Local Emulator",
    ) -> None:
        bot_id, colon, secret = token.partition(":")
        if not (colon and bot_id.isdigit() and secret):
            raise ValueError("a bot token looks like '<numeric bot id>:<secret>'")
        if max_messages_per_s is not None and max_messages_per_s <= 0:
            raise ValueError("max_messages_per_s must be positive (or None for no limit)")
        self.token = token
        self.bot_id = int(bot_id)
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.max_messages_per_s = max_messages_per_s
        self.updates = UpdateQueue()
        self.webhook = WebhookDelivery(self.updates)
        self._hold = _Hold()
        # Ids outlive reset(), so a bot that kept running never sees one reused.
        self._message_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._poll_generation = 0
        self._waiting_polls = 0
        self._closed = False
        self._clear()

    def _clear(self) -> None:
        self.chats: dict[int, Chat] = {}
        self._sent: list[SentMessage] = []
        self._files: dict[str, StoredFile] = {}
        self._presses: dict[str, ButtonPress] = {}
        self._commands: dict[str, list[JSONDict]] = {}
        self._send_window = (
            _SendWindow(self.max_messages_per_s) if self.max_messages_per_s else None
        )

    # ---- lifecycle ----------------------------------------------------------------------

    def reset(self) -> None:
        """Forget chats, messages, files, updates, the webhook and the commands."""
        self._clear()
        self.updates.drop_all()
        self.webhook.delete()
        self._hold.switch(False)

    async def close(self) -> None:
        """Answer waiting long polls and held sends now, so a server can stop quickly."""
        self._closed = True
        self._hold.switch(False)
        self.updates.changed.fire()
        await self.webhook.close()

    def accepts(self, token: str) -> bool:
        return token == self.token

    # ---- the bot's side ------------------------------------------------------------------

    def me(self) -> JSONDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    @property
    def waiting_polls(self) -> int:
        """getUpdates calls now waiting for an update (long polling)."""
        return self._waiting_polls

    async def get_updates(
        self, *, offset: int | None, limit: int, timeout_s: float
    ) -> list[JSONDict]:
        self._refuse_polling_under_webhook()
        if offset is not None:
            self.updates.confirm(offset)
        # A newer getUpdates ends an older one, as Telegram does when two bots share a token.
        self._poll_generation += 1
        generation = self._poll_generation
        self.updates.changed.fire()
        deadline = time.monotonic() + timeout_s
        self._waiting_polls += 1
        try:
            while True:
                self._refuse_polling_under_webhook()
                if generation != self._poll_generation:
                    raise BotApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; make sure that only "
                        "one bot instance is running",
                    )
                batch = self.updates.peek(limit)
                remaining = deadline - time.monotonic()
                if batch or remaining <= 0 or self._closed:
                    return copy.deepcopy(batch)
                await self.updates.changed.wait(remaining)
        finally:
            self._waiting_polls -= 1

    def _refuse_polling_under_webhook(self) -> None:
        if self.webhook.url:
            raise BotApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )

    def set_webhook(
        self,
        url: str,
        *,
        secret: str | None,
        drop_pending_updates: bool,
        max_connections: int | None,
        allowed_updates: list[str] | None,
    ) -> None:
        if drop_pending_updates:
            self.updates.drop_all()
        if not url:  # Telegram: setWebhook with an empty url removes the webhook
            self.webhook.delete()
            return
        self.webhook.set(
            url, secret=secret, max_connections=max_connections, allowed_updates=allowed_updates
        )

    def delete_webhook(self, *, drop_pending_updates: bool) -> None:
        if drop_pending_updates:
            self.updates.drop_all()
        self.webhook.delete()

    def set_commands(self, scope: str, commands: list[JSONDict]) -> None:
        self._commands[scope] = commands

    def commands(self, scope: str) -> list[JSONDict]:
        return self._commands.get(scope, [])

    def delete_commands(self, scope: str) -> None:
        self._commands.pop(scope, None)

    def chat_for_bot(self, chat_id: int) -> Chat:
        """The chat a bot call names, if the bot may write there."""
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request(CHAT_NOT_FOUND)
        if chat.blocked:
            raise BotApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    async def send_message(
        self, chat_id: int, outgoing: Outgoing, *, reply_to: int | None, reply_required: bool
    ) -> JSONDict:
        chat = self.chat_for_bot(chat_id)
        replied = chat.messages.get(reply_to) if reply_to is not None else None
        if reply_to is not None and replied is None and reply_required:
            raise bad_request("message to be replied not found")
        self._admit_send()
        message = self._bot_message(chat, outgoing, replied)
        self._sent.append(
            SentMessage(
                chat_id=chat.id,
                message_id=message["message_id"],
                text=outgoing.text,
                parse_mode=outgoing.parse_mode,
                reply_markup=outgoing.reply_markup,
                reply_to_message_id=replied["message_id"] if replied else None,
                sent_at=datetime.now(UTC),
                received_monotonic=time.monotonic(),
            )
        )
        # Recorded before the hold: Telegram has the message even if the sender never hears.
        await self._hold.pass_through()
        return copy.deepcopy(message)

    def _admit_send(self) -> None:
        if self._send_window is None:
            return
        retry_after = self._send_window.retry_after(time.monotonic())
        if retry_after is not None:
            raise BotApiError(
                429,
                f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )

    def _bot_message(self, chat: Chat, outgoing: Outgoing, replied: JSONDict | None) -> JSONDict:
        message = self._new_message(chat, self.me_as_sender(), outgoing.plain_text)
        if outgoing.entities:
            message["entities"] = outgoing.entities
        # Only an inline keyboard belongs to the message; reply keyboards belong to the chat.
        if outgoing.reply_markup and "inline_keyboard" in outgoing.reply_markup:
            message["reply_markup"] = outgoing.reply_markup
        if replied is not None:
            message["reply_to_message"] = _quoted(replied)
        chat.messages[message["message_id"]] = message
        return message

    def me_as_sender(self) -> JSONDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def edit_message(
        self,
        chat_id: int,
        message_id: int,
        *,
        outgoing: Outgoing | None,
        reply_markup: JSONDict | None,
        method: str,
    ) -> JSONDict:
        """editMessageText (outgoing given) or editMessageReplyMarkup (outgoing None).
        A markup left out removes the keyboard, as on Telegram."""
        chat = self.chat_for_bot(chat_id)
        message = chat.messages.get(message_id)
        if message is None:
            raise bad_request("message to edit not found")
        sent = self._sent_message(chat_id, message_id)
        if sent is None:
            raise bad_request("message can't be edited")
        text = outgoing.plain_text if outgoing else message.get("text")
        entities = outgoing.entities if outgoing else message.get("entities", [])
        if (text, entities, reply_markup) == (
            message.get("text"),
            message.get("entities", []),
            message.get("reply_markup"),
        ):
            raise bad_request(NOT_MODIFIED)
        _apply_edit(message, text, entities, reply_markup)
        if outgoing is not None:
            sent.text, sent.parse_mode = outgoing.text, outgoing.parse_mode
        sent.reply_markup = reply_markup
        sent.edits.append(_edit_record(method, sent))
        return copy.deepcopy(message)

    def _sent_message(self, chat_id: int, message_id: int) -> SentMessage | None:
        for sent in self._sent:
            if (sent.chat_id, sent.message_id) == (chat_id, message_id):
                return sent
        return None

    def answer_callback(self, callback_query_id: str, answer: JSONDict) -> None:
        press = self._presses.get(callback_query_id)
        if press is None or press.answer is not None:  # a second answer is refused too
            raise bad_request(QUERY_TOO_OLD)
        press.answer = {**answer, "answered_at": datetime.now(UTC).isoformat()}

    def chat_action(self, chat_id: int, action: str) -> None:
        self.chat_for_bot(chat_id).last_action = action

    def file(self, file_id: str) -> JSONDict:
        stored = self._files.get(file_id)
        if stored is None:
            raise bad_request("invalid file_id")
        return stored.as_file()

    def file_content(self, file_path: str) -> bytes | None:
        for stored in self._files.values():
            if stored.file_path == file_path:
                return stored.content
        return None

    # ---- the users' side (control API) ---------------------------------------------------

    def user_says(
        self, chat_id: int, text: str, *, user: UserInfo | None = None, reply_to: int | None = None
    ) -> tuple[int, JSONDict]:
        """A user writes to the bot; the chat is opened if it was not. (update id, message)"""
        plain, entities = render(text, None)
        if not plain:
            raise ValueError("a message needs some text")
        chat = self._open_chat(chat_id, user)
        message = self._user_message(chat, reply_to)
        message["text"] = plain
        if entities:
            message["entities"] = entities
        return self._queue_message(chat, message), message

    def user_sends_photo(
        self,
        chat_id: int,
        content: bytes,
        *,
        caption: str | None = None,
        user: UserInfo | None = None,
    ) -> tuple[int, JSONDict, str]:
        """A user sends a photo; two sizes, each with its own file id. (update id, message,
        file id of the largest size)"""
        chat = self._open_chat(chat_id, user)
        message = self._user_message(chat, None)
        message["photo"] = [self._store_photo(content, w, h) for w, h in PHOTO_SIZES]
        caption, entities = render(caption or "", None)
        if caption:
            message["caption"] = caption
        if entities:
            message["caption_entities"] = entities
        return self._queue_message(chat, message), message, message["photo"][-1]["file_id"]

    def user_presses(
        self, chat_id: int, message_id: int, data: str, *, user: UserInfo | None = None
    ) -> tuple[int, str]:
        """A user presses a button on a bot message. The data need not be one of the message's
        buttons, so tests can send stale or forged presses. (update id, callback query id)"""
        chat = self.chats.get(chat_id)
        message = chat.messages.get(message_id) if chat else None
        if chat is None or message is None or not message["from"]["is_bot"]:
            raise UnknownObject(f"no bot message {message_id} in chat {chat_id}")
        person = self._person(chat_id, user) if user else chat.person
        press = ButtonPress(
            f"{self.bot_id}{next(self._callback_ids):010d}", chat_id, message_id, data
        )
        self._presses[press.id] = press
        callback = {
            "id": press.id,
            "from": person.as_user(),
            "message": copy.deepcopy(message),
            "chat_instance": f"{chat_id}{self.bot_id}",
            "data": data,
        }
        return self.updates.push({"callback_query": callback}), press.id

    def raw_update(self, payload: JSONDict) -> int:
        """Queue anything as an update, to see the bot survive what it does not expect."""
        return self.updates.push(copy.deepcopy(payload))

    def block(self, chat_id: int, blocked: bool = True) -> None:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise UnknownObject(f"no chat {chat_id}")
        chat.blocked = blocked

    @property
    def hold(self) -> bool:
        return self._hold.on

    @hold.setter
    def hold(self, on: bool) -> None:
        self._hold.switch(on)

    @property
    def held(self) -> int:
        """Sends now waiting for the hold to be released."""
        return self._hold.waiting

    def _open_chat(self, chat_id: int, user: UserInfo | None) -> Chat:
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = self.chats[chat_id] = Chat(chat_id, self._person(chat_id, user))
        elif user is not None and user.id in (None, chat_id):
            chat.person = self._person(chat_id, user)  # the user renamed themselves
        return chat

    @staticmethod
    def _person(chat_id: int, user: UserInfo | None) -> Person:
        user = user or UserInfo()
        return Person(
            id=user.id if user.id is not None else chat_id,
            first_name=user.first_name or f"User {chat_id}",
            last_name=user.last_name,
            username=user.username,
        )

    def _user_message(self, chat: Chat, reply_to: int | None) -> JSONDict:
        replied = chat.messages.get(reply_to) if reply_to is not None else None
        if reply_to is not None and replied is None:
            raise UnknownObject(f"no message {reply_to} in chat {chat.id} to reply to")
        message = self._new_message(chat, chat.person.as_user(), None)
        if replied is not None:
            message["reply_to_message"] = _quoted(replied)
        return message

    def _new_message(self, chat: Chat, sender: JSONDict, text: str | None) -> JSONDict:
        message: JSONDict = {
            "message_id": next(self._message_ids),
            "from": sender,
            "chat": chat.as_chat(),
            "date": int(time.time()),
        }
        if text is not None:
            message["text"] = text
        return message

    def _queue_message(self, chat: Chat, message: JSONDict) -> int:
        chat.messages[message["message_id"]] = message
        return self.updates.push({"message": copy.deepcopy(message)})

    def _store_photo(self, content: bytes, width: int, height: int) -> JSONDict:
        number = next(self._file_ids)
        stored = StoredFile(
            file_id=f"AgAC-emulated-photo-{number}",
            file_unique_id=f"AQAD{number}",
            file_path=f"photos/file_{number}.jpg",
            content=content,
        )
        self._files[stored.file_id] = stored
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(content),
            "width": width,
            "height": height,
        }

    # ---- what the tests and the page look at ---------------------------------------------

    def bot_messages(self, chat_id: int) -> list[JSONDict]:
        return [s.view() for s in self._sent if s.chat_id == chat_id]

    def sent(self) -> list[JSONDict]:
        return [s.view() for s in self._sent]

    def callback_answer(self, callback_query_id: str) -> JSONDict | None:
        press = self._presses.get(callback_query_id)
        return press.answer if press else None

    def presses(self, chat_id: int, message_id: int) -> list[ButtonPress]:
        return [
            p for p in self._presses.values() if (p.chat_id, p.message_id) == (chat_id, message_id)
        ]


def _quoted(message: JSONDict) -> JSONDict:
    """A replied-to message as Telegram embeds it: without its own reply_to_message."""
    quoted = copy.deepcopy(message)
    quoted.pop("reply_to_message", None)
    return quoted


def _apply_edit(
    message: JSONDict, text: str | None, entities: list[JSONDict], markup: JSONDict | None
) -> None:
    if text is not None:
        message["text"] = text
    message.pop("entities", None)
    if entities:
        message["entities"] = entities
    message.pop("reply_markup", None)
    if markup:
        message["reply_markup"] = markup
    message["edit_date"] = int(time.time())


def _edit_record(method: str, sent: SentMessage) -> JSONDict:
    return {
        "method": method,
        "text": sent.text,
        "parse_mode": sent.parse_mode,
        "reply_markup": sent.reply_markup,
        "edited_at": datetime.now(UTC).isoformat(),
        "received_monotonic": time.monotonic(),
    }
