"""Work shared out among forked copies of this process: the score and plan commands' leads.

Assessing a lead is most of what ``smarketing score`` does (seven tenths of its time on
100,000 leads, ``benchmarks/bench_io.py``), and each lead is assessed on its own. The leads
come in batches; each batch is split into contiguous shares, and a child forked for each
share assesses it and sends back its output rows, pickled through a pipe, while this process
reads the next batch and writes the rows of the one before. The children find the leads, the
activities and the playbook where this process left them, in memory they share until either
writes to it: nothing is pickled on the way in (pickling a lead costs half of assessing it).

Forking is a speed-up, never another result: the rows come back in the order of the leads,
and a child that fails for any reason (an error, a signal) is replaced by this process doing
its share itself, so that an error is raised here as it would be without children. Only
Linux forks, and only a process running one thread, counted by the kernel (the thread pools
of a library imported before, which ``threading`` does not see, count too): a child of a
threaded process may hold a lock that no thread will ever release.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Final, Generic, TypeVar

__all__ = ["BATCH", "LEAST", "forkable", "pipelined", "served", "usable_cpus"]

T = TypeVar("T")
R = TypeVar("R")

#: Leads read before they are shared out: the rows of two batches are held at once.
BATCH: Final = 4096
#: The fewest leads worth a child: forking costs milliseconds, 500 leads a few tenths of a
#: second of assessing.
LEAST: Final = 500


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity where the system tells it)."""
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        return len(affinity(0))
    return os.cpu_count() or 1  # pragma: no cover - Linux has sched_getaffinity


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
) -> Iterator[list[R]]:
    """``work(batch)`` for each batch, in order, done by up to ``jobs`` children per batch.

    ``work`` maps a run of items to one result per item and must not write anywhere: a
    child's output is only what it returns. While the children of a batch work, the next
    batch is taken and the results of the one before are handed on; so at most ``jobs``
    children run at a time. A share holds at least ``least`` items; with ``jobs`` 1, fewer
    items, or where forking is not safe, this process does it all.
    """
    running: _Batch[T, R] | None = None
    try:
        for batch in batches:  # taken while the children of the batch before work
            done = None if running is None else running.results()
            running = _started(work, batch, jobs, least)
            if done is not None:
                yield done  # written while the children of this batch work
        if running is not None:
            done, running = running.results(), None
            yield done
    finally:  # an error, or the consumer gone: no child is left behind
        if running is not None:
            running.stop()


class _Batch(Generic[T, R]):
    """One batch's shares, each with the child doing it, or pid 0: done here when asked."""

    __slots__ = ("parts", "work")

    def __init__(
        self, work: Callable[[Sequence[T]], list[R]], parts: list[tuple[Sequence[T], int, int]]
    ) -> None:
        self.work = work
        self.parts = parts

    def results(self) -> list[R]:
        """Every share's results in order, waiting for each child in turn."""
        out: list[R] = []
        while self.parts:
            share, pid, fd = self.parts.pop(0)
            got: list[R] | None = _joined(pid, fd) if pid else None
            out += self.work(share) if got is None else got
        return out

    def stop(self) -> None:
        for _, pid, fd in self.parts:
            if pid:
                os.close(fd)
                _stopped(pid)
        self.parts.clear()


def _started(
    work: Callable[[Sequence[T]], list[R]], items: Sequence[T], jobs: int, least: int
) -> _Batch[T, R]:
    count = min(jobs, len(items) // least)
    if jobs < 2 or count < 1 or not forkable():
        return _Batch(work, [(items, 0, -1)])
    size = -(-len(items) // count)
    batch = _Batch(work, [])
    try:
        for start in range(0, len(items), size):
            share = items[start : start + size]
            try:
                pid, fd = _forked(work, share)
            except OSError:  # no process to be had (a limit, memory): done here instead
                pid, fd = 0, -1
            batch.parts.append((share, pid, fd))
    except BaseException:
        batch.stop()
        raise
    return batch


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
