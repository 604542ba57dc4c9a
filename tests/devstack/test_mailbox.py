"""The local mailbox: a Maildir that outlives the SMTP sink, and its web view."""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import aiosmtplib
import httpx
from fastapi import FastAPI

from core.settings import REPO_ROOT, get_settings
from devstack.emulators.serving import serve_app
from devstack.mailbox import SmtpSink, create_mailbox_app, read_maildir, serve_smtp_sink
from devstack.mailbox_index import Retention
from devstack.services import mailbox_service

HTML = '<p>Мастер <b>назначен</b></p><script>alert("x")</script>'


def _message(subject: str, to: str = "ivan@example.com") -> EmailMessage:
    message = EmailMessage()
    message["From"] = Address("Сервис заявок", addr_spec="noreply@example.com")
    message["To"] = Address("Иван Петров", addr_spec=to)
    message["Subject"] = subject
    message["Message-ID"] = f"<{abs(hash(subject))}@example.com>"
    message.set_content("Здравствуйте!\nМастер назначен на завтра.")
    message.add_alternative(HTML, subtype="html")
    return message


async def _send(sink: SmtpSink, subject: str) -> None:
    await aiosmtplib.send(_message(subject), hostname=sink.host, port=sink.port, timeout=5)


def _web(maildir: Path) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_mailbox_app(maildir))
    return httpx.AsyncClient(transport=transport, base_url="http://mailbox")


def _iframes(page: str) -> list[dict[str, str | None]]:
    found: list[dict[str, str | None]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "iframe":
                found.append(dict(attrs))

    Collector().feed(page)
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_stored_messages_survive_a_restart_of_the_sink(tmp_path: Path) -> None:
    maildir = tmp_path / "mailbox"
    async with serve_smtp_sink(store=maildir) as sink:
        await _send(sink, "Первое")

    async with serve_smtp_sink(store=maildir) as restarted:
        assert restarted.received == []  # memory is per run; the Maildir is not
        await _send(restarted, "Второе")

    stored = read_maildir(maildir)
    assert [s.email.subject for s in stored] == ["Второе", "Первое"]
    assert stored[0].email.mail_from == "noreply@example.com"
    assert stored[0].email.rcpt_tos == ("ivan@example.com",)
    assert stored[0].email.text.rstrip("\n") == "Здравствуйте!\nМастер назначен на завтра."


async def test_the_web_view_lists_and_shows_a_cyrillic_message(tmp_path: Path) -> None:
    async with serve_smtp_sink(store=tmp_path) as sink:
        await _send(sink, "Заявка №7: мастер назначен")
    (stored,) = read_maildir(tmp_path)
    link = f"/messages/{quote(stored.key, safe='')}"

    async with _web(tmp_path) as web:
        index = await web.get("/")
        page = await web.get(link)
        raw = await web.get(f"{link}.eml")
        missing = await web.get("/messages/no-such-key")

    assert index.status_code == 200
    assert "Заявка №7: мастер назначен" in index.text
    assert f'href="{link}"' in index.text
    assert page.status_code == 200
    assert "Сервис заявок &lt;noreply@example.com&gt;" in page.text
    assert "Мастер назначен на завтра." in page.text
    # The HTML part lives only in the sandboxed iframe, never in this page itself.
    assert "<script>" not in page.text
    (iframe,) = _iframes(page.text)
    assert iframe["sandbox"] is not None
    assert "allow-scripts" not in (iframe["sandbox"] or "")
    assert iframe["srcdoc"] == '<base target="_blank">' + (stored.email.html or "")
    assert HTML in (iframe["srcdoc"] or "")
    assert raw.headers["content-type"] == "message/rfc822"
    assert raw.content == stored.email.raw
    assert missing.status_code == 404


async def test_the_api_lists_newest_first_and_clear_empties_the_mailbox(tmp_path: Path) -> None:
    async with serve_smtp_sink(store=tmp_path) as sink:
        await _send(sink, "Старое")
        await _send(sink, "Новое")

    keys = {s.key for s in read_maildir(tmp_path)}
    async with _web(tmp_path) as web:
        listed = (await web.get("/api/messages")).json()
        cleared = await web.post("/clear")
        after = (await web.get("/api/messages")).json()

    assert [m["subject"] for m in listed] == ["Новое", "Старое"]
    assert listed[0]["from"] == "Сервис заявок <noreply@example.com>"
    assert listed[0]["to"] == "Иван Петров <ivan@example.com>"
    assert listed[0]["message_id"] == f"{abs(hash('Новое'))}@example.com"
    assert {m["key"] for m in listed} == keys
    assert listed[0]["date"] >= listed[1]["date"]
    assert (cleared.status_code, cleared.headers["location"]) == (303, "/")
    assert after == []
    assert read_maildir(tmp_path) == []


async def test_the_mailbox_process_serves_smtp_and_web_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    smtp_port, web_port = _free_port(), _free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "devstack.mailbox", "--host", "127.0.0.1",
        "--smtp-port", str(smtp_port), "--web-port", str(web_port),
        "--maildir", str(tmp_path / "mailbox"),
        cwd=REPO_ROOT, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        banner = (await asyncio.wait_for(process.stdout.readline(), 15)).decode()  # type: ignore[union-attr]
        assert f"smtp://127.0.0.1:{smtp_port}" in banner
        assert f"http://127.0.0.1:{web_port}/" in banner

        await aiosmtplib.send(_message("Из процесса"), hostname="127.0.0.1", port=smtp_port)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{web_port}") as web:
            listed = (await web.get("/api/messages")).json()
        assert [m["subject"] for m in listed] == ["Из процесса"]
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), 10) == 0


