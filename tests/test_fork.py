"""Work shared out among forked children (smarketing.cli._fork): the same results, in order.

The in-process tests make ``forkable()`` true: this test process may hold the thread pools of
a DataFrame library imported by another test, which the check would rightly refuse; the
children here run plain Python only. A fresh process checks ``forkable()`` itself.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smarketing.cli import _fork
from smarketing.cli._fork import cpu_quota, forkable, pipelined, served, shares, usable_cpus

PARENT = os.getpid()


@pytest.fixture
def may_fork(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Forking allowed; the pids of the children forked, in order."""
    monkeypatch.setattr(_fork, "forkable", lambda: True)
    pids: list[int] = []
    real = _fork._forked

    def forked(work: object, share: Sequence[object]) -> tuple[int, int]:
        pid, fd = real(work, share)  # type: ignore[arg-type]
        pids.append(pid)
        return pid, fd

    monkeypatch.setattr(_fork, "_forked", forked)
    return pids


def squares(items: Sequence[int]) -> list[int]:
    return [x * x for x in items]


def pids(items: Sequence[int]) -> list[int]:
    return [os.getpid() for _ in items]


def gone(pid: int) -> bool:
    """Whether a child has ended and been reaped (a zombie is still there)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def still() -> float:
    """A clock that never moves: the shares stay as the first batch's, equal."""
    return 0.0


