import pytest

from bench.procs import (
    ProgramFigures,
    Usage,
    by_kind,
    descendants,
    kind_of,
    parse_rss_kb,
    parse_stat,
)

pytestmark = pytest.mark.fast  # needs no service of the stack (make test-fast)

# /proc/<pid>/stat of a process whose name holds a space and a parenthesis.
STAT = (
    "4242 (python (x) y) S 17 4242 4242 0 -1 4194560 1000 0 0 0 "
    "250 30 7 3 20 0 4 0 123456 1000000 5000 18446744073709551615"
)


def test_replica_suffix_is_dropped_from_the_kind():
    assert kind_of("worker-requests-1") == "worker-requests"
    assert kind_of("worker-requests-12") == "worker-requests"
    assert kind_of("tax-service") == "tax-service"
    assert kind_of("api") == "api"
    assert kind_of("worker") == "worker"


def test_stat_fields_are_read_after_the_command_name():
    stat = parse_stat(STAT)
    assert (stat.ppid, stat.utime, stat.stime, stat.cutime, stat.cstime) == (17, 250, 30, 7, 3)
    assert stat.own_ticks == 280
    assert stat.reaped_ticks == 10


def test_rss_from_status_and_zero_without_it():
    assert parse_rss_kb("Name:\tpython\nVmPeak:\t 900 kB\nVmRSS:\t  51234 kB\n") == 51234
    assert parse_rss_kb("Name:\tkthreadd\nState:\tS\n") == 0


def test_descendants_walk_the_whole_tree_only():
    parents = {1: 0, 10: 1, 11: 10, 12: 10, 13: 11, 20: 1}
    assert sorted(descendants(10, parents)) == [10, 11, 12, 13]
    assert descendants(13, parents) == [13]


def test_kinds_sum_their_replicas_and_cpu_survives_a_restart():
    one = ProgramFigures("worker-requests-1")
    one.see(Usage("worker-requests-1", 100, 1, 1024, 100))
    one.see(Usage("worker-requests-1", 100, 1, 2048, 300))
    two = ProgramFigures("worker-requests-2")
    two.see(Usage("worker-requests-2", 200, 1, 1024, 50))
    two.see(Usage("worker-requests-2", 201, 1, 512, 40))  # killed and restarted
    api = ProgramFigures("api")
    api.see(Usage("api", 300, 1, 4096, 0))

    assert not one.restarted
    assert two.restarted
    kinds = by_kind([one, two, api])
    assert list(kinds) == ["api", "worker-requests"]
    workers = kinds["worker-requests"]
    assert workers["replicas"] == 2
    assert workers["rss_mb"] == 2.5  # 2048 + 512 kB at the end
    assert workers["peak_rss_mb"] == 3.0  # 2048 + 1024 kB
    ticks = 200 + 40  # a delta for the first, what the new process used for the second
    assert abs(workers["cpu_s"] - ticks / one_tick_per_s()) < 1e-9


def one_tick_per_s() -> int:
    from bench.procs import CLOCK_TICKS

    return CLOCK_TICKS
