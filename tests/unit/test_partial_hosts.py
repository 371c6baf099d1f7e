"""Partials on shared storage: a partial's name carries its machine; a writer cleaning a folder removes this
machine's partials whose process is gone, and another machine's only once they are untouched for a day."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from app.media.partial import (
    FOREIGN_STALE_SECONDS,
    HOST,
    HOST_MAX,
    PartialFile,
    host_tag,
    own_partial_pid,
    partial_path,
    partial_writer,
    process_alive,
    remove_stale_partials,
)


def _gone_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    return int(done.stdout)


def test_the_name_carries_this_host_and_pid_and_reads_back() -> None:
    path = partial_path(Path("/shows/day3/A001.mov"))
    assert path.name == f"A001.mov.{HOST}-{os.getpid()}.partial"
    assert partial_writer(path.name) == (HOST, os.getpid())
    assert partial_writer("A001.mov.4242.partial") == (None, 4242)  # an older Reelkeep's name
    assert partial_writer("A001.mov.4242-3.partial") == (None, 4242)
    assert partial_writer("A001.mov.render2-4242-3.partial") == ("render2", 4242)
    assert partial_writer("A001.mov.partial") is None and partial_writer("A001.mov") is None
    assert own_partial_pid("A001.mov.render2-4242.partial") is None  # another machine's pid means nothing here
    assert own_partial_pid(path.name) == os.getpid()
    assert process_alive(os.getpid())


def test_host_tags_are_short_safe_and_distinct() -> None:
    assert host_tag("render-02.studio.lan") == "render_02_studio_lan"
    assert host_tag("42box") == "h42box"  # never read as an older name's pid
    long_a, long_b = host_tag("render-node-0001.farm.example.org"), host_tag("render-node-0001.farm.example.net")
    assert len(long_a) <= HOST_MAX and long_a != long_b
    assert all(c.isalnum() or c == "_" for c in long_a + host_tag("ästhetik büro"))


def test_another_hosts_partial_is_left_alone_this_hosts_dead_one_and_an_old_foreign_one_are_swept(
        tmp_path: Path) -> None:
    dead = _gone_pid()
    mine_dead = tmp_path / f"A.mov.{HOST}-{dead}.partial"
    foreign_young = tmp_path / f"B.mov.otherhost-{os.getpid()}.partial"  # a pid alive here: must not matter
    foreign_dead_pid = tmp_path / f"C.mov.otherhost-{dead}.partial"  # a pid dead here: must not matter either
    foreign_old = tmp_path / f"D.mov.otherhost-{dead}.partial"
    old_style_dead = tmp_path / f"E.mov.{dead}.partial"
    for path in (mine_dead, foreign_young, foreign_dead_pid, foreign_old, old_style_dead):
        path.write_bytes(b"half a file")
    day_ago = time.time() - FOREIGN_STALE_SECONDS - 60
    os.utime(foreign_old, (day_ago, day_ago))
    foreign_folder = tmp_path / f"thumbs.otherhost-{dead}.partial"
    foreign_folder.mkdir()

    removed = remove_stale_partials(tmp_path, folders=True)

    assert sorted(p.name for p in removed) == sorted(p.name for p in (mine_dead, foreign_old, old_style_dead))
    assert foreign_young.exists() and foreign_dead_pid.exists() and foreign_folder.is_dir()


def test_another_hosts_live_partial_keeps_its_name_taken(tmp_path: Path) -> None:
    (tmp_path / f"A.mov.otherhost-{_gone_pid()}.partial").write_bytes(b"being written on another machine")
    with PartialFile(tmp_path / "A.mov") as part:
        part.path.write_bytes(b"ours")
        assert part.commit() == tmp_path / "A_2.mov"  # the other machine's output will be A.mov