# --- A full mailbox ---------------------------------------------------------------------

# Paths of every file this test process opens while a `_messages_opened` block is
# active; the interpreter's audit hook sees each open() however it is made (builtins,
# io, os), in every thread. A hook cannot be removed, so it is added once, when needed.
_OPENED: list[list[str]] = []


def _on_audit(event: str, args: tuple[object, ...]) -> None:
    if event == "open" and _OPENED and isinstance(args[0], str | bytes | os.PathLike):
        _OPENED[-1].append(os.fsdecode(args[0]))


@functools.cache
def _audit_opens() -> None:
    sys.addaudithook(_on_audit)


@contextmanager
def _messages_opened(maildir: Path) -> Iterator[list[str]]:
    """The message files of `maildir` opened inside the block."""
    _audit_opens()
    seen: list[str] = []
    _OPENED.append(seen)
    messages: list[str] = []
    try:
        yield messages
    finally:
        _OPENED.remove(seen)
        roots = (str(maildir / "new"), str(maildir / "cur"))
        messages.extend(p for p in seen if p.startswith(roots))


def _fill_maildir(maildir: Path, count: int, newest: datetime, prefix: str = "m") -> list[str]:
    """`count` messages written straight into the Maildir, one second apart, as a
    load run leaves them; their keys, newest first."""
    for sub in ("tmp", "new", "cur"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    keys = []
    for n in range(count):
        key = f"{prefix}{n:06d}.bench"
        file = maildir / "new" / key
        file.write_bytes(
            b"Return-Path: <noreply@example.com>\nDelivered-To: ivan@example.com\n"
            + f"From: noreply@example.com\nTo: ivan@example.com\nSubject: {prefix} {n}\n"
            f"Message-ID: <{key}@example.com>\n\nBody {n}\n".encode()
        )
        stamp = (newest - timedelta(seconds=count - 1 - n)).timestamp()
        os.utime(file, (stamp, stamp))
        keys.append(key)
    return keys[::-1]


@asynccontextmanager
async def _started(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The web view as `python -m devstack.mailbox` runs it: its start-up included."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mailbox") as web:
            yield web


async def _until_indexed(web: httpx.AsyncClient) -> dict[str, object]:
    """The mailbox indexes what it finds on start in the background; wait for it."""
    deadline = time.monotonic() + 120
    while True:
        health = await web.get("/api/health")
        assert health.status_code == 200, health.text
        body: dict[str, object] = health.json()
        if not body["indexing"] or time.monotonic() > deadline:
            return body
        await asyncio.sleep(0.05)


def _listed_keys(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [m["key"] for m in response.json()]


async def test_a_full_mailbox_answers_readiness_and_its_first_page_without_opening_mail(
    tmp_path: Path,
) -> None:
    keys = _fill_maildir(tmp_path, 20_000, datetime.now(UTC))

    async with _started(create_mailbox_app(tmp_path)) as web:
        ready = await _until_indexed(web)
        assert ready == {"status": "ready", "messages": 20_000, "indexing": False}
        with _messages_opened(tmp_path) as opened:
            health = await web.get("/api/health")
            first_page = await web.get("/")
            first_json = await web.get("/api/messages")
        with _messages_opened(tmp_path) as opened_to_show:
            shown = await web.get(f"/messages/{keys[0]}")

    assert opened == []
    assert health.json()["messages"] == 20_000
    assert first_page.status_code == 200
    assert ">m 19999</a>" in first_page.text
    assert ">m 19950</a>" in first_page.text
    assert ">m 19949</a>" not in first_page.text
    assert _listed_keys(first_json) == keys[:50]
    assert first_json.headers["x-total-count"] == "20000"
    assert shown.status_code == 200
    assert "Body 19999" in shown.text
    assert opened_to_show == [str(tmp_path / "new" / keys[0])]


async def test_pages_are_the_right_slices_newest_first(tmp_path: Path) -> None:
    keys = _fill_maildir(tmp_path, 120, datetime.now(UTC))

    async with _started(create_mailbox_app(tmp_path)) as web:
        await _until_indexed(web)
        middle = await web.get("/api/messages", params={"offset": 50, "limit": 25})
        last = await web.get("/api/messages", params={"offset": 100, "limit": 50})
        beyond = await web.get("/api/messages", params={"offset": 120})
        third_page = await web.get("/", params={"page": 3})
        too_large = await web.get("/api/messages", params={"limit": 100_000})
        negative = await web.get("/api/messages", params={"offset": -1})
        page_zero = await web.get("/", params={"page": 0})

    assert _listed_keys(middle) == keys[50:75]
    assert middle.headers["x-total-count"] == "120"
    assert _listed_keys(last) == keys[100:120]
    assert _listed_keys(beyond) == []
    assert third_page.status_code == 200
    assert all(f"/messages/{key}" in third_page.text for key in keys[100:120])
    assert f"/messages/{keys[99]}" not in third_page.text
    assert 'href="/?page=2"' in third_page.text  # back to the newer page
    for refused in (too_large, negative, page_zero):
        assert refused.status_code == 422
        assert refused.headers["content-type"] == "application/problem+json"


async def test_retention_keeps_only_the_newest_up_to_the_cap(tmp_path: Path) -> None:
    async with serve_smtp_sink(store=tmp_path, retention=Retention(max_messages=3)) as sink:
        for subject in ("1", "2", "3", "4", "5"):
            await _send(sink, subject)

    assert [s.email.subject for s in read_maildir(tmp_path)] == ["5", "4", "3"]
    async with _web(tmp_path) as web:
        listed = (await web.get("/api/messages")).json()
        health = (await web.get("/api/health")).json()
    assert [m["subject"] for m in listed] == ["5", "4", "3"]
    assert health["messages"] == 3


async def test_retention_prunes_mail_older_than_the_max_age_on_start(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    _fill_maildir(tmp_path, 4, now - timedelta(days=40), prefix="old")
    recent = _fill_maildir(tmp_path, 3, now, prefix="new")

    app = create_mailbox_app(tmp_path, retention=Retention(max_age=timedelta(days=30)))
    async with _started(app) as web:
        assert (await _until_indexed(web))["messages"] == 3
        listed = await web.get("/api/messages")

    assert _listed_keys(listed) == recent
    assert [s.key for s in read_maildir(tmp_path)] == recent


async def test_the_index_follows_files_removed_while_the_mailbox_was_down(tmp_path: Path) -> None:
    keys = _fill_maildir(tmp_path, 5, datetime.now(UTC))
    async with _started(create_mailbox_app(tmp_path)) as web:
        await _until_indexed(web)
    (tmp_path / "new" / keys[1]).unlink()

    async with _started(create_mailbox_app(tmp_path)) as web:
        assert (await _until_indexed(web))["messages"] == 4
        listed = await web.get("/api/messages")
        gone = await web.get(f"/messages/{keys[1]}")

    assert _listed_keys(listed) == [keys[0], *keys[2:]]
    assert gone.status_code == 404


def _delete_index(maildir: Path) -> None:
    for index_file in maildir.glob(".index.sqlite3*"):
        index_file.unlink()


async def test_a_deleted_index_is_rebuilt_from_the_files_as_it_was(tmp_path: Path) -> None:
    async with serve_smtp_sink(store=tmp_path) as sink:
        await _send(sink, "Заявка №7: мастер назначен, очень длинная тема письма " * 3)
        await _send(sink, "Второе")
    async with _web(tmp_path) as web:
        delivered = (await web.get("/api/messages")).json()
    _delete_index(tmp_path)

    async with _started(create_mailbox_app(tmp_path)) as web:
        assert (await _until_indexed(web))["messages"] == 2
        rebuilt = (await web.get("/api/messages")).json()

    assert rebuilt == delivered


async def test_the_launchers_readiness_probe_opens_no_mail(tmp_path: Path) -> None:
    _fill_maildir(tmp_path, 200, datetime.now(UTC))
    async with serve_app(create_mailbox_app(tmp_path)) as url:
        base = get_settings()
        smtp = base.smtp.model_copy(
            update={"host": "127.0.0.1", "mailbox_web_port": int(url.rsplit(":", 1)[1])}
        )
        probe = mailbox_service(base.model_copy(update={"smtp": smtp})).probe
        async with httpx.AsyncClient(base_url=url) as web:
            await _until_indexed(web)
        with _messages_opened(tmp_path) as opened:
            detail = await probe()

    assert detail == "200 message(s) in the mailbox"
    assert opened == []


def _damage_index(maildir: Path) -> None:
    _delete_index(maildir)
    (maildir / ".index.sqlite3").write_bytes(b"not a database" * 100)


async def test_a_damaged_index_is_started_afresh(tmp_path: Path) -> None:
    keys = _fill_maildir(tmp_path, 3, datetime.now(UTC))
    _damage_index(tmp_path)

    async with _started(create_mailbox_app(tmp_path)) as web:
        assert (await _until_indexed(web))["messages"] == 3
        listed = await web.get("/api/messages")

    assert _listed_keys(listed) == keys
