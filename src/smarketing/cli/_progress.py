"""Progress on a terminal."""

from __future__ import annotations

import sys
import time


class _Progress:
    """A progress bar on stderr when it is a terminal; nothing at all when it is not."""

    WIDTH = 30

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total = label, total
        self.on = sys.stderr.isatty()
        self.shown = -1.0

    def __call__(self, done: int, total: int | None = None) -> None:
        """Show ``done`` of ``total`` (or only the label, for work of unknown size)."""
        if not self.on:
            return
        if total is not None:
            self.total = total
        now = time.monotonic()
        if now - self.shown < 0.1 and done < self.total:
            return
        self.shown = now
        if self.total < 1:
            sys.stderr.write(f"\r{self.label}...")
        else:
            filled = self.WIDTH * done // self.total
            bar = "#" * filled + "." * (self.WIDTH - filled)
            sys.stderr.write(f"\r{self.label} [{bar}] {100 * done // self.total:3d}%")
        sys.stderr.flush()

    def close(self) -> None:
        if self.on:
            sys.stderr.write("\r" + " " * (len(self.label) + self.WIDTH + 8) + "\r")
            sys.stderr.flush()
