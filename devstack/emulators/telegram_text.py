"""Message text as Telegram stores it: HTML markup parsed into entities, commands, mentions,
hashtags and links detected, surrounding whitespace trimmed.

Offsets and lengths count UTF-16 code units, as the Bot API does; python-telegram-bot relies
on that (CommandHandler slices `text[1:entity.length]`). Only parse_mode HTML is interpreted:
that is what our bot sends, and Telegram refusing a malformed template (an unsupported tag, an
unclosed one) is a bug the tests should see here rather than in production. Markdown modes are
accepted and passed through unparsed.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

JSONDict = dict[str, Any]

MAX_TEXT_LENGTH = 4096  # UTF-16 code units after entity parsing, like Telegram
PARSE_MODES = frozenset({"html", "markdown", "markdownv2"})

_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_START_TAG = re.compile(
    r"<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>"
)
_ATTRIBUTE = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>\"']+))?")
_END_TAG = re.compile(r"</([a-zA-Z][a-zA-Z0-9-]*)\s*>")
_CHAR_REFERENCE = re.compile(r"&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
# What Telegram links by itself in plain text (a practical subset).
_AUTO_ENTITIES = (
    ("bot_command", re.compile(r"(?<![\w/@])/[a-zA-Z0-9_]{1,64}(?:@[a-zA-Z0-9_]{3,32})?(?!\w)")),
    ("mention", re.compile(r"(?<![\w@])@[a-zA-Z0-9_]{4,32}(?!\w)")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d]\w*")),
    ("url", re.compile(r"\bhttps?://[^\s<>\"]*[^\s<>\".,;:!?)\]']")),
)
# No links or commands are recognised inside these.
_OPAQUE_ENTITIES = frozenset({"code", "pre", "text_link"})


class EntityParseError(ValueError):
    """The markup cannot be parsed; the text is Telegram's reason."""


class UnsupportedParseMode(ValueError):
    pass


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def render(text: str, parse_mode: str | None) -> tuple[str, list[JSONDict]]:
    """The text and entities Telegram stores for a message sent with this parse mode."""
    mode = (parse_mode or "").lower()
    if mode and mode not in PARSE_MODES:
        raise UnsupportedParseMode(parse_mode)
    plain, entities = _HtmlParser(text).parse() if mode == "html" else (text, [])
    plain, entities = _trim(plain, entities)
    return plain, _sorted(entities + detect_entities(plain, entities))


def detect_entities(text: str, existing: list[JSONDict] | None = None) -> list[JSONDict]:
    """Commands, mentions, hashtags and links Telegram marks up in plain text by itself."""
    opaque = [e for e in existing or [] if e["type"] in _OPAQUE_ENTITIES]
    found: list[JSONDict] = []
    for kind, pattern in _AUTO_ENTITIES:
        for match in pattern.finditer(text):
            offset = utf16_len(text[: match.start()])
            length = utf16_len(match.group())
            if not any(_overlaps(offset, length, e) for e in opaque):
                found.append({"type": kind, "offset": offset, "length": length})
    return found


def _overlaps(offset: int, length: int, entity: JSONDict) -> bool:
    start: int = entity["offset"]
    end: int = start + entity["length"]
    return offset < end and start < offset + length


def _sorted(entities: list[JSONDict]) -> list[JSONDict]:
    # Outer entities first at the same offset, like Telegram (a command at offset 0 first).
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def _trim(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Telegram drops leading and trailing whitespace and shifts the entities with it."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    end = lead + utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"], lead)
        stop = min(entity["offset"] + entity["length"], end)
        if stop > start:
            kept.append({**entity, "offset": start - lead, "length": stop - start})
    return stripped, kept


@dataclass
class _OpenTag:
    name: str
    offset: int
    extra: JSONDict = field(default_factory=dict)


