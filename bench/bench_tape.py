"""The tape write pipeline against its peers, in one run on the same 2 GiB (4 × 512 MiB random files, page cache):
the pipeline to a null sink (read + xxh128 [+ sha1] + record framing) against `xxhsum -H2` and `b3sum`; the
pipeline onto a simulated cartridge against `dd bs=512K` copying the same bytes to one file on the same file
system — by default tmpfs (/dev/shm), so the figure is Reelkeep's cost, not this VM's disk (a real cartridge is
not a file system).

Run: `.venv/bin/python bench/bench_tape.py [--dir bench/out/tape] [--cartridge-dir /dev/shm/reelkeep-tape]`.
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

from app.tape.pipeline import NullSink, Piece, write_pieces  # noqa: E402
from app.tape.profiles import LTO9  # noqa: E402
from app.tape.simulated import SimulatedTape  # noqa: E402


def timed(command: list[str]) -> float | None:
    if shutil.which(command[0]) is None:
        return None
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def warm(files: list[Path]) -> None:
    for file in files:
        with open(file, "rb") as handle:
            while handle.read(8 << 20):
                pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=ROOT / "bench" / "out" / "tape")
    shm = Path("/dev/shm")
    parser.add_argument("--cartridge-dir", type=Path,
                        default=shm / "reelkeep-tape" if shm.is_dir() else ROOT / "bench" / "out" / "tape-cartridge")
    args = parser.parse_args()
    source = args.dir / "media"
    source.mkdir(parents=True, exist_ok=True)
    files = [source / f"plate_{n}.bin" for n in range(4)]
    for file in files:
        if not file.exists() or file.stat().st_size != 512 << 20:
            with open(file, "wb") as out:
                for _ in range(64):
                    out.write(os.urandom(8 << 20))
    size = sum(f.stat().st_size for f in files)
    pieces = [Piece(str(f), 0, f.stat().st_size) for f in files]
    rows: list[tuple[str, float | None]] = []

    def pipeline_to(sink_factory, sha1: bool) -> float:  # noqa: ANN001
        sink = sink_factory()
        warm(files)
        start = time.perf_counter()
        for _ in write_pieces(pieces, sink, sha1=sha1):
            pass
        return time.perf_counter() - start

    rows.append(("pipeline → null sink (read + xxh128 + 512 KiB records)", pipeline_to(NullSink, False)))
    rows.append(("pipeline → null sink, with sha1 too", pipeline_to(NullSink, True)))
    warm(files)
    rows.append(("xxhsum -H2 (xxh128)", timed(["xxhsum", "-H2", *map(str, files)])))
    warm(files)
    rows.append(("b3sum (BLAKE3)", timed(["b3sum", *map(str, files)])))
    args.cartridge_dir.mkdir(parents=True, exist_ok=True)
    cartridge = args.cartridge_dir / "cartridge"

    def new_cartridge() -> SimulatedTape:
        shutil.rmtree(cartridge, ignore_errors=True)
        tape = SimulatedTape.create(cartridge, LTO9)
        tape.locate(1, 0)
        return tape

    rows.append(("pipeline → simulated LTO-9 cartridge (xxh128 + sha1)", pipeline_to(new_cartridge, True)))
    shutil.rmtree(cartridge, ignore_errors=True)
    copy = args.cartridge_dir / "dd.out"
    warm(files)
    start = time.perf_counter()
    for file in files:
        subprocess.run(["dd", f"if={file}", f"of={copy}", "bs=512K", "oflag=append", "conv=notrunc", "status=none"],
                       check=True)
    rows.append(("dd bs=512K (copy only, one file)", time.perf_counter() - start))
    copy.unlink()
    shutil.rmtree(args.cartridge_dir, ignore_errors=True)
    ours = rows[0][1] or 1.0
    print(f"{size / 2**30:.1f} GiB in {len(files)} files, page cache, {os.cpu_count()} cores; cartridge and dd "
          f"output in {args.cartridge_dir}")
    print("| step | time | throughput | time vs the pipeline to a null sink |")
    print("| --- | --- | --- | --- |")
    for label, seconds in rows:
        if seconds is None:
            print(f"| {label} | not installed | | |")
        else:
            print(f"| {label} | {seconds:.2f} s | {size / seconds / 1e6:.0f} MB/s | {seconds / ours:.2f}× |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
