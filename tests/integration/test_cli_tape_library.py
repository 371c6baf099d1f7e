"""`reelkeep tape plan --library` and `tape write --library` as a user runs them: library files chosen by tag,
with a proxy, written to a simulated cartridge, cataloged, restored and compared byte for byte (and frame by
frame); a missing file stops the plan with its name, or is left out with --skip-missing and said."""

from __future__ import annotations

from pathlib import Path

from app.catalog.catalog import Catalog
from tests.integration.test_cli import reelkeep
from tests.media.clips import decode_indexes, make_clip


def _dailies(tmp_path: Path) -> Path:
    root = tmp_path / "Dailies"
    (root / "A001").mkdir(parents=True)
    make_clip(root / "A001" / "A001C001.mov", rate="25", frames=24, size=(160, 90))
    make_clip(root / "A001" / "A001C002.mov", rate="24", frames=12, size=(160, 90), audio=False)
    make_clip(root / "B001C001.mov", rate="25", frames=12, size=(160, 90), audio=False)  # not tagged
    return root


def _tag(catalog_path: Path, paths: list[Path], tag: str) -> None:
    catalog = Catalog(catalog_path)
    try:
        catalog.add_tags([catalog.id_for_path(p) for p in paths], [tag])
    finally:
        catalog.close()


def test_files_chosen_by_tag_written_to_tape_and_read_back_byte_exact(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("REELKEEP_PROXY_DIR", str(tmp_path / "proxies"))
    monkeypatch.setenv("REELKEEP_CACHE_DIR", str(tmp_path / "cache"))
    catalog = tmp_path / "c.db"
    root = _dailies(tmp_path)
    kept = [root / "A001" / "A001C001.mov", root / "A001" / "A001C002.mov"]
    reelkeep("scan", str(root), "-q", catalog=catalog)
    _tag(catalog, kept, "Keep")
    reelkeep("proxies", "--preset", "thumbnail", "-q", str(kept[0]), catalog=catalog)
    assert "--library" in reelkeep("tape", "plan", "--help", catalog=catalog).stdout

    planned = reelkeep("tape", "plan", "--library", "--tag", "Keep", "--with-proxies", "--capacity", "8M",
                       "--block-size", "64K", "--out", str(tmp_path / "plan"), "-q", catalog=catalog).stdout
    assert "tape set RK0001L9: 1 LTO9 cartridge per copy" in planned
    assert "Dailies/A001/A001C002.mov" in planned and "B001C001" not in planned

    shelf = tmp_path / "shelf"
    written = reelkeep("tape", "write", f"file:{shelf}/{{barcode}}", "--library", "--tag", "Keep", "--with-proxies",
                       "--copies", "1", "--capacity", "8M", "--block-size", "64K", "-q", catalog=catalog).stdout
    assert "wrote RK0001L9 (copy A, tape 1): 3 files" in written and "cataloged RK0001L9" in written
    listed = reelkeep("tape", "list", "--tape", "RK0001L9", catalog=catalog).stdout
    assert "Dailies/A001/A001C001.mov" in listed and ".reelkeep/proxies/thumbnail/Dailies/A001/A001C001.mov.mp4" \
        in listed and "B001C001" not in listed

    back = tmp_path / "back"
    restored = reelkeep("tape", "restore", f"file:{shelf / 'RK0001L9'}", "--to", str(back), "-q", catalog=catalog)
    assert restored.returncode == 0, restored.stderr
    for clip in kept:
        copy = back / "Dailies" / clip.relative_to(root)
        assert copy.read_bytes() == clip.read_bytes()
    again = back / "Dailies" / "A001" / "A001C001.mov"
    assert decode_indexes(again) == list(range(24))
    proxy = back / ".reelkeep" / "proxies" / "thumbnail" / "Dailies" / "A001" / "A001C001.mov.mp4"
    recorded = next((tmp_path / "proxies").rglob("thumbnail.mp4"))
    assert proxy.read_bytes() == recorded.read_bytes()
    assert not (back / "Dailies" / "B001C001.mov").exists()


def test_a_missing_file_stops_the_plan_with_its_name_or_is_left_out_and_said(tmp_path: Path) -> None:
    catalog = tmp_path / "c.db"
    root = _dailies(tmp_path)
    kept = [root / "A001" / "A001C001.mov", root / "A001" / "A001C002.mov"]
    reelkeep("scan", str(root), "-q", catalog=catalog)
    _tag(catalog, kept, "Keep")
    kept[1].unlink()

    stopped = reelkeep("tape", "plan", "--library", "--tag", "Keep", "--out", str(tmp_path / "plan"), "-q",
                       catalog=catalog, check=False)
    assert stopped.returncode == 1 and "Traceback" not in stopped.stderr
    assert f"{kept[1]}: missing" in stopped.stderr and "--skip-missing" in stopped.stderr
    assert not (tmp_path / "plan").exists()

    skipped = reelkeep("tape", "plan", "--library", "--tag", "Keep", "--skip-missing", "--out",
                       str(tmp_path / "plan"), "-q", catalog=catalog)
    assert f"SKIPPED {kept[1]}: missing" in skipped.stderr and "1 library file(s) missing or changed" in skipped.stderr
    assert "Dailies/A001/A001C001.mov" in skipped.stdout

    alone = reelkeep("tape", "plan", "--tag", "Keep", "--out", str(tmp_path / "p2"), catalog=catalog, check=False)
    assert alone.returncode == 1 and "--tag goes with --library" in alone.stderr
    nothing = reelkeep("tape", "plan", "--library", "--tag", "Nope", "--out", str(tmp_path / "p3"), catalog=catalog,
                       check=False)
    assert nothing.returncode == 1 and "no cataloged file matches the library filters" in nothing.stderr
    one = reelkeep("tape", "write", f"file:{tmp_path / 'one'}", "--library", catalog=catalog, check=False)
    assert one.returncode == 1 and "is a library selection: it goes on tape through a plan" in one.stderr
