"""Telegram messages through python-telegram-bot's `Bot`, the same client the executor
bot uses; `base_url` points it at api.telegram.org or at the local emulator."""

from __future__ import annotations

from datetime import timedelta

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from core.settings import TelegramSettings
from notifications.errors import (
    DeliveryInDoubt,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from notifications.templates import RenderedTelegram


def make_bot(settings: TelegramSettings, *, pool_size: int = 32) -> Bot:
    """A sending-only Bot (it never polls, so one HTTP client serves both of PTB's
    request slots and `close_bot` can release it without a getMe round trip)."""
    request = HTTPXRequest(connection_pool_size=pool_size, read_timeout=settings.read_timeout_s)
    return Bot(
        settings.token,
        base_url=f"{settings.base_url}/bot",
        base_file_url=f"{settings.base_url}/file/bot",
        request=request,
        get_updates_request=request,
    )


async def close_bot(bot: Bot) -> None:
    await bot.request.shutdown()


def keyboard(message: RenderedTelegram) -> InlineKeyboardMarkup | None:
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.callback_data, url=b.url) for b in row]
            for row in message.buttons
        ]
    )


class TelegramSender:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: str, message: RenderedTelegram) -> str:
        """Send and return Telegram's message id; raise a DeliveryError on failure."""
        try:
            sent = await self.bot.send_message(
                chat_id=int(chat_id),
                text=message.text,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(message),
            )
        except ValueError:
            raise PermanentDeliveryError(f"not a Telegram chat id: {chat_id!r}") from None
        except Forbidden as error:  # the executor blocked the bot or left the chat
            raise PermanentDeliveryError(f"telegram refused: {error.message}") from None
        except RetryAfter as error:
            raise TransientDeliveryError(
                f"telegram flood control: {error.message}",
                retry_after_s=_seconds(error.retry_after),
            ) from None
        except BadRequest as error:  # chat not found, bad markup: a retry says the same
            raise PermanentDeliveryError(f"telegram rejected: {error.message}") from None
        except (NetworkError, TelegramError) as error:  # includes TimedOut
            if _never_left(error):
                raise TransientDeliveryError(f"telegram unreachable: {error.message}") from None
            # The request went out and no answer came back: Telegram may have posted it.
            raise DeliveryInDoubt(f"telegram did not answer: {error.message}") from None
        return str(sent.message_id)


def _never_left(error: TelegramError) -> bool:
    """True when the request provably never reached Telegram (no connection, no free
    connection in the pool), so sending again cannot make a duplicate."""
    cause = error.__cause__
    return isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