class _HtmlParser:
    """Telegram's HTML dialect: a fixed set of tags, four named character references."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.chunks: list[str] = []
        self.length = 0  # of the output so far, in UTF-16 code units
        self.open: list[_OpenTag] = []
        self.entities: list[JSONDict] = []

    def parse(self) -> tuple[str, list[JSONDict]]:
        position = 0
        while position < len(self.source):
            char = self.source[position]
            if char == "<":
                position = self._tag(position)
            elif char == "&":
                position = self._reference(position)
            else:
                stop = _next_special(self.source, position)
                self._emit(self.source[position:stop])
                position = stop
        if self.open:
            raise EntityParseError(
                f'Can\'t find end tag corresponding to start tag "{self.open[-1].name}"'
            )
        return "".join(self.chunks), self.entities

    def _emit(self, text: str) -> None:
        self.chunks.append(text)
        self.length += utf16_len(text)

    def _byte_offset(self, position: int) -> int:
        return len(self.source[:position].encode())

    def _reference(self, position: int) -> int:
        match = _CHAR_REFERENCE.match(self.source, position)
        if match is None:  # a lone "&" is just text
            self._emit("&")
            return position + 1
        self._emit(html.unescape(match.group()))
        return match.end()

    def _tag(self, position: int) -> int:
        if self.source.startswith("</", position):
            return self._end_tag(position)
        match = _START_TAG.match(self.source, position)
        if match is None:
            raise EntityParseError(
                f"Unexpected end of name token at byte offset {self._byte_offset(position)}"
            )
        name = match.group(1).lower()
        attributes = _attributes(match.group(2))
        self.open.append(_OpenTag(name, self.length, self._tag_extra(name, attributes, position)))
        return match.end()

    def _tag_extra(self, name: str, attributes: dict[str, str], position: int) -> JSONDict:
        where = f"at byte offset {self._byte_offset(position)}"
        if name not in _TAG_ENTITY:
            raise EntityParseError(f'Unsupported start tag "{name}" {where}')
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise EntityParseError(f'Tag "span" must have class "tg-spoiler" {where}')
        if name == "a":
            return {"url": attributes.get("href", "")}
        if name == "tg-emoji":
            return {"custom_emoji_id": attributes.get("emoji-id", "")}
        if name == "blockquote" and "expandable" in attributes:
            return {"expandable": True}
        if name == "code" and attributes.get("class", "").startswith("language-"):
            return {"language": attributes["class"].removeprefix("language-")}
        return {}

    def _end_tag(self, position: int) -> int:
        match = _END_TAG.match(self.source, position)
        where = f"at byte offset {self._byte_offset(position)}"
        if match is None:
            raise EntityParseError(f"Unexpected end of name token {where}")
        name = match.group(1).lower()
        if not self.open:
            raise EntityParseError(f"Unexpected end tag {where}")
        tag = self.open.pop()
        if tag.name != name:
            raise EntityParseError(
                f'Unmatched end tag {where}, expected "</{tag.name}>", found "</{name}>"'
            )
        self._close(tag)
        return match.end()

    def _close(self, tag: _OpenTag) -> None:
        length = self.length - tag.offset
        kind = _TAG_ENTITY[tag.name]
        if tag.name == "code" and "language" in tag.extra and self.open:
            parent = self.open[-1]
            if parent.name == "pre":  # <pre><code class="language-x"> is one pre entity
                parent.extra["language"] = tag.extra["language"]
                return
        extra = {k: v for k, v in tag.extra.items() if k != "language" or kind == "pre"}
        if kind == "blockquote" and extra.pop("expandable", False):
            kind = "expandable_blockquote"
        if kind == "text_link" and not extra.get("url"):
            return  # an <a> without href is plain text
        if length > 0:  # Telegram drops empty entities
            self.entities.append({"type": kind, "offset": tag.offset, "length": length, **extra})


def _next_special(source: str, position: int) -> int:
    stops = [i for i in (source.find("<", position), source.find("&", position)) if i != -1]
    return min(stops, default=len(source))


def _attributes(raw: str) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for name, value in _ATTRIBUTE.findall(raw):
        if value[:1] in {'"', "'"}:
            value = value[1:-1]
        attributes[name.lower()] = html.unescape(value)
    return attributes
