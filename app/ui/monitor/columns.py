"""The samples of a time window as numpy arrays, one per curve: one pass over the samples per redraw.

A session's four hours are 14,400 samples; building each curve by its own pass over them took seconds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.monitor.sampler import Sample

MB = 1e6  # decimal, as the Jobs panel and file managers show sizes
GB = 1e9


class Columns:
    """Arrays of the figures of `samples`; y() puts a NaN (a break in the line) where sampling paused."""

    def __init__(self, samples: Sequence[Sample], interval: float) -> None:
        count = len(samples)
        times = np.fromiter((s.time for s in samples), float, count)
        # Samples more than three intervals apart: the panel was closed and recording off; draw no ramp across.
        self._gaps = np.nonzero(np.diff(times) > 3 * interval)[0] + 1 if count > 1 else np.empty(0, dtype=int)
        self.x = np.insert(times, self._gaps, times[self._gaps - 1] + interval) if len(self._gaps) else times
        self.cores = len(samples[-1].cpu) if samples else 0
        blank = (np.nan,) * self.cores
        self.cpu = np.array([s.cpu if len(s.cpu) == self.cores else blank for s in samples], dtype=float)
        self.cpu = self.cpu.reshape(count, self.cores)
        self.cpu_average = np.fromiter((s.cpu_average for s in samples), float, count)
        self.memory_used = np.fromiter((s.memory_used for s in samples), float, count) / GB
        self.memory_total = np.fromiter((s.memory_total for s in samples), float, count) / GB
        self.swap_used = np.fromiter((s.swap_used for s in samples), float, count) / GB
        self.has_swap = any(s.swap_total for s in samples)
        self.net_rx = np.fromiter((s.net_rx for s in samples), float, count) / MB
        self.net_tx = np.fromiter((s.net_tx for s in samples), float, count) / MB
        self.disks: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.lanes: dict[str, np.ndarray] = {}
        self.jobs: dict[int, tuple[str, str, np.ndarray]] = {}  # job id -> (legend name, unit shown, values)
        for index, sample in enumerate(samples):
            for disk in sample.disks:
                if disk.name not in self.disks:
                    self.disks[disk.name] = (np.full(count, np.nan), np.full(count, np.nan))
                read, write = self.disks[disk.name]
                read[index], write[index] = disk.read / MB, disk.write / MB
            for lane, queued in sample.lanes:
                if lane not in self.lanes:
                    self.lanes[lane] = np.zeros(count)
                self.lanes[lane][index] = queued
            for job in sample.jobs:
                value, unit = job.shown
                if job.job_id not in self.jobs:
                    self.jobs[job.job_id] = (f"{job.title} ({unit})", unit, np.full(count, np.nan))
                self.jobs[job.job_id][2][index] = value
        self.running = {job.job_id for job in samples[-1].jobs} if samples else set()

    def y(self, values: np.ndarray) -> np.ndarray:
        """values with a NaN at each pause, to pair with x."""
        return np.insert(values, self._gaps, np.nan) if len(self._gaps) else values
