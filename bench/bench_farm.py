"""Farm benchmark: preview proxies of N clips made locally (`reelkeep proxies`, the code the JobRunner's proxy lane
runs) and by 1 and 2 farm worker processes (`reelkeep worker`) on this machine: the scaling curve.

Generates N H.264 clips with real motion (tests.media.make_clip) once into --dir, scans them into a catalog once,
then for each configuration copies that catalog (queue and proxies fresh each time), starts the workers, and
times `reelkeep farm proxies` from submission until every job has ended (workers are idle and waiting when the
clock starts, so their start-up is not counted). Every run's proxies are then verified with `reelkeep farm verify`.
Run: `.venv/bin/python bench/bench_farm.py [--clips 20] [--frames 250] [--size 1280x720] [--dir bench/out/farm]`.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.media import make_clip  # noqa: E402

RATE = 25


def reelkeep(env: dict[str, str], *args: str, timeout: float = 3600) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise SystemExit(f"reelkeep {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def library(folder: Path, clips: int, frames: int, size: tuple[int, int]) -> tuple[Path, Path]:
    media = folder / f"media_{clips}x{frames}f_{size[0]}x{size[1]}"
    media.mkdir(parents=True, exist_ok=True)
    for i in range(clips):
        path = media / f"C{i:03d}.mp4"
        if not path.exists():
            print(f"generating {path.name} …", file=sys.stderr)
            temp = path.with_name(f"tmp_{path.name}")
            # distinct start timecodes: distinct content, so no two clips share a proxy
            make_clip(temp, rate=RATE, frames=frames, size=size, codec="h264", gop=25, bframes=2,
                      start_tc=f"{i // 60 + 1:02d}:{i % 60:02d}:00:00")
            os.replace(temp, path)
    catalog = media.with_suffix(".catalog.sqlite")
    if not catalog.exists():
        reelkeep({**os.environ, "REELKEEP_CATALOG": str(catalog)}, "scan", str(media), "--quiet")
    return media, catalog


def fresh(run: Path, catalog: Path) -> dict[str, str]:
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    shutil.copy(catalog, run / "catalog.sqlite")
    return {**os.environ, "REELKEEP_CATALOG": str(run / "catalog.sqlite"), "REELKEEP_PROXY_DIR": str(run / "proxies"),
            "QT_QPA_PLATFORM": "offscreen"}


def local(run: Path, catalog: Path, media: Path) -> float:
    env = fresh(run, catalog)
    start = time.perf_counter()
    reelkeep(env, "proxies", "--preset", "preview", "-q", str(media))
    return time.perf_counter() - start


def farm(run: Path, catalog: Path, media: Path, workers: int) -> float:
    env = fresh(run, catalog)
    reelkeep(env, "farm", "status")  # creates the queue's tables before the workers race to
    procs = [subprocess.Popen([sys.executable, "-m", "app", "worker", "--lanes", "proxy"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) for _ in range(workers)]
    try:
        for proc in procs:
            proc.stdout.readline()  # "worker host:pid: lanes …": consuming
        start = time.perf_counter()
        out = reelkeep(env, "farm", "proxies", "--preset", "preview", "-q", str(media)).stdout
        elapsed = time.perf_counter() - start
        verified = reelkeep(env, "farm", "verify", "-q", str(media)).stdout
        if "0 failed" not in out or "0 failed" not in verified:
            raise SystemExit(f"a job failed:\n{out}\n{verified}")
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=120)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clips", type=int, default=20)
    parser.add_argument("--frames", type=int, default=250)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--dir", type=Path, default=ROOT / "bench" / "out" / "farm")
    parser.add_argument("--rounds", type=int, default=1, help="repeat each configuration; the best time is kept")
    args = parser.parse_args()
    size = tuple(int(n) for n in args.size.split("x"))
    media, catalog = library(args.dir, args.clips, args.frames, size)
    total = args.clips * args.frames
    print(f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; {args.clips} clips "
          f"{args.size} H.264 {args.frames} frames each, preview preset")
    results: dict[str, float] = {}
    for label, run in (("local (reelkeep proxies, one job)", lambda r: local(r, catalog, media)),
                       ("farm, 1 worker", lambda r: farm(r, catalog, media, 1)),
                       ("farm, 2 workers", lambda r: farm(r, catalog, media, 2))):
        results[label] = min(run(args.dir / "run") for _ in range(args.rounds))
        print(f"| {label} | {results[label]:.1f} s | {total / results[label]:.0f} frames/s | "
              f"{results[label] / results['local (reelkeep proxies, one job)']:.2f}× local |", flush=True)
    print(f"load after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
