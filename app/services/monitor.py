"""MonitorService: samples the machine and the runner's jobs once a second and keeps the session's history."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace

from PySide6.QtCore import QObject, QTimer, Signal

from app.jobs.runner import PAUSED, QUEUED, RUNNING, JobRunner
from app.monitor.history import HISTORY_CAPACITY, SessionHistory
from app.monitor.jobs import JobRates
from app.monitor.sampler import Sample, Sampler
from app.services.settings import Settings

RECORD_KEY = "monitor/record"  # keep sampling while the Performance panel is hidden
INTERVAL_MS = 1000


class MonitorService(QObject):
    """Samples while someone watches (the Performance panel is visible) or recording is on.

    A QTimer on the GUI thread, not a runner lane (STYLE.md rule 2 is about I/O that can block): a sample is a
    few reads of /proc and sysctl counters, ~0.5 ms measured, with no disk or network I/O, and the runner's
    records it reads live on this thread anyway. A lane would add two thread hops a second and could queue the
    sample behind a long job, which is exactly when the figures are wanted.
    """

    sample_added = Signal(object)  # Sample
    recording_changed = Signal(bool)

    def __init__(self, runner: JobRunner, settings: Settings | None = None, interval_ms: int = INTERVAL_MS,
                 capacity: int = HISTORY_CAPACITY, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.settings = settings
        self.history = SessionHistory(capacity)
        self._watchers = 0
        self._recording = bool(settings.value(RECORD_KEY, False, bool)) if settings is not None else False
        self._sampler: Sampler | None = None
        self._job_rates = JobRates()
        self._lanes_seen: set[str] = set()
        self._lanes: tuple[tuple[str, int], ...] = ()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.sample_now)
        self._update_timer()

    @property
    def recording(self) -> bool:
        return self._recording

    @property
    def interval_seconds(self) -> float:
        return self._timer.interval() / 1000

    @property
    def sampling(self) -> bool:
        return self._timer.isActive()

    def set_recording(self, on: bool) -> None:
        """Keep sampling with the panel hidden (remembered in the settings)."""
        if on == self._recording:
            return
        self._recording = on
        if self.settings is not None:
            self.settings.set_value(RECORD_KEY, on)
        self._update_timer()
        self.recording_changed.emit(on)

    def watch(self) -> None:
        """A view became visible: sample until unwatch()."""
        self._watchers += 1
        self._update_timer()

    def unwatch(self) -> None:
        self._watchers = max(self._watchers - 1, 0)
        self._update_timer()

    def sample_now(self) -> Sample:
        """Take one sample now (the timer calls this), add it to the history and announce it."""
        if self._sampler is None:
            self._sampler = Sampler()
        sample = self._sampler.sample()
        records = [r for r in self.runner.records() if r.visible or r.state == QUEUED]
        running = [r for r in records if r.state in (RUNNING, PAUSED) and r.visible and r.started_at is not None]
        # A job paused before it started waits in its queue all the same
        queued = Counter(r.lane for r in records
                         if r.state == QUEUED or (r.state == PAUSED and r.started_at is None))
        self._lanes_seen.update(r.lane for r in records)
        lanes = tuple((lane, queued.get(lane, 0)) for lane in sorted(self._lanes_seen))
        if lanes != self._lanes:
            self._lanes = lanes  # unchanged lanes share one tuple across samples: it keeps the history small
        jobs = self._job_rates.update(time.monotonic(), running)
        sample = replace(sample, jobs=jobs, lanes=self._lanes)
        self.history.append(sample)
        self.sample_added.emit(sample)
        return sample

    def shutdown(self) -> None:
        self._timer.stop()

    def _update_timer(self) -> None:
        wanted = self._watchers > 0 or self._recording
        if wanted and not self._timer.isActive():
            self._sampler = Sampler()  # rates after a pause cover the next second, not the whole pause
            self._timer.start()
        elif not wanted and self._timer.isActive():
            self._timer.stop()
