"""Where the local mailbox keeps mail: a Maildir, the index beside it, and how long
mail stays (`Retention`).

Every request of the web view is served from the index; only showing one message
opens a file. The files stay the truth: `MailStore.sync` brings the index in line with
them on start (mail delivered before the index existed, files removed by hand) and
reads only the headers of files it does not know yet.
"""

from __future__ import annotations

import mailbox
import os
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from pathlib import Path

from devstack.mailbox_index import INDEX_FILE, MailIndex, Retention, Summary

_PARSER = BytesParser(policy=policy.default)
# Indexing reads many header blocks: the legacy policy parses them several times faster
# than policy.default's header objects, and `_decoded` turns what the list shows to text.
_HEADER_PARSER = BytesHeaderParser()
# Files indexed per transaction while syncing: the list fills up while a large
# Maildir is being indexed, and a delivery never waits long for the lock.
SYNC_BATCH = 500
# Header blocks longer than this are not mail the platform sends; the list shows what
# fits (a notification's headers are about 1 KiB).
MAX_HEADER_BYTES = 64 * 1024


# --- What arrived ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedEmail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    raw: bytes
    received_at: datetime

    @classmethod
    def parse(
        cls, mail_from: str, rcpt_tos: Sequence[str], raw: bytes, received_at: datetime
    ) -> ReceivedEmail:
        message = _PARSER.parsebytes(raw)
        assert isinstance(message, EmailMessage)  # policy.default makes EmailMessage
        return cls(mail_from, tuple(rcpt_tos), message, raw, received_at)

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))

    @property
    def to(self) -> str:
        return str(self.message.get("To", ""))

    @property
    def sender(self) -> str:
        return str(self.message.get("From", ""))

    @property
    def message_id(self) -> str | None:
        """Without angle brackets, as `notifications.email` hands it out."""
        return _message_id(self.message)

    @property
    def text(self) -> str:
        """The text/plain body ("" when there is none)."""
        return self._body("plain") or ""

    @property
    def html(self) -> str | None:
        return self._body("html")

    def _body(self, subtype: str) -> str | None:
        part = self.message.get_body(preferencelist=(subtype,))
        if part is None:
            return None
        content = part.get_content()
        # SMTP speaks CRLF; callers compare with the text they sent, written with \n.
        return str(content).replace("\r\n", "\n")


@dataclass(frozen=True)
class StoredEmail:
    """A message in the Maildir; `key` addresses it there and in the web view."""

    key: str
    email: ReceivedEmail


def _message_id(message: Message) -> str | None:
    value = message.get("Message-ID")
    return str(value).strip().strip("<>") if value is not None else None


# --- The Maildir ------------------------------------------------------------------------


def open_maildir(path: Path) -> mailbox.Maildir:
    """The Maildir at `path`, made complete first: the stdlib only lays out tmp/new/cur
    when the directory itself is missing, not in an empty one someone created."""
    for sub in ("tmp", "new", "cur"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    return mailbox.Maildir(path, create=False)


def read_maildir(path: Path) -> list[StoredEmail]:
    """Every message in the Maildir at `path`, newest first, read from the files
    themselves (not the index): for tests and tools, never for a page."""
    box = open_maildir(path)
    stored = [_load(box, key) for key in box.iterkeys()]
    return sorted(stored, key=lambda s: (s.email.received_at, s.key), reverse=True)


def _load(box: mailbox.Maildir, key: str) -> StoredEmail:
    raw = box.get_bytes(key)
    delivered = datetime.fromtimestamp(box.get_message(key).get_date(), UTC)
    return StoredEmail(key, _with_envelope(raw, delivered))


def _with_envelope(raw: bytes, delivered: datetime) -> ReceivedEmail:
    email = ReceivedEmail.parse("", (), raw, delivered)
    # The envelope survives only as the headers `_maildir_copy` put in front.
    return_path, rcpt_tos = _envelope(email.message)
    return ReceivedEmail(return_path, rcpt_tos, email.message, raw, delivered)


def _envelope(message: Message) -> tuple[str, tuple[str, ...]]:
    return_path = str(message.get("Return-Path", "")).strip("<>")
    return return_path, tuple(str(v) for v in message.get_all("Delivered-To", []))


def _maildir_copy(email: ReceivedEmail) -> bytes:
    # What a local delivery agent writes: envelope headers on top, Unix line endings.
    envelope = f"Return-Path: <{email.mail_from}>\n"
    envelope += "".join(f"Delivered-To: {rcpt}\n" for rcpt in email.rcpt_tos)
    return envelope.encode() + email.raw.replace(b"\r\n", b"\n")


def _maildir_files(path: Path) -> Iterator[tuple[str, str]]:
    """(key, file relative to the Maildir) of every message, from the directory
    listings alone: no message is opened."""
    for sub in ("new", "cur"):
        with os.scandir(path / sub) as entries:
            for entry in entries:
                if entry.name.startswith(".") or not entry.is_file():
                    continue
                # In cur/ a message's flags follow the key after the colon.
                yield entry.name.split(":")[0], f"{sub}/{entry.name}"


def _read_headers(file: Path) -> bytes:
    head = b""
    with file.open("rb") as stream:
        while b"\n\n" not in head and len(head) < MAX_HEADER_BYTES:
            chunk = stream.read(8192)
            if not chunk:
                break
            head += chunk
    return head.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0] + b"\n\n"


