"""`reelkeep FILE…` opens files in the window; option values and commands are never taken for files."""

from __future__ import annotations

from app.__main__ import split_open_files
from app.cli import COMMANDS


def test_files_are_split_from_options(tmp_path) -> None:
    clip = tmp_path / "clip.mov"
    clip.write_bytes(b"x")
    catalog = tmp_path / "catalog.sqlite"
    catalog.write_bytes(b"x")
    assert split_open_files([str(clip)], COMMANDS) == ([], [str(clip)])
    assert split_open_files(["--catalog", str(catalog), str(clip)], COMMANDS) == (
        ["--catalog", str(catalog)], [str(clip)])
    assert split_open_files(["-v", str(clip), "missing.mov"], COMMANDS) == (["-v", "missing.mov"], [str(clip)])


def test_commands_take_no_files(tmp_path) -> None:
    clip = tmp_path / "clip.mov"
    clip.write_bytes(b"x")
    argv = ["info", str(clip), "--json"]
    assert split_open_files(argv, COMMANDS) == (argv, [])
