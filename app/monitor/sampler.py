"""Samples of the machine: CPU per core, memory, disk and network rates from psutil counter deltas.

psutil's counters are cumulative; a rate is the difference of two readings over the time between them.
CPU percentages are computed here from per-core cpu_times too, rather than with psutil.cpu_percent(), whose
"since the last call" state is global to the process and would be shared with any other caller.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

# Block devices that are not hardware of their own: loop files, RAM disks, zram swap, and device-mapper / md RAID
# volumes (LVM, LUKS, software RAID) whose I/O is counted again on the disks beneath them.
VIRTUAL_DISK_PREFIXES = ("loop", "ram", "zram", "dm-", "md", "nbd")
_SYS_BLOCK = Path("/sys/class/block")


@dataclass(frozen=True, slots=True)
class DiskRate:
    """One physical device's read and write rate, bytes per second."""

    name: str
    read: float
    write: float


@dataclass(frozen=True, slots=True)
class JobRate:
    """One running job's throughput over the last interval, in its own unit per second."""

    job_id: int
    title: str
    lane: str
    unit: str  # the job's ProgressUpdate unit: "bytes", "frames", "files", ...
    rate: float

    @property
    def shown(self) -> tuple[float, str]:
        """The rate in the unit people read: MB/s for bytes, fps for frames, files/s for files."""
        if self.unit == "bytes":
            return self.rate / 1e6, "MB/s"
        if self.unit == "frames":
            return self.rate, "fps"
        return self.rate, f"{self.unit}/s"


@dataclass(frozen=True, slots=True)
class Sample:
    """The machine (and the app's jobs) at one moment; rates cover the interval that ended at `time`."""

    time: float  # wall clock, seconds since the epoch
    cpu: tuple[float, ...]  # percent busy per core (whole percents from Sampler)
    memory_used: int  # bytes not available to new programs (total - available)
    memory_total: int
    swap_used: int
    swap_total: int
    disks: tuple[DiskRate, ...]
    net_rx: float  # bytes per second, all interfaces but loopback
    net_tx: float
    jobs: tuple[JobRate, ...] = ()
    lanes: tuple[tuple[str, int], ...] = ()  # (lane, jobs waiting in its queue)

    @property
    def cpu_average(self) -> float:
        return sum(self.cpu) / len(self.cpu) if self.cpu else 0.0


@dataclass(frozen=True)
class Counters:
    """One reading of psutil's cumulative counters."""

    monotonic: float
    cpu: tuple[tuple[float, float], ...]  # (busy seconds, total seconds) per core
    disks: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # name -> (read bytes, written bytes)
    net: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # interface -> (received, sent bytes)


def is_physical_disk(name: str) -> bool:
    """False for loop, RAM, zram, device-mapper and md devices, and (on Linux) for partitions of a disk."""
    if name.startswith(VIRTUAL_DISK_PREFIXES):
        return False
    # Linux lists partitions beside their disk (sda and sda1): counting both would count every byte twice.
    return not (sys.platform.startswith("linux") and (_SYS_BLOCK / name / "partition").exists())


def is_loopback(name: str, flags: str = "") -> bool:
    """The loopback interface: traffic between programs on this machine (a local database, the app's own
    streaming server talking to a browser here), not network traffic; it would dwarf the network's."""
    return "loopback" in flags.split(",") or name == "lo" or (name.startswith("lo") and name[2:].isdigit()) \
        or name.lower().startswith("loopback")


def device_of(path: str | os.PathLike[str]) -> str | None:
    """The name of the physical disk holding path as psutil names it (Linux), or None when it cannot be told."""
    if not sys.platform.startswith("linux"):
        return None
    st_dev = os.stat(path).st_dev
    node = Path(f"/sys/dev/block/{os.major(st_dev)}:{os.minor(st_dev)}")
    if not node.exists():
        return None  # overlay, tmpfs, btrfs subvolumes: anonymous devices with no block node
    real = node.resolve()
    return real.parent.name if (real / "partition").exists() else real.name


