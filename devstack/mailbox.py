"""The local mailbox: an SMTP server that keeps what it receives, and a web page to read it.

`make up` runs it (`python -m devstack.mailbox`) instead of a real mail relay, so every
e-mail the stack sends lands in a Maildir under the state directory and can be read in a
browser, a page at a time; an index beside the Maildir (devstack/mailbox_store.py) keeps
the list, the count and the readiness probe from reading the messages, and the retention
setting bounds how much mail stays. The tests run the same `SmtpSink` inside their own
event loop and steer it: refuse a recipient, fail the next transfers, or hold back the
final reply to DATA so a sender can be killed after the relay has the message but before
it knows.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hmac
import re
import signal
import ssl
import sys
import threading
import warnings
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import uvicorn
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import DictLoader, Environment, select_autoescape

from api.problems import install_problem_handlers
from core.settings import get_settings
from devstack.mailbox_index import Retention, Summary
from devstack.mailbox_store import (
    MailStore,
    ReceivedEmail,
    StoredEmail,
    open_maildir,
    read_maildir,
)

__all__ = [
    "MailStore",
    "ReceivedEmail",
    "Retention",
    "SmtpSink",
    "StoredEmail",
    "create_mailbox_app",
    "open_maildir",
    "read_maildir",
    "serve_mailbox",
    "serve_smtp_sink",
]

# The web view's page, and the most one JSON request may ask for.
PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


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
    """An SMTP server in the running event loop that keeps every message it accepts:
    in `received` (unless `remember` is off, as for the long-running mailbox, whose
    memory would otherwise grow with every message) and, given a `store` path, in a
    Maildir kept within `retention`."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        store: Path | None = None,
        retention: Retention | None = None,
        remember: bool = True,
        auth: Mapping[str, str] | None = None,
        tls_context: ssl.SSLContext | None = None,
        hostname: str = "mailbox.localhost",
    ) -> None:
        self._bind = (host, port)
        self._store_path = store
        self._retention = retention
        self._remember = remember
        self._store: MailStore | None = None
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
        if self._store_path is not None:
            self._store = await asyncio.to_thread(MailStore, self._store_path, self._retention)
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
        if self._store is not None:
            self._store.close()
            self._store = None

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
            await asyncio.to_thread(self._store.deliver, email)
        async with self._arrival:
            if self._remember:
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
    retention: Retention | None = None,
    remember: bool = True,
    auth: Mapping[str, str] | None = None,
    tls_context: ssl.SSLContext | None = None,
) -> AsyncIterator[SmtpSink]:
    sink = SmtpSink(
        host,
        port,
        store=store,
        retention=retention,
        remember=remember,
        auth=auth,
        tls_context=tls_context,
    )
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
{% block title %}Почтовый ящик ({{ total }}){% endblock %}
{% block body %}
<h1>Почтовый ящик <span class="muted">({{ total }})</span></h1>
<form method="post" action="/clear"><button type="submit">Очистить</button></form>
<p class="muted">{{ kept }}</p>
{% if indexing %}<p class="muted">Письма, полученные до запуска, ещё индексируются.</p>{% endif %}
{% if messages %}
<table>
<tr><th>Получено</th><th>От</th><th>Кому</th><th>Тема</th><th></th></tr>
{% for m in messages %}
<tr>
<td>{{ m.received_at.astimezone().strftime("%Y-%m-%d %H:%M:%S") }}</td>
<td>{{ m.sender }}</td>
<td>{{ m.to }}</td>
<td><a href="/messages/{{ m.key|urlkey }}">{{ m.subject or "(без темы)" }}</a></td>
<td><a href="/messages/{{ m.key|urlkey }}.eml">.eml</a></td>
</tr>
{% endfor %}
</table>
{% else %}
<p class="muted">{{ "Писем пока нет." if total == 0 else "На этой странице писем нет." }}</p>
{% endif %}
<p>
{% if page > 1 %}<a href="/?page={{ page - 1 }}">← новее</a> · {% endif %}
страница {{ page }} из {{ pages }}
{% if page < pages %} · <a href="/?page={{ page + 1 }}">старше →</a>{% endif %}
</p>
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


# Far beyond any real mailbox, small enough for SQLite's 64-bit OFFSET.
_MAX_OFFSET = 10**12


class _CatchUp:
    """Indexing the files found on start (and pruning by the retention) runs in the
    background: the web view answers, and shows what is indexed so far, meanwhile."""

    def __init__(self, store: MailStore) -> None:
        self.store = store
        self.running = False
        self._stop = threading.Event()

    async def run(self) -> None:
        self.running = True
        try:
            await asyncio.to_thread(self._catch_up)
        finally:
            self.running = False

    def _catch_up(self) -> None:
        indexed = self.store.sync(self._stop)
        pruned = 0 if self._stop.is_set() else self.store.prune()
        if indexed or pruned:
            print(f"mailbox: indexed {indexed} message(s), pruned {pruned}", flush=True)

    def stop(self) -> None:
        self._stop.set()


