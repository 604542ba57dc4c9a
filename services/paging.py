"""Keyset paging for list endpoints: opaque cursors that name the list they belong to
and the sort key of the last row seen.

A cursor is base64url JSON `[list name, key...]`. Clients must treat it as opaque; the
server checks it fully (its list, the number and types of its values) so a forged or
mangled cursor is a 422 and never reaches the database as an odd value."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar

from services.errors import Unprocessable

T = TypeVar("T")

# What a page may hold: the API's limit parameters use these bounds.
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# A cursor carries a name (at most 200 characters, Cyrillic in UTF-8) and a few ids.
MAX_CURSOR_LENGTH = 2000


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


KeyValue = str | uuid.UUID | date | datetime
# How each value of a key is read back from the cursor's JSON.
Decoder = Callable[[Any], KeyValue]


def text(value: Any) -> str:
    # PostgreSQL refuses NUL in text, so such a value must not reach a query.
    if not isinstance(value, str) or "\x00" in value:
        raise ValueError("expected text")
    return value


def an_uuid(value: Any) -> uuid.UUID:
    return uuid.UUID(text(value))


def a_date(value: Any) -> date:
    return date.fromisoformat(text(value))


def a_datetime(value: Any) -> datetime:
    parsed = datetime.fromisoformat(text(value))
    if parsed.tzinfo is None:
        raise ValueError("expected a time with its offset")
    # In UTC, as the database compares it; a time at the calendar's edge whose UTC
    # falls outside it (year 9999 at -14:00) fails here rather than in the driver.
    return parsed.astimezone(UTC)


def name_and_id(values: tuple[KeyValue, ...]) -> tuple[str, uuid.UUID]:
    """The values of a (text, an_uuid) cursor, typed as its decoders made them."""
    name, key = values
    assert isinstance(name, str)
    assert isinstance(key, uuid.UUID)
    return name, key


@dataclass(frozen=True)
class CursorCodec:
    """The cursor of one list: its name and how its sort key's values are read."""

    name: str
    decoders: tuple[Decoder, ...]

    def encode(self, key: Sequence[KeyValue]) -> str:
        values = [v.isoformat() if isinstance(v, date | datetime) else str(v) for v in key]
        raw = json.dumps([self.name, *values], ensure_ascii=False, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def decode(self, cursor: str) -> tuple[KeyValue, ...]:
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            parsed = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
            if not isinstance(parsed, list) or len(parsed) != len(self.decoders) + 1:
                raise ValueError("wrong shape")
            name, *values = parsed
            if name != self.name:
                raise ValueError("a cursor of another list")
            return tuple(read(v) for read, v in zip(self.decoders, values, strict=True))
        except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError):
            raise Unprocessable(
                "cursor is not one this API issued for this list; "
                "pass the next_cursor of the previous page unchanged"
            ) from None


def page_of(
    rows: list[T], limit: int, codec: CursorCodec, key: Callable[[T], Sequence[KeyValue]]
) -> Page[T]:
    """`rows` were fetched with `limit + 1`: one row more than the page says there is a
    next page, whose cursor is the key of the page's last row."""
    items = rows[:limit]
    more = len(rows) > limit and bool(items)
    return Page(items, codec.encode(key(items[-1])) if more else None)
