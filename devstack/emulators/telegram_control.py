"""A typed client of the Telegram emulator's control API, for tests and tools: play the users,
read what the bot sent."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self

import httpx

JSONDict = dict[str, Any]


class EmulatorControlError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"emulator control API answered {status}: {detail}")
        self.status = status
        self.detail = detail


class TelegramEmulatorControl:
    def __init__(self, base_url: str, *, timeout_s: float = 10.0) -> None:
        self._http = httpx.AsyncClient(base_url=f"{base_url}/__emulator", timeout=timeout_s)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # ---- the users' side -----------------------------------------------------------------

    async def user_says(
        self,
        chat_id: int,
        text: str,
        *,
        user: Mapping[str, Any] | None = None,
        reply_to: int | None = None,
    ) -> JSONDict:
        """Queue a user's message (opening the chat); returns {"update_id", "message"}.
        `user` may give id, first_name, last_name, username."""
        body = {"text": text, "user": user, "reply_to_message_id": reply_to}
        queued: JSONDict = await self._call("POST", f"/chats/{chat_id}/messages", body)
        return queued

    async def user_sends_photo(
        self,
        chat_id: int,
        content: bytes,
        caption: str | None = None,
        *,
        user: Mapping[str, Any] | None = None,
    ) -> JSONDict:
        """Queue a photo message; returns {"update_id", "message", "file_id"}."""
        body = {
            "content_b64": base64.b64encode(content).decode(),
            "caption": caption,
            "user": user,
        }
        queued: JSONDict = await self._call("POST", f"/chats/{chat_id}/photos", body)
        return queued

    async def user_presses(self, chat_id: int, message_id: int, data: str) -> str:
        """Press a button on a bot message; returns the callback query id."""
        body = {"message_id": message_id, "data": data}
        answer = await self._call("POST", f"/chats/{chat_id}/callbacks", body)
        return str(answer["callback_query_id"])

    async def raw_update(self, payload: Mapping[str, Any]) -> int:
        """Queue any JSON object as an update; returns its update_id."""
        answer = await self._call("POST", "/updates/raw", dict(payload))
        return int(answer["update_id"])

    async def block(self, chat_id: int) -> None:
        await self._call("POST", f"/chats/{chat_id}/block")

    async def unblock(self, chat_id: int) -> None:
        await self._call("POST", f"/chats/{chat_id}/unblock")

    # ---- what the bot did ----------------------------------------------------------------

    async def bot_messages(self, chat_id: int) -> list[JSONDict]:
        """The bot's messages in that chat, oldest first, with their edits."""
        messages: list[JSONDict] = await self._call("GET", f"/chats/{chat_id}/messages")
        return messages

    async def all_sent(self) -> list[JSONDict]:
        """Every bot message in the order Telegram received them (with chat_id)."""
        messages: list[JSONDict] = await self._call("GET", "/sent")
        return messages

    async def callback_answer(self, callback_id: str) -> JSONDict | None:
        """The bot's answerCallbackQuery for that press, or None while unanswered."""
        try:
            answer: JSONDict = await self._call("GET", f"/callbacks/{callback_id}")
        except EmulatorControlError as error:
            if error.status == httpx.codes.NOT_FOUND:
                return None
            raise
        return answer

    async def wait_for_bot_messages(
        self, chat_id: int, count: int, timeout_s: float = 10.0
    ) -> list[JSONDict]:
        """Poll until the bot has sent at least `count` messages to the chat; returns them."""
        deadline = time.monotonic() + timeout_s
        while True:
            messages = await self.bot_messages(chat_id)
            if len(messages) >= count:
                return messages
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"chat {chat_id}: expected {count} bot message(s) within {timeout_s} s, "
                    f"got {len(messages)}: {[m['text'] for m in messages]}"
                )
            await asyncio.sleep(0.02)

    # ---- switches ------------------------------------------------------------------------

    async def hold(self, on: bool) -> None:
        """While on, sendMessage is recorded but not answered."""
        await self._call("POST", "/hold", {"on": on})

    async def held(self) -> int:
        """Sends now waiting for the hold to be released."""
        answer = await self._call("GET", "/held")
        return int(answer["waiting"])

    async def reset(self) -> None:
        await self._call("POST", "/reset")

    async def _call(self, method: str, path: str, body: JSONDict | None = None) -> Any:
        response = await self._http.request(method, path, json=body)
        if response.is_error:
            raise EmulatorControlError(response.status_code, _detail(response))
        return response.json()


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", response.text))
    except ValueError:
        return response.text
