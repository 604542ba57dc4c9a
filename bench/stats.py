"""Latency figures shared by the benchmarks: nearest-rank percentiles and their summary."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile (q in [0, 1]): a value that was actually observed, so a
    p99 of 100 samples is the worst but one, never an interpolation between two."""
    if not values:
        return math.nan
    if not 0 <= q <= 1:
        raise ValueError(f"q must lie in [0, 1], got {q}")
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Latency:
    count: int
    p50: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Latency:
        return cls(
            count=len(values),
            p50=percentile(values, 0.50),
            p95=percentile(values, 0.95),
            p99=percentile(values, 0.99),
            max=max(values) if values else math.nan,
        )

    def as_json(self) -> dict[str, Any]:
        # NaN is not JSON: an empty sample is null.
        return {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in asdict(self).items()
        }


def median(values: Iterable[float]) -> float:
    """The median of the observed values, NaN when there are none (a round with no
    successes must not look like a fast one)."""
    present = sorted(v for v in values if not math.isnan(v))
    if not present:
        return math.nan
    middle = len(present) // 2
    if len(present) % 2:
        return present[middle]
    return (present[middle - 1] + present[middle]) / 2


def count_by(labels: Iterable[str]) -> dict[str, int]:
    """How many of each label, most frequent first (error statuses, fault kinds)."""
    return dict(Counter(labels).most_common())


def ms(value: float) -> str:
    """A millisecond figure for a table cell."""
    return "-" if math.isnan(value) else f"{value:.1f}"


def ratio(numerator: float, denominator: float) -> float:
    if denominator == 0 or math.isnan(numerator) or math.isnan(denominator):
        return math.nan
    return numerator / denominator
