"""Probe worker processes never outlive the scan that started them, even when it is killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from app.ingest.probing import ORPHANED_EXIT
from tests.integration.test_catalog_concurrency import scan_process
from tests.integration.test_cli import ROOT
from tests.media.library import make_library


def _stat(pid: int) -> tuple[int, str, int] | None:
    """(parent pid, state, start time) from /proc/PID/stat, None when the process is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text.rsplit(")", 1)[1].split()  # the name in parentheses may hold spaces
    return int(fields[1]), fields[0], int(fields[19])


def _children(parent: int) -> dict[int, int]:
    """pid -> start time of every live process whose parent is `parent`."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None and stat[0] == parent and stat[1] != "Z":
                found[int(entry)] = stat[2]
    return found


def _alive(pid: int, started: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[1] != "Z" and stat[2] == started  # same start: not a reused pid


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _wait(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_kill_9_of_a_scan_takes_its_probe_workers_along(tmp_path: Path) -> None:
    make_library(tmp_path / "library", 8000)
    scan = scan_process(tmp_path / "catalog.sqlite", str(tmp_path / "library"), "--workers", "2")
    children: dict[int, int] = {}
    try:
        def workers() -> dict[int, int]:
            return {pid: t for pid, t in _children(scan.pid).items() if "spawn_main" in _cmdline(pid)}

        assert _wait(lambda: len(workers()) == 2, timeout=60), "the scan never started its probe workers"
        children = _children(scan.pid)  # the workers and multiprocessing's resource tracker
        os.kill(scan.pid, signal.SIGKILL)
        scan.wait(timeout=30)
        assert scan.poll() == -signal.SIGKILL, "the scan ended before it was killed: give it more files"
        assert _wait(lambda: not any(_alive(pid, t) for pid, t in children.items()), timeout=30), [
            _cmdline(pid) for pid, t in children.items() if _alive(pid, t)]
    finally:
        if scan.poll() is None:
            scan.kill()
        for pid, started in children.items():  # when the test failed: leave no orphan behind
            if _alive(pid, started):
                os.kill(pid, signal.SIGKILL)
        scan.communicate(timeout=30)  # (orphans would hold its output pipes open)


def test_worker_watchdog_exits_when_its_parent_is_gone() -> None:
    # Where prctl(PR_SET_PDEATHSIG) does not exist the worker's own watchdog thread must notice.
    # (parent pid 1 is not this process's parent, so it counts as orphaned; without the watchdog the
    # sleep outlasts the timeout and subprocess.run raises TimeoutExpired)
    code = "from app.ingest.probing import exit_when_orphaned; import time; exit_when_orphaned(1, 0.05); time.sleep(60)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert result.returncode == ORPHANED_EXIT and result.stderr == ""
