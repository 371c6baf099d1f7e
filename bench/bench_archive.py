"""Archive benchmark, in one run against the established tools on the same files:

1. Hashing of new content: 4 × 512 MiB random files from page cache. Ours: `archive verify --full`, which reads
   every stored byte once and computes both digests a version records (sha256, the OCFL content digest, and
   xxh128, the ASC MHL hash) — the same one-read routine `archive create` copies with. Peers: `xxhsum -H2`,
   `b3sum` and `sha256sum` over the same files.
2. Writing new content: `archive create` of the same folder (copy + both digests + fsync of every file) against
   `cp -r` followed by `sync` (a copy that is on disk too); both are bound by the disk, not by hashing.
3. Versions: a tree of 100,000 small files (2 KiB, 100 folders) archived once; then `archive branch` (a pointer:
   independent of bytes, also measured on the 2 GiB archive) and `archive commit` of the unchanged tree (every
   file stat'ed, none read).
Timings are wall clock of the CLI process as a user runs it (Python start-up included), with the start-up of
`reelkeep --version` printed beside them.
Run: `.venv/bin/python bench/bench_archive.py [--dir bench/out/archive] [--files 100000]`.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GIB = 1 << 30


def reelkeep(*args: str, catalog: Path) -> float:
    env = {**os.environ, "REELKEEP_CATALOG": str(catalog)}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def timed(command: list[str]) -> float | None:
    if shutil.which(command[0]) is None:
        return None
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def warm(folder: Path) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with open(path, "rb") as handle:
                while handle.read(8 << 20):
                    pass


def hashing(work: Path) -> None:
    source = work / "media"
    if not source.exists():
        source.mkdir(parents=True)
        for index in range(4):
            with open(source / f"plate_{index}.bin", "wb") as handle:
                for _ in range(64):
                    handle.write(os.urandom(8 << 20))
    files = sorted(str(p) for p in source.iterdir())
    size = sum(os.path.getsize(f) for f in files)
    archive = work / "archive-2g"
    writing = [("reelkeep archive create (copy + sha256 + xxh128 + fsync)", lambda: _create(work, source)),
               ("cp -r + sync (copy only)", lambda: _copy(work, source))]
    write_rows = [(label, _warm_then(source, run)) for label, run in writing]
    stored = sorted(str(p) for p in (archive / "v1" / "content").iterdir() if p.is_file())
    hashing_rows = [
        ("reelkeep archive verify --full (sha256 + xxh128, one read)",
         lambda: reelkeep("archive", "verify", "--full", "-q", str(archive), catalog=work / "c.db")),
        ("xxhsum -H2 (xxh128)", lambda: timed(["xxhsum", "-H2", *stored])),
        ("b3sum (BLAKE3)", lambda: timed(["b3sum", *stored])),
        ("sha256sum (coreutils)", lambda: timed(["sha256sum", *stored])),
    ]
    hash_rows = [(label, _warm_then(archive / "v1" / "content", run)) for label, run in hashing_rows]
    _table(f"Hashing new content: {size / GIB:.1f} GiB in {len(files)} files, page cache", hash_rows, size)
    _table("Writing new content to this disk", write_rows, size)
    branch = reelkeep("archive", "branch", str(archive), "grade", catalog=work / "c.db")
    print(f"\narchive branch on the {size / GIB:.1f} GiB archive: {branch:.2f} s")


def _warm_then(folder: Path, run):
    warm(folder)
    return run()


def _table(title: str, rows: list[tuple[str, float | None]], size: int) -> None:
    ours = rows[0][1] or 1.0
    print(f"\n{title}")
    print("| tool | time | throughput | time vs reelkeep |")
    print("|---|---|---|---|")
    for label, seconds in rows:
        if seconds is None:
            print(f"| {label} | not installed | | |")
            continue
        print(f"| {label} | {seconds:.2f} s | {size / seconds / 1e9:.2f} GB/s | {seconds / ours:.2f}× |")


def _create(work: Path, source: Path) -> float:
    archive = work / "archive-2g"
    shutil.rmtree(archive, ignore_errors=True)
    return reelkeep("archive", "create", "-q", str(source), str(archive), catalog=work / "c.db")


def _copy(work: Path, source: Path) -> float:
    dest = work / "copy"
    shutil.rmtree(dest, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run(["cp", "-r", str(source), str(dest)], check=True)
    subprocess.run(["sync"], check=True)
    seconds = time.perf_counter() - start
    shutil.rmtree(dest, ignore_errors=True)
    return seconds


def versions(work: Path, count: int) -> None:
    tree = work / f"tree-{count}"
    if not tree.exists():
        for index in range(count):
            folder = tree / f"folder_{index % 100:03d}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"file_{index:06d}.txt").write_bytes(os.urandom(2048))
    archive = work / f"archive-{count}"
    shutil.rmtree(archive, ignore_errors=True)
    catalog = work / "c.db"
    create = reelkeep("archive", "create", "-q", str(tree), str(archive), catalog=catalog)
    branch = reelkeep("archive", "branch", str(archive), "color-grade-v2", catalog=catalog)
    commit = reelkeep("archive", "commit", "-q", str(archive), "--branch", "main", str(tree), catalog=catalog)
    (archive / "extensions" / "reelkeep" / "last-commits.json").unlink()  # the full check, for comparison
    full_check = reelkeep("archive", "commit", "-q", str(archive), "--branch", "main", str(tree), catalog=catalog)
    startup = reelkeep("--version", catalog=catalog)
    print(f"\nVersions at {count:,} files ({count * 2048 / 1e6:.0f} MB)")
    print("| step | time | target |")
    print("|---|---|---|")
    print(f"| archive create | {create:.2f} s | |")
    print(f"| archive branch | {branch:.2f} s | < 1 s |")
    print(f"| archive commit, nothing changed | {commit:.2f} s | < 3 s |")
    print(f"| (the same without the record of the last commit: full check) | {full_check:.2f} s | |")
    print(f"| (reelkeep --version: interpreter start-up) | {startup:.2f} s | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=ROOT / "bench" / "out" / "archive")
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--skip-hashing", action="store_true")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f}, python {platform.python_version()}")
    if not args.skip_hashing:
        hashing(args.dir)
    versions(args.dir, args.files)


if __name__ == "__main__":
    main()
