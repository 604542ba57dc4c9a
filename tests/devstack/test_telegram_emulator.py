"""The Telegram Bot API emulator, driven by python-telegram-bot's real Bot and Application:
what our bot does against it must behave as it would against api.telegram.org."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import Application, CommandHandler, ContextTypes

from devstack.emulators.serving import serve_app
from devstack.emulators.telegram import RunningEmulator, serve_emulator

TOKEN = "123456:test-emulator-token"
CHAT = 4242
KEYBOARD = InlineKeyboardMarkup(
    [[InlineKeyboardButton("Accept", callback_data="accept:1")],
     [InlineKeyboardButton("Decline", callback_data="decline:1")]]
)  # fmt: skip


@pytest.fixture
async def tg() -> AsyncIterator[RunningEmulator]:
    async with serve_emulator(TOKEN) as running:
        yield running


def make_bot(tg: RunningEmulator, token: str = TOKEN) -> Bot:
    return Bot(token, base_url=tg.bot_api_url, base_file_url=tg.file_url)


@pytest.fixture
async def bot(tg: RunningEmulator) -> AsyncIterator[Bot]:
    async with make_bot(tg) as ready:  # initialize() calls getMe
        yield ready


@pytest.fixture
async def chat(tg: RunningEmulator) -> int:
    """A chat the user opened with /start (that update stays queued)."""
    await tg.control.user_says(CHAT, "/start", user={"first_name": "Ivan", "username": "ivan"})
    return CHAT


async def eventually(check: Callable[[], Awaitable[bool]], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


def seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# ---- the bot's identity and the API's edges --------------------------------------------------


async def test_get_me_names_the_bot_from_its_token(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, "local_emulator_bot")


async def test_wrong_token_and_unknown_method_answer_like_telegram(tg: RunningEmulator) -> None:
    async with httpx.AsyncClient(base_url=tg.base_url) as http:
        wrong = await http.post("/bot123456:wrong/getMe")
        unknown = await http.post(f"/bot{TOKEN}/sendTelepathy")
        case_insensitive = await http.get(f"/bot{TOKEN}/GETME")
    assert (wrong.status_code, wrong.json()) == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    assert case_insensitive.json()["result"]["id"] == 123456
    with pytest.raises(InvalidToken):
        async with make_bot(tg, "123456:wrong"):  # getMe refused; the bot shuts down again
            pass


async def test_json_bodies_and_query_strings_work_too(tg: RunningEmulator, chat: int) -> None:
    async with httpx.AsyncClient(base_url=f"{tg.bot_api_url}{TOKEN}") as http:
        as_json = await http.post(
            "/sendMessage",
            json={"chat_id": chat, "text": "json", "reply_markup": KEYBOARD.to_dict()},
        )
        as_query = await http.get("/sendMessage", params={"chat_id": chat, "text": "query"})
    assert as_json.json()["result"]["reply_markup"] == KEYBOARD.to_dict()
    assert as_query.json()["result"]["text"] == "query"


# ---- sending and editing ---------------------------------------------------------------------


async def test_sent_message_with_a_keyboard_is_returned_and_recorded(
    tg: RunningEmulator, bot: Bot, chat: int
) -> None:
    sent = await bot.send_message(chat, "New job #1", reply_markup=KEYBOARD)

    assert sent.text == "New job #1"
    assert sent.chat.id == chat
    assert sent.chat.first_name == "Ivan"
    assert sent.from_user is not None
    assert sent.from_user.id == bot.id
    assert sent.reply_markup == KEYBOARD
    [recorded] = await tg.control.bot_messages(chat)
    assert recorded["message_id"] == sent.message_id
    assert recorded["text"] == "New job #1"
    assert recorded["reply_markup"] == KEYBOARD.to_dict()
    assert recorded["edits"] == []
    assert isinstance(recorded["received_monotonic"], float)
    assert [m["chat_id"] for m in await tg.control.all_sent()] == [chat]


async def test_html_becomes_entities_and_bad_html_is_refused(bot: Bot, chat: int) -> None:
    sent = await bot.send_message(chat, " <b>Job</b> &amp; <i>more</i> ", parse_mode=ParseMode.HTML)
    assert sent.text == "Job & more"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 0, 3),
        ("italic", 6, 4),
    ]

    with pytest.raises(BadRequest, match=r'(?i)unsupported start tag "br"'):
        await bot.send_message(chat, "line<br>line", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)can't find end tag"):
        await bot.send_message(chat, "<b>unclosed", parse_mode=ParseMode.HTML)


async def test_invalid_requests_are_refused(bot: Bot, chat: int) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(chat, "")
    long_data = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(chat, "too much data", reply_markup=long_data)
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(chat, "reply", reply_to_message_id=999_999)


async def test_edits_are_recorded_and_an_unchanged_edit_is_refused(
    tg: RunningEmulator, bot: Bot, chat: int
) -> None:
    sent = await bot.send_message(chat, "Job #1: new", reply_markup=KEYBOARD)

    edited = await bot.edit_message_text(
        "Job #1: accepted", chat_id=chat, message_id=sent.message_id
    )
    assert isinstance(edited, Message)
    assert edited.text == "Job #1: accepted"
    assert edited.edit_date is not None
    assert edited.reply_markup is None  # no markup given: the keyboard is gone
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Job #1: accepted", chat_id=chat, message_id=sent.message_id)
    await bot.edit_message_reply_markup(chat, sent.message_id, reply_markup=KEYBOARD)

    [recorded] = await tg.control.bot_messages(chat)
    assert recorded["text"] == "Job #1: accepted"
    # Like Telegram: editMessageText without reply_markup removes the keyboard.
    assert [(e["method"], e["text"], e["reply_markup"]) for e in recorded["edits"]] == [
        ("editMessageText", "Job #1: accepted", None),
        ("editMessageReplyMarkup", "Job #1: accepted", KEYBOARD.to_dict()),
    ]
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=chat, message_id=999_999)


# ---- what users do ---------------------------------------------------------------------------


async def test_button_press_arrives_as_callback_query_and_the_answer_is_recorded(
    tg: RunningEmulator, bot: Bot, chat: int
) -> None:
    sent = await bot.send_message(chat, "New job", reply_markup=KEYBOARD)
    callback_id = await tg.control.user_presses(chat, sent.message_id, "accept:1")

    updates = await bot.get_updates()
    query = updates[-1].callback_query
    assert query is not None
    assert (query.id, query.data, query.from_user.id) == (callback_id, "accept:1", chat)
    assert query.message is not None
    assert query.message.message_id == sent.message_id
    assert query.chat_instance
    assert await tg.control.callback_answer(callback_id) is None

    assert await query.answer("Accepted", show_alert=True)
    answer = await tg.control.callback_answer(callback_id)
    assert answer is not None
    assert (answer["text"], answer["show_alert"]) == ("Accepted", True)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(callback_id)  # only once
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
        await bot.answer_callback_query("no-such-query")


async def test_commands_get_bot_command_entities(tg: RunningEmulator, bot: Bot) -> None:
    await tg.control.user_says(CHAT, "/job 12")
    [update] = await bot.get_updates()
    assert update.message is not None
    [entity] = update.message.entities
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, 4)


async def test_user_reply_carries_the_replied_message(
    tg: RunningEmulator, bot: Bot, chat: int
) -> None:
    asked = await bot.send_message(chat, "Why do you decline?")
    await tg.control.user_says(chat, "Too far", reply_to=asked.message_id)
    reply = (await bot.get_updates())[-1].message
    assert reply is not None
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.message_id == asked.message_id
    assert reply.reply_to_message.text == "Why do you decline?"

    answer = await bot.send_message(
        chat, "Noted", reply_parameters=ReplyParameters(reply.message_id)
    )
    assert answer.reply_to_message is not None
    assert answer.reply_to_message.message_id == reply.message_id
    assert (await tg.control.bot_messages(chat))[-1]["reply_to_message_id"] == reply.message_id


async def test_photo_downloads_through_get_file(tg: RunningEmulator, bot: Bot) -> None:
    content = b"\x89PNG\r\n\x1a\n not really a picture"
    sent = await tg.control.user_sends_photo(CHAT, content, caption="done")

    message = (await bot.get_updates())[-1].message
    assert message is not None
    assert message.caption == "done"
    small, large = message.photo
    assert small.file_id != large.file_id
    assert large.file_id == sent["file_id"]
    for size in (small, large):
        file = await bot.get_file(size.file_id)
        assert file.file_size == len(content)
        assert await file.download_as_bytearray() == bytearray(content)
    with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
        await bot.get_file("no-such-file")


async def test_raw_update_is_delivered_as_is(tg: RunningEmulator, bot: Bot) -> None:
    update_id = await tg.control.raw_update({"something_new": {"x": 1}})
    [update] = await bot.get_updates()
    assert update.update_id == update_id
    assert update.message is None
    assert update.api_kwargs == {"something_new": {"x": 1}}


# ---- refusals like Telegram's ----------------------------------------------------------------


async def test_unknown_chat_is_bad_request_and_blocked_chat_is_forbidden(
    tg: RunningEmulator, bot: Bot, chat: int
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(999_999, "hello?")

    await tg.control.block(chat)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(chat, "hello?")
    await tg.control.unblock(chat)
    assert (await bot.send_message(chat, "back")).text == "back"


# PTB 22 warns on every RetryAfter that retry_after will become a timedelta.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_flood_control_answers_429_with_retry_after() -> None:
    async with serve_emulator(TOKEN, max_messages_per_s=3) as limited:
        await limited.control.user_says(CHAT, "/start")
        async with make_bot(limited) as bot:
            for n in range(3):
                await bot.send_message(CHAT, f"burst {n}")
            with pytest.raises(RetryAfter) as refused:
                await bot.send_message(CHAT, "one too many")
            assert seconds(refused.value.retry_after) == 1

            sent = await limited.control.all_sent()
            assert [m["text"] for m in sent] == ["burst 0", "burst 1", "burst 2"]
            # Once the first send leaves the 1 s window, a send goes through again.
            await asyncio.sleep(max(0.0, sent[0]["received_monotonic"] + 1.0 - time.monotonic()))
            assert (await bot.send_message(CHAT, "later")).text == "later"


# ---- getting updates -------------------------------------------------------------------------


async def test_offset_confirms_older_updates_and_limit_caps_the_batch(
    tg: RunningEmulator, bot: Bot
) -> None:
    ids = [(await tg.control.user_says(CHAT, f"m{n}"))["update_id"] for n in range(3)]

    assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]
    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
    assert [u.update_id for u in await bot.get_updates()] == ids[1:]  # nothing confirmed since
    assert await bot.get_updates(offset=ids[2] + 1) == ()
    assert await bot.get_updates() == ()  # confirmed updates are gone


async def test_long_poll_wakes_up_when_an_update_arrives(tg: RunningEmulator, bot: Bot) -> None:
    started = time.monotonic()
    polling = asyncio.create_task(bot.get_updates(timeout=10))

    async def waiting() -> bool:
        return tg.emulator.waiting_polls == 1

    await eventually(waiting)
    assert not polling.done()
    await tg.control.user_says(CHAT, "wake up")
    [update] = await asyncio.wait_for(polling, timeout=5)
    assert update.message is not None
    assert update.message.text == "wake up"
    assert time.monotonic() - started < 5


async def test_update_ids_keep_growing_across_reset(tg: RunningEmulator, bot: Bot) -> None:
    first = (await tg.control.user_says(CHAT, "before"))["update_id"]
    await tg.control.reset()
    assert await tg.control.bot_messages(CHAT) == []
    second = (await tg.control.user_says(CHAT, "after"))["update_id"]
    assert second > first
    assert [u.update_id for u in await bot.get_updates()] == [second]


# ---- webhook mode ----------------------------------------------------------------------------


class Receiver:
    """A webhook endpoint that can be told to fail a number of deliveries first."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[tuple[str | None, dict[str, Any]]] = []
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> Response:
        if self.failures > 0:
            self.failures -= 1
            return Response(status_code=503)
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        self.received.append((secret, await request.json()))
        return Response()


