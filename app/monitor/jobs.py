"""Jobs' throughput from their progress reports, for the monitor's job curves."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from app.core.progress import ProgressUpdate
from app.monitor.sampler import JobRate


class RunningJob(Protocol):
    """What the monitor reads of a running job (the runner's JobRecord has these)."""

    id: int
    title: str
    lane: str
    progress: ProgressUpdate | None


class JobRates:
    """Throughput per job over the last interval.

    A ProgressUpdate's rate is the average since the job started: after a slow start or a stall it lags for
    minutes. The rate over the last interval comes from how far `done` moved since the previous sample; a job
    seen for the first time (or whose unit changed) shows the rate it reports.
    """

    def __init__(self) -> None:
        self._last: dict[int, tuple[float, int, str]] = {}  # job id -> (monotonic time, done, unit)

    def update(self, now: float, jobs: Iterable[RunningJob]) -> tuple[JobRate, ...]:
        """Rates of the given running jobs at monotonic time `now`; jobs no longer given are forgotten."""
        rates, seen = [], {}
        for job in jobs:
            update = job.progress
            if update is None:
                continue
            previous = self._last.get(job.id)
            if previous is not None and previous[2] == update.unit and now > previous[0] and update.done >= previous[1]:
                rate = (update.done - previous[1]) / (now - previous[0])
            else:
                rate = max(update.rate, 0.0)
            seen[job.id] = (now, update.done, update.unit)
            rates.append(JobRate(job.id, job.title, job.lane, update.unit, rate))
        self._last = seen
        return tuple(rates)
