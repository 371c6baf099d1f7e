"""Start of a 4K ProRes 422 clip in the player (open until its first frame is on screen, read back by frame
index) from a loose file, from a project archive (the stored file inside the archive folder) and from a member of
a ZIP export (mpv's slice://), in one run; the archive and the ZIP should cost nothing over the loose file.
A far seek (frame 40) is timed the same way and checked by frame index too.

Run: `.venv/bin/python bench/bench_archive_start.py [--dir bench/out/archive-start] [--runs 7]`.
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
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("REELKEEP_NO_AUDIO", "1")

from PySide6.QtCore import QCoreApplication  # noqa: E402

from app.archive.browse import version_entries  # noqa: E402
from app.archive.jobs import CreateArchiveJob  # noqa: E402
from app.archive.zip_export import ExportZipJob  # noqa: E402
from app.catalog.catalog import Catalog  # noqa: E402
from app.core.job import JobContext, execute  # noqa: E402
from app.media.probe import probe  # noqa: E402
from app.services.archive import clip_for_entry  # noqa: E402
from app.services.player import PlayerService  # noqa: E402
from app.services.player_clip import ClipInfo  # noqa: E402
from tests.media import make_clip, read_index  # noqa: E402


def wait(app: QCoreApplication, condition, timeout: float = 30.0) -> float:
    start = time.perf_counter()
    while not condition():
        app.processEvents()
        if time.perf_counter() - start > timeout:
            raise TimeoutError("the player did not get there")
        time.sleep(0.0005)
    return time.perf_counter() - start


def shown(player: PlayerService) -> int | None:
    pixels = player.render(960, 540)
    return None if pixels is None else read_index(pixels[:, :, :3].copy())


def warm(path: Path) -> None:
    with open(path, "rb") as handle:
        while handle.read(8 << 20):
            pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=ROOT / "bench" / "out" / "archive-start")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    source = args.dir / "shoot"
    clip_path = source / "A001C001_4K.mov"
    if not clip_path.exists():
        source.mkdir(parents=True, exist_ok=True)
        print("generating a 4K ProRes 422 clip (48 frames)…", flush=True)
        make_clip(clip_path, rate="24", frames=48, size=(3840, 2160), codec="prores", audio=False)
    archive = args.dir / "archive"
    zip_path = args.dir / "archive.zip"
    if not archive.exists():
        assert execute(CreateArchiveJob(source, archive), JobContext()).ok
    if not zip_path.exists():
        assert execute(ExportZipJob(archive, zip_path), JobContext()).ok
    facts = probe(str(clip_path))
    loose = ClipInfo(None, str(clip_path), clip_path.name, "video", facts.frame_rate, 0, False, facts.frame_count,
                     width=facts.width, height=facts.height)
    stored, _ = clip_for_entry(next(e for e in version_entries(archive, "v1") if e.name == clip_path.name))
    member, _ = clip_for_entry(next(e for e in version_entries(zip_path, "v1") if e.name == clip_path.name))
    sources = {"loose file": loose, "archive folder": stored, "ZIP member (slice://)": member}
    for path in (clip_path, archive, zip_path):
        for file in ([path] if path.is_file() else path.rglob("*.mov")):
            warm(file)

    app = QCoreApplication.instance() or QCoreApplication([])
    catalog = Catalog(args.dir / "catalog.sqlite")
    starts: dict[str, list[float]] = {name: [] for name in sources}
    seeks: dict[str, list[float]] = {name: [] for name in sources}
    for _ in range(args.runs):
        for name, clip in sources.items():  # interleaved: the machine's drift hits every source alike
            player = PlayerService(catalog)
            player.video_updated.connect(lambda p=player: p.render(960, 540))
            begin = time.perf_counter()
            player.open_clip(clip)
            wait(app, lambda p=player: shown(p) == 0)
            starts[name].append(time.perf_counter() - begin)
            player.seek_frame(40)
            seeks[name].append(wait(app, lambda p=player: not p.seeking and p._target is None and shown(p) == 40))
            player.shutdown()
    catalog.close()
    print(f"clip: 3840x2160 ProRes 422 ({facts.video_codec}, {clip_path.stat().st_size / 1e6:.0f} MB, 48 frames), "
          f"page cache warm, {os.cpu_count()} cores, {args.runs} runs each, median")
    print("| source | first frame on screen | seek to frame 40 | start vs loose |")
    print("|---|---|---|---|")
    base = statistics.median(starts["loose file"])
    for name in sources:
        start = statistics.median(starts[name])
        print(f"| {name} | {start * 1000:.0f} ms | {statistics.median(seeks[name]) * 1000:.0f} ms | "
              f"{start / base:.2f}× |")
    if os.environ.get("BENCH_KEEP") != "1":
        shutil.rmtree(args.dir / "archive", ignore_errors=True)
        zip_path.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
