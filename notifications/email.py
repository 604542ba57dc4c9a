"""Outgoing e-mail over SMTP: the MIME message and its hand-over to the relay.

Connecting (TLS, login) is split from the transfer on purpose: the caller marks a
notification "sending" in its database between the two, so a relay that is down or
refuses our credentials never leaves such a mark behind. Every failure comes out as a
`PermanentDeliveryError` (give up) or a `TransientDeliveryError` (try again later).
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, parseaddr

import aiosmtplib
from email_validator import EmailNotValidError, validate_email

from core.settings import SmtpSettings
from notifications.errors import (
    DeliveryError,
    DeliveryInDoubt,
    PermanentDeliveryError,
    TransientDeliveryError,
)

# 7-bit bodies (base64 / quoted-printable) pass any relay, with or without 8BITMIME.
# Header lines up to RFC 5322's hard limit: folding encoded words at 78 columns drops the
# spaces between them in CPython's email package ("№3b7a794b выполнены" arrived as
# "№3b7a794bвыполнены"), so long Cyrillic subjects stay on one line.
_MESSAGE_POLICY = policy.SMTP.clone(cte_type="7bit", max_line_length=998)
_CREDENTIALS_HINT = "check SRA_SMTP__USERNAME and SRA_SMTP__PASSWORD"
_AUTH_REQUIRED = 530  # a 5xx that an operator fixes, not the message


@dataclass(frozen=True)
class OutgoingEmail:
    to: str  # "user@example.com" or "Имя <user@example.com>"
    subject: str
    text: str
    html: str | None
    message_id: str  # without angle brackets; see `message_id_for`
    headers: Mapping[str, str] = field(default_factory=dict)


def message_id_for(notification_id: str, sender: str) -> str:
    """A Message-ID tied to the notification, so a resend after a crash is recognisable."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return f"{notification_id}@{domain}"


def build_message(email: OutgoingEmail, sender: str) -> EmailMessage:
    """multipart/alternative (text, then HTML) in UTF-8; headers encoded per RFC 2047."""
    message = EmailMessage(policy=_MESSAGE_POLICY)
    message["From"] = _sender_address(sender)
    message["To"] = recipient_address(email.to)
    message["Subject"] = email.subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = f"<{email.message_id}>"
    try:
        for name, value in email.headers.items():
            message[name] = value
    except ValueError as error:  # a line break in a header value: retrying cannot fix it
        raise PermanentDeliveryError(f"invalid header: {error}") from error
    message.set_content(email.text)
    if email.html is not None:
        message.add_alternative(email.html, subtype="html")
    return message


def recipient_address(value: str) -> Address:
    """The one mailbox in `value`; PermanentDeliveryError when it is not a usable address."""
    display_name, addr_spec = _single_mailbox(value)
    try:
        valid = validate_email(addr_spec, check_deliverability=False)
    except EmailNotValidError as error:
        raise PermanentDeliveryError(f"not an e-mail address: {value!r} ({error})") from None
    if valid.ascii_email is None:
        # A non-ASCII local part needs SMTPUTF8 end to end, which relays rarely promise.
        raise PermanentDeliveryError(f"internationalised mailbox not supported: {value!r}")
    return Address(display_name=display_name, addr_spec=valid.ascii_email)


def _single_mailbox(value: str) -> tuple[str, str]:
    if "\r" in value or "\n" in value:
        raise PermanentDeliveryError(f"not an e-mail address: {value!r}")
    mailboxes = getaddresses([value])
    if len(mailboxes) != 1 or not mailboxes[0][1]:
        raise PermanentDeliveryError(f"not a single e-mail address: {value!r}")
    return mailboxes[0]


def _sender_address(sender: str) -> Address:
    display_name, addr_spec = parseaddr(sender)
    if "@" not in addr_spec or "\n" in sender or "\r" in sender:
        # Configuration, not the message, is wrong: keep it until an operator fixes it.
        raise TransientDeliveryError(f"SRA_SMTP__SENDER is not an address: {sender!r}")
    return Address(display_name=display_name, addr_spec=addr_spec)


class SmtpSession:
    """A connected (and logged-in) SMTP conversation; deliver one message or several.
    A refusal (4xx/5xx) leaves it usable; after a timeout or a cut it is closed."""

    def __init__(self, client: aiosmtplib.SMTP, sender: str) -> None:
        self._client = client
        self._sender = sender

    async def deliver(self, email: OutgoingEmail) -> str:
        """Transfer `email`; return its Message-ID (without angle brackets)."""
        message = build_message(email, self._sender)
        envelope_from = _sender_address(self._sender).addr_spec
        envelope_to = recipient_address(email.to).addr_spec
        try:
            # Flattened here, with our policy: aiosmtplib's send_message would re-fold the
            # headers with policy.SMTP and lose the spaces (see _MESSAGE_POLICY).
            await self._client.sendmail(
                envelope_from, [envelope_to], message.as_bytes(policy=_MESSAGE_POLICY)
            )
        except (aiosmtplib.SMTPException, OSError) as error:
            if not isinstance(
                error, (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused)
            ):
                # A timeout or a cut leaves the conversation in an unknown state; later
                # deliveries on this session then fail fast instead of garbling it.
                self._client.close()
            raise _transfer_error(error) from error
        return email.message_id


