"""The local mailbox: an SMTP server that keeps what it receives, and a web page to read it.

`make up` runs it (`python -m devstack.mailbox`) instead of a real mail relay, so every
e-mail the stack sends lands in a Maildir under the state directory and can be read in a
browser. The tests run the same `SmtpSink` inside their own event loop and steer it:
refuse a recipient, fail the next transfers, or hold back the final reply to DATA so a
sender can be killed after the relay has the message but before it knows.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hmac
import mailbox
import os
import re
import signal
import ssl
import sys
import warnings
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

import uvicorn
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import DictLoader, Environment, select_autoescape

from core.settings import get_settings

_PARSER = BytesParser(policy=policy.default)


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
        value = self.message.get("Message-ID")
        return str(value).strip().strip("<>") if value is not None else None

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


def open_maildir(path: Path) -> mailbox.Maildir:
    """The Maildir at `path`, made complete first: the stdlib only lays out tmp/new/cur
    when the directory itself is missing, not in an empty one someone created."""
    for sub in ("tmp", "new", "cur"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    return mailbox.Maildir(path, create=False)


def read_maildir(path: Path) -> list[StoredEmail]:
    """Every message in the Maildir at `path`, newest first."""
    box = open_maildir(path)
    stored = [_load(box, key) for key in box.iterkeys()]
    return sorted(stored, key=lambda s: (s.email.received_at, s.key), reverse=True)


def _load(box: mailbox.Maildir, key: str) -> StoredEmail:
    raw = box.get_bytes(key)
    delivered = datetime.fromtimestamp(box.get_message(key).get_date(), UTC)
    email = ReceivedEmail.parse("", (), raw, delivered)
    # The envelope survives only as the headers `_maildir_copy` put in front.
    return_path = str(email.message.get("Return-Path", "")).strip("<>")
    rcpt_tos = tuple(str(v) for v in email.message.get_all("Delivered-To", []))
    return StoredEmail(key, ReceivedEmail(return_path, rcpt_tos, email.message, raw, delivered))


def _deliver_to_maildir(path: Path, email: ReceivedEmail) -> None:
    key = open_maildir(path).add(_maildir_copy(email))
    # Readers order by the file's mtime (the Maildir delivery date); the coarse clock
    # a file system stamps with would tie messages accepted in the same few ms.
    stamp = email.received_at.timestamp()
    os.utime(path / "new" / key, (stamp, stamp))


def _maildir_copy(email: ReceivedEmail) -> bytes:
    # What a local delivery agent writes: envelope headers on top, Unix line endings.
    envelope = f"Return-Path: <{email.mail_from}>\n"
    envelope += "".join(f"Delivered-To: {rcpt}\n" for rcpt in email.rcpt_tos)
    return envelope.encode() + email.raw.replace(b"\r\n", b"\n")


# --- The SMTP server --------------------------------------------------------------------


class _Handler:
    """aiosmtpd's hooks, found by their handle_* names; kept apart from `SmtpSink`
    because aiosmtpd inspects every attribute of its handler."""

    def __init__(
        self,
        on_rcpt: Callable[[str], str | None],
        on_data: Callable[[Envelope], Awaitable[str]],
    ) -> None:
        self._on_rcpt = on_rcpt
        self._on_data = on_data

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        refusal = self._on_rcpt(address)
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return await self._on_data(envelope)


class SmtpSink:
    """An SMTP server in the running event loop that keeps every message it accepts."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        store: Path | None = None,
        auth: Mapping[str, str] | None = None,
        tls_context: ssl.SSLContext | None = None,
        hostname: str = "mailbox.localhost",
    ) -> None:
        self._bind = (host, port)
        self._store = store
        self._auth = dict(auth) if auth is not None else None
        self._tls_context = tls_context
        self._hostname = hostname
        self._server: asyncio.Server | None = None
        self._protocols: weakref.WeakSet[SMTP] = weakref.WeakSet()
        self._refusals: dict[str, str] = {}
        self._failures: list[str] = []
        self._released = asyncio.Event()
        self._released.set()
        self._arrival = asyncio.Condition()
        self.received: list[ReceivedEmail] = []
        self.connections = 0  # SMTP connections accepted so far
        self.held = 0  # transfers whose final reply is being held back

    # -- lifecycle

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        if self._store is not None:
            await asyncio.to_thread(open_maildir, self._store)
        self._server = await loop.create_server(self._protocol, *self._bind)

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        # Python 3.11's wait_closed() does not wait for open connections; a held
        # transfer would keep its client waiting forever, so cut them.
        for protocol in list(self._protocols):
            if protocol.transport is not None:
                protocol.transport.close()
        await self._server.wait_closed()
        self._server = None

    @property
    def host(self) -> str:
        return str(self._address()[0])

    @property
    def port(self) -> int:
        return int(self._address()[1])

    def _address(self) -> tuple[Any, ...]:
        if self._server is None:
            raise RuntimeError("the SMTP sink is not running")
        address: tuple[Any, ...] = self._server.sockets[0].getsockname()
        return address

    # -- switches for tests

    def refuse(
        self, address: str, code: int = 550, text: str = "5.1.1 Mailbox unavailable"
    ) -> None:
        """Answer RCPT TO for `address` with `code` until `accept(address)`."""
        self._refusals[address.lower()] = f"{code} {text}"

    def accept(self, address: str) -> None:
        self._refusals.pop(address.lower(), None)

    def fail_next(
        self, code: int = 451, text: str = "4.3.0 Try again later", times: int = 1
    ) -> None:
        """Answer the next `times` transfers (after DATA) with `code`, keeping nothing."""
        self._failures.extend([f"{code} {text}"] * times)

    def hold(self, on: bool) -> None:
        """While on, accepted messages are kept but the 250 after DATA is held back."""
        if on:
            self._released.clear()
        else:
            self._released.set()

    def clear(self) -> None:
        self.received.clear()

    # -- waiting for mail

    async def wait_for(
        self, predicate: Callable[[ReceivedEmail], bool], timeout_s: float = 10
    ) -> ReceivedEmail:
        """The first message (already received or arriving) that matches `predicate`."""

        def first() -> ReceivedEmail | None:
            return next((e for e in self.received if predicate(e)), None)

        try:
            async with asyncio.timeout(timeout_s), self._arrival:
                found = await self._arrival.wait_for(first)
        except TimeoutError:
            subjects = [e.subject for e in self.received]
            raise TimeoutError(
                f"no matching message within {timeout_s}s; received: {subjects}"
            ) from None
        assert found is not None
        return found

    async def wait_for_count(self, n: int, timeout_s: float = 10) -> list[ReceivedEmail]:
        try:
            async with asyncio.timeout(timeout_s), self._arrival:
                await self._arrival.wait_for(lambda: len(self.received) >= n)
        except TimeoutError:
            raise TimeoutError(
                f"{len(self.received)} of {n} messages within {timeout_s}s"
            ) from None
        return list(self.received)

    # -- aiosmtpd plumbing

    def _protocol(self) -> SMTP:
        self.connections += 1
        with warnings.catch_warnings():
            # AUTH without TLS is deliberate for the loopback dev mailbox.
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            protocol = SMTP(
                _Handler(self._on_rcpt, self._on_data),
                hostname=self._hostname,
                tls_context=self._tls_context,
                auth_required=self._auth is not None,
                auth_require_tls=self._tls_context is not None or self._auth is None,
                authenticator=self._authenticate if self._auth is not None else None,
                loop=asyncio.get_running_loop(),
            )
        self._protocols.add(protocol)
        return protocol

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert self._auth is not None
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        expected = self._auth.get(data.login.decode(errors="replace"))
        ok = expected is not None and hmac.compare_digest(expected.encode(), data.password)
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)

    def _on_rcpt(self, address: str) -> str | None:
        return self._refusals.get(address.lower())

    async def _on_data(self, envelope: Envelope) -> str:
        if self._failures:
            return self._failures.pop(0)
        email = ReceivedEmail.parse(
            envelope.mail_from or "",
            envelope.rcpt_tos,
            envelope.original_content or b"",
            datetime.now(UTC),
        )
        if self._store is not None:
            await asyncio.to_thread(_deliver_to_maildir, self._store, email)
        async with self._arrival:
            self.received.append(email)
            self._arrival.notify_all()
        await self._until_released()
        return "250 OK"

    async def _until_released(self) -> None:
        if self._released.is_set():
            return
        self.held += 1
        try:
            await self._released.wait()
        finally:  # also when the sender hangs up (or is killed) while held
            self.held -= 1


