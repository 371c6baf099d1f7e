"""`reelkeep proxies` and `reelkeep proxies --verify`, run as a user runs them."""

from __future__ import annotations

import json
import os
from pathlib import Path

from app.media.proxy import generate_proxy
from tests.integration.test_cli import reelkeep
from tests.media import make_clip
from tests.media.corpus import cut_in_half


def test_proxies_make_record_and_verify(tmp_path: Path, monkeypatch) -> None:
    media = tmp_path / "media"
    media.mkdir()
    clip = make_clip(media / "A001.mov", rate="25", frames=30, size=(160, 90))
    catalog = tmp_path / "catalog.sqlite"
    monkeypatch.setenv("REELKEEP_PROXY_DIR", str(tmp_path / "proxies"))
    reelkeep("scan", str(media), "--quiet", catalog=catalog)

    made = reelkeep("proxies", "--preset", "thumbnail", "--preset", "editorial", "-q", str(media), catalog=catalog)
    assert "Proxies: 2 made, 0 up to date, 0 failed" in made.stdout
    again = reelkeep("proxies", "--all-presets", "-q", str(clip), catalog=catalog)
    assert "Proxies: 1 made, 2 up to date, 0 failed" in again.stdout

    info = json.loads(reelkeep("info", str(clip), "--json", catalog=catalog).stdout)
    assert [(p["preset"], p["width"], p["height"]) for p in info["proxies"]] == [
        ("editorial", 160, 90), ("preview", 160, 90), ("thumbnail", 160, 90)]
    assert all(Path(p["path"]).is_file() and p["path"].startswith(str(tmp_path / "proxies"))
               for p in info["proxies"])

    verified = reelkeep("proxies", "--verify", str(media), catalog=catalog)
    assert "Proxies verified: 3 ok, 0 failed" in verified.stdout

    # Replace the preview with one a frame short: verification must say so and exit 1.
    preview = next(Path(p["path"]) for p in info["proxies"] if p["preset"] == "preview")
    short = make_clip(tmp_path / "short.mov", rate="25", frames=29, size=(160, 90))
    os.replace(generate_proxy(short, tmp_path / "short_preview.mp4", "preview").path, preview)
    failed = reelkeep("proxies", "--verify", str(clip), catalog=catalog, check=False)
    assert failed.returncode == 1
    assert f"FAILED: {clip}: preview" in failed.stdout and "29 frames, the original has 30" in failed.stdout
    assert "Proxies verified: 2 ok, 1 failed" in failed.stdout

    missing = reelkeep("proxies", str(tmp_path / "elsewhere.mov"), catalog=catalog, check=False)
    assert missing.returncode == 1 and "not in the catalog" in missing.stderr


def test_proxies_refuse_a_file_the_scan_found_truncated(tmp_path: Path, monkeypatch) -> None:
    media = tmp_path / "media"
    media.mkdir()
    whole = make_clip(tmp_path / "whole.mp4", rate="25", frames=48, size=(160, 90),
                      container_options={"movflags": "+faststart"})
    cut = cut_in_half(whole, media / "cut.mp4")
    good = make_clip(media / "good.mov", rate="25", frames=30, size=(160, 90))
    catalog = tmp_path / "catalog.sqlite"
    monkeypatch.setenv("REELKEEP_PROXY_DIR", str(tmp_path / "proxies"))
    reelkeep("scan", str(media), "--quiet", catalog=catalog)
    reason = json.loads(reelkeep("info", str(cut), "--json", catalog=catalog).stdout)["status_message"]
    assert reason.startswith("truncated: ")

    made = reelkeep("proxies", "-q", str(media), catalog=catalog, check=False)
    assert made.returncode == 1
    assert "Proxies: 1 made, 0 up to date, 1 failed" in made.stdout
    assert (f"error: {cut}: preview: not made: the scan found this file unusable ({reason}); rescan it once it "
            "is whole") in made.stdout
    assert json.loads(reelkeep("info", str(cut), "--json", catalog=catalog).stdout)["proxies"] == []
    verified = reelkeep("proxies", "--verify", str(media), catalog=catalog)
    assert "Proxies verified: 1 ok, 0 failed" in verified.stdout
    assert [p.name for p in (tmp_path / "proxies").rglob("*.mp4")] == ["preview.mp4"]  # the good file's only
    assert good.is_file()
