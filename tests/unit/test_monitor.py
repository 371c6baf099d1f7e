"""The monitor's figures from real psutil counters: disk and CPU rates, counter resets, history bounds and CSV."""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, replace
from pathlib import Path

import psutil

from app.core.progress import ProgressUpdate
from app.monitor.history import SessionHistory, write_csv
from app.monitor.jobs import JobRates
from app.monitor.sampler import (
    JobRate,
    Sampler,
    counter_delta,
    cpu_percent,
    device_of,
    disk_rates,
    is_loopback,
    is_physical_disk,
    net_rates,
    read_counters,
)

CHUNK = 1 << 20


def _write_synced(path: Path, size: int) -> None:
    block = os.urandom(CHUNK)
    with open(path, "wb") as handle:
        for _ in range(size // CHUNK):
            handle.write(block)
        handle.flush()
        os.fsync(handle.fileno())  # on the device, and in its write counter, before the second reading


def test_written_bytes_show_as_the_write_rate_of_the_disk_holding_them(tmp_path: Path) -> None:
    size = 8 * CHUNK
    before = read_counters()
    _write_synced(tmp_path / "written.bin", size)
    after = read_counters()
    seconds = after.monotonic - before.monotonic
    rates = {rate.name: rate for rate in disk_rates(before, after)}
    device = device_of(tmp_path)
    if device is not None and device in after.disks:
        # The file's bytes went through this disk's counter: its rate over the interval covers at least them.
        assert rates[device].write * seconds >= size * 0.99, (device, rates[device], seconds)
    # Whatever the platform exposes, each rate is the counters' growth over the readings' interval.
    assert rates.keys() == before.disks.keys() & after.disks.keys()
    for name, rate in rates.items():
        (read0, write0), (read1, write1) = before.disks[name], after.disks[name]
        assert rate.read == (read1 - read0) / seconds and rate.write == (write1 - write0) / seconds
        assert rate.read >= 0 and rate.write >= 0


def test_a_counter_that_went_back_counts_as_no_traffic_not_a_negative_or_huge_rate() -> None:
    assert counter_delta(1000, 1500) == 500
    assert counter_delta(1500, 1000) == 0  # reset: a disk plugged back in, a driver reloaded
    earlier = read_counters()
    _burn_cpu()
    later = read_counters()
    # The later reading reset to zero (as after a re-plug): no device and no interface shows traffic.
    reset = replace(later, disks={name: (0, 0) for name in later.disks}, net={name: (0, 0) for name in later.net})
    assert all(r.read == 0 and r.write == 0 for r in disk_rates(earlier, reset))
    assert net_rates(earlier, reset) == (0.0, 0.0)
    # Readings of the same moment (or out of order) give no rates rather than a division by zero.
    assert disk_rates(later, replace(earlier, monotonic=later.monotonic)) == ()
    assert net_rates(later, later) == (0.0, 0.0)


def _burn_cpu() -> None:
    """Keep this process busy until its own CPU time grew by 50 ms (a CPU amount, not a wall-clock time)."""
    me = psutil.Process()
    start = me.cpu_times().user
    while me.cpu_times().user - start < 0.05:
        sum(i * i for i in range(10000))


def test_cpu_percent_per_core_from_real_cpu_times() -> None:
    before = read_counters()
    _burn_cpu()
    after = read_counters()
    percents = cpu_percent(before, after)
    assert len(percents) == psutil.cpu_count()
    assert all(0.0 <= p <= 100.0 for p in percents)
    assert max(percents) > 0  # this process was busy on some core
    assert cpu_percent(after, after) == tuple(0.0 for _ in percents)


def test_network_rates_leave_out_loopback_and_interfaces_that_just_came_up() -> None:
    assert is_loopback("lo") and is_loopback("lo0") and is_loopback("Loopback Pseudo-Interface 1")
    assert is_loopback("anything", "up,loopback,running") and not is_loopback("eth0", "up,broadcast,running")
    before = read_counters()
    assert not [name for name in before.net if is_loopback(name)]
    after = read_counters()
    rx, tx = net_rates(before, after)
    assert rx >= 0 and tx >= 0
    # An interface that came up between the readings (a VPN) adds no rate for its whole history
    grown = replace(after, net={**after.net, "tun9": (10**12, 10**12)})
    assert net_rates(before, grown) == (rx, tx)


def test_only_physical_disks_are_sampled() -> None:
    for virtual in ("loop0", "ram1", "zram0", "dm-0", "md127", "nbd0"):
        assert not is_physical_disk(virtual)
    names = read_counters().disks.keys()
    assert not [n for n in names if n.startswith(("loop", "ram", "zram", "dm-"))]
    block = Path("/sys/class/block")
    partitions = [p.name for p in block.iterdir() if (p / "partition").exists()] if block.exists() else []
    assert not set(partitions) & set(names)  # sda1 beside sda would count every byte twice


def test_the_history_keeps_the_newest_samples_up_to_its_capacity() -> None:
    sampler = Sampler()
    history = SessionHistory(capacity=5)
    taken = [sampler.sample() for _ in range(12)]
    for sample in taken:
        history.append(sample)
    assert len(history) == 5 and history.capacity == 5
    assert list(history) == taken[-5:]
    assert history.since(taken[-2].time) == taken[-2:]
    assert history.since(taken[-1].time + 1) == []


def test_csv_has_a_header_and_one_row_per_sample_with_device_lane_and_job_columns() -> None:
    sampler = Sampler()
    first = sampler.sample()
    second = replace(sampler.sample(), jobs=(JobRate(7, "Hashing clip, take 2", "archive", "bytes", 52e6),),
                     lanes=(("archive", 3), ("scan", 0)))
    third = sampler.sample()
    stream = io.StringIO()
    assert write_csv([first, second, third], stream) == 3
    rows = list(csv.reader(io.StringIO(stream.getvalue())))
    header, body = rows[0], rows[1:]
    assert len(body) == 3 and all(len(row) == len(header) for row in body)
    assert header[:2] == ["time", "cpu_percent"]
    assert [f"cpu{i}_percent" for i in range(len(first.cpu))] == header[2:2 + len(first.cpu)]
    for disk in first.disks:
        assert f"disk_{disk.name}_read_bytes_per_s" in header and f"disk_{disk.name}_write_bytes_per_s" in header
    job = header.index("job_7 Hashing clip, take 2 (bytes/s)")  # a title with a comma stays one column
    assert [row[job] for row in body] == ["", "52000000.0", ""]
    lane = header.index("lane_archive_queued")
    assert [row[lane] for row in body] == ["", "3", ""]
    memory = header.index("memory_used_bytes")
    assert int(body[0][memory]) == first.memory_used > 0


@dataclass
class _Running:
    id: int
    title: str
    lane: str
    progress: ProgressUpdate | None


def _update(done: int, rate: float, unit: str = "bytes") -> ProgressUpdate:
    return ProgressUpdate(None, done, None, unit, rate, None)


def test_job_rates_come_from_progress_over_the_last_interval() -> None:
    rates = JobRates()
    job = _Running(3, "Copy to tape", "tape", _update(1_000_000, 400.0))
    (first,) = rates.update(10.0, [job])
    assert first.rate == 400.0 and first.shown == (0.0004, "MB/s")  # first sight: the job's own average
    job.progress = _update(3_000_000, 450.0)
    (second,) = rates.update(12.0, [job])
    assert second.rate == 1_000_000.0  # 2 MB in 2 s, not the average since the start
    job.progress = _update(10, 5.0, unit="frames")
    (third,) = rates.update(13.0, [job])
    assert third.rate == 5.0 and third.shown == (5.0, "fps")
    assert rates.update(14.0, [_Running(4, "Scan", "scan", None)]) == ()  # no progress yet: no curve
    assert rates.update(15.0, [job])[0].rate == 5.0  # it was forgotten while absent: its own rate again
