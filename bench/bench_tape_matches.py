"""Which tape files the library holds, at scale: a library of N files with content hashes (and a proxy on every
other one), matched against a page of 1,000 tape files (half of them in the library) — the one query the Tape
panel runs per page it lists. Peer: the same query after adding an index on media_file.content_hash (no schema
step adds it yet), to show what it would save.

Run: `.venv/bin/python bench/bench_tape_matches.py [--files 100000] [--dir bench/out/tape-matches]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.catalog.catalog import Catalog  # noqa: E402
from app.core.facts import FileState  # noqa: E402

PAGE = 1000
RUNS = 7


def build(catalog: Catalog, files: int) -> None:
    states = [FileState(os.fsencode(f"/lib/Day {i // 1000:03d}/A{i:06d}.mov"), 40_000_000 + i, 1.0)
              for i in range(files)]
    catalog.add_discovered(None, states)
    with catalog.db.atomic():
        catalog.db.execute_sql("UPDATE media_file SET content_hash = printf('%032x', id), kind = 'video'")
        catalog.db.execute_sql(
            "INSERT INTO proxy (media_id, preset, path, codec, width, height, bit_rate, size, frame_count, created_at)"
            " SELECT id, 'preview', '/proxies/' || id || '.mp4', 'h264', 960, 540, 3000000, 1000, 100, 0"
            " FROM media_file WHERE id % 2 = 0")


def page_digests(files: int) -> list[str]:
    # from the middle of the library: half of them match (odd digests past the library's last id do not)
    start = files // 2
    return [f"{start + i:032x}" if i % 2 == 0 else f"{files * 10 + i:032x}" for i in range(PAGE)]


def timed(catalog: Catalog, digests: list[str]) -> tuple[float, int]:
    times, found = [], 0
    for _ in range(RUNS):
        started = time.perf_counter()
        found = len(catalog.tapes.library_matches(digests))
        times.append(time.perf_counter() - started)
    return statistics.median(times), found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, default=ROOT / "bench" / "out" / "tape-matches")
    args = parser.parse_args()
    shutil.rmtree(args.dir, ignore_errors=True)
    args.dir.mkdir(parents=True)
    catalog = Catalog(args.dir / "catalog.sqlite")
    build(catalog, args.files)
    digests = page_digests(args.files)
    plain, found = timed(catalog, digests)
    catalog.db.execute_sql("CREATE INDEX bench_content_hash ON media_file(content_hash)")
    indexed, found_indexed = timed(catalog, digests)
    assert found == found_indexed == PAGE // 2, (found, found_indexed)
    print(f"library of {args.files:,} files, a page of {PAGE:,} tape files ({found} in the library):")
    print(f"  match query: {plain * 1000:.1f} ms   with an index on content_hash: {indexed * 1000:.1f} ms")
    catalog.close()


if __name__ == "__main__":
    main()
