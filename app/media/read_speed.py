"""How fast the storage holding a file reads, measured once per volume (st_dev) for the session.

The player uses it to decide whether an original can stream at its bitrate or a proxy should play
instead (app/core/proxy_presets.choose_source). The figure is a rough one: a few MiB read in 1 MiB
chunks from the file's start, after asking the OS to drop its cached pages (where it can), so a
network share or a USB disk shows its own speed rather than the page cache's.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

from app.core.job import JobContext

CHUNK = 1 << 20
SAMPLE_BYTES = 4 << 20
_speeds: dict[int, float] = {}  # st_dev -> bytes per second
_lock = threading.Lock()


def cached_read_speed(device: int) -> float | None:
    """The speed measured earlier this session on the volume, if any."""
    with _lock:
        return _speeds.get(device)


def forget_read_speeds() -> None:
    """Drop every measurement (tests, or after the user remounts storage)."""
    with _lock:
        _speeds.clear()


def read_speed(path: str | bytes | os.PathLike, sample_bytes: int = SAMPLE_BYTES) -> tuple[int, float]:
    """(st_dev, bytes per second) of the volume holding path; measured on the first call per volume."""
    with open(path, "rb", buffering=0) as handle:
        device = os.fstat(handle.fileno()).st_dev
        known = cached_read_speed(device)
        if known is not None:
            return device, known
        if hasattr(os, "posix_fadvise"):
            # only clean cached pages are dropped; this never writes and never fails the measurement
            os.posix_fadvise(handle.fileno(), 0, sample_bytes, os.POSIX_FADV_DONTNEED)
        total = 0
        started = time.perf_counter()
        while total < sample_bytes:
            chunk = handle.read(min(CHUNK, sample_bytes - total))
            if not chunk:
                break
            total += len(chunk)
        elapsed = max(time.perf_counter() - started, 1e-6)
    speed = max(total, 1) / elapsed
    with _lock:
        speed = _speeds.setdefault(device, speed)  # a concurrent measurement of the same volume wins once
    return device, speed


@dataclass(frozen=True)
class ReadSpeedPlan:
    path: str


class ReadSpeedJob:
    """Measure the read speed of a file's volume (lane 'scrub', beside the player's other work; hidden)."""

    lane = "scrub"
    title = "Measure storage speed"
    visible = False

    def __init__(self, path: str) -> None:
        self._plan = ReadSpeedPlan(path)

    def plan(self) -> ReadSpeedPlan:
        return self._plan

    def run(self, plan: ReadSpeedPlan, ctx: JobContext) -> tuple[int, float]:
        return read_speed(plan.path)
