"""Live watching with a real watchdog observer: new, growing, renamed, moved and deleted files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.media import make_clip


def _scanned(qtbot, ctx, folder: Path) -> None:
    ctx.library.add_paths([str(folder)])
    qtbot.waitUntil(lambda: not ctx.library.scanning, timeout=10000)
    qtbot.waitUntil(lambda: str(folder) in ctx.watch.folders(), timeout=5000)


def _id(ctx, path: Path) -> int | None:
    return ctx.catalog.id_for_path(path)


def test_new_file_copied_in_appears_probed(qtbot, app_context, media_dir, tmp_path) -> None:
    _scanned(qtbot, app_context, media_dir)
    source = make_clip(tmp_path / "outside.mov", frames=24)
    changed: list[int] = []
    app_context.library.media_changed.connect(changed.extend)
    shutil.copy(source, media_dir / "copied.mov")
    qtbot.waitUntil(lambda: _id(app_context, media_dir / "copied.mov") is not None
                    and app_context.catalog.info(_id(app_context, media_dir / "copied.mov"))["status"] == "ok",
                    timeout=3000)
    info = app_context.catalog.info(_id(app_context, media_dir / "copied.mov"))
    assert info["frame_count"] == 24 and info["frame_rate"] == "24000/1001"
    # views hear about it (the signal follows the catalog write by one trip through the event loop)
    qtbot.waitUntil(lambda: _id(app_context, media_dir / "copied.mov") in changed, timeout=2000)


def test_growing_file_is_probed_only_once_complete(qtbot, app_context, media_dir, tmp_path) -> None:
    _scanned(qtbot, app_context, media_dir)
    data = make_clip(tmp_path / "src.mov", frames=48).read_bytes()
    target = media_dir / "growing.mov"
    with open(target, "wb") as handle:
        for start in range(0, len(data), len(data) // 6 + 1):
            handle.write(data[start : start + len(data) // 6 + 1])
            handle.flush()
            # while it grows no row may claim to be probed ok with a wrong (partial) result
            media_id = _id(app_context, target)
            if media_id is not None:
                assert app_context.catalog.info(media_id)["status"] != "ok"
            qtbot.wait(150)
    qtbot.waitUntil(lambda: _id(app_context, target) is not None
                    and app_context.catalog.info(_id(app_context, target))["status"] == "ok", timeout=4000)
    assert app_context.catalog.info(_id(app_context, target))["frame_count"] == 48


def test_rename_keeps_id_and_tags(qtbot, app_context, media_dir) -> None:
    clip = make_clip(media_dir / "before.mov", frames=12)
    _scanned(qtbot, app_context, media_dir)
    media_id = _id(app_context, clip)
    app_context.library.add_tags([media_id], ["hero"])
    app_context.library.set_rating([media_id], 5)
    os.rename(clip, media_dir / "after.mov")
    qtbot.waitUntil(lambda: _id(app_context, media_dir / "after.mov") == media_id, timeout=3000)
    info = app_context.catalog.info(media_id)
    assert (info["name"], info["tags"], info["rating"], info["status"]) == ("after.mov", ["hero"], 5, "ok")
    assert app_context.catalog.count() == 1


def test_folder_rename_moves_records(qtbot, app_context, media_dir) -> None:
    (media_dir / "day1").mkdir()
    clip = make_clip(media_dir / "day1" / "a.mov", frames=12)
    _scanned(qtbot, app_context, media_dir)
    media_id = _id(app_context, clip)
    os.rename(media_dir / "day1", media_dir / "Day 01")
    qtbot.waitUntil(lambda: _id(app_context, media_dir / "Day 01" / "a.mov") == media_id, timeout=3000)


def test_deleted_file_becomes_missing(qtbot, app_context, media_dir) -> None:
    clip = make_clip(media_dir / "bye.mov", frames=12)
    _scanned(qtbot, app_context, media_dir)
    media_id = _id(app_context, clip)
    app_context.library.add_tags([media_id], ["keep me"])
    clip.unlink()
    qtbot.waitUntil(lambda: app_context.catalog.info(media_id)["status"] == "missing", timeout=3000)
    assert app_context.catalog.info(media_id)["tags"] == ["keep me"]


def test_file_moved_in_from_outside_then_back(qtbot, app_context, media_dir, tmp_path) -> None:
    clip = make_clip(media_dir / "roundtrip.mov", frames=12)
    _scanned(qtbot, app_context, media_dir)
    media_id = _id(app_context, clip)
    app_context.library.add_tags([media_id], ["trip"])
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.move(clip, outside / "roundtrip.mov")
    qtbot.waitUntil(lambda: app_context.catalog.info(media_id)["status"] == "missing", timeout=3000)
    shutil.move(outside / "roundtrip.mov", media_dir / "back again.mov")
    # a delete + create pair: the identity hash reunites the file with its record
    qtbot.waitUntil(lambda: _id(app_context, media_dir / "back again.mov") == media_id, timeout=4000)
    assert app_context.catalog.info(media_id)["tags"] == ["trip"]
