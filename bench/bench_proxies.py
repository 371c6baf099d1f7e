"""Proxy benchmarks: our PyAV pipeline against the ffmpeg CLI doing the same transcode, per preset.

Generates a 1080p H.264 (long GOP, B-frames, AAC) and a 1080p ProRes 422 (PCM) source with real motion
(tests.media.make_clip) once into --dir and reuses them. For each source and preset, in the same run and
on the same file: Reelkeep's generate_proxy() in-process, then `ffmpeg` with the same codec, x264 preset,
bitrate, GOP, size and threads (all cores), then a decode-only pass (PyAV, threaded) as the machine's
ceiling. Prints frames per second and our/ffmpeg ratio (target >= 0.9), formatted for docs/benchmarks.md.
Run: `.venv/bin/python bench/bench_proxies.py [--seconds 10] [--dir bench/out/proxies]`.
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
from pathlib import Path

import av

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.proxy_presets import PRESETS, plan_proxy  # noqa: E402
from app.media.proxy import generate_proxy, source_facts  # noqa: E402
from tests.media import make_clip  # noqa: E402

RATE = 25


def sources(folder: Path, seconds: int) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    frames = seconds * RATE
    made = {}
    for label, suffix, codec in (("H.264 1080p25", "mp4", "h264"), ("ProRes 422 1080p25", "mov", "prores")):
        path = folder / f"source_{codec}_1920x1080_{frames}f.{suffix}"
        if not path.exists():
            print(f"generating {path.name} …", file=sys.stderr)
            temp = path.with_name(f"tmp_{path.name}")
            make_clip(temp, rate=RATE, frames=frames, size=(1920, 1080), codec=codec, gop=25, bframes=2)
            os.replace(temp, path)
        made[label] = path
    return made


def decode_only(path: Path) -> float:
    start = time.perf_counter()
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        stream.codec_context.thread_count = 0
        count = sum(1 for _ in container.decode(stream))
    return count / (time.perf_counter() - start)


def ffmpeg_command(source: Path, target: Path, preset: str) -> list[str]:
    with av.open(str(source)) as container:
        spec = plan_proxy(source_facts(container), preset)
    cmd = ["ffmpeg", "-v", "error", "-y", "-threads", "0", "-i", str(source), "-map", "0:v:0", "-map", "0:a:0?",
           "-vf", f"scale={spec.width}:{spec.height}:flags=bicubic", "-pix_fmt", spec.pix_fmt,
           "-c:v", spec.codec, "-threads", "0", "-g", str(spec.gop)]
    for key, value in spec.options:
        cmd += [f"-{key}:v" if key == "profile" else f"-{key}", value]
    if spec.codec == "libx264":
        cmd += ["-b:v", str(spec.bitrate)]
    cmd += ["-c:a", spec.audio_codec or "copy"]
    if spec.audio_bitrate:
        cmd += ["-b:a", str(spec.audio_bitrate)]
    return cmd + ["-f", spec.container, str(target)]


def frame_count(path: Path) -> int:
    with av.open(str(path)) as container:
        return container.streams.video[0].frames


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--dir", type=Path, default=ROOT / "bench" / "out" / "proxies")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement (best is kept)")
    args = parser.parse_args()
    if shutil.which("ffmpeg") is None:
        print("ffmpeg not found on PATH", file=sys.stderr)
        return 1
    version = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.split("\n")[0]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, {platform.system()}; "
          f"PyAV {av.__version__} (FFmpeg {av.ffmpeg_version_info}); {version}")
    print("| source | preset | size | ours fps | ffmpeg fps | ratio | decode-only fps |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        for label, source in sources(args.dir, args.seconds).items():
            frames = frame_count(source)
            ceiling = max(decode_only(source) for _ in range(args.repeat))
            for preset in PRESETS:
                ours_times, theirs_times = [], []
                for run in range(args.repeat):
                    start = time.perf_counter()
                    result = generate_proxy(source, out / f"ours_{preset}_{run}.{PRESETS[preset].extension}", preset)
                    ours_times.append(time.perf_counter() - start)
                    assert result.frame_count == frames, (result.frame_count, frames)
                    target = out / f"ffmpeg_{preset}_{run}.{PRESETS[preset].extension}"
                    start = time.perf_counter()
                    subprocess.run(ffmpeg_command(source, target, preset), check=True)
                    theirs_times.append(time.perf_counter() - start)
                    assert frame_count(target) == frames
                ours, theirs = frames / min(ours_times), frames / min(theirs_times)
                size = f"{result.spec.width}x{result.spec.height}"
                print(f"| {label} | {preset} ({result.spec.codec}) | {size} | {ours:.1f} | {theirs:.1f} | "
                      f"{ours / theirs:.2f} | {ceiling:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
