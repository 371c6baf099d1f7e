"""Writing into a mounted LTFS volume. No LTFS software runs here, so the mount is a real folder on a real file
system; the LTFS virtual attributes a mount shows (volume UUID, free space, start blocks) are set on it as LTFS
would show them, to check Reelkeep reads them. Writes, digests, order and refusals are real."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import xxhash

from app.catalog.catalog import Catalog
from app.core.errors import Cancelled
from app.core.progress import CancelToken
from app.tape.mounted import (
    AVAILABLE_MIB,
    START_BLOCK,
    VOLUME_UUID,
    free_space,
    import_mount,
    is_ltfs_mount,
    write_to_mount,
)
from app.tape.profiles import TapeError


def _project(root: Path) -> Path:
    project = root / "Day 03"
    (project / "C001" / "empty").mkdir(parents=True)
    (project / "C001" / "C001C001.mov").write_bytes(os.urandom(3 << 20))
    (project / "C001" / "C001C002.mov").write_bytes(os.urandom(1000))
    (project / "cafe\u0301.txt").write_text("é")
    (project / "latest").symlink_to("C001/C001C001.mov")
    return project


def test_files_go_into_the_mount_in_tape_order_with_their_digests(tmp_path: Path) -> None:
    project = _project(tmp_path / "src")
    mount = tmp_path / "ltfs"
    mount.mkdir()
    order: list[int] = []
    result = write_to_mount(mount, project, "2026", on_bytes=order.append)
    assert (result.files, result.bytes) == (3, (3 << 20) + 1000 + 2)
    assert [path for path, _digest in result.written] == [
        "2026/Day 03/café.txt", "2026/Day 03/C001/C001C001.mov", "2026/Day 03/C001/C001C002.mov"]
    copied = mount / "2026" / "Day 03" / "C001" / "C001C001.mov"
    data = (project / "C001" / "C001C001.mov").read_bytes()
    assert copied.read_bytes() == data
    assert os.getxattr(copied, "user.ltfs.hash.xxh128sum").decode() == xxhash.xxh3_128(data).hexdigest()
    assert len(os.getxattr(copied, "user.ltfs.hash.sha1sum")) == 40
    assert copied.stat().st_mtime_ns == (project / "C001" / "C001C001.mov").stat().st_mtime_ns
    assert (mount / "2026" / "Day 03" / "C001" / "empty").is_dir()
    assert os.readlink(mount / "2026" / "Day 03" / "latest") == "C001/C001C001.mov"
    assert not list(mount.rglob("*partial*"))

    again = tmp_path / "again"
    (again / "Day 03").mkdir(parents=True)
    (again / "Day 03" / "café.txt").write_text("other")
    with pytest.raises(TapeError, match="already exists on the volume; nothing was written"):
        write_to_mount(mount, again / "Day 03", "2026")
    assert (mount / "2026" / "Day 03" / "café.txt").read_text() == "é"


def test_the_ltfs_free_space_attribute_decides_what_fits(tmp_path: Path) -> None:
    project = _project(tmp_path / "src")
    mount = tmp_path / "ltfs"
    mount.mkdir()
    assert not is_ltfs_mount(mount) and free_space(mount) > 0  # a plain folder: the file system's figure
    os.setxattr(mount, VOLUME_UUID, b"5c1fc6a1-07a3-4d1b-9f59-3a6f1e2f6b10")
    os.setxattr(mount, AVAILABLE_MIB, b"2")
    assert is_ltfs_mount(mount) and free_space(mount) == 2 << 20
    with pytest.raises(TapeError, match="do not fit: the volume at .* has 2,097,152 left"):
        write_to_mount(mount, project)
    assert list(mount.iterdir()) == []


def test_a_cancel_leaves_the_finished_files_and_no_partial(tmp_path: Path) -> None:
    project = _project(tmp_path / "src")
    mount = tmp_path / "ltfs"
    mount.mkdir()
    token = CancelToken()
    seen = []

    def cancel_in_the_big_file(count: int) -> None:
        seen.append(count)
        if sum(seen) > 1 << 20:
            token.cancel()

    with pytest.raises(Cancelled):
        write_to_mount(mount, project, cancel=token, on_bytes=cancel_in_the_big_file)
    assert (mount / "Day 03" / "café.txt").read_text() == "é"
    assert not (mount / "Day 03" / "C001" / "C001C001.mov").exists()
    assert not list(mount.rglob("*partial*"))


def test_a_mount_imports_into_the_catalog_with_its_start_blocks(tmp_path: Path) -> None:
    project = _project(tmp_path / "src")
    mount = tmp_path / "ltfs"
    mount.mkdir()
    write_to_mount(mount, project)
    with pytest.raises(TapeError, match="is not an LTFS mount"):
        import_mount(Catalog(tmp_path / "c0.db"), mount, "RK0100L9")
    os.setxattr(mount, VOLUME_UUID, b"5c1fc6a1-07a3-4d1b-9f59-3a6f1e2f6b10")
    os.setxattr(mount, "user.ltfs.indexGeneration", b"5")
    clip = mount / "Day 03" / "C001" / "C001C001.mov"
    os.setxattr(clip, START_BLOCK, b"1234")
    os.setxattr(clip, "user.ltfs.partition", b"b")
    catalog = Catalog(tmp_path / "c.db")
    try:
        outcome = import_mount(catalog, mount, "rk0100l9")
        assert outcome.files == 3
        tape = catalog.tapes.by_barcode("RK0100L9")
        assert (tape["generation"], tape["index_generation"]) == ("LTO9", 5)
        [row] = catalog.tapes.find_files("C001C001")
        assert (row["partition"], row["start_block"]) == (1, 1234)
        assert row["xxh128"] == xxhash.xxh3_128(clip.read_bytes()).hexdigest()
        assert {r["kind"] for r in catalog.tapes.files(tape["id"])} == {"file", "folder", "symlink"}
    finally:
        catalog.close()
