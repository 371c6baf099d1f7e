"""The headless commands, run as a user runs them: a real process, a real catalog file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.media import make_audio, make_clip

ROOT = Path(__file__).resolve().parents[2]


def reelkeep(*args: str, catalog: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "REELKEEP_CATALOG": str(catalog), "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_scan_info_list_search(tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    clip = make_clip(media / "A001C002.mov", rate="24000/1001", frames=48)
    song = make_audio(media / "track.flac", tags={"title": "Teardrop", "artist": "Massive Attack",
                                                  "album": "Mezzanine", "tracknumber": "3", "date": "1998"})
    (media / "broken.mp4").write_bytes(b"")
    catalog = tmp_path / "catalog.sqlite"

    scan = reelkeep("scan", str(media), "--quiet", catalog=catalog)
    assert "3 new" in scan.stdout and "1 with errors" in scan.stdout

    info = json.loads(reelkeep("info", str(clip), "--json", catalog=catalog).stdout)
    assert info["frame_rate"] == "24000/1001"
    assert info["start_timecode"] == "01:00:00:00"
    assert info["frame_count"] == 48
    assert abs(info["duration"] - 48 * 1001 / 24000) < 1e-9

    tags = json.loads(reelkeep("info", str(song), "--json", catalog=catalog).stdout)
    assert (tags["title"], tags["artist"], tags["album"], tags["track"], tags["year"]) == (
        "Teardrop", "Massive Attack", "Mezzanine", 3, 1998)

    listed = json.loads(reelkeep("list", "--json", catalog=catalog).stdout)
    assert sorted(r["name"] for r in listed) == ["A001C002.mov", "broken.mp4", "track.flac"]
    errors = json.loads(reelkeep("list", "--json", "--status", "error", catalog=catalog).stdout)
    assert [r["name"] for r in errors] == ["broken.mp4"] and "empty file" in errors[0]["status_message"]
    found = json.loads(reelkeep("search", "massive", "--json", catalog=catalog).stdout)
    assert [r["name"] for r in found] == ["track.flac"]
    text = reelkeep("list", "--kind", "video", catalog=catalog).stdout
    assert "23.976" in text and "01:00:00:00" in text and "A001C002.mov" in text

    rescan = reelkeep("scan", "--quiet", catalog=catalog)
    assert "0 new" in rescan.stdout and "3 unchanged" in rescan.stdout


def test_errors_are_clear(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.sqlite"
    missing = reelkeep("info", str(tmp_path / "nope.mov"), catalog=catalog, check=False)
    assert missing.returncode == 1 and "not in the catalog" in missing.stderr
    not_folder = reelkeep("scan", str(tmp_path / "nope"), catalog=catalog, check=False)
    assert not_folder.returncode == 2 and "not a folder" in not_folder.stderr
    no_roots = reelkeep("scan", catalog=catalog, check=False)
    assert no_roots.returncode == 2 and "no library folders" in no_roots.stderr
    bad_catalog = tmp_path / "bad.sqlite"
    bad_catalog.write_bytes(b"nonsense" * 1000)
    result = reelkeep("list", catalog=bad_catalog, check=False)
    assert result.returncode == 1 and "cannot open the catalog" in result.stderr
    version = reelkeep("--version", catalog=catalog)
    assert version.stdout.startswith("reelkeep ")