@contextlib.asynccontextmanager
async def serve_smtp_sink(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    store: Path | None = None,
    auth: Mapping[str, str] | None = None,
    tls_context: ssl.SSLContext | None = None,
) -> AsyncIterator[SmtpSink]:
    sink = SmtpSink(host, port, store=store, auth=auth, tls_context=tls_context)
    await sink.start()
    try:
        yield sink
    finally:
        await sink.stop()


# --- The web view -----------------------------------------------------------------------

_TEMPLATES = {
    "layout.html": """<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>{% block title %}{% endblock %}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #ddd;
  vertical-align: top; }
th { background: #f4f4f4; }
pre { white-space: pre-wrap; background: #f8f8f8; padding: .8rem; }
iframe { width: 100%; height: 32rem; border: 1px solid #ccc; }
.muted { color: #777; }
</style></head>
<body>{% block body %}{% endblock %}</body></html>""",
    "index.html": """{% extends "layout.html" %}
{% block title %}Почтовый ящик ({{ messages|length }}){% endblock %}
{% block body %}
<h1>Почтовый ящик <span class="muted">({{ messages|length }})</span></h1>
<form method="post" action="/clear"><button type="submit">Очистить</button></form>
{% if messages %}
<table>
<tr><th>Получено</th><th>От</th><th>Кому</th><th>Тема</th><th></th></tr>
{% for m in messages %}
<tr>
<td>{{ m.email.received_at.astimezone().strftime("%Y-%m-%d %H:%M:%S") }}</td>
<td>{{ m.email.sender }}</td>
<td>{{ m.email.to }}</td>
<td><a href="/messages/{{ m.key|urlkey }}">{{ m.email.subject or "(без темы)" }}</a></td>
<td><a href="/messages/{{ m.key|urlkey }}.eml">.eml</a></td>
</tr>
{% endfor %}
</table>
{% else %}
<p class="muted">Писем пока нет.</p>
{% endif %}
{% endblock %}""",
    "message.html": """{% extends "layout.html" %}
{% block title %}{{ email.subject }}{% endblock %}
{% block body %}
<p><a href="/">← все письма</a> · <a href="/messages/{{ key|urlkey }}.eml">.eml</a></p>
<h1>{{ email.subject or "(без темы)" }}</h1>
<table>
{% for name, value in headers %}<tr><th>{{ name }}</th><td>{{ value }}</td></tr>{% endfor %}
</table>
{% if email.html is not none %}
<h2>HTML</h2>
{# No scripts, no access to this page; links open in a new tab. #}
<iframe sandbox="allow-popups allow-popups-to-escape-sandbox"
  srcdoc="{{ '<base target="_blank">' ~ email.html }}"></iframe>
{% endif %}
<h2>Текст</h2>
<pre>{{ email.text }}</pre>
{% endblock %}""",
}


