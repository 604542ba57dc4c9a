"""The emulator's control API under /__emulator/ (JSON): plays the users (messages, photos,
button presses, raw updates, blocking the bot) and shows what the bot did. Used by the tests
through TelegramEmulatorControl and by developers' tools.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException
from pydantic import BaseModel

from devstack.emulators.telegram_state import TelegramEmulator, UnknownObject, UserInfo

JSONDict = dict[str, Any]
PREFIX = "/__emulator"


class SayBody(BaseModel):
    text: str
    user: UserInfo | None = None
    reply_to_message_id: int | None = None


class PhotoBody(BaseModel):
    content_b64: str
    caption: str | None = None
    user: UserInfo | None = None


class PressBody(BaseModel):
    message_id: int
    data: str
    user: UserInfo | None = None


class HoldBody(BaseModel):
    on: bool


def router(emulator: TelegramEmulator) -> APIRouter:
    routes = APIRouter(prefix=PREFIX, tags=["emulator control"])

    @routes.post("/chats/{chat_id}/messages")
    async def user_says(chat_id: int, body: SayBody) -> JSONDict:
        with _as_http_errors():
            update_id, message = emulator.user_says(
                chat_id, body.text, user=body.user, reply_to=body.reply_to_message_id
            )
        return {"update_id": update_id, "message": message}

    @routes.post("/chats/{chat_id}/photos")
    async def user_sends_photo(chat_id: int, body: PhotoBody) -> JSONDict:
        try:
            content = base64.b64decode(body.content_b64, validate=True)
        except binascii.Error:
            raise HTTPException(400, "content_b64 is not base64") from None
        update_id, message, file_id = emulator.user_sends_photo(
            chat_id, content, caption=body.caption, user=body.user
        )
        return {"update_id": update_id, "message": message, "file_id": file_id}

    @routes.post("/chats/{chat_id}/callbacks")
    async def user_presses(chat_id: int, body: PressBody) -> JSONDict:
        with _as_http_errors():
            update_id, callback_id = emulator.user_presses(
                chat_id, body.message_id, body.data, user=body.user
            )
        return {"update_id": update_id, "callback_query_id": callback_id}

    @routes.post("/updates/raw")
    async def raw_update(payload: Annotated[dict[str, Any], Body()]) -> JSONDict:
        with _as_http_errors():
            return {"update_id": emulator.raw_update(payload)}

    @routes.get("/chats/{chat_id}/messages")
    async def bot_messages(chat_id: int) -> list[JSONDict]:
        return emulator.bot_messages(chat_id)

    @routes.get("/sent")
    async def sent() -> list[JSONDict]:
        return emulator.sent()

    @routes.get("/callbacks/{callback_query_id}")
    async def callback_answer(callback_query_id: str) -> JSONDict:
        answer = emulator.callback_answer(callback_query_id)
        if answer is None:
            raise HTTPException(404, "not answered (or no such callback query)")
        return answer

    @routes.post("/chats/{chat_id}/block")
    async def block(chat_id: int) -> JSONDict:
        with _as_http_errors():
            emulator.block(chat_id)
        return {"blocked": True}

    @routes.post("/chats/{chat_id}/unblock")
    async def unblock(chat_id: int) -> JSONDict:
        with _as_http_errors():
            emulator.block(chat_id, blocked=False)
        return {"blocked": False}

    @routes.post("/hold")
    async def hold(body: HoldBody) -> JSONDict:
        emulator.hold = body.on
        return {"on": emulator.hold}

    @routes.get("/held")
    async def held() -> JSONDict:
        return {"waiting": emulator.held}

    @routes.post("/reset")
    async def reset() -> JSONDict:
        emulator.reset()
        return {"reset": True}

    return routes


@contextlib.contextmanager
def _as_http_errors() -> Iterator[None]:
    """Control calls naming what does not exist answer 404; impossible requests 400."""
    try:
        yield
    except UnknownObject as error:
        raise HTTPException(404, str(error)) from error
    except ValueError as error:
        raise HTTPException(400, str(error)) from error
