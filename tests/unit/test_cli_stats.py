"""`reelkeep stats`: one line per sample, the same figures as CSV, and a clean end on Ctrl+C."""

from __future__ import annotations

import csv
import io
import signal
import subprocess
import sys
from pathlib import Path

import psutil

from app import cli

ROOT = Path(__file__).resolve().parents[2]


def test_stats_prints_count_samples_and_writes_them_as_csv(tmp_path: Path) -> None:
    target = tmp_path / "stats.csv"
    out = io.StringIO()
    code = cli.main(["--catalog", str(tmp_path / "never-opened.sqlite"), "stats", "--count", "2",
                     "--interval", "0.2", "--csv", str(target)], out)
    assert code == cli.EXIT_OK
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    for line in lines:
        assert " cpu " in line and " mem " in line and " net rx " in line
        assert line.count(" ") > 5
    assert f"/{psutil.virtual_memory().total / 1e9:.1f} GB" in lines[0]
    rows = list(csv.reader(target.open(newline="", encoding="utf-8")))
    assert len(rows) == 3  # header + one row per sample
    header = rows[0]
    assert header[:2] == ["time", "cpu_percent"] and "memory_total_bytes" in header
    assert int(rows[1][header.index("memory_total_bytes")]) == psutil.virtual_memory().total
    assert not (tmp_path / "never-opened.sqlite").exists()  # stats needs no catalog


def test_stats_refuses_a_zero_interval(tmp_path: Path) -> None:
    assert cli.main(["stats", "--interval", "0"], io.StringIO()) == 2


def test_ctrl_c_ends_stats_cleanly_with_whole_csv_rows(tmp_path: Path) -> None:
    target = tmp_path / "stats.csv"
    process = subprocess.Popen([sys.executable, "-m", "app", "stats", "--interval", "0.2", "--csv", str(target)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()  # blocks until the first sample is out
        assert " cpu " in first
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    rows = list(csv.reader(target.open(newline="", encoding="utf-8")))
    assert len(rows) >= 2 and all(len(row) == len(rows[0]) for row in rows)
    assert len(rows) - 1 == 1 + len(stdout.splitlines())  # every printed sample has its row
