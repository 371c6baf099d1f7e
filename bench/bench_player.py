"""Player latency on a 1080p long-GOP H.264 clip: exact seek, forward step, backward step (mpv's own
frame-back-step vs Reelkeep's decoded-frames cache). Times run from the command until the player reports the
frame settled (mpv's time-pos with seeking done, or the cached frame); the pixels are then read back and
checked by frame index.

Run: `.venv/bin/python bench/bench_player.py [--dir bench/out/player]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("REELKEEP_NO_AUDIO", "1")

from PySide6.QtCore import QCoreApplication  # noqa: E402

from app.catalog.catalog import Catalog  # noqa: E402
from app.ingest.add_files import add_files  # noqa: E402
from app.jobs.runner import JobRunner  # noqa: E402
from app.services.player import PlayerService  # noqa: E402
from tests.media import make_clip, read_index  # noqa: E402


def wait(app: QCoreApplication, condition, timeout: float = 20.0) -> float:
    start = time.perf_counter()
    while not condition():
        app.processEvents()
        if time.perf_counter() - start > timeout:
            raise TimeoutError("the player did not get there")
        time.sleep(0.0005)
    return time.perf_counter() - start


def shown(player: PlayerService) -> int | None:
    if player.override is not None:
        return read_index(player.override[1])
    pixels = player.render(480, 270)
    return None if pixels is None else read_index(pixels[:, :, :3].copy())


def landed(app: QCoreApplication, player: PlayerService, target: int) -> float:
    """Seconds until the player reports the target settled (state only), then check the pixels once."""
    elapsed = wait(app, lambda: player.override is not None and player.override[0] == target
                   or (not player.seeking and player._target is None and player.frame == target))
    if shown(player) != target:  # the state ran ahead of the pixels: count until the pixels are there
        elapsed += wait(app, lambda: shown(player) == target, timeout=5)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=ROOT / "bench" / "out" / "player")
    parser.add_argument("--frames", type=int, default=480)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    app = QCoreApplication.instance() or QCoreApplication([])
    catalog = Catalog(args.dir / "catalog.sqlite")
    runner = JobRunner({"scrub": 1})
    # Targets at every distance from their keyframe (GOP 48): decoding up to the target is most of a far seek.
    seek_targets = [gop * 48 + offset for gop, offset in zip([6, 1, 8, 3, 5, 0, 9, 2, 7, 4, 6, 1, 8, 3, 5, 9],
                                                            range(1, 48, 3), strict=True)]
    # (row, gop, slices per frame, codec): camera originals have GOPs of 0.5-1 s and several slices; 2 s GOPs
    # are delivery encodes; ProRes is all-intra like the editorial proxy the player prefers when it exists.
    specs = [("H.264 GOP 48, 2 slices/frame", 48, 2, "h264"), ("H.264 GOP 48, 1 slice/frame", 48, 1, "h264"),
             ("H.264 GOP 24, 2 slices/frame", 24, 2, "h264"), ("H.264 GOP 12, 2 slices/frame", 12, 2, "h264"),
             ("ProRes 422 (all-intra)", 1, None, "prores")]
    clips = {}
    for row, gop, slices, codec in specs:
        name = "hd_prores.mov" if codec == "prores" else f"hd_gop{gop}_{slices}slice.mp4"
        clip = args.dir / name
        if not clip.exists():
            print(f"generating a 1080p clip: {row}…", flush=True)
            make_clip(clip, rate="24", frames=args.frames, size=(1920, 1080), codec=codec, gop=gop, bframes=2,
                      audio=False, slices=slices)
        [clips[row]] = add_files(catalog, [clip])
    results: dict[str, list[float]] = {**{f"exact seek, {row}": [] for row, *_ in specs},
                                       "step forward": [], "step forward (cache)": [],
                                       "step back (mpv)": [], "step back (cache)": []}
    steps_on = specs[0][0]
    for row, use_cache in [(row, False) for row, *_ in specs] + [(steps_on, True)]:
        player = PlayerService(catalog, runner if use_cache else None)
        # like VideoView: render each frame mpv announces (vo=libmpv waits for its client to render)
        player.video_updated.connect(lambda p=player: p.render(480, 270))
        player.open_media(clips[row])
        wait(app, lambda p=player: p._player is not None and p._player.duration is not None and shown(p) == 0)
        if not use_cache:
            for target in seek_targets:
                player.seek_frame(target)
                results[f"exact seek, {row}"].append(landed(app, player, target))
                wait(app, lambda p=player: not p.seeking and p._target is None)
        if row != steps_on:
            player.shutdown()
            continue
        if not use_cache:
            player.seek_frame(200)
            wait(app, lambda p=player: shown(p) == 200 and not p.seeking and p._target is None)
            for _ in range(6):
                target = player.frame + 1
                player.step(1)
                results["step forward"].append(landed(app, player, target))
        player.seek_frame(400)
        wait(app, lambda p=player: shown(p) == 400 and not p.seeking)
        if use_cache:
            wait(app, lambda p=player: 380 in p._decoded)  # what the cache has decoded while the user looked
        key = "step back (cache)" if use_cache else "step back (mpv)"
        for _ in range(12):
            target = player.frame - 1
            player.step(-1)
            results[key].append(landed(app, player, target))
            if not use_cache:
                wait(app, lambda p=player: not p.seeking and p._target is None)
        if use_cache:
            wait(app, lambda p=player: not p.seeking and p._target is None)
            for _ in range(6):
                target = player.frame + 1
                player.step(1)
                results["step forward (cache)"].append(landed(app, player, target))
                wait(app, lambda p=player: not p.seeking and p._target is None)
        player.shutdown()
    runner.shutdown()
    catalog.close()
    print(f"clips: 1920x1080, 24 fps, B-frames, {args.frames} frames; steps on the first; {os.cpu_count()} cores")
    for name, values in results.items():
        print(f"{name:>41}: median {statistics.median(values) * 1000:7.1f} ms, worst {max(values) * 1000:7.1f} ms"
              f" ({len(values)} runs)")
    mpv_back = statistics.median(results["step back (mpv)"])
    cached_back = statistics.median(results["step back (cache)"])
    print(f"back-step speed-up from the cache: {mpv_back / max(cached_back, 1e-6):.0f}x (target < 150 ms per step)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
