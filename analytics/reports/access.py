"""Who may read which report (docs/analytics.md, "Who may see what")."""

from __future__ import annotations

from enum import StrEnum

from domain.lifecycle import Role


class Report(StrEnum):
    TIMINGS = "timings"
    SLA = "sla"
    QUALITY = "quality"
    EXECUTORS = "executors"
    NOTIFICATIONS = "notifications"
    VERIFICATION = "verification"
    VOLUME = "volume"
    PAYOUTS = "payouts"


_MANAGERS = frozenset({Role.MANAGER, Role.HEAD_MANAGER})
# Beyond the managers: HR sees the money, security the verification of executors.
_ALSO: dict[Report, frozenset[Role]] = {
    Report.PAYOUTS: frozenset({Role.HR}),
    Report.VERIFICATION: frozenset({Role.SECURITY, Role.HEAD_SECURITY}),
}
READERS: dict[Report, frozenset[Role]] = {
    report: _MANAGERS | _ALSO.get(report, frozenset()) for report in Report
}


def may_read(role: Role, report: Report) -> bool:
    return role in READERS[report]
