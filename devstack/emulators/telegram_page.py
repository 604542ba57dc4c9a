"""The emulator's page for people: every chat with its conversation, inline buttons to press,
forms to write or send a photo as the user. Plain HTML forms posting to /__emulator/ui/...
and redirecting back, so it works without JavaScript; a developer plays the executor here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from devstack.emulators.telegram_state import (
    Chat,
    TelegramEmulator,
    UnknownObject,
    UserInfo,
)

JSONDict = dict[str, Any]
UI = "/__emulator/ui"

_STYLE = """
body { font-family: sans-serif; max-width: 60rem; margin: 1rem auto; padding: 0 1rem; }
section { border: 1px solid #ccc; border-radius: .5rem; padding: .5rem 1rem; margin: 1rem 0; }
ol { list-style: none; padding: 0; }
li { margin: .5rem 0; padding: .4rem .6rem; border-radius: .4rem; max-width: 80%; }
li.user { background: #eef; }
li.bot { background: #efe; margin-left: auto; }
.text { white-space: pre-wrap; }
.meta, .press { color: #666; font-size: .85em; }
.error { color: #a00; font-weight: bold; }
form.inline { display: inline; }
img { max-width: 12rem; display: block; }
"""


def router(emulator: TelegramEmulator) -> APIRouter:
    routes = APIRouter(include_in_schema=False)

    @routes.get("/", response_class=HTMLResponse)
    async def page(error: str = "") -> str:
        return render_page(emulator, error)

    @routes.post(f"{UI}/say")
    async def say(
        chat_id: Annotated[int, Form()],
        text: Annotated[str, Form()],
        first_name: Annotated[str, Form()] = "",
        username: Annotated[str, Form()] = "",
        reply_to_message_id: Annotated[str, Form()] = "",
    ) -> RedirectResponse:
        user = UserInfo(first_name=first_name or None, username=username or None)
        reply_to = int(reply_to_message_id) if reply_to_message_id.strip().isdigit() else None
        return _then_back(
            chat_id,
            lambda: emulator.user_says(
                chat_id, text, user=user if first_name or username else None, reply_to=reply_to
            ),
        )

    @routes.post(f"{UI}/press")
    async def press(
        chat_id: Annotated[int, Form()],
        message_id: Annotated[int, Form()],
        data: Annotated[str, Form()],
    ) -> RedirectResponse:
        return _then_back(chat_id, lambda: emulator.user_presses(chat_id, message_id, data))

    @routes.post(f"{UI}/photo")
    async def photo(
        chat_id: Annotated[int, Form()],
        photo: Annotated[UploadFile, File()],
        caption: Annotated[str, Form()] = "",
    ) -> RedirectResponse:
        content = await photo.read()
        return _then_back(
            chat_id, lambda: emulator.user_sends_photo(chat_id, content, caption=caption or None)
        )

    @routes.post(f"{UI}/block")
    async def block(
        chat_id: Annotated[int, Form()], blocked: Annotated[bool, Form()]
    ) -> RedirectResponse:
        return _then_back(chat_id, lambda: emulator.block(chat_id, blocked))

    @routes.post(f"{UI}/reset")
    async def reset() -> RedirectResponse:
        emulator.reset()
        return RedirectResponse("/", status_code=303)

    return routes


def _then_back(chat_id: int, action: Callable[[], object]) -> RedirectResponse:
    """Do it and go back to the chat; a refused action is shown at the top of the page."""
    try:
        action()
    except (UnknownObject, ValueError) as error:
        return RedirectResponse(f"/?error={quote(str(error))}", status_code=303)
    return RedirectResponse(f"/#chat-{chat_id}", status_code=303)


# ---- rendering ---------------------------------------------------------------------------


def render_page(emulator: TelegramEmulator, error: str = "") -> str:
    chats = "".join(_chat(emulator, chat) for chat in emulator.chats.values())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Telegram emulator</title>
<style>{_STYLE}</style></head><body>
<h1>Telegram emulator · @{escape(emulator.bot_username)}</h1>
{f'<p class="error">{escape(error)}</p>' if error else ""}
<p class="meta">{_status(emulator)} · <a href="/">refresh</a></p>
{_new_chat_form()}
{chats or "<p>No chats yet: write to the bot as a user above (e.g. /start).</p>"}
<form method="post" action="{UI}/reset"><button>Reset the emulator</button></form>
</body></html>"""


def _status(emulator: TelegramEmulator) -> str:
    info = emulator.webhook.info()
    delivery = f"webhook {escape(info['url'])}" if info["url"] else "polling (getUpdates)"
    held = f" · {emulator.held} send(s) held" if emulator.hold else ""
    return f"{delivery} · {info['pending_update_count']} pending update(s){held}"


def _new_chat_form() -> str:
    return f"""<section><h2>Write as a user</h2>
<form method="post" action="{UI}/say">
<label>chat id <input name="chat_id" required pattern="-?[0-9]+" size="12"></label>
<label>first name <input name="first_name" size="12"></label>
<label>username <input name="username" size="12"></label>
<input name="text" required placeholder="/start" size="30"> <button>Send</button>
</form></section>"""


def _chat(emulator: TelegramEmulator, chat: Chat) -> str:
    sent = {m["message_id"]: m for m in emulator.bot_messages(chat.id)}
    items = "".join(_message(emulator, chat, m, sent.get(i)) for i, m in chat.messages.items())
    name = escape(chat.person.first_name)
    if chat.person.username:
        name += f" (@{escape(chat.person.username)})"
    state = " · <b>blocked the bot</b>" if chat.blocked else ""
    action = f" · bot is {escape(chat.last_action)}" if chat.last_action else ""
    return f"""<section id="chat-{chat.id}"><h2>{name}</h2>
<p class="meta">chat {chat.id}{state}{action} {_block_form(chat)}</p>
<ol>{items}</ol>
{_say_form(chat, list(sent.values()))}
{_photo_form(chat)}
</section>"""


def _block_form(chat: Chat) -> str:
    label, value = ("unblock", "false") if chat.blocked else ("block the bot", "true")
    return f"""<form class="inline" method="post" action="{UI}/block">
<input type="hidden" name="chat_id" value="{chat.id}">
<input type="hidden" name="blocked" value="{value}"><button>{label}</button></form>"""


def _message(
    emulator: TelegramEmulator, chat: Chat, message: JSONDict, sent: JSONDict | None
) -> str:
    from_bot = message["from"]["is_bot"]
    who = "bot" if from_bot else escape(message["from"]["first_name"])
    when = datetime.fromtimestamp(message["date"]).strftime("%H:%M:%S")
    edited = " · edited" if "edit_date" in message else ""
    reply = message.get("reply_to_message")
    replying = f" · replying to #{reply['message_id']}" if reply else ""
    body = _photo(emulator, message) + _text(message.get("text") or message.get("caption"))
    extras = _buttons(chat, message, sent) + _presses(emulator, chat, message) if from_bot else ""
    return f"""<li class="{"bot" if from_bot else "user"}">
<div class="meta">#{message["message_id"]} {who} · {when}{edited}{replying}</div>
{body}{extras}</li>"""


def _text(text: str | None) -> str:
    return f'<div class="text">{escape(text)}</div>' if text else ""


def _photo(emulator: TelegramEmulator, message: JSONDict) -> str:
    if "photo" not in message:
        return ""
    path = emulator.file(message["photo"][-1]["file_id"])["file_path"]
    return f'<img alt="photo" src="/file/bot{escape(emulator.token)}/{escape(path)}">'


def _buttons(chat: Chat, message: JSONDict, sent: JSONDict | None) -> str:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    html_rows = ["".join(_button(chat, message["message_id"], b) for b in row) for row in rows]
    hint = ""
    if sent and sent["reply_markup"] and "force_reply" in sent["reply_markup"]:
        hint = '<div class="meta">the bot asks for a reply (the form below replies to it)</div>'
    return "".join(f"<div>{row}</div>" for row in html_rows) + hint


def _button(chat: Chat, message_id: int, button: JSONDict) -> str:
    label = escape(str(button.get("text", "")))
    if "url" in button:
        return f'<a href="{escape(str(button["url"]))}">[{label} ↗]</a> '
    if "callback_data" not in button:
        return f"<button disabled>{label}</button> "
    return f"""<form class="inline" method="post" action="{UI}/press">
<input type="hidden" name="chat_id" value="{chat.id}">
<input type="hidden" name="message_id" value="{message_id}">
<input type="hidden" name="data" value="{escape(button["callback_data"])}">
<button>{label}</button></form> """


def _presses(emulator: TelegramEmulator, chat: Chat, message: JSONDict) -> str:
    lines = []
    for press in emulator.presses(chat.id, message["message_id"]):
        if press.answer is None:
            outcome = "not answered yet"
        else:
            shown = press.answer.get("text") or "(no text)"
            outcome = f"{'alert' if press.answer.get('show_alert') else 'toast'}: {shown}"
        lines.append(f'<div class="press">pressed «{escape(press.data)}» → {escape(outcome)}</div>')
    return "".join(lines)


def _say_form(chat: Chat, sent: list[JSONDict]) -> str:
    # A force_reply makes the Telegram app reply to that message; so does this form.
    asked = [m for m in sent if m["reply_markup"] and "force_reply" in m["reply_markup"]]
    reply_to = asked[-1]["message_id"] if asked else ""
    return f"""<form method="post" action="{UI}/say">
<input type="hidden" name="chat_id" value="{chat.id}">
<input name="text" required placeholder="message as {escape(chat.person.first_name)}" size="40">
<label>reply to # <input name="reply_to_message_id" value="{reply_to}" size="5"></label>
<button>Send</button></form>"""


def _photo_form(chat: Chat) -> str:
    return f"""<form method="post" action="{UI}/photo" enctype="multipart/form-data">
<input type="hidden" name="chat_id" value="{chat.id}">
<input type="file" name="photo" accept="image/*" required>
<input name="caption" placeholder="caption" size="20"> <button>Send photo</button></form>"""
