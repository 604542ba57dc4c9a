"""Open-loop load: calls are sent on a fixed schedule whatever the answers do, so a slow
server cannot slow the sender down and hide its own latency (coordinated omission).

Latency is measured from the moment a call was due, not from when the sender got round
to it: if the sender itself falls behind, that lag counts against the result (and is
reported on its own as `lag`, to tell a slow client from a slow server)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bench.stats import Latency, count_by


@dataclass(frozen=True)
class Sample:
    due: float  # perf_counter seconds
    sent: float
    done: float
    outcome: str  # "ok", or why not (a status, an error's name)

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


@dataclass
class RateResult:
    offered: float
    seconds: float
    samples: list[Sample] = field(default_factory=list)

    @property
    def latencies_ms(self) -> list[float]:
        return [(s.done - s.due) * 1000 for s in self.samples if s.ok]

    @property
    def achieved(self) -> float:
        """Successes per second, from the first due time to the last answer."""
        if not self.samples:
            return 0.0
        span = max(s.done for s in self.samples) - min(s.due for s in self.samples)
        return sum(s.ok for s in self.samples) / span if span > 0 else 0.0

    @property
    def errors(self) -> dict[str, int]:
        return count_by(s.outcome for s in self.samples if not s.ok)

    def as_json(self) -> dict[str, Any]:
        return {
            "offered_per_s": self.offered,
            "seconds": self.seconds,
            "sent": len(self.samples),
            "achieved_per_s": self.achieved,
            "latency_ms": Latency.of(self.latencies_ms).as_json(),
            "sender_lag_ms": Latency.of([(s.sent - s.due) * 1000 for s in self.samples]).as_json(),
            "errors": self.errors,
        }


async def run_at_rate(
    rate: float, seconds: float, one: Callable[[int], Awaitable[str]]
) -> RateResult:
    """Call `one(n)` rate × seconds times, n/rate seconds after the start; `one` answers
    "ok" or the reason it failed (and must not raise)."""
    result = RateResult(rate, seconds)
    total = max(1, round(rate * seconds))
    begin = time.perf_counter()

    async def timed(n: int, due: float) -> None:
        sent = time.perf_counter()
        try:
            outcome = await one(n)
        except Exception as error:  # a failed call is a result, not a crash
            outcome = type(error).__name__
        result.samples.append(Sample(due, sent, time.perf_counter(), outcome))

    tasks = []
    for n in range(total):
        due = begin + n / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(timed(n, due)))
    await asyncio.gather(*tasks)
    return result
