"""The session's samples in a bounded ring, and their CSV form (one row per sample, one column per figure)."""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import TextIO

from app.monitor.sampler import Sample

# Four hours at one sample a second; older samples fall out first. Measured with tracemalloc: a sample of a
# 16-core machine with 3 disks, 3 running jobs and unchanged lanes takes ~1.5 KB, so a full ring ~21 MB.
HISTORY_CAPACITY = 4 * 3600

Column = tuple[str, Callable[[Sample], float | int | str | None]]


class SessionHistory:
    """The last `capacity` samples, oldest first."""

    def __init__(self, capacity: int = HISTORY_CAPACITY) -> None:
        self._samples: deque[Sample] = deque(maxlen=capacity)

    @property
    def capacity(self) -> int:
        return self._samples.maxlen or 0

    def append(self, sample: Sample) -> None:
        self._samples.append(sample)

    def __len__(self) -> int:
        return len(self._samples)

    def __iter__(self) -> Iterator[Sample]:
        return iter(self._samples)

    def since(self, start: float) -> list[Sample]:
        """Samples taken at or after wall-clock time `start`."""
        found: list[Sample] = []
        for sample in reversed(self._samples):  # the window is usually the newest few
            if sample.time < start:
                break
            found.append(sample)
        return found[::-1]

    def write_csv(self, stream: TextIO) -> int:
        """Write every sample as CSV (header row first); returns the number of rows."""
        return write_csv(list(self._samples), stream)


def _disk(name: str, read: bool) -> Callable[[Sample], float | None]:
    def value(sample: Sample) -> float | None:
        found = next((d for d in sample.disks if d.name == name), None)
        return None if found is None else round(found.read if read else found.write, 1)
    return value


def _job(job_id: int) -> Callable[[Sample], float | None]:
    def value(sample: Sample) -> float | None:
        found = next((j for j in sample.jobs if j.job_id == job_id), None)
        return None if found is None else round(found.rate, 3)
    return value


def _lane(lane: str) -> Callable[[Sample], int | None]:
    def value(sample: Sample) -> int | None:
        return dict(sample.lanes).get(lane)
    return value


def _core(index: int) -> Callable[[Sample], float | None]:
    return lambda s: round(s.cpu[index], 1) if index < len(s.cpu) else None


def csv_columns(samples: Iterable[Sample]) -> list[Column]:
    """Every column the samples need: devices, jobs and lanes that came and went get a column each, empty in the
    rows where they did not exist."""
    samples = list(samples)
    cores = max((len(s.cpu) for s in samples), default=0)
    disks = sorted({d.name for s in samples for d in s.disks})
    jobs: dict[int, tuple[str, str]] = {}
    for sample in samples:
        for job in sample.jobs:
            jobs.setdefault(job.job_id, (job.title, job.unit))
    lanes = sorted({lane for s in samples for lane, _ in s.lanes})
    columns: list[Column] = [
        ("time", lambda s: datetime.fromtimestamp(s.time, UTC).isoformat(timespec="milliseconds")),
        ("cpu_percent", lambda s: round(s.cpu_average, 1)),
    ]
    columns += [(f"cpu{i}_percent", _core(i)) for i in range(cores)]
    columns += [("memory_used_bytes", lambda s: s.memory_used), ("memory_total_bytes", lambda s: s.memory_total),
                ("swap_used_bytes", lambda s: s.swap_used), ("swap_total_bytes", lambda s: s.swap_total)]
    for name in disks:
        columns += [(f"disk_{name}_read_bytes_per_s", _disk(name, True)),
                    (f"disk_{name}_write_bytes_per_s", _disk(name, False))]
    columns += [("net_rx_bytes_per_s", lambda s: round(s.net_rx, 1)),
                ("net_tx_bytes_per_s", lambda s: round(s.net_tx, 1))]
    columns += [(f"lane_{lane}_queued", _lane(lane)) for lane in lanes]
    columns += [(f"job_{job_id} {title} ({unit}/s)", _job(job_id)) for job_id, (title, unit) in jobs.items()]
    return columns


def csv_row(sample: Sample, columns: list[Column]) -> list[float | int | str]:
    """One sample's values in the order of columns ('' where a column has no value in this sample)."""
    row: list[float | int | str] = []
    for _, value in columns:
        found = value(sample)
        row.append("" if found is None else found)
    return row


def write_csv(samples: list[Sample], stream: TextIO) -> int:
    """Header row, then one row per sample; returns the number of sample rows."""
    columns = csv_columns(samples)
    writer = csv.writer(stream)
    writer.writerow([name for name, _ in columns])
    for sample in samples:
        writer.writerow(csv_row(sample, columns))
    return len(samples)
