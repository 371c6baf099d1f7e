"""`reelkeep hash`: cataloged files read whole for their content hash (the digest tapes and offloads record), a
file changed since its scan left alone and named, a second run hashing nothing again."""

from __future__ import annotations

import io
import json
from pathlib import Path

import xxhash

from app.cli import main
from tests.media.clips import make_clip


def _cli(catalog: Path, *args: str, code: int = 0) -> str:
    out = io.StringIO()
    assert main(["--catalog", str(catalog), *args], out) == code, out.getvalue()
    return out.getvalue()


def test_hash_records_content_hashes_and_names_changed_files(tmp_path: Path) -> None:
    catalog = tmp_path / "c.db"
    media = tmp_path / "media"
    media.mkdir()
    clips = [make_clip(media / f"C{n}.mov", rate="24", frames=6 + n, size=(96, 54), audio=False) for n in range(3)]
    _cli(catalog, "scan", str(media), "-q")
    with open(clips[2], "ab") as handle:  # changed after the scan: its catalog row no longer describes it
        handle.write(b"\0" * 10)
    out = _cli(catalog, "hash", "-q", code=1)
    assert "2 file(s) hashed" in out and f"changed since the scan: {clips[2]}" in out
    for clip in clips[:2]:
        info = json.loads(_cli(catalog, "info", str(clip), "--json"))
        assert info["content_hash"] == xxhash.xxh3_128(clip.read_bytes()).hexdigest()
    assert json.loads(_cli(catalog, "info", str(clips[2]), "--json"))["content_hash"] is None

    _cli(catalog, "scan", str(media), "-q")
    again = _cli(catalog, "hash", str(media), "-q")
    assert "1 file(s) hashed" in again  # only the one without a hash
    assert json.loads(_cli(catalog, "info", str(clips[2]), "--json"))["content_hash"] == \
        xxhash.xxh3_128(clips[2].read_bytes()).hexdigest()
