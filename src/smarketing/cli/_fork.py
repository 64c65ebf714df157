"""Work shared out among forked copies of this process: the score and plan commands' leads.

Assessing a lead is most of what ``smarketing score`` does (seven tenths of its time on
100,000 leads, ``benchmarks/bench_io.py``), and each lead is assessed on its own. The leads
come in batches. For each batch, a child is forked for every share but the first, assesses
its share and sends back its output rows, pickled through a pipe; meanwhile this process
writes the rows of the batch before, reads the next batch, and assesses the first share
itself, made smaller by what the writing and reading cost it. The children find the leads,
the activities and the playbook where this process left them, in memory they share until
either writes to it: nothing is pickled on the way in (pickling a lead costs half of
assessing it). A page either writes to is copied, so each child costs memory: one child a
batch (two processes) took the command's peak from 126 MiB to 242 MiB, the two together.

Forking is a speed-up, never another result: the rows come back in the order of the leads,
and a child that fails for any reason (an error, a signal) is replaced by this process doing
its share itself, so that an error is raised here as it would be without children. Only
Linux forks, and only a process running one thread, counted by the kernel (the thread pools
of a library imported before, which ``threading`` does not see, count too): a child of a
threaded process may hold a lock that no thread will ever release.
"""

from __future__ import annotations

import gc
import math
import os
import pickle
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Final, Generic, TypeVar

__all__ = [
    "BATCH",
    "LEAST",
    "cpu_quota",
    "forkable",
    "pipelined",
    "served",
    "shares",
    "usable_cpus",
]

T = TypeVar("T")
R = TypeVar("R")

#: Leads read before they are shared out: the rows of two batches are held at once. Larger
#: batches fork less often, so fewer pages are copied again, but each child copies more:
#: bench_io's score took 9.3 s and 206 MiB with 4,096, 8.4 s and 242 MiB with 8,192, 8.9 s
#: and 303 MiB with 16,384 (one run each, the same machine).
BATCH: Final = 8192
#: The fewest leads worth a child: forking costs milliseconds, 500 leads a few tenths of a
#: second of assessing.
LEAST: Final = 500


def usable_cpus() -> int:
    """The CPUs this process may use: those it may run on (its affinity), no more than its
    control group's CPU quota allows (a container limited to 2 CPUs on a 64-CPU host sees 64
    in its affinity; 64 processes there would share 2 CPUs and copy 64 times the memory)."""
    affinity = getattr(os, "sched_getaffinity", None)
    count = len(affinity(0)) if affinity is not None else os.cpu_count() or 1
    quota = cpu_quota()
    return max(1, min(count, quota)) if quota is not None else count


def cpu_quota(
    groups: Path = Path("/proc/self/cgroup"), root: Path = Path("/sys/fs/cgroup")
) -> int | None:
    """The CPUs this process's control group may use in full (rounded up), or None when it
    sets no limit or none can be read: cgroup v2's ``cpu.max``, else v1's CFS quota."""
    try:
        lines = groups.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        inner = path.lstrip("/")
        if controllers == "":  # cgroup v2: "0::/path"
            places = [root / inner / "cpu.max", root / "cpu.max"]
            found = _first_read(places)
            if found is not None:
                quota, _, period = found.partition(" ")
                return _ratio(quota, period)
        elif "cpu" in controllers.split(","):  # cgroup v1: "4:cpu,cpuacct:/path"
            mount = root / controllers
            for base in (mount / inner, mount):
                quota_text = _first_read([base / "cpu.cfs_quota_us"])
                period_text = _first_read([base / "cpu.cfs_period_us"])
                if quota_text is not None and period_text is not None:
                    return _ratio(quota_text, period_text)
    return None


def _first_read(paths: Sequence[Path]) -> str | None:
    for path in paths:
        try:
            return path.read_text().strip()
        except OSError:
            continue
    return None


def _ratio(quota: str, period: str) -> int | None:
    """``quota / period`` rounded up, or None for no limit ("max", -1) or text that is not one."""
    try:
        q, p = int(quota), int(period)
    except ValueError:
        return None
    return math.ceil(q / p) if q > 0 and p > 0 else None


def forkable() -> bool:
    """Whether this process can fork safely: Linux, one thread (native ones included)."""
    if sys.platform != "linux":  # pragma: no cover - the tests run on Linux
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:  # pragma: no cover - /proc is not mounted
        return False