def in_batches(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class TestResults:
    # may_fork only adds pids: it holds across examples
    @settings(
        max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        items=st.lists(st.integers(-1000, 1000), max_size=40),
        size=st.integers(1, 12),
        jobs=st.integers(1, 4),
        least=st.integers(1, 5),
    )
    def test_the_results_are_the_work_in_order_whatever_the_split(
        self, may_fork: list[int], items: list[int], size: int, jobs: int, least: int
    ) -> None:
        got = list(pipelined(squares, in_batches(items, size), jobs, least=least))
        assert got == [squares(b) for b in in_batches(items, size)]
        assert all(gone(pid) for pid in may_fork)

    def test_this_process_does_the_first_share_and_a_child_the_rest(
        self, may_fork: list[int]
    ) -> None:
        """Two jobs: each batch in two shares, the second in a child forked for it."""
        got = list(pipelined(pids, [[1, 2, 3, 4], [5, 6, 7, 8]], 2, least=2, clock=still))
        assert len(may_fork) == 2
        assert got == [[PARENT] * 2 + [may_fork[0]] * 2, [PARENT] * 2 + [may_fork[1]] * 2]

    def test_this_process_takes_less_by_what_its_other_work_cost(self, may_fork: list[int]) -> None:
        """The first batch: its own two items took 1 s, writing and reading 1 s more, the worth
        of two items; so of the next eight it takes three, the child five."""
        ticks = iter([0.0, 1.0, 2.0, 2.0, 2.0, 2.0])
        batches = [[1, 2, 3, 4], [5, 6, 7, 8, 9, 10, 11, 12]]
        got = list(pipelined(pids, batches, 2, least=1, clock=lambda: next(ticks)))
        assert got == [[PARENT] * 2 + [may_fork[0]] * 2, [PARENT] * 3 + [may_fork[1]] * 5]

    def test_children_that_take_it_all_give_this_process_work_again(
        self, may_fork: list[int]
    ) -> None:
        """Costly writing gives the children every item; the next batches try again."""
        ticks = iter([0.0, 9.0, 10.0] + [10.0] * 15)
        batches = [[1, 2, 3, 4]] * 6
        got = list(pipelined(pids, batches, 2, least=1, clock=lambda: next(ticks)))
        # spare 18 items: the child takes all four; halved each batch, 1.125 leaves one here
        assert [batch.count(PARENT) for batch in got] == [2, 0, 0, 0, 0, 1]

    @settings(max_examples=50, deadline=None)
    @given(
        count=st.integers(0, 10_000),
        jobs=st.integers(1, 9),
        least=st.integers(1, 600),
        spare=st.floats(0, 20_000),
    )
    def test_shares_never_hold_more_than_there_is_nor_fewer_than_least(
        self, count: int, jobs: int, least: int, spare: float
    ) -> None:
        each, children = shares(count, jobs, least, spare)
        assert 0 <= children <= jobs - 1
        assert each * children <= count
        if children:
            assert each >= least

    def test_at_most_jobs_children_run_at_a_time(
        self, may_fork: list[int], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The next batch is shared out once the children of the one before are in."""
        counted = _fork._forked
        running: list[int] = []

        def forked(work: object, share: Sequence[object]) -> tuple[int, int]:
            running.append(sum(not gone(pid) for pid in may_fork))
            return counted(work, share)  # type: ignore[arg-type]

        monkeypatch.setattr(_fork, "_forked", forked)
        batches = [list(range(start, start + 6)) for start in range(0, 30, 6)]
        got = list(pipelined(squares, batches, 3, least=2, clock=still))
        assert got == [squares(b) for b in batches]
        assert running == [0, 1] * 5

    @pytest.mark.parametrize(
        ("jobs", "least", "items"),
        [(1, 1, [1, 2, 3, 4]), (4, 5, [1, 2, 3, 4]), (2, 1, [])],
        ids=["one job", "fewer items than a share", "nothing"],
    )
    def test_no_child_when_it_is_not_worth_one(
        self, may_fork: list[int], jobs: int, least: int, items: list[int]
    ) -> None:
        got = list(pipelined(pids, [items], jobs, least=least))
        assert got == [[PARENT] * len(items)]
        assert may_fork == []

    def test_no_child_where_forking_is_not_safe(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(_fork, "forkable", lambda: False)
        assert list(pipelined(pids, [[1, 2, 3, 4]], 2, least=1)) == [[PARENT] * 4]

    def test_more_jobs_than_items_gives_one_child_per_share(self, may_fork: list[int]) -> None:
        got = list(pipelined(squares, [[1, 2, 3]], 8, least=1))
        assert got == [[1, 4, 9]]
        assert len(may_fork) == 3  # one item each: none left for this process


class TestFailures:
    def test_a_child_that_fails_is_replaced_by_this_process(self, may_fork: list[int]) -> None:
        """A failure in a child (here: any child at all) is not a failure of the run: the
        share is done here."""

        def here_only(items: Sequence[int]) -> list[int]:
            if os.getpid() != PARENT:
                raise RuntimeError("a child's own trouble")
            return pids(items)

        got = list(pipelined(here_only, [[1, 2, 3, 4]], 3, least=1))
        assert got == [[PARENT] * 4]
        assert len(may_fork) == 2
        assert all(gone(pid) for pid in may_fork)

    def test_a_child_killed_by_a_signal_is_replaced_too(self, may_fork: list[int]) -> None:
        def killed_in_children(items: Sequence[int]) -> list[int]:
            if os.getpid() != PARENT:
                os.kill(os.getpid(), 9)
            return squares(items)

        assert list(pipelined(killed_in_children, [[1, 2, 3, 4]], 2, least=1)) == [[1, 4, 9, 16]]

    def test_an_error_of_the_work_is_raised_here_and_no_child_is_left(
        self, may_fork: list[int]
    ) -> None:
        def broken(items: Sequence[int]) -> list[int]:
            raise ValueError(f"bad items {list(items)}")

        with pytest.raises(ValueError, match=r"bad items \[1, 2\]"):
            list(pipelined(broken, [[1, 2, 3, 4], [5, 6, 7, 8]], 2, least=2))
        assert len(may_fork) == 1  # this process's own share failed first
        assert all(gone(pid) for pid in may_fork)

    def test_a_consumer_that_leaves_early_leaves_no_child(self, may_fork: list[int]) -> None:
        results = pipelined(squares, [[1, 2], [3, 4], [5, 6]], 2, least=1)
        assert next(results) == [1, 4]  # the second batch's child has started
        results.close()
        assert len(may_fork) == 2
        assert all(gone(pid) for pid in may_fork)

    def test_an_error_while_reading_the_batches_stops_the_children(
        self, may_fork: list[int]
    ) -> None:
        def batches() -> Iterator[list[int]]:
            yield [1, 2, 3, 4]
            raise OSError("the file went away")

        with pytest.raises(OSError, match="went away"):
            list(pipelined(squares, batches(), 2, least=2))
        assert len(may_fork) == 1
        assert all(gone(pid) for pid in may_fork)

    def test_no_process_to_be_had_means_the_share_is_done_here(
        self, may_fork: list[int], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def refused() -> int:
            raise BlockingIOError(11, "Resource temporarily unavailable")

        opened = len(os.listdir("/proc/self/fd"))
        monkeypatch.setattr(_fork.os, "fork", refused)
        assert list(pipelined(pids, [[1, 2, 3, 4]], 2, least=1)) == [[PARENT] * 4]
        assert len(os.listdir("/proc/self/fd")) == opened  # the pipes were closed
        results = pipelined(squares, [[1, 2], [3, 4]], 2, least=1)
        assert next(results) == [1, 4]
        results.close()  # the second batch, waiting to be done here, is let go
        assert may_fork == []

    def test_an_interrupt_while_forking_stops_the_children_forked(
        self, may_fork: list[int], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        real = _fork._forked
        calls: list[int] = []

        def interrupted(work: object, share: Sequence[object]) -> tuple[int, int]:
            calls.append(1)
            if len(calls) == 2:
                raise KeyboardInterrupt
            return real(work, share)  # type: ignore[arg-type]

        monkeypatch.setattr(_fork, "_forked", interrupted)
        with pytest.raises(KeyboardInterrupt):
            list(pipelined(squares, [[1, 2, 3, 4]], 3, least=1))
        assert len(may_fork) == 1
        assert gone(may_fork[0])

    def test_an_interrupt_while_waiting_stops_the_child_waited_for(
        self, may_fork: list[int], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        real = os.fdopen

        def fdopen(fd: int, mode: str = "r", *args: object) -> object:
            if mode == "rb":
                raise KeyboardInterrupt
            return real(fd, mode, *args)  # type: ignore[call-overload]

        monkeypatch.setattr(_fork.os, "fdopen", fdopen)
        with pytest.raises(KeyboardInterrupt):
            list(pipelined(squares, [[1, 2, 3, 4]], 3, least=1))
        assert len(may_fork) == 2
        assert all(gone(pid) for pid in may_fork)


class TestTheChildsSide:
    def test_served_sends_the_pickled_results_and_closes_the_pipe(self) -> None:
        readable, writable = os.pipe()
        assert served(squares, [2, 3], writable) == 0
        with os.fdopen(readable, "rb") as source:
            assert pickle.loads(source.read()) == [4, 9]

    def test_served_says_a_failure_in_its_status(self) -> None:
        def broken(items: Sequence[int]) -> list[int]:
            raise ZeroDivisionError

        readable, writable = os.pipe()
        assert served(broken, [1], writable) == 1
        with os.fdopen(readable, "rb") as source:
            assert source.read() == b""


class TestWhereItForks:
    def test_a_fresh_process_may_fork(self) -> None:
        code = "from smarketing.cli._fork import forkable; print(forkable())"
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert done.stdout.strip() == "True", done.stderr

    def test_a_process_with_a_second_thread_may_not(self) -> None:
        stop = threading.Event()
        thread = threading.Thread(target=stop.wait)
        thread.start()
        try:
            assert not forkable()
        finally:
            stop.set()
            thread.join()

    def test_the_cpus_are_the_ones_this_process_may_use(self) -> None:
        quota = cpu_quota()
        affinity = len(os.sched_getaffinity(0))
        assert usable_cpus() == (affinity if quota is None else max(1, min(affinity, quota)))

    def test_a_quota_of_the_control_group_caps_the_cpus(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(_fork, "cpu_quota", lambda: 1)
        assert usable_cpus() == 1
        monkeypatch.setattr(_fork, "cpu_quota", lambda: 10_000)
        assert usable_cpus() == len(os.sched_getaffinity(0))

    @pytest.mark.parametrize(
        ("groups", "files", "expected"),
        [
            ("0::/box\n", {"box/cpu.max": "150000 100000\n"}, 2),
            ("0::/box\n", {"box/cpu.max": "max 100000\n"}, None),
            ("0::/\n", {"cpu.max": "200000 100000\n"}, 2),
            ("0::/box\n", {"cpu.max": "100000 100000\n"}, 1),  # read at the root
            ("0::/box\n", {}, None),
            ("0::/box\n", {"box/cpu.max": "lots 100000\n"}, None),
            (
                "12:memory:/x\n4:cpu,cpuacct:/box\n",
                {
                    "cpu,cpuacct/box/cpu.cfs_quota_us": "300000",
                    "cpu,cpuacct/box/cpu.cfs_period_us": "100000",
                },
                3,
            ),
            (
                "4:cpu,cpuacct:/box\n",
                {"cpu,cpuacct/cpu.cfs_quota_us": "-1", "cpu,cpuacct/cpu.cfs_period_us": "100000"},
                None,
            ),
            ("4:cpu:/\n", {"cpu/cpu.cfs_quota_us": "50000", "cpu/cpu.cfs_period_us": "100000"}, 1),
            ("4:cpu:/\n", {"cpu/cpu.cfs_quota_us": "50000"}, None),
            ("not a line\n1:pids:/\n", {}, None),
        ],
        ids=[
            "v2",
            "v2 no limit",
            "v2 at the root",
            "v2 leaf unreadable",
            "v2 no file",
            "v2 garbage",
            "v1",
            "v1 no limit",
            "v1 half a cpu",
            "v1 no period",
            "no cpu group",
        ],
    )
    def test_the_control_groups_cpu_quota(
        self, tmp_path: Path, groups: str, files: dict[str, str], expected: int | None
    ) -> None:
        (tmp_path / "cgroup").write_text(groups)
        root = tmp_path / "fs"
        for name, text in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)
        assert cpu_quota(tmp_path / "cgroup", root) == expected

    def test_no_control_group_file_is_no_quota(self, tmp_path: Path) -> None:
        assert cpu_quota(tmp_path / "missing", tmp_path) is None


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """1,300 demo leads and their activities."""
    from smarketing.cli._demo import _activity_table, _lead_table
    from smarketing.demo import DEFAULT_START, population
    from smarketing.io import write_rows

    folder = tmp_path_factory.mktemp("fork")
    pop = population(1300, seed=3, start=DEFAULT_START)
    write_rows(folder / "leads.csv", *_lead_table(pop.leads))
    write_rows(folder / "activities.csv", *_activity_table(pop.activities))
    return folder / "leads.csv", folder / "activities.csv"


class TestTheCommands:
    """score and plan give the same rows whatever --jobs says, in the same order."""

    @pytest.mark.parametrize("command", ["score", "plan"])
    def test_the_rows_do_not_depend_on_the_jobs(
        self,
        command: str,
        files: tuple[Path, Path],
        tmp_path: Path,
        may_fork: list[int],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        from smarketing.cli import main

        monkeypatch.setattr("smarketing.cli._assess.BATCH", 1100)  # two batches, the second short
        leads, activities = files
        outputs = []
        for jobs in ("1", "2"):
            out = tmp_path / f"{command}-{jobs}.csv"
            argv = [command, str(leads), "--activities", str(activities), "-o", str(out)]
            assert main([*argv, "--at", "2026-07-01T00:00:00Z", "--jobs", jobs]) == 0
            outputs.append(out.read_bytes())
        assert len(may_fork) == 1  # the first batch in two shares; 200 leads are not worth it
        assert outputs[0] == outputs[1]
        assert outputs[0].count(b"\n") == 1301

    def test_a_strict_run_with_a_bad_row_writes_nothing(
        self, tmp_path: Path, may_fork: list[int], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from smarketing.cli import main

        monkeypatch.setattr("smarketing.cli._assess.BATCH", 2)
        rows = "".join(f"L{i},software\n" for i in range(6))
        leads = tmp_path / "leads.csv"
        leads.write_text("id,industry\n" + rows + "L1,saas\n" + rows.replace("L", "M"))
        out = tmp_path / "scores.csv"
        argv = ["score", str(leads), "--at", "2026-07-01T00:00:00Z", "-j", "2", "-o", str(out)]
        assert main([*argv, "--strict"]) == 2
        assert not out.exists()

    def test_the_command_in_a_fresh_process_forks_and_agrees(
        self, files: tuple[Path, Path], tmp_path: Path
    ) -> None:
        """The real thing: no test's monkeypatching, the kernel's own thread count. The
        command says how many children it waited for (a child's CPU time counts once reaped).
        """
        leads, activities = files
        counted = (
            "import resource, sys; from smarketing.cli import main; status = main(sys.argv[1:]); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime > 0); sys.exit(status)"
        )
        outputs, forked = [], []
        for jobs in ("1", "2"):
            out = tmp_path / f"scores-{jobs}.csv"
            argv = ["score", str(leads), "--activities", str(activities), "-o", str(out)]
            argv += ["--at", "2026-07-01T00:00:00Z", "-j", jobs]
            done = subprocess.run(
                [sys.executable, "-c", counted, *argv], capture_output=True, text=True
            )
            assert done.returncode == 0, done.stderr
            assert "1,300 rows read: 1,300 leads, 0 rejected" in done.stderr
            outputs.append(out.read_bytes())
            forked.append(done.stdout.strip())
        assert outputs[0] == outputs[1]
        assert forked == ["False", "True"]  # 1,300 leads: 650 here, 650 in one child

    def test_jobs_is_a_whole_number_of_one_or_more(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        from smarketing.cli import main

        assert main(["score", "leads.csv", "--jobs", "0"]) == 2
        assert "expected a whole number >= 1, got '0'" in capsys.readouterr().err
