"""Thumbnail benchmarks: poster ms/file against ffmpegthumbnailer, sprite sheet seconds for a 60 s 1080p clip.

Generates N 1080p H.264 clips with real motion (tests.media.make_clip: moving gradient, scrolling noise, a
moving block; long GOP with B-frames) once into --dir and reuses them; generation takes a minute or two per
clip. Measures Reelkeep in-process (what the thumbnail job does) and `ffmpegthumbnailer -s 320` as a process
per file on the same files in the same run, interleaved, and prints figures for docs/benchmarks.md.
Run: `.venv/bin/python bench/bench_thumbs.py [--count 10] [--dir bench/out/thumbs]`.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.media.framegrab import VideoSource  # noqa: E402
from app.media.thumbnails import make_poster, make_preview, make_sprite  # noqa: E402
from tests.media import make_clip  # noqa: E402


def clip_paths(folder: Path, count: int, seconds: int, rate: int, gop: int) -> list[Path]:
    """The cached clips, generated where missing (under a temporary name, renamed when complete)."""
    folder.mkdir(parents=True, exist_ok=True)
    frames = seconds * rate
    paths = []
    for index in range(count):
        path = folder / f"clip{index:02d}_1920x1080_{rate}fps_{frames}f_gop{gop}.mp4"
        if not path.exists():
            started = time.perf_counter()
            partial = folder / f".{path.stem}.part.mp4"
            make_clip(partial, size=(1920, 1080), rate=rate, frames=frames, gop=gop)
            os.replace(partial, path)
            print(f"generated {path.name} in {time.perf_counter() - started:.0f} s", flush=True)
        paths.append(path)
    return paths


def timed(action: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process and its finished children)."""
    def cpu() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    cpu_start, wall_start = cpu(), time.perf_counter()
    action()
    return time.perf_counter() - wall_start, cpu() - cpu_start


def our_poster(path: Path, out: Path) -> None:
    with VideoSource(path) as source:
        make_poster(source, out)


def their_poster(path: Path, out: Path) -> None:
    subprocess.run(["ffmpegthumbnailer", "-i", str(path), "-o", str(out), "-s", "320"], check=True,
                   capture_output=True)


def bench_posters(files: list[Path], work: Path, repeat: int) -> dict[str, tuple[float, float]]:
    """Median per file, then mean over files: {name: (wall ms, cpu ms)}; the order alternates per round."""
    runs: dict[str, list[tuple[float, float]]] = {"reelkeep": [], "ffmpegthumbnailer": []}
    for path in files:  # warm the page cache for both alike
        with open(path, "rb") as handle:
            while handle.read(1 << 24):
                pass
    for round_ in range(repeat):
        for path in files:
            order = [("reelkeep", our_poster), ("ffmpegthumbnailer", their_poster)]
            for name, action in order if round_ % 2 == 0 else reversed(order):
                runs[name].append(timed(lambda a=action, p=path, n=name: a(p, work / f"{n}.jpg")))
    result = {}
    for name, samples in runs.items():
        per_file = [samples[i::len(files)] for i in range(len(files))]
        wall = statistics.mean(statistics.median(s[0] for s in runs_) for runs_ in per_file)
        cpu = statistics.mean(statistics.median(s[1] for s in runs_) for runs_ in per_file)
        result[name] = (wall * 1000, cpu * 1000)
    return result


def bench_sprite(path: Path, work: Path, repeat: int,
                 interval: int | None = None) -> tuple[float, float, float, str]:
    """(median wall s, best wall s, median CPU s, what the sheet holds)."""
    samples = []
    shape = ""
    for _ in range(repeat):
        def run() -> None:
            nonlocal shape
            with VideoSource(path) as source:
                info = make_sprite(source, work / "sprite.jpg", work / "sprite.json", interval=interval)
                shape = f"{info.count} tiles every {info.interval_frames} frames ({info.interval_seconds:g} s)"
        samples.append(timed(run))
    walls = [s[0] for s in samples]
    return statistics.median(walls), min(walls), statistics.median(s[1] for s in samples), shape


def bench_preview(path: Path, work: Path) -> tuple[float, float]:
    def run() -> None:
        with VideoSource(path) as source:
            make_preview(source, work / "preview.mp4")
    return timed(run)


def tool_overhead(work: Path) -> float:
    """ffmpegthumbnailer's fixed cost per process: a 2 s 64x36 clip."""
    tiny = make_clip(work / "tiny.mp4", size=(64, 36), frames=48, audio=False)
    return statistics.median(timed(lambda: their_poster(tiny, work / "tiny.jpg"))[0] for _ in range(5)) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10, help="clips for the poster figure")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rate", type=int, default=24)
    parser.add_argument("--gop", type=int, default=12, help="keyframe interval of the generated clips")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=ROOT / "bench" / "out" / "thumbs", help="clip cache")
    args = parser.parse_args()
    if shutil.which("ffmpegthumbnailer") is None:
        print("ffmpegthumbnailer is not installed; it is the reference", file=sys.stderr)
        return 2
    files = clip_paths(args.dir, args.count, args.seconds, args.rate, args.gop)
    work = Path(tempfile.mkdtemp(prefix="reelkeep-bench-thumbs-"))
    try:
        load_before = os.getloadavg()[0]
        posters = bench_posters(files, work, args.repeat)
        sprite_wall, sprite_best, sprite_cpu, shape = bench_sprite(files[0], work, max(args.repeat, 5))
        exact_wall, exact_best, exact_cpu, exact_shape = bench_sprite(
            files[0], work, args.repeat, interval=-(-args.seconds * args.rate // 100))
        preview_wall, preview_cpu = bench_preview(files[0], work)
        overhead = tool_overhead(work)
        load_after = os.getloadavg()[0]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    ours, theirs = posters["reelkeep"], posters["ffmpegthumbnailer"]
    clip = f"{args.seconds} s 1920x1080 H.264 {args.rate} fps, GOP {args.gop} with B-frames, " \
           f"{files[0].stat().st_size / 1e6 / args.seconds * 8:.0f} Mbit/s"
    print()
    print(f"### Thumbnails ({time.strftime('%Y-%m-%d')})")
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, PyAV {__import__('av').__version__}; load average "
          f"{load_before:.1f} before, {load_after:.1f} after. Clips: {len(files)} x {clip}; warm page cache.")
    print()
    print("| figure | Reelkeep | reference | ratio | target |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| poster, wall ms/file (median of {args.repeat}) | {ours[0]:.0f} | {theirs[0]:.0f} "
          f"(ffmpegthumbnailer -s 320, a process per file) | {ours[0] / theirs[0]:.2f} | <= 0.5 |")
    print(f"| poster, CPU ms/file | {ours[1]:.0f} | {theirs[1]:.0f} | {ours[1] / theirs[1]:.2f} | |")
    print(f"| sprite sheet, one clip, wall s, median (best): {shape}, on keyframes | {sprite_wall:.2f} "
          f"({sprite_best:.2f}); CPU {sprite_cpu:.2f} | | | < 2 s on 2 cores |")
    print(f"| sprite sheet, tiles off keyframes: {exact_shape} | {exact_wall:.2f} ({exact_best:.2f}); "
          f"CPU {exact_cpu:.2f} | | | |")
    print(f"| hover preview (5 x 1 s, 240 px H.264), wall s | {preview_wall:.2f} (CPU {preview_cpu:.2f}) | | | |")
    print()
    print(f"ffmpegthumbnailer's fixed cost per process (2 s 64x36 clip): {overhead:.0f} ms. Reelkeep runs "
          "in-process in the thumbnail job, so its figure has no process start.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
