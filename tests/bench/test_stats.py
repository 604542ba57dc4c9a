import math

import pytest

from bench.stats import Latency, count_by, median, percentile, ratio

pytestmark = pytest.mark.fast  # needs no service of the stack (make test-fast)


def test_percentile_is_an_observed_value_by_nearest_rank():
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 0.50) == 50
    assert percentile(values, 0.95) == 95
    assert percentile(values, 0.99) == 99
    assert percentile(values, 1.0) == 100
    assert percentile(values, 0.0) == 1


def test_percentile_of_few_values_rounds_the_rank_up():
    assert percentile([10.0, 20.0, 30.0], 0.5) == 20
    assert percentile([10.0, 20.0, 30.0], 0.99) == 30
    assert percentile([30.0, 10.0], 0.5) == 10  # unsorted input


def test_percentile_of_nothing_is_nan_and_q_is_checked():
    assert math.isnan(percentile([], 0.5))
    with pytest.raises(ValueError, match="q must lie"):
        percentile([1.0], 1.5)


def test_latency_summary_and_its_json_turns_empty_into_null():
    figures = Latency.of([5.0, 1.0, 3.0])
    assert (figures.count, figures.p50, figures.max) == (3, 3.0, 5.0)
    assert Latency.of([]).as_json() == {
        "count": 0,
        "p50": None,
        "p95": None,
        "p99": None,
        "max": None,
    }


def test_median_skips_missing_rounds():
    assert median([3.0, math.nan, 1.0]) == 2.0
    assert median([4.0, 1.0, 9.0]) == 4.0
    assert math.isnan(median([math.nan]))


def test_count_by_most_frequent_first():
    assert list(count_by(["503", "ReadTimeout", "503"]).items()) == [("503", 2), ("ReadTimeout", 1)]


def test_ratio_of_missing_or_zero_is_nan():
    assert ratio(10.0, 4.0) == 2.5
    assert math.isnan(ratio(1.0, 0.0))
    assert math.isnan(ratio(math.nan, 1.0))
