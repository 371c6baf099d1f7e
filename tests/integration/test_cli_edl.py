"""`reelkeep edl`, run as a user runs it after scanning a folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.integration.test_cli import reelkeep
from tests.media import make_clip

EDL = """TITLE: CLI CONFORM
FCM: NON-DROP FRAME

001  A001C003 V     C        01:00:01:00 01:00:03:00 00:00:00:00 00:00:02:00
002  A001C003 V     C        01:00:10:00 01:00:11:00 00:00:02:00 00:00:03:00
this line is not an event
003  C003     V     C        02:00:00:00 02:00:01:00 00:00:03:00 00:00:04:00
004  NOSUCH   V     C        01:00:00:00 01:00:01:00 00:00:04:00 00:00:05:00
"""


def test_edl_conforms_against_the_scanned_catalog(tmp_path: Path) -> None:
    media = tmp_path / "media"
    (media / "copy").mkdir(parents=True)
    make_clip(media / "A001C003_220101_R1AB.mov", rate=25, frames=100, start_tc="01:00:00:00", audio=False)
    clip = make_clip(media / "C003.mov", rate=25, frames=50, start_tc="02:00:00:00", audio=False)
    shutil.copy(clip, media / "copy" / "C003.mov")
    catalog = tmp_path / "catalog.sqlite"
    reelkeep("scan", str(media), "--quiet", catalog=catalog)
    edl = tmp_path / "cut.edl"
    edl.write_text(EDL, encoding="utf-8")

    result = json.loads(reelkeep("edl", str(edl), "--json", catalog=catalog).stdout)
    assert (result["title"], result["rate"], result["drop_frame"]) == ("CLI CONFORM", "25/1", False)
    assert result["warnings"] == []  # the rate came from the matched media
    events = result["events"]
    assert [(e["number"], e["status"]) for e in events] == [
        (1, "matched"), (2, "offline"), (3, "ambiguous"), (4, "offline")]
    assert events[0]["path"].endswith("A001C003_220101_R1AB.mov") and events[0]["source_in"] == "01:00:01:00"
    assert "outside A001C003_220101_R1AB.mov (01:00:00:00–01:00:04:00)" in events[1]["reason"]
    assert len(events[2]["candidates"]) == 2
    assert [(e["line"], e["text"]) for e in result["errors"]] == [(6, "this line is not an event")]

    text = reelkeep("edl", str(edl), catalog=catalog).stdout
    assert "error: line 6: this line is not an event — " in text
    assert "1 matched, 1 ambiguous, 2 offline" in text

    forced = json.loads(reelkeep("edl", str(edl), "--json", "--rate", "24", catalog=catalog).stdout)
    assert forced["rate"] == "24/1"


def test_edl_unreadable_file_exits_1(tmp_path: Path) -> None:
    result = reelkeep("edl", str(tmp_path / "nope.edl"), catalog=tmp_path / "catalog.sqlite", check=False)
    assert result.returncode == 1 and "cannot read" in result.stderr