def create_mailbox_app(maildir_path: Path, retention: Retention | None = None) -> FastAPI:
    """Pages over the Maildir (plus "clear"), served from its index; sync handlers run
    in a thread. On start it indexes, in the background, mail it does not know yet."""
    store = MailStore(maildir_path, retention)
    catch_up = _CatchUp(store)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        catch_up.running = True  # before the first request can ask
        running = asyncio.create_task(catch_up.run())
        try:
            yield
        finally:
            catch_up.stop()
            await running
            store.close()

    app = FastAPI(
        title="Local mailbox", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    install_problem_handlers(app)
    templates = _templates()

    def one(key: str) -> StoredEmail:
        try:
            return store.load(key)
        except KeyError:
            raise HTTPException(status_code=404, detail="no such message") from None

    @app.get("/api/health")
    def health() -> dict[str, object]:
        # The readiness probe: one row of the index, whatever the mailbox holds.
        return {"status": "ready", "messages": store.count(), "indexing": catch_up.running}

    @app.get("/")
    def index(page: Annotated[int, Query(ge=1, le=_MAX_OFFSET // PAGE_SIZE)] = 1) -> HTMLResponse:
        total = store.count()
        html = templates.get_template("index.html").render(
            messages=store.page((page - 1) * PAGE_SIZE, PAGE_SIZE),
            total=total,
            page=page,
            pages=max(1, -(-total // PAGE_SIZE)),
            indexing=catch_up.running,
            kept=_describe(store.retention),
        )
        return HTMLResponse(html)

    @app.get("/api/messages")
    def api_messages(
        response: Response,
        offset: Annotated[int, Query(ge=0, le=_MAX_OFFSET)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = PAGE_SIZE,
    ) -> list[dict[str, str | None]]:
        """Newest first, `limit` at a time; X-Total-Count says how many there are."""
        response.headers["X-Total-Count"] = str(store.count())
        return [_summary(summary) for summary in store.page(offset, limit)]

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
        store.clear()
        return RedirectResponse("/", status_code=303)

    return app


def _summary(summary: Summary) -> dict[str, str | None]:
    return {
        "key": summary.key,
        "date": summary.received_at.isoformat(),
        "from": summary.sender,
        "to": summary.to,
        "subject": summary.subject,
        "message_id": summary.message_id,
    }


def _describe(retention: Retention) -> str:
    limits = []
    if retention.max_messages:
        limits.append(f"не больше {retention.max_messages} писем")
    if retention.max_age is not None:
        limits.append(f"не старше {retention.max_age.total_seconds() / 86400:g} дн.")
    if not limits:
        return "Хранятся все письма."
    return "Хранятся " + " и ".join(limits) + "; старые удаляются первыми."


# --- python -m devstack.mailbox ---------------------------------------------------------


class _WebServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        # uvicorn would take SIGINT/SIGTERM and re-raise them after its own shutdown,
        # killing the process before the SMTP side is closed; `serve_mailbox` owns them.
        yield


async def serve_mailbox(
    host: str, smtp_port: int, web_port: int, maildir: Path, retention: Retention | None = None
) -> None:
    """The SMTP sink with a Maildir store and its web view, until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    app = create_mailbox_app(maildir, retention)
    web = _WebServer(uvicorn.Config(app, host=host, port=web_port, log_level="warning"))
    sink_serving = serve_smtp_sink(
        host, smtp_port, store=maildir, retention=retention, remember=False
    )
    async with sink_serving as sink:
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
    parser.add_argument(
        "--max-messages",
        type=int,
        default=settings.smtp.mailbox_max_messages,
        help="keep at most this many messages, deleting the oldest (0: no limit)",
    )
    parser.add_argument(
        "--max-age-days",
        type=float,
        default=settings.smtp.mailbox_max_age_days,
        help="delete messages older than this (0: keep them)",
    )
    return parser.parse_args(argv)


def _retention(args: argparse.Namespace) -> Retention:
    if args.max_messages < 0 or args.max_age_days < 0:
        sys.exit("mailbox: --max-messages and --max-age-days cannot be negative")
    max_age = timedelta(days=args.max_age_days) if args.max_age_days else None
    return Retention(max_messages=args.max_messages, max_age=max_age)


def main(argv: Sequence[str] | None = None) -> None:
    args = _arguments(argv)
    retention = _retention(args)
    try:
        asyncio.run(
            serve_mailbox(args.host, args.smtp_port, args.web_port, args.maildir, retention)
        )
    except OSError as error:  # a taken SMTP port, an unwritable state directory
        sys.exit(f"mailbox: {error}")


if __name__ == "__main__":
    main()