def _templates() -> Environment:
    env = Environment(loader=DictLoader(_TEMPLATES), autoescape=select_autoescape(["html"]))
    env.filters["urlkey"] = lambda key: quote(str(key), safe="")
    return env


def create_mailbox_app(maildir_path: Path) -> FastAPI:
    """Read-only pages over the Maildir (plus "clear"); sync handlers run in a thread."""
    app = FastAPI(title="Local mailbox", docs_url=None, redoc_url=None, openapi_url=None)
    templates = _templates()

    def one(key: str) -> StoredEmail:
        try:
            return _load(open_maildir(maildir_path), key)
        except KeyError:
            raise HTTPException(status_code=404, detail="no such message") from None

    @app.get("/")
    def index() -> HTMLResponse:
        page = templates.get_template("index.html")
        return HTMLResponse(page.render(messages=read_maildir(maildir_path)))

    @app.get("/api/messages")
    def api_messages() -> list[dict[str, str | None]]:
        return [_summary(stored) for stored in read_maildir(maildir_path)]

    # Registered before "/messages/{key}", which would otherwise take the ".eml" too.
    @app.get("/messages/{key}.eml")
    def raw_message(key: str) -> Response:
        stored = one(key)
        filename = re.sub(r"[^\w.-]", "_", key)
        return Response(
            stored.email.raw,
            media_type="message/rfc822",
            headers={"Content-Disposition": f'inline; filename="{filename}.eml"'},
        )

    @app.get("/messages/{key}")
    def show_message(key: str) -> HTMLResponse:
        stored = one(key)
        headers = [(name, str(value)) for name, value in stored.email.message.items()]
        page = templates.get_template("message.html")
        return HTMLResponse(page.render(key=key, email=stored.email, headers=headers))

    @app.post("/clear")
    def clear() -> RedirectResponse:
        box = open_maildir(maildir_path)
        for key in list(box.iterkeys()):
            box.discard(key)
        return RedirectResponse("/", status_code=303)

    return app