async def test_webhook_receives_updates_with_the_secret_and_get_updates_conflicts(
    tg: RunningEmulator, bot: Bot
) -> None:
    receiver = Receiver()
    async with serve_app(receiver.app) as receiver_url:
        assert await bot.set_webhook(f"{receiver_url}/hook", secret_token="s3cret")
        sent = await tg.control.user_says(CHAT, "/start via webhook")

        async def delivered() -> bool:
            return len(receiver.received) == 1

        await eventually(delivered)
        assert receiver.received == [
            ("s3cret", {"update_id": sent["update_id"], "message": sent["message"]})
        ]
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        info = await bot.get_webhook_info()
        assert (info.url, info.pending_update_count) == (f"{receiver_url}/hook", 0)

    assert await bot.delete_webhook()
    assert await bot.get_updates() == ()


async def test_webhook_retries_until_the_receiver_answers_and_keeps_the_order(
    tg: RunningEmulator, bot: Bot
) -> None:
    receiver = Receiver(failures=3)
    async with serve_app(receiver.app) as receiver_url:
        texts = ["first", "second", "third"]
        for text in texts:
            await tg.control.user_says(CHAT, text)
        await bot.set_webhook(f"{receiver_url}/hook")

        async def all_delivered() -> bool:
            return len(receiver.received) == len(texts)

        await eventually(all_delivered)
        assert [update["message"]["text"] for _, update in receiver.received] == texts
        assert receiver.received[0][0] is None  # no secret set, no header
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 0
        assert info.last_error_message is not None
        assert "503" in info.last_error_message
        await bot.delete_webhook()


