"""PartialFile: a file appears under its final name only when committed; anything else leaves nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from app.core.naming import NAME_MAX, fit_name, name_bytes, unique_name
from app.media.partial import PARTIAL, DestinationError, PartialFile, PartialFolder, remove_stale_partials


def _write_clip(part: PartialFile) -> None:
    out = part.open("mov")
    stream = out.add_stream("mjpeg", rate=25)
    stream.width, stream.height, stream.pix_fmt = 64, 48, "yuvj420p"
    frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), dtype=np.uint8), format="rgb24")
    out.mux(stream.encode(frame))
    out.mux(stream.encode(None))


def test_commit_renames_into_place(tmp_path: Path) -> None:
    dest = tmp_path / "sub" / "clip.mov"
    with PartialFile(dest) as part:
        _write_clip(part)
        assert part.path.name.endswith(PARTIAL) and part.path.exists() and not dest.exists()
        assert part.commit() == dest
    assert [p.name for p in dest.parent.iterdir()] == ["clip.mov"] and dest.stat().st_size > 0


@pytest.mark.parametrize("interrupted", [False, True])
def test_error_or_no_commit_leaves_nothing(tmp_path: Path, interrupted: bool) -> None:
    dest = tmp_path / "clip.mov"
    if interrupted:
        with pytest.raises(KeyboardInterrupt), PartialFile(dest) as part:
            _write_clip(part)  # the container is still open when the interrupt comes
            raise KeyboardInterrupt
    else:
        with PartialFile(dest) as part:
            _write_clip(part)
    assert list(tmp_path.iterdir()) == []


# ---- never overwrite; names that fit

def test_an_existing_file_is_never_replaced_unless_overwrite(tmp_path: Path) -> None:
    mine = tmp_path / "clip.mov"
    mine.write_bytes(b"the user's own file")
    with PartialFile(mine) as part:
        part.path.write_bytes(b"new")
        assert part.commit() == tmp_path / "clip_2.mov" and part.renamed
    with PartialFile(mine) as part:
        part.path.write_bytes(b"newer")
        assert part.commit() == tmp_path / "clip_3.mov"
    assert mine.read_bytes() == b"the user's own file"
    with PartialFile(mine, overwrite=True) as part:
        part.path.write_bytes(b"replaced")
        assert part.commit() == mine and not part.renamed
    assert mine.read_bytes() == b"replaced"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mov", "clip_2.mov", "clip_3.mov"]


def test_a_file_that_appears_while_writing_is_not_replaced(tmp_path: Path) -> None:
    dest = tmp_path / "clip.mov"
    with PartialFile(dest) as part:
        part.path.write_bytes(b"ours")
        dest.write_bytes(b"another writer's, finished first")
        assert part.commit() == tmp_path / "clip_2.mov"
    assert dest.read_bytes() == b"another writer's, finished first"
    assert (tmp_path / "clip_2.mov").read_bytes() == b"ours"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mov", "clip_2.mov"]


def test_unique_name_is_the_one_helper_and_fits_255_bytes() -> None:
    taken = {"a.mov", "a_2.mov"}
    assert unique_name("a.mov", taken.__contains__) == "a_3.mov"
    assert unique_name("b.mov", taken.__contains__) == "b.mov"
    long = "é" * 200 + ".mov"  # 404 bytes of UTF-8
    names = set()
    for _ in range(3):
        name = unique_name(long, names.__contains__)
        names.add(name)
        assert name.endswith(".mov") and name_bytes(name) <= NAME_MAX
        name.encode("utf-8")  # never half a character
    assert len(names) == 3 and sorted(n[-6:] for n in names) == ["_2.mov", "_3.mov", "éé.mov"]
    assert fit_name("x" * 300, ".mov") == "x" * 251 + ".mov"


def test_a_long_name_is_shortened_with_its_partial(tmp_path: Path) -> None:
    dest = tmp_path / ("n" * 254 + ".mov")
    with PartialFile(dest) as part:
        assert name_bytes(part.path.name) <= NAME_MAX and part.path.name.endswith(PARTIAL)
        part.path.write_bytes(b"x")
        written = part.commit()
    assert written.name == "n" * 251 + ".mov" and written.read_bytes() == b"x"


# ---- one cleanup rule: partials of dead writers go when the destination is next used

def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(timeout=30)
    return child.pid


def test_entering_a_folder_removes_partials_of_dead_writers_only(tmp_path: Path) -> None:
    dead = tmp_path / f"old.mov.{_dead_pid()}{PARTIAL}"
    dead.write_bytes(b"half")
    alive = tmp_path / f"busy.mov.{os.getppid()}{PARTIAL}"  # our parent: alive
    alive.write_bytes(b"half")
    user_folder = tmp_path / f"backup.{_dead_pid()}{PARTIAL}"  # a folder named like one: not ours to delete
    user_folder.mkdir()
    (tmp_path / "notes.txt").write_bytes(b"keep")
    with PartialFile(tmp_path / "new.mov") as part:
        part.path.write_bytes(b"x")
        part.commit()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [alive.name, user_folder.name, "notes.txt", "new.mov"])


def test_a_live_writer_in_this_process_keeps_its_partial(tmp_path: Path) -> None:
    """The GUI's lanes run several writers in one process (one pid): none may delete another's partial."""
    with PartialFile(tmp_path / "a.mov") as first:
        first.path.write_bytes(b"being written")
        assert remove_stale_partials(tmp_path) == []
        with PartialFile(tmp_path / "a.mov") as second:  # same output, another thread: another partial name
            assert second.path != first.path and first.path.exists()
        first.commit()
    assert [p.name for p in tmp_path.iterdir()] == ["a.mov"]


def test_partial_folder_appears_whole_and_stale_ones_go(tmp_path: Path) -> None:
    stale = tmp_path / f"entry.{_dead_pid()}{PARTIAL}"
    stale.mkdir()
    (stale / "poster.jpg").write_bytes(b"half")
    with PartialFolder(tmp_path / "entry") as part:
        assert not stale.exists()  # a cache folder is Reelkeep's: stale partial folders are removed there
        (part.path / "poster.jpg").write_bytes(b"new")
        part.commit()
    with PartialFolder(tmp_path / "entry") as part:  # exists, not overwrite: the first complete one stays
        (part.path / "poster.jpg").write_bytes(b"second")
        part.commit()
    assert (tmp_path / "entry" / "poster.jpg").read_bytes() == b"new"
    with PartialFolder(tmp_path / "entry", overwrite=True) as part:
        (part.path / "poster.jpg").write_bytes(b"regenerated")
        part.commit()
    assert (tmp_path / "entry" / "poster.jpg").read_bytes() == b"regenerated"
    assert [p.name for p in tmp_path.iterdir()] == ["entry"]


# ---- errors name the destination

def test_destination_errors_name_the_destination(tmp_path: Path) -> None:
    a_file = tmp_path / "a_file"
    a_file.write_bytes(b"")
    cases = [(a_file / "sub" / "clip.mov", r"cannot create the folder .*a_file/sub: Not a directory"),
             (a_file / "clip.mov", r"cannot write to .*a_file: it is a file, not a folder"),
             (Path("/proc/nope/clip.mov"), r"cannot create the folder /proc/nope: No such file")]
    for dest, message in cases:
        with pytest.raises(DestinationError, match=message), PartialFile(dest):
            pass
