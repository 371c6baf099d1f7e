"""The stream cache's size limit (app/streaming/stream_cache.py) on real folders: least recently used first,
never a folder in use or being written, stale partials swept."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from app.streaming.stream_cache import CacheKeeper, parse_size, trim


def unit(root: Path, identity: str, size: int, age: float, extra: str | None = None) -> Path:
    folder = root / identity[:2] / identity
    folder.mkdir(parents=True)
    (folder / "remux.mp4").write_bytes(b"x" * size)
    if extra:
        (folder / extra).write_bytes(b"y")
    when = time.time() - age
    os.utime(folder, (when, when))
    return folder


def test_the_folders_used_longest_ago_go_first_until_the_cache_fits(tmp_path: Path) -> None:
    root = tmp_path / "streams"
    oldest = unit(root, "aa-1111", 4000, age=9000)
    old = unit(root, "ab-2222", 3000, age=8000)
    newer = unit(root, "ac-3333", 2000, age=7000)
    watched = unit(root, "ad-4444", 5000, age=10)  # in use: kept whatever its size
    writing = unit(root, "ae-5555", 6000, age=9500, extra="00003.ts.1.partial")  # pid 1 is alive: a live writer
    stale = unit(root, "af-6666", 10, age=9999, extra="00003.ts.999999999.partial")  # its writer is gone
    result = trim(root, limit=14000)
    assert not oldest.exists() and not old.exists() and not stale.exists()
    assert newer.exists() and watched.exists() and writing.exists()
    assert (result.deleted, result.freed) == (3, 4000 + 3000 + 10)
    assert result.size == 2000 + 5000 + 6001
    assert trim(root, limit=0).deleted == 0  # 0: no limit


def test_the_keeper_marks_a_served_folder_as_used_once_a_minute(tmp_path: Path) -> None:
    root = tmp_path / "streams"
    folder = unit(root, "ba-7777", 100, age=5000)
    keeper = CacheKeeper(root, limit=1)
    keeper.used(folder / "remux.mp4")
    assert time.time() - folder.stat().st_mtime < 60
    os.utime(folder, (0, 0))
    keeper.used(folder / "remux.mp4")  # within the minute: no second write
    assert folder.stat().st_mtime == 0
    keeper.used(tmp_path / "elsewhere.mp4")  # not in the cache: ignored
    assert keeper.due() and not keeper.due()


@pytest.mark.parametrize(("text", "size"), [("20G", 20 << 30), ("500M", 500 << 20), ("1.5T", int(1.5 * (1 << 40))),
                                            ("0", 0), ("4096", 4096), ("2 GiB", 2 << 30), ("64kb", 64 << 10)])
def test_sizes_read_as_people_write_them(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "lots", "-1G", "G"])
def test_a_size_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_size(text)