async def test_updates_wait_for_a_receiver_that_is_down(tg: RunningEmulator, bot: Bot) -> None:
    with socket.socket() as probe:  # a port nobody listens on yet
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    await bot.set_webhook(f"http://127.0.0.1:{port}/hook")
    queued = await tg.control.user_says(CHAT, "while you were down")

    async def refused() -> bool:
        return (await bot.get_webhook_info()).last_error_message is not None

    await eventually(refused)
    assert (await bot.get_webhook_info()).pending_update_count == 1

    receiver = Receiver()
    async with serve_app(receiver.app, port=port):

        async def delivered() -> bool:
            return len(receiver.received) == 1

        await eventually(delivered)
    assert receiver.received[0][1]["update_id"] == queued["update_id"]
    await bot.delete_webhook()


# ---- a whole python-telegram-bot Application --------------------------------------------------


async def test_application_polling_answers_commands(tg: RunningEmulator) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"start {' '.join(context.args or [])}")

    async def job(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"job {' '.join(context.args or [])}")

    app = Application.builder().token(TOKEN).base_url(tg.bot_api_url).base_file_url(tg.file_url)
    application = app.build()
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("job", job))
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0.05, timeout=1)
    try:
        await tg.control.user_says(CHAT, "/start abc")
        await tg.control.user_says(CHAT, "/job 12")
        replies = await tg.control.wait_for_bot_messages(CHAT, 2, timeout_s=5)
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
    assert [m["text"] for m in replies] == ["start abc", "job 12"]
    assert len(tg.emulator.updates) == 0  # the updater confirmed what it handled on the way out