def _summary(stored: StoredEmail) -> dict[str, str | None]:
    email = stored.email
    return {
        "key": stored.key,
        "date": email.received_at.isoformat(),
        "from": email.sender,
        "to": email.to,
        "subject": email.subject,
        "message_id": email.message_id,
    }


# --- python -m devstack.mailbox ---------------------------------------------------------


class _WebServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        # uvicorn would take SIGINT/SIGTERM and re-raise them after its own shutdown,
        # killing the process before the SMTP side is closed; `serve_mailbox` owns them.
        yield


async def serve_mailbox(host: str, smtp_port: int, web_port: int, maildir: Path) -> None:
    """The SMTP sink with a Maildir store and its web view, until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    app = create_mailbox_app(maildir)
    web = _WebServer(uvicorn.Config(app, host=host, port=web_port, log_level="warning"))
    async with serve_smtp_sink(host, smtp_port, store=maildir) as sink:
        serving = asyncio.create_task(web.serve())
        await _until_started(web, serving)
        print(
            f"mailbox: smtp://{sink.host}:{sink.port}  web http://{host}:{web_port}/  "
            f"maildir {maildir}",
            flush=True,
        )
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
        web.should_exit = True
        stopping.cancel()
        await serving


async def _until_started(web: uvicorn.Server, serving: asyncio.Task[None]) -> None:
    while not web.started:
        if serving.done():
            serving.result()  # uvicorn exits (SystemExit) when it cannot bind
            raise RuntimeError("the mailbox web view stopped while starting")
        await asyncio.sleep(0.05)


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    settings = get_settings()
    parser = argparse.ArgumentParser(
        prog="python -m devstack.mailbox",
        description="Local SMTP mailbox (Maildir) with a web view, for the dev stack.",
    )
    parser.add_argument("--host", default=settings.smtp.host)
    parser.add_argument("--smtp-port", type=int, default=settings.smtp.port)
    parser.add_argument("--web-port", type=int, default=settings.smtp.mailbox_web_port)
    parser.add_argument("--maildir", type=Path, default=settings.state_dir / "mailbox")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = _arguments(argv)
    try:
        asyncio.run(serve_mailbox(args.host, args.smtp_port, args.web_port, args.maildir))
    except OSError as error:  # a taken SMTP port, an unwritable state directory
        sys.exit(f"mailbox: {error}")


if __name__ == "__main__":
    main()
