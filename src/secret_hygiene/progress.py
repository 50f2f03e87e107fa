"""A one-line progress bar on a terminal (stderr); nothing at all when stderr is not one."""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

WIDTH = 24
INTERVAL = 0.1  # seconds between redraws


def _megabytes(count: int) -> str:
    return f"{count / 1_000_000:,.1f} MB"


class Progress:
    def __init__(self, label: str, total: int | None, stream: TextIO | None = None,
                 enabled: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled and total != 0
        self.label = label
        self.total = total
        self.done = 0
        self.bytes = 0
        self.started = time.monotonic()
        self._drawn = 0.0

    def advance(self, count: int = 1, size: int = 0) -> None:
        self.done += count
        self.bytes += size
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._drawn >= INTERVAL or self.done == self.total:
            self._drawn = now
            width = shutil.get_terminal_size((80, 24)).columns - 1  # a wrapped line stays
            self.stream.write("\r" + self.line(now)[:max(width, 10)] + "\x1b[K")
            self.stream.flush()

    def line(self, now: float | None = None) -> str:
        elapsed = max((now if now is not None else time.monotonic()) - self.started, 1e-6)
        if self.total is None:  # still counting
            bar, count = "?" * WIDTH, f"{self.done:,}/? blobs"
        else:
            share = min(self.done / self.total, 1.0) if self.total else 1.0
            filled = int(share * WIDTH)
            bar = "#" * filled + "." * (WIDTH - filled)
            count = f"{self.done:,}/{self.total:,} blobs"
        return (f"{self.label} [{bar}] {count}, "
                f"{_megabytes(self.bytes)}, {self.done / elapsed:,.0f} blobs/s, "
                f"{self.bytes / elapsed / 1_000_000:,.1f} MB/s")

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.enabled = False
