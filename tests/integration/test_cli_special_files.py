"""Timeline files that are not regular files (a FIFO, /dev/zero, /dev/urandom, a link loop, a folder) or are
far too large: `reelkeep edl` and `extract --edl` refuse them at once with a message saying what they are.

Every command runs in a subprocess with a timeout and a memory limit: before the fix a FIFO hung the reader
and /dev/zero grew it by gigabytes in seconds, so a regression must fail here instead of hanging the suite.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.integration.test_cli import ROOT
from tests.media.corpus import make_special_files, run_limited

EXPECTED = {
    "fifo": "not a regular file (a named pipe)",
    "dev_zero": "not a regular file (a device: it links to /dev/zero)",
    "dev_urandom": "not a regular file (a device: it links to /dev/urandom)",
    "link_loop": "symbolic link loop",
    "folder": "not a regular file (a folder)",
}


def _reelkeep(tmp_path: Path, *args: str):  # noqa: ANN202 - CompletedProcess
    env = {**os.environ, "REELKEEP_CATALOG": str(tmp_path / "catalog.sqlite"), "QT_QPA_PLATFORM": "offscreen"}
    return run_limited([sys.executable, "-m", "app", *args], env=env, cwd=ROOT, timeout=60)


@pytest.mark.parametrize("suffix", [".edl", ".xml", ".aaf", ".otio"])
def test_edl_refuses_special_files(tmp_path: Path, suffix: str) -> None:
    for key, path in make_special_files(tmp_path / "special", suffix).items():
        result = _reelkeep(tmp_path, "edl", str(path))
        assert result.returncode == 1, (key, result.stdout, result.stderr)
        assert f"cannot read {path}: {EXPECTED[key]}" in result.stderr, (key, result.stderr)
        assert "Traceback" not in result.stderr


def test_extract_edl_refuses_a_fifo_and_dev_zero(tmp_path: Path) -> None:
    special = make_special_files(tmp_path / "special", ".edl")
    for key in ("fifo", "dev_zero"):
        result = _reelkeep(tmp_path, "extract", "--edl", str(special[key]), "--dest", str(tmp_path / "out"))
        assert result.returncode == 1, (key, result.stderr)
        assert EXPECTED[key] in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_edl_refuses_a_file_over_the_size_cap(tmp_path: Path) -> None:
    big = tmp_path / "huge.edl"
    with big.open("wb") as handle:
        handle.truncate((64 << 20) + 1)  # sparse: no disk used
    result = _reelkeep(tmp_path, "edl", str(big))
    assert result.returncode == 1
    assert "too large: 67,108,865 bytes, and Reelkeep reads at most 64 MB" in result.stderr


def test_scan_and_thumbs_say_what_special_files_are(tmp_path: Path) -> None:
    media = tmp_path / "media"
    special = make_special_files(media, ".mp4")
    loop, zero = special["link_loop"], special["dev_zero"]
    assert _reelkeep(tmp_path, "scan", str(media), "-q").returncode == 0
    listed = json.loads(_reelkeep(tmp_path, "list", "--json").stdout)
    messages = {Path(r["path"]).name: (r["status"], r["status_message"]) for r in listed}
    assert messages == {  # the FIFO and the folder are no media files: not cataloged
        loop.name: ("error", "symbolic link loop: the link points back to itself (directly or through other links)"),
        zero.name: ("error", f"{EXPECTED['dev_zero']}; Reelkeep reads only regular files"),
        "dev_urandom.mp4": ("error", f"{EXPECTED['dev_urandom']}; Reelkeep reads only regular files"),
    }
    for path in (loop, zero):
        thumbs = _reelkeep(tmp_path, "thumbs", str(path), "-q")
        assert thumbs.returncode == 1 and f"error: {path}: {messages[path.name][1]}" in thumbs.stdout


def test_hashing_refuses_a_fifo_without_blocking(tmp_path: Path) -> None:
    fifo = make_special_files(tmp_path, ".mp4")["fifo"]
    code = ("import sys\nfrom app.media.hashing import identity_hash\nfrom app.core.regular_file import "
            "NotARegularFile\ntry:\n    identity_hash(sys.argv[1])\nexcept NotARegularFile as exc:\n    print(exc)\n")
    result = run_limited([sys.executable, "-c", code, str(fifo)], cwd=ROOT, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("not a regular file (a named pipe)")
