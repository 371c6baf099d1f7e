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
    clips = {}
    for slices in (2, 1):
        clip = args.dir / f"hd_gop48_{slices}slice.mp4"
        if not clip.exists():
            print(f"generating a 1080p H.264 clip (GOP 48, B-frames, {slices} slice(s) per frame)…", flush=True)
            make_clip(clip, rate="24", frames=args.frames, size=(1920, 1080), gop=48, bframes=2, audio=False,
                      slices=slices)
        [clips[slices]] = add_files(catalog, [clip])
    intra = args.dir / "hd_prores.mov"  # all-intra, like the editorial proxy the player prefers when it exists
    if not intra.exists():
        print("generating a 1080p ProRes 422 clip…", flush=True)
        make_clip(intra, rate="24", frames=args.frames, size=(1920, 1080), codec="prores", audio=False)
    [clips[0]] = add_files(catalog, [intra])
    seek_rows = {2: "exact seek, H.264 2 slices/frame", 1: "exact seek, H.264 1 slice/frame",
                 0: "exact seek, ProRes (all-intra)"}
    results: dict[str, list[float]] = {**{row: [] for row in seek_rows.values()},
                                       "step forward": [], "step forward (cache)": [],
                                       "step back (mpv)": [], "step back (cache)": []}
    for slices, use_cache in ((0, False), (1, False), (2, False), (2, True)):
        player = PlayerService(catalog, runner if use_cache else None)
        # like VideoView: render each frame mpv announces (vo=libmpv waits for its client to render)
        player.video_updated.connect(lambda p=player: p.render(480, 270))
        player.open_media(clips[slices])
        wait(app, lambda p=player: p._player is not None and p._player.duration is not None and shown(p) == 0)
        if not use_cache:
            for target in seek_targets:
                player.seek_frame(target)
                results[seek_rows[slices]].append(landed(app, player, target))
                wait(app, lambda p=player: not p.seeking and p._target is None)
        if slices != 2:
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
    print(f"clips: 1920x1080 H.264, 24 fps, GOP 48 with B-frames, {args.frames} frames; {os.cpu_count()} cores")
    for name, values in results.items():
        print(f"{name:>32}: median {statistics.median(values) * 1000:7.1f} ms, worst {max(values) * 1000:7.1f} ms"
              f" ({len(values)} runs)")
    mpv_back = statistics.median(results["step back (mpv)"])
    cached_back = statistics.median(results["step back (cache)"])
    print(f"back-step speed-up from the cache: {mpv_back / max(cached_back, 1e-6):.0f}x (target < 150 ms per step)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