def _cpu_busy_total(times: Any) -> tuple[float, float]:  # psutil's scputimes, whose fields differ per OS
    # As psutil.cpu_percent counts: Linux includes guest time in user and nice already, so it is taken out of the
    # total; idle and iowait are the not-busy part.
    total = sum(times)
    total -= getattr(times, "guest", 0.0) + getattr(times, "guest_nice", 0.0)
    busy = total - times.idle - getattr(times, "iowait", 0.0)
    return busy, total


def read_counters() -> Counters:
    """Read CPU, disk and network counters now (a few hundred microseconds: /proc reads)."""
    cpu = tuple(_cpu_busy_total(t) for t in psutil.cpu_times(percpu=True))
    disks: dict[str, tuple[int, int]] = {}
    try:
        per_disk = psutil.disk_io_counters(perdisk=True) or {}
    except (OSError, RuntimeError):  # some containers have no /proc/diskstats
        per_disk = {}
    for name, io in per_disk.items():
        if is_physical_disk(name):
            disks[name] = (io.read_bytes, io.write_bytes)
    try:
        per_nic = psutil.net_io_counters(pernic=True) or {}
        flags = {name: getattr(stats, "flags", "") for name, stats in psutil.net_if_stats().items()}
    except (OSError, RuntimeError):
        per_nic, flags = {}, {}
    net = {name: (io.bytes_recv, io.bytes_sent) for name, io in per_nic.items()
           if not is_loopback(name, flags.get(name, ""))}
    return Counters(time.monotonic(), cpu, disks, net)


def counter_delta(old: int, new: int) -> int:
    """How much a cumulative counter grew. psutil already undoes 32-bit wraps (nowrap=True); a counter that went
    backwards was reset (a disk unplugged and plugged back, a driver reloaded), so the interval's growth is
    unknown and counted as 0 rather than as a huge or negative rate."""
    return new - old if new >= old else 0


def cpu_percent(old: Counters, new: Counters) -> tuple[float, ...]:
    """Percent busy per core between two readings (0 for a core whose counters did not move)."""
    percents = []
    for (busy0, total0), (busy1, total1) in zip(old.cpu, new.cpu, strict=False):
        spent = total1 - total0
        percents.append(min(max((busy1 - busy0) / spent * 100.0, 0.0), 100.0) if spent > 0 else 0.0)
    return tuple(percents)


def disk_rates(old: Counters, new: Counters) -> tuple[DiskRate, ...]:
    """Bytes per second read and written per device seen in both readings, sorted by name."""
    seconds = new.monotonic - old.monotonic
    if seconds <= 0:
        return ()
    rates = []
    for name in sorted(new.disks.keys() & old.disks.keys()):
        (read0, write0), (read1, write1) = old.disks[name], new.disks[name]
        rates.append(DiskRate(name, counter_delta(read0, read1) / seconds, counter_delta(write0, write1) / seconds))
    return tuple(rates)


def net_rates(old: Counters, new: Counters) -> tuple[float, float]:
    """Bytes per second received and sent between two readings, summed over the interfaces in both (one that
    came up in between would otherwise add its whole history to one second)."""
    seconds = new.monotonic - old.monotonic
    if seconds <= 0:
        return 0.0, 0.0
    common = new.net.keys() & old.net.keys()
    received = sum(counter_delta(old.net[name][0], new.net[name][0]) for name in common)
    sent = sum(counter_delta(old.net[name][1], new.net[name][1]) for name in common)
    return received / seconds, sent / seconds


class Sampler:
    """Turns successive counter readings into Samples; the first sample covers the time since construction."""

    def __init__(self) -> None:
        self._last = read_counters()

    def sample(self) -> Sample:
        """Read the counters and return the rates since the previous call, with memory as it is now."""
        now = read_counters()
        memory, swap = psutil.virtual_memory(), psutil.swap_memory()
        previous, self._last = self._last, now
        rx, tx = net_rates(previous, now)
        # Whole percents: ints up to 256 are shared objects in CPython, so a 16-core tuple costs pointers, not
        # 16 floats, in each of the history's thousands of samples.
        cpu = tuple(round(p) for p in cpu_percent(previous, now))
        return Sample(time.time(), cpu, memory.total - memory.available, memory.total,
                      swap.used, swap.total, disk_rates(previous, now), rx, tx)
