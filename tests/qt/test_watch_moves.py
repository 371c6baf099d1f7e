"""Live watching of folders whose files share content: one record per file, ratings on the right file."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.media import make_audio
from tests.qt.test_watch_service import _scanned

NAMES = [f"s{i}.mp3" for i in range(1, 6)]


def _copies(folder: Path, tmp_path: Path) -> None:
    source = make_audio(tmp_path / "tagged.mp3", tags={"title": "Nightcall", "artist": "Kavinsky"}, seconds=0.2)
    folder.mkdir()
    for name in NAMES:
        shutil.copyfile(source, folder / name)


def _settled(ctx, folder: Path, ids: dict[str, int], missing: int = 0) -> bool:
    """Every copy cataloged at its new place under its old id, probed, and nothing else but `missing` rows."""
    catalog = ctx.catalog
    if any(catalog.id_for_path(folder / name) != media_id for name, media_id in ids.items()):
        return False
    return catalog.status_counts() == {"ok": len(ids), **({"missing": missing} if missing else {})}


def test_folder_of_copies_moved_out_and_back_keeps_one_record_each(qtbot, app_context, media_dir, tmp_path) -> None:
    _copies(media_dir / "a", tmp_path)
    _scanned(qtbot, app_context, media_dir)
    ids = {name: app_context.catalog.id_for_path(media_dir / "a" / name) for name in NAMES}
    app_context.library.set_rating([ids["s3.mp3"]], 4)
    outside = tmp_path / "elsewhere"
    shutil.move(media_dir / "a", outside)
    qtbot.waitUntil(lambda: app_context.catalog.status_counts() == {"missing": 5}, timeout=5000)
    # back under another name: a delete + create pair for the watcher, which the identity hashes reunite
    shutil.move(outside, media_dir / "b")
    qtbot.waitUntil(lambda: _settled(app_context, media_dir / "b", ids), timeout=8000)
    assert app_context.catalog.info(ids["s3.mp3"])["rating"] == 4
    assert {app_context.catalog.info(i)["rating"] for n, i in ids.items() if n != "s3.mp3"} == {0}


def test_folder_of_copies_renamed_beside_a_deleted_copy_keeps_its_records(
    qtbot, app_context, media_dir, tmp_path
) -> None:
    _copies(media_dir / "a", tmp_path)
    shutil.copyfile(media_dir / "a" / "s1.mp3", media_dir / "deleted copy.mp3")
    _scanned(qtbot, app_context, media_dir)
    ids = {name: app_context.catalog.id_for_path(media_dir / "a" / name) for name in NAMES}
    app_context.library.set_rating([ids["s3.mp3"]], 4)
    (media_dir / "deleted copy.mp3").unlink()
    qtbot.waitUntil(lambda: app_context.catalog.status_counts() == {"ok": 5, "missing": 1}, timeout=5000)
    (media_dir / "a").rename(media_dir / "b")
    # the folder's move event moves the records; each file's own move event then has it read again,
    # which must not hand it the deleted copy's record (same content) in place of its own
    qtbot.waitUntil(lambda: _settled(app_context, media_dir / "b", ids, missing=1) and app_context.watch.idle(),
                    timeout=8000)
    assert _settled(app_context, media_dir / "b", ids, missing=1)
    assert app_context.catalog.info(ids["s3.mp3"])["rating"] == 4


def test_renamed_folder_leaves_its_missing_records_behind(qtbot, app_context, media_dir, tmp_path) -> None:
    _copies(media_dir / "a", tmp_path)
    _scanned(qtbot, app_context, media_dir)
    gone = app_context.catalog.id_for_path(media_dir / "a" / "s5.mp3")
    (media_dir / "a" / "s5.mp3").unlink()
    qtbot.waitUntil(lambda: app_context.catalog.info(gone)["status"] == "missing", timeout=5000)
    ids = {name: app_context.catalog.id_for_path(media_dir / "a" / name) for name in NAMES[:4]}
    (media_dir / "a").rename(media_dir / "b")
    qtbot.waitUntil(lambda: _settled(app_context, media_dir / "b", ids, missing=1) and app_context.watch.idle(),
                    timeout=8000)
    # no record may claim a file the new folder does not hold
    assert app_context.catalog.id_for_path(media_dir / "b" / "s5.mp3") is None
    assert app_context.catalog.info(gone)["status"] == "missing"