# ---- the hold switch -------------------------------------------------------------------------


def held_is(tg: RunningEmulator, count: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await tg.control.held() == count

    return check


async def test_held_send_is_recorded_but_answered_only_after_release(
    tg: RunningEmulator, bot: Bot, chat: int
) -> None:
    await tg.control.hold(True)
    sending = asyncio.create_task(bot.send_message(chat, "in flight"))

    await eventually(held_is(tg, 1))
    [recorded] = await tg.control.bot_messages(chat)
    assert recorded["text"] == "in flight"
    assert not sending.done()

    await tg.control.hold(False)
    message = await asyncio.wait_for(sending, timeout=5)
    assert message.message_id == recorded["message_id"]
    assert await tg.control.held() == 0


async def test_held_send_ends_when_the_client_hangs_up(
    tg: RunningEmulator, bot: Bot, chat: int
) -> None:
    await tg.control.hold(True)
    sending = asyncio.create_task(bot.send_message(chat, "the worker dies here"))

    await eventually(held_is(tg, 1))
    sending.cancel()  # the worker is killed mid-send
    await eventually(held_is(tg, 0))
    assert [m["text"] for m in await tg.control.bot_messages(chat)] == ["the worker dies here"]


# ---- the page for people ---------------------------------------------------------------------


async def test_page_shows_the_conversation_and_its_forms_press_buttons_and_write(
    tg: RunningEmulator, bot: Bot, chat: int
) -> None:
    sent = await bot.send_message(chat, "New job <#1>", reply_markup=KEYBOARD)
    async with httpx.AsyncClient(base_url=tg.base_url) as http:
        page = await http.get("/")
        pressed = await http.post(
            "/__emulator/ui/press",
            data={"chat_id": chat, "message_id": sent.message_id, "data": "decline:1"},
        )
        said = await http.post("/__emulator/ui/say", data={"chat_id": 77, "text": "/start x"})
        after = await http.get("/")

    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "New job &lt;#1&gt;" in page.text
    assert "Ivan" in page.text
    assert 'value="decline:1"' in page.text
    assert "Accept" in page.text
    assert (pressed.status_code, pressed.headers["location"]) == (303, f"/#chat-{chat}")
    assert (said.status_code, said.headers["location"]) == (303, "/#chat-77")
    assert "pressed «decline:1» → not answered yet" in after.text

    updates = await bot.get_updates()
    query = updates[-2].callback_query
    assert query is not None
    assert query.data == "decline:1"
    assert updates[-1].message is not None
    assert updates[-1].message.text == "/start x"


# ---- odds and ends ---------------------------------------------------------------------------


async def test_commands_and_chat_actions(tg: RunningEmulator, bot: Bot, chat: int) -> None:
    assert await bot.set_my_commands([("start", "Link your account"), ("jobs", "Open jobs")])
    assert [(c.command, c.description) for c in await bot.get_my_commands()] == [
        ("start", "Link your account"),
        ("jobs", "Open jobs"),
    ]
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([("Bad Command", "x")])
    assert await bot.send_chat_action(chat, "typing")
    assert tg.emulator.chats[chat].last_action == "typing"
