"""The Bot API over HTTP: `/bot<token>/<method>` and the file downloads `/file/bot<token>/<path>`.

python-telegram-bot posts every call as application/x-www-form-urlencoded (multipart/form-data
when it uploads a file): strings as they are, every other value JSON-encoded, so numbers and
booleans arrive as "42" and "true", and reply_markup, reply_parameters or commands as JSON text
inside the form. Telegram also takes JSON bodies and query strings, and so does the emulator.
Method names are case-insensitive, as on Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.types import Receive

from devstack.emulators.telegram_state import (
    CHAT_NOT_FOUND,
    QUERY_TOO_OLD,
    BotApiError,
    Outgoing,
    TelegramEmulator,
    bad_request,
)
from devstack.emulators.telegram_text import (
    MAX_TEXT_LENGTH,
    EntityParseError,
    UnsupportedParseMode,
    render,
    utf16_len,
)

JSONDict = dict[str, Any]
T = TypeVar("T")
Method = Callable[[TelegramEmulator, "Params"], Awaitable[Any]]

UNAUTHORIZED = BotApiError(401, "Unauthorized")
NOT_FOUND = BotApiError(404, "Not Found")
MARKUP_KINDS = ("inline_keyboard", "keyboard", "remove_keyboard", "force_reply")
INLINE_BUTTON_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
BOT_COMMAND = re.compile(r"[a-z0-9_]{1,32}")

METHODS: dict[str, Method] = {}


def api_method(name: str) -> Callable[[Method], Method]:
    def register(handler: Method) -> Method:
        METHODS[name.lower()] = handler
        return handler

    return register


class Params:
    """One call's parameters, read the way Telegram reads them whatever the encoding."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw

    def text(self, name: str) -> str | None:
        value = self.raw.get(name)
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value) if isinstance(value, dict | list) else str(value)

    def integer(self, name: str) -> int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            return int(value)
        raise bad_request(f'field "{name}" must be of type Integer')

    def number(self, name: str) -> float | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f'field "{name}" must be of type Number') from None

    def flag(self, name: str) -> bool:
        value = self.raw.get(name)
        if isinstance(value, str):
            return value.strip().lower() in {"true", "1"}
        return bool(value)

    def structure(self, name: str) -> Any:
        """A JSON-typed parameter: JSON text inside a form, or already decoded from JSON."""
        value = self.raw.get(name)
        if not isinstance(value, str):
            return value
        if not value:
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {name} JSON object") from None

    def chat_id(self) -> int:
        value = self.raw.get("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        try:
            return self.integer("chat_id") or 0
        except BotApiError:  # "@channelname": the emulator has private chats only
            raise bad_request(CHAT_NOT_FOUND) from None

    def message_id(self) -> int:
        message_id = self.integer("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        return message_id


# ---- HTTP --------------------------------------------------------------------------------


def router(emulator: TelegramEmulator) -> APIRouter:
    routes = APIRouter(include_in_schema=False)

    @routes.api_route("/bot{token}/{method}", methods=["GET", "POST"])
    async def bot_api(request: Request, token: str, method: str) -> Response:
        if not emulator.accepts(token):  # checked before the method, like Telegram
            return _error(UNAUTHORIZED)
        handler = METHODS.get(method.lower())
        if handler is None:
            return _error(NOT_FOUND)
        try:
            params = Params(await _read_params(request))
            result: Any = await _unless_client_leaves(request.receive, handler(emulator, params))
        except BotApiError as error:
            return _error(error)
        except _ClientLeft:
            return Response(status_code=499)  # nobody reads it
        return JSONResponse({"ok": True, "result": result})

    @routes.get("/file/bot{token}/{file_path:path}")
    async def download(token: str, file_path: str) -> Response:
        content = emulator.file_content(file_path) if emulator.accepts(token) else None
        if content is None:
            return _error(NOT_FOUND)
        return Response(content, media_type="application/octet-stream")

    return routes


def _error(error: BotApiError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status)


async def _read_params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query_params)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        body = await request.body()
        decoded = _decode_json_body(body) if body.strip() else {}
        params.update(decoded)
    elif content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        async with request.form() as form:
            for name, value in form.multi_items():
                params[name] = value if isinstance(value, str) else await value.read()
    return params


def _decode_json_body(body: bytes) -> JSONDict:
    try:
        decoded = json.loads(body)
    except ValueError:
        raise bad_request("can't parse JSON encoded request body") from None
    if not isinstance(decoded, dict):
        raise bad_request("JSON encoded request body must be an Object")
    return decoded


class _ClientLeft(Exception):
    pass


async def _unless_client_leaves(receive: Receive, work: Awaitable[T]) -> T:
    """Runs a call but gives up when its client hangs up: a long poll or a held send must not
    outlive the bot that made it (the server would also wait for it when stopping)."""
    call = asyncio.ensure_future(work)
    hang_up = asyncio.ensure_future(_disconnected(receive))
    try:
        await asyncio.wait({call, hang_up}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (hang_up, call):
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    if call.cancelled():
        raise _ClientLeft
    return call.result()


async def _disconnected(receive: Receive) -> None:
    # The body was read already: the server's next message is the disconnect (or, with some
    # servers, one more empty body chunk first).
    while (await receive())["type"] != "http.disconnect":
        pass


# ---- methods -----------------------------------------------------------------------------


@api_method("getMe")
async def get_me(emulator: TelegramEmulator, params: Params) -> JSONDict:
    return emulator.me()


@api_method("getUpdates")
async def get_updates(emulator: TelegramEmulator, params: Params) -> list[JSONDict]:
    limit = params.integer("limit") or 100
    timeout_s = params.number("timeout") or 0.0
    return await emulator.get_updates(
        offset=params.integer("offset"),
        limit=min(max(limit, 1), 100),
        timeout_s=max(timeout_s, 0.0),
    )


@api_method("setWebhook")
async def set_webhook(emulator: TelegramEmulator, params: Params) -> bool:
    url = params.text("url") or ""
    # Telegram insists on public HTTPS; a local receiver speaks plain HTTP on any port.
    if url and urlsplit(url).scheme not in {"http", "https"}:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.text("secret_token") or None
    if secret is not None and not SECRET_TOKEN.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    emulator.set_webhook(
        url,
        secret=secret,
        drop_pending_updates=params.flag("drop_pending_updates"),
        max_connections=params.integer("max_connections"),
        allowed_updates=params.structure("allowed_updates"),
    )
    return True


@api_method("deleteWebhook")
async def delete_webhook(emulator: TelegramEmulator, params: Params) -> bool:
    emulator.delete_webhook(drop_pending_updates=params.flag("drop_pending_updates"))
    return True


@api_method("getWebhookInfo")
async def get_webhook_info(emulator: TelegramEmulator, params: Params) -> JSONDict:
    return emulator.webhook.info()


@api_method("setMyCommands")
async def set_my_commands(emulator: TelegramEmulator, params: Params) -> bool:
    commands = params.structure("commands")
    if not isinstance(commands, list):
        raise bad_request('parameter "commands" is required and must be an Array')
    for command in commands:
        _check_command(command)
    emulator.set_commands(_command_scope(params), commands)
    return True


def _check_command(command: object) -> None:
    if not isinstance(command, dict):
        raise bad_request("can't parse BotCommand: BotCommand must be an Object")
    if not BOT_COMMAND.fullmatch(str(command.get("command", ""))):
        raise bad_request("BOT_COMMAND_INVALID")
    if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
        raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")


@api_method("getMyCommands")
async def get_my_commands(emulator: TelegramEmulator, params: Params) -> list[JSONDict]:
    return emulator.commands(_command_scope(params))


@api_method("deleteMyCommands")
async def delete_my_commands(emulator: TelegramEmulator, params: Params) -> bool:
    emulator.delete_commands(_command_scope(params))
    return True


def _command_scope(params: Params) -> str:
    scope = params.structure("scope") or {"type": "default"}
    return f"{json.dumps(scope, sort_keys=True)}|{params.text('language_code') or ''}"


@api_method("sendMessage")
async def send_message(emulator: TelegramEmulator, params: Params) -> JSONDict:
    chat_id = params.chat_id()
    outgoing = _outgoing(params, inline_only=False)
    reply_to, reply_required = _reply_target(params)
    return await emulator.send_message(
        chat_id, outgoing, reply_to=reply_to, reply_required=reply_required
    )


def _reply_target(params: Params) -> tuple[int | None, bool]:
    """The message to reply to and whether it must exist: reply_parameters, or the older
    reply_to_message_id with allow_sending_without_reply."""
    reply = params.structure("reply_parameters")
    if isinstance(reply, dict) and reply.get("message_id") is not None:
        message_id = Params(reply).integer("message_id")
        return message_id, not Params(reply).flag("allow_sending_without_reply")
    return params.integer("reply_to_message_id"), not params.flag("allow_sending_without_reply")


@api_method("editMessageText")
async def edit_message_text(emulator: TelegramEmulator, params: Params) -> JSONDict:
    chat_id, message_id = _edited_message(params)
    outgoing = _outgoing(params, inline_only=True)
    return emulator.edit_message(
        chat_id,
        message_id,
        outgoing=outgoing,
        reply_markup=outgoing.reply_markup,
        method="editMessageText",
    )


@api_method("editMessageReplyMarkup")
async def edit_message_reply_markup(emulator: TelegramEmulator, params: Params) -> JSONDict:
    chat_id, message_id = _edited_message(params)
    return emulator.edit_message(
        chat_id,
        message_id,
        outgoing=None,
        reply_markup=_reply_markup(params, inline_only=True),
        method="editMessageReplyMarkup",
    )


def _edited_message(params: Params) -> tuple[int, int]:
    if params.text("inline_message_id"):  # the emulator has no inline mode
        raise bad_request("MESSAGE_ID_INVALID")
    return params.chat_id(), params.message_id()


def _outgoing(params: Params, *, inline_only: bool) -> Outgoing:
    text = params.text("text") or ""
    parse_mode = params.text("parse_mode") or None
    try:
        plain, entities = render(text, parse_mode)
    except UnsupportedParseMode:
        raise bad_request("unsupported parse_mode") from None
    except EntityParseError as error:
        raise bad_request(f"can't parse entities: {error}") from None
    if not plain:
        raise bad_request("message text is empty")
    if utf16_len(plain) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    explicit = params.structure("entities")
    if isinstance(explicit, list) and not parse_mode:
        entities = explicit
    markup = _reply_markup(params, inline_only=inline_only)
    return Outgoing(text, plain, entities, parse_mode, markup)


def _reply_markup(params: Params, *, inline_only: bool) -> JSONDict | None:
    markup = params.structure("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict) or not any(kind in markup for kind in MARKUP_KINDS):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
    elif inline_only:
        raise bad_request("inline keyboard expected")
    return markup


def _check_inline_keyboard(rows: object) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    for button in itertools.chain.from_iterable(rows):
        _check_inline_button(button)


def _check_inline_button(button: object) -> None:
    prefix = "can't parse inline keyboard button"
    if not isinstance(button, dict):
        raise bad_request(f"{prefix}: InlineKeyboardButton must be an Object")
    if not str(button.get("text", "")).strip():
        raise bad_request(f"{prefix}: Text must be non-empty")
    if not INLINE_BUTTON_ACTIONS & button.keys():
        raise bad_request(f"{prefix}: Text buttons are unallowed in the inline keyboard")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = str(button["url"])
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https", "tg"} or not (parts.netloc or parts.path):
            raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


@api_method("answerCallbackQuery")
async def answer_callback_query(emulator: TelegramEmulator, params: Params) -> bool:
    text = params.text("text")
    if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
        raise bad_request("MESSAGE_TOO_LONG")
    answer = {
        "text": text,
        "show_alert": params.flag("show_alert"),
        "url": params.text("url"),
        "cache_time": params.integer("cache_time") or 0,
    }
    query_id = params.text("callback_query_id")
    if not query_id:
        raise bad_request(QUERY_TOO_OLD)
    emulator.answer_callback(query_id, answer)
    return True


@api_method("getFile")
async def get_file(emulator: TelegramEmulator, params: Params) -> JSONDict:
    return emulator.file(params.text("file_id") or "")


@api_method("sendChatAction")
async def send_chat_action(emulator: TelegramEmulator, params: Params) -> bool:
    chat_id = params.chat_id()
    action = params.text("action") or ""
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    emulator.chat_action(chat_id, action)
    return True
