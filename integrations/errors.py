"""What a failed call to the tax service means for the caller: the three outcomes need
different handling by a Temporal activity (retry later, give up, retry with backoff)."""

from __future__ import annotations


class TaxServiceError(Exception):
    """The tax service did not tell us the taxpayer's status."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class TaxServiceBusy(TaxServiceError):
    """Over the request limit (ours or the service's): ask again after `retry_after_s`.
    No request was answered, so nothing is known about the taxpayer yet."""

    def __init__(self, retry_after_s: float, detail: str | None = None) -> None:
        limited = f"over the tax service's request limit; retry in {retry_after_s:.1f} s"
        super().__init__(detail or limited)
        self.retry_after_s = retry_after_s


class TaxServiceRejected(TaxServiceError):
    """The service refused the request itself (an INN it does not accept): asking again
    with the same data cannot help."""


class TaxServiceUnavailable(TaxServiceError):
    """The service is down, slow or answered something we do not understand; may succeed
    later."""
