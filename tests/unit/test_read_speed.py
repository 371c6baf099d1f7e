"""The storage read-speed measurement reads a real file and is measured once per volume."""

from __future__ import annotations

import os
from pathlib import Path

from app.core.job import JobContext, execute
from app.media import read_speed as rs


def test_read_speed_is_positive_and_cached_per_device(tmp_path: Path) -> None:
    rs.forget_read_speeds()
    first, second = tmp_path / "a.bin", tmp_path / "b.bin"
    first.write_bytes(os.urandom(3 << 20))
    second.write_bytes(os.urandom(1 << 20))
    device, speed = rs.read_speed(first)
    assert device == first.stat().st_dev and speed > 0
    assert rs.cached_read_speed(device) == speed
    assert rs.read_speed(second) == (device, speed)  # same volume: not measured again
    rs.forget_read_speeds()
    assert rs.cached_read_speed(device) is None


def test_read_speed_job_runs_the_measurement(tmp_path: Path) -> None:
    rs.forget_read_speeds()
    path = tmp_path / "c.bin"
    path.write_bytes(b"x" * 100_000)
    job = rs.ReadSpeedJob(str(path))
    outcome = execute(job, JobContext())
    assert outcome.ok and outcome.value[0] == path.stat().st_dev and outcome.value[1] > 0
    assert job.lane == "scrub" and not job.visible
