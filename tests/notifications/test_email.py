"""E-mail through a real SMTP conversation with the in-process sink of the dev stack."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import ssl
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from core.settings import SmtpSettings
from devstack.mailbox import SmtpSink, serve_smtp_sink
from notifications.email import EmailSender, OutgoingEmail, message_id_for
from notifications.errors import PermanentDeliveryError, TransientDeliveryError

pytestmark = pytest.mark.fast  # needs no service of the stack (make test-fast)

SENDER = SmtpSettings().sender


def _email(to: str = "Иван Петров <ivan@example.com>", **overrides: Any) -> OutgoingEmail:
    email = OutgoingEmail(
        to=to,
        subject="Заявка №42: работа выполнена",
        text="Здравствуйте, Иван!\nМастер отметил работу выполненной.",
        html='<p>Здравствуйте, Иван!</p><p>Работа <b>выполнена</b> — "готово".</p>',
        message_id=message_id_for(str(uuid.uuid4()), SENDER),
    )
    return dataclasses.replace(email, **overrides)


def _settings(sink: SmtpSink, **overrides: Any) -> SmtpSettings:
    return SmtpSettings(host=sink.host, port=sink.port, timeout_s=5, **overrides)


@pytest.fixture
async def sink() -> AsyncIterator[SmtpSink]:
    async with serve_smtp_sink() as running:
        yield running


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
async def tls_sink(certificate: tuple[Path, Path]) -> AsyncIterator[SmtpSink]:
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(*certificate)
    async with serve_smtp_sink(auth={"mailer": "s3cret"}, tls_context=server_context) as running:
        yield running


@pytest.fixture
def client_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


async def test_a_cyrillic_html_and_text_email_arrives_intact(sink: SmtpSink) -> None:
    email = _email(headers={"X-Notification-Kind": "request_completed"})

    message_id = await EmailSender(_settings(sink)).send(email)

    assert message_id == email.message_id
    assert message_id.endswith("@example.com")
    got = await sink.wait_for(lambda e: e.message_id == message_id)
    assert got.subject == "Заявка №42: работа выполнена"
    assert got.to == "Иван Петров <ivan@example.com>"
    assert got.sender == "Сервис заявок <noreply@example.com>"
    assert (got.mail_from, got.rcpt_tos) == ("noreply@example.com", ("ivan@example.com",))
    assert got.text.rstrip("\n") == email.text
    assert got.html is not None
    assert got.html.rstrip("\n") == email.html
    assert got.message.get_content_type() == "multipart/alternative"
    assert got.message["X-Notification-Kind"] == "request_completed"
    assert got.message["Date"].datetime is not None
    # Headers and bodies are encoded, so any relay (with or without 8BITMIME) takes them.
    assert got.raw.isascii()


async def test_starttls_and_login_deliver(tls_sink: SmtpSink, client_tls: ssl.SSLContext) -> None:
    settings = _settings(tls_sink, starttls=True, username="mailer", password=SecretStr("s3cret"))

    # The sink accepts mail only after AUTH, and AUTH only over TLS.
    await EmailSender(settings, tls_context=client_tls).send(_email(subject="Через TLS"))

    assert [e.subject for e in tls_sink.received] == ["Через TLS"]


async def test_a_wrong_password_is_transient_and_names_the_settings(
    tls_sink: SmtpSink, client_tls: ssl.SSLContext
) -> None:
    settings = _settings(tls_sink, starttls=True, username="mailer", password=SecretStr("bad"))

    with pytest.raises(TransientDeliveryError) as caught:
        async with EmailSender(settings, tls_context=client_tls).session():
            pytest.fail("a session must not open with wrong credentials")

    assert "535" in caught.value.detail
    assert "SRA_SMTP__USERNAME" in caught.value.detail
    assert "SRA_SMTP__PASSWORD" in caught.value.detail
    assert tls_sink.received == []


async def test_login_without_starttls_is_refused_by_a_tls_only_server(
    tls_sink: SmtpSink,
) -> None:
    settings = _settings(tls_sink, username="mailer", password=SecretStr("s3cret"))

    with pytest.raises(TransientDeliveryError, match="SRA_SMTP__USERNAME"):
        await EmailSender(settings).send(_email())

    assert tls_sink.received == []


async def test_a_relay_that_wants_a_login_we_lack_is_transient() -> None:
    async with serve_smtp_sink(auth={"mailer": "s3cret"}) as sink:
        with pytest.raises(TransientDeliveryError, match=r"530 .*SRA_SMTP__USERNAME"):
            await EmailSender(_settings(sink)).send(_email())

        assert sink.received == []


async def test_a_refused_recipient_is_permanent(sink: SmtpSink) -> None:
    sink.refuse("gone@example.com", 550, "5.1.1 No such mailbox")

    with pytest.raises(PermanentDeliveryError) as caught:
        await EmailSender(_settings(sink)).send(_email(to="gone@example.com"))

    assert "550" in caught.value.detail
    assert "No such mailbox" in caught.value.detail
    assert sink.received == []


async def test_a_temporary_failure_is_transient_and_a_retry_succeeds(sink: SmtpSink) -> None:
    sender = EmailSender(_settings(sink))
    email = _email()
    sink.fail_next(451, "4.3.0 Mailbox busy")

    with pytest.raises(TransientDeliveryError, match=r"451 4\.3\.0 Mailbox busy"):
        await sender.send(email)
    assert sink.received == []

    assert await sender.send(email) == email.message_id
    assert [e.message_id for e in sink.received] == [email.message_id]


async def test_nothing_listening_is_transient_and_surfaces_when_connecting() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    sender = EmailSender(SmtpSettings(host="127.0.0.1", port=free_port, timeout_s=2))

    with pytest.raises(TransientDeliveryError, match=f"127.0.0.1:{free_port}"):
        async with sender.session():
            pytest.fail("a session must not open without a server")


@pytest.mark.parametrize(
    "address",
    ["not an address", "ivan@", "a@example.com, b@example.com", "a@example.com\r\nBcc: x@y.org"],
)
async def test_an_invalid_address_is_permanent_without_smtp_traffic(
    sink: SmtpSink, address: str
) -> None:
    with pytest.raises(PermanentDeliveryError, match="address"):
        await EmailSender(_settings(sink)).send(_email(to=address))

    assert sink.connections == 0


async def test_deliver_waits_while_the_relay_holds_the_reply(sink: SmtpSink) -> None:
    email = _email()
    sink.hold(True)
    async with EmailSender(_settings(sink)).session() as session:
        delivering = asyncio.create_task(session.deliver(email))

        got = await sink.wait_for(lambda e: e.message_id == email.message_id, timeout_s=5)
        await asyncio.sleep(0.1)
        assert got.subject == email.subject
        assert sink.held == 1
        assert not delivering.done()

        sink.hold(False)
        assert await asyncio.wait_for(delivering, 5) == email.message_id
    assert sink.held == 0
    assert len(sink.received) == 1


async def test_a_sender_killed_while_held_leaves_the_message_captured(sink: SmtpSink) -> None:
    async def worker() -> None:
        async with EmailSender(_settings(sink)).session() as session:
            await session.deliver(_email())

    sink.hold(True)
    running = asyncio.create_task(worker())
    await sink.wait_for_count(1, timeout_s=5)
    assert sink.held == 1

    running.cancel()  # the worker process dies before it hears the 250
    with pytest.raises(asyncio.CancelledError):
        await running

    async with asyncio.timeout(5):
        while sink.held:  # noqa: ASYNC110 - the server notices the hang-up on its own time
            await asyncio.sleep(0.01)
    assert len(sink.received) == 1


async def test_a_long_cyrillic_subject_keeps_every_space(sink: SmtpSink) -> None:
    """Regression: folded encoded words lost the spaces between them."""
    subject = "Работы по заявке №3b7a794b выполнены — подтвердите, пожалуйста, до пятницы"
    email = _email(subject=subject)
    await EmailSender(_settings(sink)).send(email)
    got = await sink.wait_for(lambda e: e.message_id == email.message_id)
    assert got.subject == subject
