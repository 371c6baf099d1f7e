"""Extraction benchmark: smart mode against `ffmpeg -c copy` (fast, keyframe-aligned) and an `ffmpeg` libx264
re-encode (frame-exact, slow) on the same 1080p H.264 file, in one run.

Generates (once, cached in --dir) a 10 min 10 s 1920×1080 H.264 MOV at 24 fps (GOP 48, B-frames, real motion,
PCM stereo audio, tmcd) with tests.media.make_clip. Ranges: a 10-minute range starting mid-GOP (so both ends
are re-encoded) and a 10 s range with 12 handles in the middle of the file. For each: our smart mode,
`ffmpeg -ss -to -c copy`, `ffmpeg` re-encoding with libx264 (preset fast, CRF 18, accurate seek) and, for
the 10 s range, our re-encode mode (h264_mov: the same x264 settings). Our outputs are checked frame-exact
(frame count, and the frame index painted into the first and last frames); the peers' first and last frames
are read too, to show what they hold. Prints a table for docs/benchmarks.md with the load average per row.
Run: `.venv/bin/python bench/bench_extract.py [--dir bench/out/extract] [--skip-long-reencode]`.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import TypeVar

import av

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.extract_plan import ExtractPlan, plan_extract  # noqa: E402
from app.media.extract import extract_reencode  # noqa: E402
from app.media.extract_smart import extract_smart  # noqa: E402
from app.media.framegrab import VideoSource  # noqa: E402
from tests.media import make_clip, read_index, read_start_timecode  # noqa: E402

RATE = Fraction(24)
GOP = 48
T = TypeVar("T")


def source(folder: Path, frames: int, size: tuple[int, int] = (1920, 1080)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"source_h264_{size[0]}x{size[1]}_24p_gop{GOP}_{frames}f.mov"
    if not path.exists():
        print(f"generating {path.name} (takes a while) …", file=sys.stderr, flush=True)
        temp = path.with_name(f"tmp_{path.name}")
        make_clip(temp, rate=RATE, frames=frames, size=size, gop=GOP, bframes=2)
        os.replace(temp, path)
    return path


def ends(path: Path) -> tuple[int, int | None, int | None]:
    """(frame count, index painted into the first frame, into the last frame)."""
    with VideoSource(str(path), RATE) as video:
        count = video.frame_count
        got = dict(video.grab([0, count - 1]))
    first, last = got.get(0), got.get(count - 1)
    return count, read_index(first) if first else None, read_index(last) if last else None


def timed(action: Callable[..., T], *args: object) -> tuple[T, float, str]:
    """(result, wall seconds, 1-minute load average before→after)."""
    before = os.getloadavg()[0]
    start = time.perf_counter()
    result = action(*args)
    seconds = time.perf_counter() - start
    return result, seconds, f"{before:.1f}→{os.getloadavg()[0]:.1f}"


def run(command: list[str]) -> None:
    subprocess.run(command, check=True)


def seconds_of(frame: int) -> str:
    return f"{float(Fraction(frame) / RATE):.6f}"


def ffmpeg_copy(src: Path, plan: ExtractPlan, target: Path) -> list[str]:
    return ["ffmpeg", "-nostdin", "-v", "error", "-y", "-ss", seconds_of(plan.first), "-to",
            seconds_of(plan.last + 1), "-i", str(src), "-map", "0:v:0", "-map", "0:a:0", "-c", "copy", str(target)]


def ffmpeg_reencode(src: Path, plan: ExtractPlan, target: Path) -> list[str]:
    return ["ffmpeg", "-nostdin", "-v", "error", "-y", "-ss", seconds_of(plan.first), "-i", str(src),
            "-frames:v", str(plan.frame_count), "-t", seconds_of(plan.frame_count), "-map", "0:v:0", "-map",
            "0:a:0", "-c:v", "libx264", "-preset", "fast", "-crf", "18", "-c:a", "pcm_s16le", str(target)]


def row(label: str, what: str, seconds: float, load: str, path: Path, plan: ExtractPlan, base: float | None,
        exact_expected: bool) -> None:
    count, first, last = ends(path)
    exact = (count, first, last) == (plan.frame_count, plan.first, plan.last)
    if exact_expected:
        assert exact, (what, count, first, last, plan.first, plan.last)
    ratio = f"{seconds / base:.2f}" if base else "1.00"
    held = f"{'?' if first is None else first}–{'?' if last is None else last} ({count})"  # ?: does not decode
    print(f"| {label} | {what} | {seconds:.1f} s | {ratio} | {held} | {'yes' if exact else 'no'} | {load} |",
          flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=ROOT / "bench" / "out" / "extract")
    parser.add_argument("--minutes", type=float, default=10, help="length of the long range (default 10)")
    parser.add_argument("--size", default="1920x1080", help="picture size of the source (default 1920x1080)")
    parser.add_argument("--skip-long-reencode", action="store_true",
                        help="leave out the ffmpeg re-encode of the 10-minute range (it takes many minutes)")
    args = parser.parse_args()
    if shutil.which("ffmpeg") is None:
        print("ffmpeg not found on PATH", file=sys.stderr)
        return 1
    long_frames = round(args.minutes * 60 * RATE)
    frames = long_frames + 240  # the long range starts 101 frames in and ends before the file does
    width, height = (int(v) for v in args.size.split("x"))
    src = source(args.dir, frames, (width, height))
    tc = read_start_timecode(src)
    version = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.split("\n")[0]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, {platform.system()}; "
          f"PyAV {av.__version__} (FFmpeg {av.ffmpeg_version_info}); {version}; "
          f"source {src.stat().st_size / 1e9:.2f} GB, {frames} frames, {width}x{height}")
    middle = frames // 2 + 13  # mid-GOP
    long_label = f"{args.minutes:g} min"
    ranges = {
        long_label: plan_extract(RATE, frames, tc, 101, 101 + long_frames, 0, clip="long"),
        "10 s + 12 handles": plan_extract(RATE, frames, tc, middle, middle + 240, 12, clip="short"),
    }
    print("| range | tool | wall | ratio to smart | frames held (count) | frame-exact | load (1 min) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory(dir=args.dir) as scratch:
        out = Path(scratch)
        for label, plan in ranges.items():
            smart, seconds, load = timed(extract_smart, src, out / "smart", plan)
            row(label, f"Reelkeep smart ({smart.copied} copied, {smart.encoded} re-encoded)", seconds, load,
                smart.path, plan, None, True)
            base = seconds
            target = out / f"copy_{plan.name}.mov"
            _, seconds, load = timed(run, ffmpeg_copy(src, plan, target))
            row(label, "`ffmpeg -ss -to -c copy`", seconds, load, target, plan, base, False)
            if label != long_label:
                ours, seconds, load = timed(extract_reencode, src, out / "reencode", plan, "h264_mov")
                row(label, "Reelkeep re-encode (h264_mov: x264 fast, CRF 18)", seconds, load, ours.path, plan,
                    base, True)
            if label == long_label and args.skip_long_reencode:
                continue
            target = out / f"x264_{plan.name}.mov"
            _, seconds, load = timed(run, ffmpeg_reencode(src, plan, target))
            row(label, "`ffmpeg` libx264 re-encode (fast, CRF 18)", seconds, load, target, plan, base, False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
