"""`reelkeep archive export|members|import` as a user runs them: the messages, the exit codes, the URLs that play a
member in place, and a compressed ZIP refused with advice."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from tests.archive_oracles import assert_archive_sound
from tests.integration.test_cli import reelkeep
from tests.media import decode_indexes, make_clip


def test_export_members_import(tmp_path: Path) -> None:
    source = tmp_path / "shoot"
    source.mkdir()
    make_clip(source / "A001C001.mov", rate="30000/1001", frames=60, start_tc="01:00:00;00")
    catalog, archive = tmp_path / "c.db", tmp_path / "archive"
    reelkeep("archive", "create", "-q", str(source), str(archive), catalog=catalog)
    out = tmp_path / "export" / "day1.zip"
    exported = reelkeep("archive", "export", "-q", str(archive), str(out), catalog=catalog)
    assert exported.stdout.startswith(f"{out}: v1 as ") and "STORED members" in exported.stdout
    again = reelkeep("archive", "export", "-q", str(archive), str(out), catalog=catalog)
    assert "day1_2.zip" in again.stdout and "exists and was left alone" in again.stdout

    members = json.loads(reelkeep("archive", "members", str(out), "--json", catalog=catalog).stdout)
    clip = next(m for m in members if m["name"] == "A001C001.mov")
    assert clip["method"] == "stored" and clip["mpv"] == f"slice://{clip['offset']}-+{clip['size']}@{out}"
    assert decode_indexes(clip["ffmpeg"]) == list(range(60))  # what `members` prints is what FFmpeg opens
    text = reelkeep("archive", "members", str(out), catalog=catalog).stdout
    assert f"A001C001.mov\t{clip['size']}\t@{clip['offset']}\tslice://" in text

    restored = tmp_path / "restored"
    imported = reelkeep("archive", "import", "-q", str(out), str(restored), catalog=catalog)
    assert "wrote v1 on branch main: 1 added; 1 file(s) in v1 (every member checked" in imported.stdout
    assert_archive_sound(restored)
    again = reelkeep("archive", "import", "-q", str(out), str(restored), catalog=catalog, check=False)
    assert again.returncode == 1 and "already an archive" in again.stderr


def test_a_compressed_zip_is_refused_with_advice(tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    clip = make_clip(media / "A001C001.mov", rate="25", frames=25)
    deflated = tmp_path / "camera.zip"
    with zipfile.ZipFile(deflated, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.write(clip, "A001C001.mov")
    listing = reelkeep("archive", "members", str(deflated), catalog=tmp_path / "c.db").stdout
    assert "A001C001.mov" in listing and "compressed (deflate): `reelkeep archive unpack` it" in listing
    result = reelkeep("archive", "import", str(deflated), str(tmp_path / "archive"), catalog=tmp_path / "c.db",
                      check=False)
    assert result.returncode == 1 and "compressed (deflate)" in result.stderr and "Traceback" not in result.stderr
    assert "archive unpack" in result.stderr
    assert not (tmp_path / "archive").exists()
    unpacked = reelkeep("archive", "unpack", "-q", str(deflated), str(tmp_path / "out"), catalog=tmp_path / "c.db")
    assert unpacked.stdout == f"{tmp_path / 'out'}: unpacked 1 file(s), {clip.stat().st_size:,} bytes\n"
    assert decode_indexes(tmp_path / "out" / "A001C001.mov") == list(range(25))
    again = reelkeep("archive", "unpack", "-q", str(deflated), str(tmp_path / "out"), catalog=tmp_path / "c.db")
    assert f"A001C001.mov: a file of that name exists; written as {tmp_path / 'out' / 'A001C001_2.mov'}" in again.stdout
    missing = reelkeep("archive", "unpack", str(deflated), str(tmp_path / "out"), "B001", catalog=tmp_path / "c.db",
                       check=False)
    assert missing.returncode == 1 and "'B001' is not a file or folder" in missing.stderr
