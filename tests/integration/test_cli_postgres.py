"""The headless commands on a catalog on a PostgreSQL server, run as a user runs them: real processes, the URL
given by --catalog or by REELKEEP_CATALOG, two programs on one catalog."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.media import make_audio, make_clip

ROOT = Path(__file__).resolve().parents[2]


def reelkeep(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    inherited = {k: v for k, v in os.environ.items() if k != "REELKEEP_CATALOG"}
    full_env = {**inherited, "QT_QPA_PLATFORM": "offscreen", **(env or {})}
    result = subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, env=full_env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result


def test_scan_list_search_info_on_a_server_catalog(tmp_path: Path, postgres_url: str) -> None:
    media = tmp_path / "media"
    media.mkdir()
    clip = make_clip(media / "A001C002.mov", rate="24000/1001", frames=24)
    make_audio(media / "track.flac", tags={"title": "Teardrop", "artist": "Massive Attack", "album": "Mezzanine"})

    scan = reelkeep("--catalog", postgres_url, "scan", str(media), "--quiet")
    assert "2 new" in scan.stdout

    by_env = {"REELKEEP_CATALOG": postgres_url}  # another program, the URL from the environment
    found = json.loads(reelkeep("search", "massiv", "--json", env=by_env).stdout)
    assert [r["name"] for r in found] == ["track.flac"]
    info = json.loads(reelkeep("info", str(clip), "--json", env=by_env).stdout)
    assert info["frame_rate"] == "24000/1001" and info["frame_count"] == 24
    listed = json.loads(reelkeep("--catalog", postgres_url, "list", "--json", "--sort", "name").stdout)
    assert [r["name"] for r in listed] == ["A001C002.mov", "track.flac"]

    rescan = reelkeep("--catalog", postgres_url, "scan", "--quiet")
    assert "0 new" in rescan.stdout and "2 unchanged" in rescan.stdout
    assert not (ROOT / "postgresql:").exists()  # nothing took the URL for a file name
