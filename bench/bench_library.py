"""Library benchmarks: scan throughput, unchanged rescan, search latency, window ready at 100k rows.

Builds its own synthetic library under bench/out (or --dir), measures Reelkeep and, in the same run, the
reference peer (`ffprobe` as a process per file, what Jellyfin does), and prints figures and ratios.
Run: `make bench` or `.venv/bin/python bench/bench_library.py [--audio 8000 --video 2000 --rows 100000]`.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from mutagen.easyid3 import EasyID3  # noqa: E402

from app.catalog.catalog import Catalog  # noqa: E402
from app.catalog.filters import LibraryFilter  # noqa: E402
from app.core.facts import FileState  # noqa: E402
from app.ingest.scan import plan_scan, run_scan  # noqa: E402
from tests.media import make_audio, make_clip  # noqa: E402

WORDS = ["night", "drive", "ocean", "neon", "city", "river", "glass", "summer", "winter", "echo", "velvet", "signal", "paper", "moon", "electric", "golden", "silent", "broken", "northern"]


def build_audio(folder: Path, count: int) -> None:
    """count tagged MP3s: a few encoded seeds, copied and re-tagged (distinct bytes, real ID3)."""
    folder.mkdir(parents=True, exist_ok=True)
    seeds = [make_audio(folder / f"seed{i}.mp3", seconds=2.0) for i in range(4)]
    for index in range(count):
        album = index // 12
        target = folder / f"artist{album // 5:03d}" / f"album{album:04d}" / f"{index % 12 + 1:02d} track {index}.mp3"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(seeds[index % len(seeds)], target)
        tags = EasyID3()
        tags.update({
            "title": f"{WORDS[index % len(WORDS)]} {WORDS[(index * 7) % len(WORDS)]} {index}",
            "artist": f"Artist {album // 5}", "album": f"Album {album}", "tracknumber": str(index % 12 + 1),
            "date": str(1970 + index % 50), "genre": WORDS[index % 5],
        })
        tags.save(target)
    for seed in seeds:
        seed.unlink()


def build_video(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rates = ["24000/1001", "25", "30000/1001", "24"]
    seeds = [make_clip(folder / f"seed{i}.mov", rate=rates[i], frames=48, size=(320, 180)) for i in range(4)]
    for index in range(count):
        target = folder / f"day{index // 200:02d}" / f"A{index // 100:03d}C{index % 100:03d}.mov"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(seeds[index % len(seeds)], target)
    for seed in seeds:
        seed.unlink()


def drop_page_cache_hint() -> str:
    return "warm cache (files just written)"


def time_scan(catalog_path: Path, folder: Path, workers: int | None) -> tuple[float, int]:
    catalog = Catalog(catalog_path)
    catalog.add_root(folder)
    start = time.perf_counter()
    result = run_scan(catalog, plan_scan(catalog, workers=workers))
    elapsed = time.perf_counter() - start
    assert result.errors == 0, result
    catalog.close()
    return elapsed, result.probed


def time_ffprobe(files: list[Path]) -> float:
    start = time.perf_counter()
    for path in files:
        subprocess.run(["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
                       check=True, capture_output=True)
    return time.perf_counter() - start


def build_big_catalog(catalog_path: Path, folder: Path, rows: int) -> Catalog:
    """rows real files on disk (hard links of one small file) cataloged as probed, for rescan and UI figures."""
    folder.mkdir(parents=True, exist_ok=True)
    seeds = []
    states = []
    for index in range(rows):
        if index % 50_000 == 0:  # ext4 allows 65,000 links to one file
            seed = folder / f"seed{index}.mp3"
            make_audio(seed, seconds=0.2)
            seeds.append(seed)
        target = folder / f"d{index // 1000:03d}" / f"{WORDS[index % len(WORDS)]} {index:06d}.mp3"
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(seed, target)
        st = target.stat()
        states.append(FileState(os.fsencode(target), st.st_size, st.st_mtime))
    for seed in seeds:
        seed.unlink()
    catalog = Catalog(catalog_path)
    root = catalog.add_root(folder)
    for start in range(0, rows, 10000):
        catalog.add_discovered(root, states[start : start + 10000])
    # As a probe leaves them (one audio track known), so the rescan measures an unchanged rescan.
    catalog.db.execute_sql("UPDATE media_file SET status = 'ok', kind = 'audio', duration = 0.2,"
                           " audio_track_count = 1")
    return catalog


def time_search(catalog: Catalog) -> tuple[float, float]:
    queries = ["night", "neon city", "echo 12", "golden", "velvet 9999", "zzz"]
    timings = []
    for _ in range(5):
        for text in queries:
            start = time.perf_counter()
            catalog.query_ids(LibraryFilter(text=text))
            timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1000, max(timings) * 1000


def time_window(catalog_path: Path, settings: Path) -> float:
    """Seconds from building the context to the first painted page of the library at N rows."""
    code = f"""
import time, sys
start = time.perf_counter()
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from app.bootstrap import build_context
from app.ui.main_window import MainWindow
ctx = build_context({str(catalog_path)!r}, {str(settings)!r}, watch=False)
window = MainWindow(ctx)
window.resize(1400, 900)
window.show()
window.grab()  # forces a full paint of the first page
app.processEvents()
print(time.perf_counter() - start)
ctx.shutdown()
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--audio", type=int, default=8000)
    parser.add_argument("--video", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--ffprobe-files", type=int, default=200)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: a temp folder)")
    args = parser.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="reelkeep-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"work folder: {work} ({drop_page_cache_hint()})")
    try:
        build_audio(work / "audio", args.audio)
        build_video(work / "video", args.video)
        audio_s, audio_n = time_scan(work / "audio.sqlite", work / "audio", args.workers)
        video_s, video_n = time_scan(work / "video.sqlite", work / "video", args.workers)
        audio_files = sorted((work / "audio").rglob("*.mp3"))[: args.ffprobe_files]
        video_files = sorted((work / "video").rglob("*.mov"))[: args.ffprobe_files]
        ffprobe_audio = len(audio_files) / time_ffprobe(audio_files)
        ffprobe_video = len(video_files) / time_ffprobe(video_files)
        print(f"initial scan, audio: {audio_n / audio_s:8.0f} files/s ({audio_n} files in {audio_s:.2f} s); "
              f"ffprobe per file {ffprobe_audio:.0f} files/s; ratio {audio_n / audio_s / ffprobe_audio:.1f}x (target >= 2000/s)")
        print(f"initial scan, video: {video_n / video_s:8.0f} files/s ({video_n} files in {video_s:.2f} s); "
              f"ffprobe per file {ffprobe_video:.0f} files/s; ratio {video_n / video_s / ffprobe_video:.1f}x (target >= 250/s)")

        big = build_big_catalog(work / "big.sqlite", work / "big", args.rows)
        start = time.perf_counter()
        result = run_scan(big, plan_scan(big))
        rescan = time.perf_counter() - start
        assert result.unchanged == args.rows, result
        print(f"unchanged rescan of {args.rows} files: {rescan:.2f} s (target < 2 s)")
        median_ms, worst_ms = time_search(big)
        print(f"search at {big.count()} rows: median {median_ms:.1f} ms, worst {worst_ms:.1f} ms (target < 50 ms)")
        big.close()
        window = time_window(work / "big.sqlite", work / "settings.ini")
        print(f"main window ready, first page painted at {args.rows} rows: {window:.2f} s (target < 1.5 s)")
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
