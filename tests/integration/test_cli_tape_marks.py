"""`reelkeep tape list --tape B` and `tape find` mark the tape files the library holds (the same bytes, by content
hash): LP with a proxy, L without; a file of the same name but other bytes is not marked."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

from app.catalog.catalog import Catalog
from app.cli import main
from app.media.hashing import content_hash
from tests.media.clips import make_clip


def _cli(catalog: Path, *args: str) -> str:
    out = io.StringIO()
    assert main(["--catalog", str(catalog), *args], out) == 0, out.getvalue()
    return out.getvalue()


def test_list_and_find_mark_files_in_the_library(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("REELKEEP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("REELKEEP_PROXY_DIR", str(tmp_path / "proxies"))
    catalog = tmp_path / "c.db"
    card = tmp_path / "card" / "Day 01"
    card.mkdir(parents=True)
    for name, frames in (("A001C001.mov", 12), ("A001C002.mov", 10), ("A001C003.mov", 8)):
        make_clip(card / name, rate="25", frames=frames, size=(160, 90), audio=False)
    library = tmp_path / "library"
    library.mkdir()
    shutil.copy(card / "A001C001.mov", library)
    shutil.copy(card / "A001C002.mov", library)
    make_clip(library / "A001C003.mov", rate="25", frames=9, size=(160, 90), audio=False)  # same name, other bytes
    device = f"file:{tmp_path / 'shelf' / 'RK0001L9'}"
    _cli(catalog, "tape", "format", device, "--barcode", "RK0001L9")
    _cli(catalog, "tape", "write", device, str(card), "-q")
    _cli(catalog, "scan", str(library), "-q")
    opened = Catalog(catalog)
    try:  # a scan does not hash whole files: recorded as an offload's read-back records them (docs/tape.md)
        rows = opened.rows(opened.query_ids())
        opened.record_content_hashes([(r["path"], os.stat(r["path"]).st_size, os.stat(r["path"]).st_mtime,
                                       content_hash(r["path"])) for r in rows])
    finally:
        opened.close()
    _cli(catalog, "proxies", "--preset", "thumbnail", str(library / "A001C001.mov"), "-q")

    lines = _cli(catalog, "tape", "list", "--tape", "RK0001L9").splitlines()
    listed = {path: line for line in lines for path in ("Day 01/", *(f"Day 01/A001C00{n}.mov" for n in (1, 2, 3)))
              if line.endswith(f"  {path}")}
    assert listed["Day 01/A001C001.mov"].startswith("LP ")
    assert listed["Day 01/A001C002.mov"].startswith("L  ")
    assert listed["Day 01/A001C003.mov"].startswith("   ")  # not the library's A001C003.mov: other bytes
    assert listed["Day 01/"].startswith("   ") and "folder" in listed["Day 01/"]
    found = _cli(catalog, "tape", "find", "A001C001").splitlines()
    assert [line[:13] for line in found] == ["RK0001L9  LP "] and found[0].endswith("Day 01/A001C001.mov")
