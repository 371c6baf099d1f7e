"""Library files written to tape learn their content hash from the write's one read: afterwards the tape
catalog marks them as the library's (exactly, by bytes) with no hashing pass of the library — for a folder write
and for a planned write of a library selection."""

from __future__ import annotations

import io
import json
from pathlib import Path

import xxhash

from app.cli import main
from tests.media.clips import make_clip


def _cli(catalog: Path, *args: str) -> str:
    out = io.StringIO()
    assert main(["--catalog", str(catalog), *args], out) == 0, out.getvalue()
    return out.getvalue()


def _content_hash(catalog: Path, path: Path) -> str | None:
    return json.loads(_cli(catalog, "info", str(path), "--json"))["content_hash"]


def test_a_tape_write_records_the_library_files_content_hashes(tmp_path: Path) -> None:
    catalog = tmp_path / "c.db"
    library = tmp_path / "Day 01"
    library.mkdir()
    clips = [make_clip(library / f"A001C00{n}.mov", rate="25", frames=8 + n, size=(160, 90), audio=False)
             for n in (1, 2)]
    _cli(catalog, "scan", str(library), "-q")
    assert [_content_hash(catalog, clip) for clip in clips] == [None, None]  # a scan does not read whole files

    device = f"file:{tmp_path / 'shelf' / 'RK0001L9'}"
    _cli(catalog, "tape", "format", device, "--barcode", "RK0001L9")
    written = _cli(catalog, "tape", "write", device, str(library), "-q")
    assert "2 library file(s) now know their content hash" in written
    for clip in clips:
        assert _content_hash(catalog, clip) == xxhash.xxh3_128(clip.read_bytes()).hexdigest()
    listed = _cli(catalog, "tape", "list", "--tape", "RK0001L9").splitlines()
    assert all(line.startswith("L") for line in listed if line.endswith(".mov"))  # matched by bytes

    more = make_clip(library / "A001C003.mov", rate="25", frames=12, size=(160, 90), audio=False)
    _cli(catalog, "scan", str(library), "-q")
    planned = _cli(catalog, "tape", "write", f"file:{tmp_path / 'shelf2' / '{barcode}'}", "--library",
                   "--copies", "1", "--barcode-start", "RK0100L9", "-q")
    assert "library file(s) now know their content hash" in planned
    assert _content_hash(catalog, more) == xxhash.xxh3_128(more.read_bytes()).hexdigest()
