"""Card offload against a plain copy, in one run on the same files: `reelkeep offload` to two destinations (hashing
while copying, every copy fsynced) against `cp -r` to the same two destinations + `sync`, and with read-back
verification against `cp` ×2 + `sync` + `xxhsum -H2` of both copies. The page cache is dropped before each
contender (as root), so each one reads the card from the disk; the card, and the destinations, are folders on
this machine's one disk (a real offload reads a card reader and writes two drives at once: here all three share
one device, the worst case for us and for cp alike).

Run: `.venv/bin/python bench/bench_offload.py [--size-gb 20] [--dir bench/out/offload]` (needs xxhsum:
apt-get install xxhash; drops caches through /proc/sys/vm/drop_caches when run as root).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.progress import CancelToken, ProgressMeter  # noqa: E402
from app.ingest.offload import plan_offload, run_offload  # noqa: E402
from app.ingest.offload_model import OffloadRequest  # noqa: E402

CLIP = 1 << 30  # 1 GiB clips, plus a sidecar each: an ARRI/Sony-like card


def make_card(card: Path, size: int) -> None:
    clips = card / "CLIPS"
    clips.mkdir(parents=True, exist_ok=True)
    count = max(1, size // CLIP)
    block = os.urandom(16 << 20)
    for number in range(count):
        path = clips / f"A001C{number:03d}.mxf"
        if path.exists() and path.stat().st_size == CLIP:
            continue
        with open(path, "wb") as out:
            for chunk in range(CLIP // len(block)):
                out.write(block[:16] + chunk.to_bytes(8, "big") + number.to_bytes(8, "big") + block[32:])
        (clips / f"A001C{number:03d}.xml").write_text(f"<clip n='{number}'/>")


def drop_caches() -> None:
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        print("(cannot drop the page cache: not root; figures include cached reads)", file=sys.stderr)


def fresh(*folders: Path) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    drop_caches()


def timed_shell(command: str) -> float:
    start = time.perf_counter()
    subprocess.run(command, shell=True, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def offload(card: Path, destinations: list[Path], verify: str) -> float:
    plan = plan_offload(OffloadRequest(card, tuple(destinations), "xxh128", verify, "{card}"))
    start = time.perf_counter()
    result = run_offload(plan, CancelToken(), ProgressMeter(None, unit="bytes"))
    took = time.perf_counter() - start
    assert result.ok, [d.problems for d in result.destinations]
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-gb", type=float, default=20)
    parser.add_argument("--dir", type=Path, default=ROOT / "bench" / "out" / "offload")
    args = parser.parse_args()
    work = args.dir
    card = work / "card" / "A001"
    make_card(card, int(args.size_gb * (1 << 30)))
    size = sum(p.stat().st_size for p in card.rglob("*") if p.is_file())
    one, two = work / "drive1", work / "drive2"
    rows: list[tuple[str, float]] = []

    fresh(one, two)
    one.mkdir()
    two.mkdir()
    rows.append(("cp -r to 2 destinations + sync",
                 timed_shell(f"cp -r '{card}' '{one}/' && cp -r '{card}' '{two}/' && sync")))
    fresh(one, two)
    rows.append(("reelkeep offload to 2, --verify source (hash while copying, fsync)",
                 offload(card, [one, two], "source")))
    fresh(one, two)
    one.mkdir()
    two.mkdir()
    rows.append(("cp -r to 2 + sync + xxhsum -H2 of both copies (cache dropped)",
                 timed_shell(f"cp -r '{card}' '{one}/' && cp -r '{card}' '{two}/' && sync && "
                             "echo 3 > /proc/sys/vm/drop_caches; "
                             f"find '{one}' '{two}' -type f -print0 | xargs -0 xxhsum -H2")))
    fresh(one, two)
    rows.append(("reelkeep offload to 2, --verify full (copies read back)", offload(card, [one, two], "full")))
    fresh(one, two)

    print(f"card: {size / 1e9:.1f} GB in {len(list(card.rglob('*')))} files; 2 destinations; one disk; "
          f"{os.cpu_count()} cores")
    for label, took in rows:
        print(f"{label:<72} {took:8.1f} s  {size * 2 / took / 1e6:8.0f} MB/s written")
    print(f"ratio, copy (hash free?): {rows[1][1] / rows[0][1]:.2f}× cp   "
          f"ratio, verified: {rows[3][1] / rows[2][1]:.2f}× cp + xxhsum")
    return 0


if __name__ == "__main__":
    sys.exit(main())
