"""The local mailbox: a Maildir that outlives the SMTP sink, and its web view."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from email.headerregistry import Address
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import aiosmtplib
import httpx

from core.settings import REPO_ROOT
from devstack.mailbox import SmtpSink, create_mailbox_app, read_maildir, serve_smtp_sink

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