class EmailSender:
    def __init__(
        self, settings: SmtpSettings, *, tls_context: ssl.SSLContext | None = None
    ) -> None:
        self.settings = settings
        # Only tests pass a context (a self-signed server); None verifies as usual.
        self._tls_context = tls_context

    async def send(self, email: OutgoingEmail) -> str:
        """Connect, deliver and disconnect; return the Message-ID."""
        recipient_address(email.to)  # a hopeless address must not cost a connection
        async with self.session() as session:
            return await session.deliver(email)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[SmtpSession]:
        """Connect, upgrade to TLS and log in as configured; connection problems surface
        here as `TransientDeliveryError`, before any message is touched."""
        client = await self._open()
        try:
            yield SmtpSession(client, self.settings.sender)
        except BaseException:
            client.close()
            raise
        await _quit(client)

    async def _open(self) -> aiosmtplib.SMTP:
        client = self._client()
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as error:
            raise TransientDeliveryError(
                f"{self._where} unavailable: {_describe(error)}"
            ) from error
        if self.settings.username:
            try:
                await client.login(
                    self.settings.username, self.settings.password.get_secret_value()
                )
            except (aiosmtplib.SMTPException, OSError) as error:
                client.close()
                raise self._login_error(error) from error
        return client

    def _client(self) -> aiosmtplib.SMTP:
        smtp = self.settings
        if smtp.use_tls and smtp.starttls:
            raise TransientDeliveryError(
                "SRA_SMTP__USE_TLS and SRA_SMTP__STARTTLS exclude each other; set one"
            )
        return aiosmtplib.SMTP(
            hostname=smtp.host,
            port=smtp.port,
            timeout=smtp.timeout_s,
            use_tls=smtp.use_tls,
            # False, not None: aiosmtplib would otherwise upgrade whenever offered.
            start_tls=smtp.starttls,
            tls_context=self._tls_context,
        )

    @property
    def _where(self) -> str:
        return f"SMTP server {self.settings.host}:{self.settings.port}"

    def _login_error(self, error: Exception) -> TransientDeliveryError:
        if isinstance(error, aiosmtplib.SMTPAuthenticationError):
            reason = f"rejected the login ({error.code} {error.message})"
        elif isinstance(error, (aiosmtplib.SMTPServerDisconnected, OSError)):
            return TransientDeliveryError(f"{self._where} unavailable: {_describe(error)}")
        else:  # e.g. AUTH not offered (on a plain connection many relays hide it)
            reason = f"cannot log in ({_describe(error)})"
        return TransientDeliveryError(f"{self._where} {reason}; {_CREDENTIALS_HINT}")


async def _quit(client: aiosmtplib.SMTP) -> None:
    # The message is already accepted; a rude goodbye must not turn it into a failure.
    try:
        await client.quit()
    except (aiosmtplib.SMTPException, OSError):
        client.close()


def _transfer_error(error: Exception) -> DeliveryError:
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        refused = error.recipients[0]
        detail = f"recipient {refused.recipient} refused: {refused.code} {refused.message}"
        return _by_code(refused.code, detail)
    if isinstance(error, aiosmtplib.SMTPSenderRefused) and error.code != _AUTH_REQUIRED:
        # Our own address is refused: the configuration, not this message, has to change.
        return TransientDeliveryError(
            f"sender {error.sender} refused: {error.code} {error.message}; check SRA_SMTP__SENDER"
        )
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return _by_code(error.code, f"message refused: {error.code} {error.message}")
    if isinstance(error, aiosmtplib.SMTPNotSupported):
        return PermanentDeliveryError(f"the relay cannot take this message: {error}")
    # No reply to the transfer: the relay may have queued the message already.
    return DeliveryInDoubt(f"SMTP transfer interrupted: {_describe(error)}")


def _by_code(code: int, detail: str) -> DeliveryError:
    # Only an operator can add the missing login; the message must wait, not be dropped.
    if code == _AUTH_REQUIRED:
        return TransientDeliveryError(f"{detail}; the relay wants a login, {_CREDENTIALS_HINT}")
    if 500 <= code < 600:
        return PermanentDeliveryError(detail)
    return TransientDeliveryError(detail)


def _describe(error: Exception) -> str:
    return str(error) or type(error).__name__
