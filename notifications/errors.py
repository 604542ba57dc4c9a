"""What a failed delivery means for the caller: give up, or try again later."""

from __future__ import annotations


class DeliveryError(Exception):
    """A notification could not be handed over to its channel."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help: a bad address, a recipient refused for good, blocked content."""


class TransientDeliveryError(DeliveryError):
    """May succeed later: the server is down or busy, or an operator has to fix the config."""

    def __init__(self, detail: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s


class DeliveryInDoubt(DeliveryError):
    """The provider may have the message: the answer never came (a read time-out, a cut
    connection after the request was written). Sending again could make a duplicate."""
