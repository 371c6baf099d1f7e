"""Tape plans at scale and many small files onto tape.

1. A plan of 1,000,000 files, fed by a generator of (path, size) entries (no million files on disk): time and peak
   memory (the child process's max RSS against one that only imports the same modules), so memory stays bounded
   by per-tape totals, not by the file count. Also the plan of the 100,000 real small files below (walk + plan).
2. 100,000 small files (1–16 KiB random, ~850 MB, on tmpfs): the write pipeline to a null sink and a planned
   write onto a simulated LTO-9 cartridge on tmpfs (index, manifest and ASC MHL included), in MB/s and files/s,
   against `tar -cf -` of the same files piped to /dev/null and to a file on the same tmpfs.

Run: `.venv/bin/python bench/bench_tape_plan.py [--work /dev/shm/reelkeep-plan] [--files 1000000]`.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.job import JobContext, execute  # noqa: E402
from app.tape.jobs import WritePlanJob  # noqa: E402
from app.tape.pipeline import NullSink, Piece, write_pieces  # noqa: E402
from app.tape.plan import plan_tapes  # noqa: E402
from app.tape.plan_walk import FILE, FOLDER, TapeItem, walk_sources  # noqa: E402
from app.tape.profiles import LTO9  # noqa: E402

SMALL = 100_000


def synthetic(count: int) -> Iterator[TapeItem]:
    """count files, 1,000 to a folder, sizes of a camera card's mix (most small, some large clips)."""
    rng = random.Random(7)
    for number in range(count):
        if number % 1000 == 0:
            yield TapeItem(FOLDER, f"Project/Day{number // 100_000:03d}/Card{number // 1000:04d}", "/synthetic")
        size = rng.choice((4 << 10, 40 << 10, 400 << 10, 4 << 20, 400 << 20))
        path = f"Project/Day{number // 100_000:03d}/Card{number // 1000:04d}/F{number:07d}.mov"
        yield TapeItem(FILE, path, "/synthetic/" + path, size, 0, 0, size)


def child(count: int, out: Path) -> None:
    """Plan count synthetic files into out (count 0: only the imports) and print seconds and max RSS (KiB)."""
    start = time.perf_counter()
    tapes = 0
    if count:
        tapes = len(plan_tapes(synthetic(count), out, LTO9).tapes)
    print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, tapes)


def run_child(count: int, out: Path) -> tuple[float, int, int]:
    shutil.rmtree(out, ignore_errors=True)
    done = subprocess.run([sys.executable, __file__, "--child", str(count), "--out", str(out)], check=True,
                          capture_output=True, text=True)
    seconds, rss, tapes = done.stdout.split()
    return float(seconds), int(rss), int(tapes)


def small_files(folder: Path) -> tuple[int, int]:
    rng = random.Random(11)
    if not (folder / ".complete").exists():
        shutil.rmtree(folder, ignore_errors=True)
        for number in range(SMALL):
            card = folder / f"Card{number // 1000:03d}"
            if number % 1000 == 0:
                card.mkdir(parents=True)
            (card / f"S{number:06d}.wav").write_bytes(os.urandom(rng.randint(1 << 10, 16 << 10)))
        (folder / ".complete").touch()
    files = [p for p in folder.rglob("*.wav")]
    return len(files), sum(p.stat().st_size for p in files)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/dev/shm/reelkeep-plan") if Path("/dev/shm").is_dir()
                        else ROOT / "bench" / "out" / "tape-plan")
    parser.add_argument("--files", type=int, default=1_000_000)
    parser.add_argument("--child", type=int, default=None)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.out)
        return 0
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    rows = []

    base_seconds, base_rss, _ = run_child(0, work / "plan0")
    seconds, rss, tapes = run_child(args.files, work / "plan1m")
    plan_bytes = sum(p.stat().st_size for p in (work / "plan1m").iterdir())
    rows.append((f"plan of {args.files:,} files (generator, {tapes} LTO-9 tapes)", f"{seconds:.1f} s",
                 f"{args.files / seconds:,.0f} files/s",
                 f"max RSS {rss / 1024:.0f} MiB (imports alone {base_rss / 1024:.0f} MiB); plan folder "
                 f"{plan_bytes / 1e6:.0f} MB"))
    shutil.rmtree(work / "plan1m", ignore_errors=True)

    source = work / "small"
    count, size = small_files(source)
    shutil.rmtree(work / "plan-small", ignore_errors=True)
    start = time.perf_counter()
    plan = plan_tapes(walk_sources([source]), work / "plan-small", LTO9)
    walked = time.perf_counter() - start
    rows.append((f"walk + plan of {count:,} real small files", f"{walked:.2f} s", f"{count / walked:,.0f} files/s",
                 ""))

    pieces = [Piece(item.source, 0, item.length) for item in plan.items(1) if item.kind == FILE]
    start = time.perf_counter()
    for _ in write_pieces(pieces, NullSink(), sha1=True):
        pass
    null = time.perf_counter() - start
    rows.append((f"pipeline → null sink, {count:,} files (xxh128 + sha1)", f"{null:.2f} s",
                 f"{size / null / 1e6:.0f} MB/s, {count / null:,.0f} files/s", ""))

    shelf = work / "shelf"
    shutil.rmtree(shelf, ignore_errors=True)
    start = time.perf_counter()
    outcome = execute(WritePlanJob(plan.folder, f"file:{shelf}/{{barcode}}"), JobContext())
    wrote = time.perf_counter() - start
    assert outcome.ok, outcome.message
    rows.append((f"planned write onto a simulated LTO-9 cartridge, {count:,} files (index, manifest, MHL)",
                 f"{wrote:.2f} s", f"{size / wrote / 1e6:.0f} MB/s, {count / wrote:,.0f} files/s", ""))
    shutil.rmtree(shelf, ignore_errors=True)

    for label, command in (("tar -cf - | cat > /dev/null", f"tar -cf - -C '{source}' . | cat > /dev/null"),
                           ("tar -cf FILE on the same tmpfs", f"tar -cf '{work / 'small.tar'}' -C '{source}' .")):
        start = time.perf_counter()
        subprocess.run(command, shell=True, check=True)
        took = time.perf_counter() - start
        rows.append((label, f"{took:.2f} s", f"{size / took / 1e6:.0f} MB/s, {count / took:,.0f} files/s", ""))
    (work / "small.tar").unlink(missing_ok=True)
    shutil.rmtree(work / "plan-small", ignore_errors=True)
    shutil.rmtree(work / "plan0", ignore_errors=True)

    print(f"{os.cpu_count()} cores; work folder {work}; {count:,} small files, {size / 1e6:.0f} MB")
    print("| step | time | throughput | notes |")
    print("| --- | --- | --- | --- |")
    for label, took, rate, note in rows:
        print(f"| {label} | {took} | {rate} | {note} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
