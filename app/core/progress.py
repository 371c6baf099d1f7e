"""Progress and cancellation shared by every job, Qt-free so the CLI and tests run the same code."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from app.core.errors import Cancelled


@dataclass(frozen=True)
class ProgressUpdate:
    """One throttled progress report: fraction, counts, throughput and ETA."""

    fraction: float | None  # None while the total is unknown
    done: int
    total: int | None
    unit: str
    rate: float  # units per second
    eta_seconds: float | None
    message: str = ""
    # A batch of items (e.g. the events of an EDL): which one runs (1-based), of how many, and how far it is.
    step: int = 0
    steps: int = 0
    step_fraction: float | None = None


ProgressSink = Callable[[ProgressUpdate], None]


class CancelToken:
    """Set from any thread; polled by job code between chunks. Also carries a pause flag."""

    def __init__(self) -> None:
        self._cancelled = threading.Event()
        self._running = threading.Event()
        self._running.set()

    def cancel(self) -> None:
        self._cancelled.set()
        self._running.set()  # a paused job must wake up to notice the cancel

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def check_cancelled(self) -> None:
        """Raise Cancelled once cancelled, without waiting out a pause (for code that pauses at its own points)."""
        if self._cancelled.is_set():
            raise Cancelled("cancelled by the user")

    def check(self) -> None:
        """Block while paused; raise Cancelled once cancelled."""
        if not self._running.is_set():  # Event.wait() costs µs even when set; jobs check per file
            self._running.wait()
        if self._cancelled.is_set():
            raise Cancelled("cancelled by the user")


@dataclass
class ProgressMeter:
    """Counts work and forwards at most ~10 updates a second to a sink, with rate and ETA."""

    sink: ProgressSink | None
    total: int | None = None
    unit: str = "files"
    interval: float = 0.1
    done: int = 0
    message: str = ""
    step: int = 0
    steps: int = 0
    step_label: str = ""
    step_size: int = 0
    _step_start: int = 0
    _start: float = field(default_factory=time.monotonic)
    _last_emit: float = 0.0

    def set_total(self, total: int | None) -> None:
        self.total = total
        self._emit(force=True)

    def advance(self, count: int = 1, message: str | None = None) -> None:
        self.done += count
        if message is not None:
            self.message = message
        self._emit()

    def note(self, message: str) -> None:
        self.message = message
        self._emit(force=True)

    def begin_step(self, step: int, steps: int, label: str, size: int) -> None:
        """Start item `step` (1-based) of `steps`, `size` units long; messages read 'label — 40%'."""
        self.step, self.steps, self.step_label, self.step_size = step, steps, label, size
        self._step_start = self.done
        self._emit(force=True)

    def finish(self) -> None:
        self._emit(force=True)

    def snapshot(self) -> ProgressUpdate:
        elapsed = max(time.monotonic() - self._start, 1e-9)
        rate = self.done / elapsed
        fraction = None
        eta = None
        if self.total:
            fraction = min(self.done / self.total, 1.0)
            eta = (self.total - self.done) / rate if rate > 0 else None
        elif self.total == 0:
            fraction = 1.0
        message, step_fraction = self.message, None
        if self.step_label:
            step_fraction = min((self.done - self._step_start) / self.step_size, 1.0) if self.step_size else None
            message = self.step_label + (f" — {step_fraction:.0%}" if step_fraction is not None else "")
        return ProgressUpdate(fraction, self.done, self.total, self.unit, rate, eta, message, self.step,
                              self.steps, step_fraction)

    def _emit(self, force: bool = False) -> None:
        if self.sink is None:
            return
        now = time.monotonic()
        if force or now - self._last_emit >= self.interval:
            self._last_emit = now
            self.sink(self.snapshot())