# Every value of a header, as text.
HeaderValues = Callable[[str], list[str]]


def _parsed_values(message: Message) -> HeaderValues:
    return lambda name: [str(value) for value in message.get_all(name, [])]


def _raw_values(head: bytes) -> HeaderValues:
    headers = _HEADER_PARSER.parsebytes(head)
    return lambda name: [_decoded(value) for value in headers.get_all(name, [])]


def _decoded(value: object) -> str:
    unfolded = re.sub(r"\r?\n[ \t]", " ", str(value))
    try:
        return str(make_header(decode_header(unfolded)))
    except (LookupError, UnicodeDecodeError, ValueError):  # a bad charset: shown as sent
        return unfolded


def _summary(key: str, file: str, received_at: datetime, values: HeaderValues) -> Summary:
    def first(name: str) -> str | None:
        found = values(name)
        return found[0] if found else None

    message_id = first("Message-ID")
    return Summary(
        key=key,
        file=file,
        received_at=received_at,
        mail_from=(first("Return-Path") or "").strip("<>"),
        rcpt_tos=tuple(values("Delivered-To")),
        sender=first("From") or "",
        to=first("To") or "",
        subject=first("Subject") or "",
        message_id=message_id.strip().strip("<>") if message_id is not None else None,
    )


class MailStore:
    """The Maildir at `path` with its index, keeping what `retention` allows."""

    def __init__(self, path: Path, retention: Retention | None = None) -> None:
        self.path = path
        self.retention = retention or Retention()
        self._box = open_maildir(path)
        self.index = MailIndex(path / INDEX_FILE)

    def close(self) -> None:
        self.index.close()

    # -- reading

    def count(self) -> int:
        return self.index.count()

    def page(self, offset: int, limit: int) -> list[Summary]:
        return self.index.page(offset, limit)

    def load(self, key: str) -> StoredEmail:
        """The message `key`; KeyError when there is none. The key is looked up in the
        index, never joined into a path, so no key reaches outside the Maildir."""
        summary = self.index.get(key)
        if summary is None:
            raise KeyError(key)
        try:
            raw = (self.path / summary.file).read_bytes()
        except FileNotFoundError:
            raw = self._box.get_bytes(key)  # moved (new/ to cur/) by a mail reader
        return StoredEmail(key, _with_envelope(raw, summary.received_at))

    # -- writing

    def deliver(self, email: ReceivedEmail) -> str:
        key = self._box.add(_maildir_copy(email))
        file = f"new/{key}"
        # Readers order by the file's mtime (the Maildir delivery date); the coarse clock
        # a file system stamps with would tie messages accepted in the same few ms.
        stamp = email.received_at.timestamp()
        os.utime(self.path / file, (stamp, stamp))
        summary = _summary(key, file, email.received_at, _parsed_values(email.message))
        self.index.add([summary])
        self.prune()
        return key

    def clear(self) -> None:
        for _, file in list(_maildir_files(self.path)):
            (self.path / file).unlink(missing_ok=True)
        self.index.clear()

    def prune(self, now: datetime | None = None) -> int:
        """Delete the oldest messages the retention no longer keeps; how many."""
        pruned = 0
        moment = now or datetime.now(UTC)
        while keys := self.index.beyond(self.retention, moment):
            for key in keys:
                self._delete(key)
            self.index.remove(keys)
            pruned += len(keys)
        return pruned

    def _delete(self, key: str) -> None:
        summary = self.index.get(key)
        try:
            if summary is not None:
                (self.path / summary.file).unlink()
                return
        except FileNotFoundError:
            pass
        self._box.discard(key)  # moved by a mail reader, or already gone

    def sync(self, stop: threading.Event | None = None) -> int:
        """Index the files the index lacks and forget rows whose file is gone; how many
        files were indexed. Only the headers of unknown files are read; `stop` ends it
        between batches (what is indexed by then stays)."""
        # The index is read before the directories: a message delivered in between is
        # then merely listed twice (and indexed once), never dropped as gone.
        indexed = self.index.keys()
        on_disk = dict(_maildir_files(self.path))
        self.index.remove(indexed - on_disk.keys())
        added = 0
        unknown = sorted(on_disk.keys() - indexed)
        for start in range(0, len(unknown), SYNC_BATCH):
            if stop is not None and stop.is_set():
                break
            batch: Sequence[str] = unknown[start : start + SYNC_BATCH]
            summaries = []
            for key in batch:
                file = self.path / on_disk[key]
                try:
                    head = _read_headers(file)
                    received_at = datetime.fromtimestamp(file.stat().st_mtime, UTC)
                except OSError:
                    continue  # pruned or cleared meanwhile, or unreadable: not listed
                values = _raw_values(head)
                summaries.append(_summary(key, on_disk[key], received_at, values))
            self.index.add(summaries)
            added += len(summaries)
        return added
