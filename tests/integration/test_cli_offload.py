"""`reelkeep offload` as a DIT runs it: a Sony card with real clips to two drives, verified, ASC MHL, reports,
cataloged; and an offload killed with SIGKILL half way, resumed by running the same command again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from app.ingest.offload_journal import journal_path
from tests.archive_oracles import ASCMHL_DEBUG
from tests.integration.test_cli import ROOT, reelkeep
from tests.media.clips import make_clip


def test_offload_a_sony_card_to_two_drives_verified_reported_and_cataloged(tmp_path: Path) -> None:
    card = tmp_path / "card"
    clips = card / "PRIVATE" / "M4ROOT" / "CLIP"
    clips.mkdir(parents=True)
    for number in (1, 2):
        make_clip(clips / f"C000{number}.MP4", rate="25", frames=25)
        (clips / f"C000{number}M01.XML").write_text(
            '<?xml version="1.0" encoding="UTF-8"?><NonRealTimeMeta><Device manufacturer="Sony" '
            'modelName="ILME-FX6V"/></NonRealTimeMeta>', encoding="utf-8")
    catalog = tmp_path / "catalog.sqlite"
    done = reelkeep("offload", str(card), "--to", str(tmp_path / "raid"), "--to", str(tmp_path / "shuttle"),
                    "--name", "Day01/{camera}/{reel}", "--quiet", catalog=catalog)
    out = done.stdout
    assert out.startswith("Sony card"), out
    assert "2 clip(s)" in out and "all verified" in out
    assert out.count("ASC MHL 0001_") == 2 and ".mhl" in out  # the generation written in each destination
    targets = [line.split("→ ", 1)[1] for line in out.splitlines() if "→ " in line]
    assert len(targets) == 2 and all(t.startswith(str(tmp_path)) and "/Day01/" in t for t in targets)
    for target in map(Path, targets):
        assert (target / "PRIVATE/M4ROOT/CLIP/C0001.MP4").read_bytes() == (clips / "C0001.MP4").read_bytes()
        checked = subprocess.run([ASCMHL_DEBUG, "verify", str(target)], capture_output=True, text=True, timeout=120)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    report = Path(out.split("Report: ")[1].split(" (and")[0])
    assert report.parent == tmp_path / "reports" / "offload" and report.is_file()
    assert report.with_suffix(".pdf").is_file() and "C0002.MP4" in report.read_text(encoding="utf-8")
    assert "Cataloged" in out
    listed = json.loads(reelkeep("list", "--json", catalog=catalog).stdout)
    assert sorted(Path(row["path"]).name for row in listed) == ["C0001.MP4", "C0002.MP4"]
    assert all(row["path"].startswith(targets[0]) for row in listed)  # the first copy is the library's

    again = reelkeep("offload", str(card), "--to", str(tmp_path / "raid"), "--name", "Day01/{camera}/{reel}",
                     "--quiet", "--no-catalog", catalog=catalog)
    assert "all verified" in again.stdout  # the same card again: identical files kept, nothing replaced


def test_an_offload_killed_half_way_resumes_and_skips_what_was_verified(tmp_path: Path) -> None:
    card = tmp_path / "A001"
    (card / "clips").mkdir(parents=True)
    for number in range(40):
        (card / "clips" / f"A001C{number:03d}.mov").write_bytes(os.urandom(3 << 20))
    raid, shuttle = tmp_path / "raid", tmp_path / "shuttle"
    args = ["offload", str(card), "--to", str(raid), "--to", str(shuttle), "--name", "{card}", "--quiet",
            "--no-catalog"]
    env = {**os.environ, "REELKEEP_CATALOG": str(tmp_path / "c.sqlite"), "QT_QPA_PLATFORM": "offscreen"}
    running = subprocess.Popen([sys.executable, "-m", "app", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    journal = journal_path(raid / "A001")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if journal.exists() and journal.read_text().count('"copied"') >= 5:
            break
        assert running.poll() is None, running.communicate()
        time.sleep(0.002)
    running.send_signal(signal.SIGKILL)
    running.wait(30)
    copied_before = [json.loads(line)["copied"] for line in journal.read_text().splitlines() if '"copied"' in line]
    assert 5 <= len(copied_before) < 40
    inodes = {path: (raid / "A001" / path).stat().st_ino for path in copied_before}

    resumed = reelkeep(*args, catalog=tmp_path / "c.sqlite")
    assert "all verified" in resumed.stdout, resumed.stdout + resumed.stderr
    for path, inode in inodes.items():
        assert (raid / "A001" / path).stat().st_ino == inode  # copied before the kill: not copied again
    for target in (raid / "A001", shuttle / "A001"):
        assert sorted(p.name for p in (target / "clips").iterdir()) == sorted(p.name for p in (card / "clips").iterdir())
        assert all((target / "clips" / p.name).read_bytes() == p.read_bytes() for p in (card / "clips").iterdir())
        assert not journal_path(target).exists()
        checked = subprocess.run([ASCMHL_DEBUG, "verify", str(target)], capture_output=True, text=True, timeout=120)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    assert not [p for p in tmp_path.rglob("*.partial")]  # the killed run's partial copy was removed