def pipelined(
    work: Callable[[Sequence[T]], list[R]],
    batches: Iterable[Sequence[T]],
    jobs: int,
    *,
    least: int = LEAST,
    clock: Callable[[], float] = time.perf_counter,
) -> Iterator[list[R]]:
    """``work(batch)`` for each batch, in order, shared between this process and up to
    ``jobs - 1`` children forked for the batch.

    ``work`` maps a run of items to one result per item and must not write anywhere: a
    child's output is only what it returns. While the children work, this process hands on
    the results of the batch before, takes the next batch, then does its own share: the first
    items of the batch, fewer than a child's by what the handing on and taking cost it the
    time before (timed with ``clock``), so that all finish together. A child's share holds at
    least ``least`` items; with ``jobs`` 1, fewer items, or where forking is not safe, this
    process does it all.
    """
    upcoming = iter(batches)
    batch = next(upcoming, None)
    before: list[R] | None = None
    spare = 0.0  # this process's other work the batch before, in items' worth of work
    running: _Batch[T, R] | None = None
    try:
        while batch is not None:
            own, running = _started(work, batch, jobs, least, spare)
            started = clock()
            if before is not None:
                yield before  # written while the children work
            batch = next(upcoming, None)  # read while they work
            middle = clock()
            results = work(own)
            ended = clock()
            results += running.results()
            if running.parts_done and own and ended > middle:
                spare = (middle - started) * len(own) / (ended - middle)
            elif running.parts_done:  # the children took it all: try this process again
                spare /= 2
            running, before = None, results
        if before is not None:
            yield before
    finally:  # an error, or the consumer gone: no child is left behind
        if running is not None:
            running.stop()


def shares(count: int, jobs: int, least: int, spare: float) -> tuple[int, int]:
    """How many of ``count`` items each child takes, and how many children: every process an
    equal part of the items plus ``spare`` (this process's other work, in items), none more
    than there is, no child fewer than ``least``.

    >>> shares(4096, 2, 500, 0.0), shares(4096, 2, 500, 700.0), shares(700, 2, 500, 0.0)
    ((2048, 1), (2398, 1), (0, 0))
    """
    children = jobs - 1
    while children > 0:
        each = min(math.ceil((count + spare) / (children + 1)), count // children)
        if each >= least:
            return each, children
        children -= 1
    return 0, 0


class _Batch(Generic[T, R]):
    """One batch's shares, each with the child doing it, or pid 0: done here when asked."""

    __slots__ = ("parts", "parts_done", "work")

    def __init__(
        self, work: Callable[[Sequence[T]], list[R]], parts: list[tuple[Sequence[T], int, int]]
    ) -> None:
        self.work = work
        self.parts = parts
        #: How many shares children did (the rest were done here).
        self.parts_done = 0

    def results(self) -> list[R]:
        """Every share's results in order, waiting for each child in turn."""
        out: list[R] = []
        while self.parts:
            share, pid, fd = self.parts.pop(0)
            got: list[R] | None = _joined(pid, fd) if pid else None
            if got is None:
                out += self.work(share)
            else:
                out += got
                self.parts_done += 1
        return out

    def stop(self) -> None:
        for _, pid, fd in self.parts:
            if pid:
                os.close(fd)
                _stopped(pid)
        self.parts.clear()


def _started(
    work: Callable[[Sequence[T]], list[R]],
    items: Sequence[T],
    jobs: int,
    least: int,
    spare: float,
) -> tuple[Sequence[T], _Batch[T, R]]:
    """This process's share of ``items`` and the batch of children doing the rest."""
    each, children = shares(len(items), jobs, least, spare) if jobs > 1 else (0, 0)
    batch: _Batch[T, R] = _Batch(work, [])
    if not children or not forkable():
        return items, batch
    own = len(items) - each * children
    try:
        for start in range(own, len(items), each):
            share = items[start : start + each]
            try:
                pid, fd = _forked(work, share)
            except OSError:  # no process to be had (a limit, memory): done here instead
                pid, fd = 0, -1
            batch.parts.append((share, pid, fd))
    except BaseException:
        batch.stop()
        raise
    return items[:own], batch


def _forked(work: Callable[[Sequence[T]], list[R]], share: Sequence[T]) -> tuple[int, int]:
    """A child doing ``work(share)``: its pid and the pipe its results come through."""
    readable, writable = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(readable)
        os.close(writable)
        raise
    if pid == 0:  # pragma: no cover - the child's side (served() itself is tested in-process)
        status = 1
        try:
            os.close(readable)
            gc.disable()  # its life is one share: a pass of the collector copies shared pages
            status = served(work, share, writable)
        finally:
            os._exit(status)  # whatever happens: no exit handlers, no buffers flushed twice
    os.close(writable)
    return pid, readable


def served(work: Callable[[Sequence[T]], list[R]], share: Sequence[T], fd: int) -> int:
    """In a child: ``work(share)`` pickled into ``fd`` (closed after); the exit status."""
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pickle.dumps(work(share), protocol=pickle.HIGHEST_PROTOCOL))
    except BaseException:  # any failure at all: the parent does the share itself
        return 1
    return 0


def _joined(pid: int, fd: int) -> list[R] | None:
    """A child's results, or None when it did not end well (the parent then does its share)."""
    try:
        with os.fdopen(fd, "rb") as source:
            data = source.read()
    except BaseException:  # interrupted while waiting: the child is stopped too
        _stopped(pid)
        raise
    _, status = os.waitpid(pid, 0)
    if status != 0:
        return None
    results: list[R] = pickle.loads(data)  # our own child's bytes, through our own pipe
    return results


def _stopped(pid: int) -> None:
    """A child killed and reaped (one that has ended is a zombie until reaped: still there)."""
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
