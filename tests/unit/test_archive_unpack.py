"""`archive unpack`: files of an archive version or a ZIP (compressed members too) copied into a folder, each one
checked before it appears; damaged, encrypted or unsafe members and cancels leave nothing that looks complete."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from app.archive.store import Archive
from app.archive.unpack import UnpackJob
from app.core.job import JobContext, execute
from app.core.progress import CancelToken
from tests.archive_oracles import commit, create_archive
from tests.media import decode_indexes, make_clip
from tests.unit.test_archive_zip import _set_encrypted_flag


@pytest.fixture
def shoot(tmp_path: Path) -> Path:
    source = tmp_path / "shoot"
    (source / "A001").mkdir(parents=True)
    make_clip(source / "A001" / "A001C001.mov", rate="25", frames=30, start_tc="01:00:00:00", audio=False)
    (source / "A001" / "notes.txt").write_text("slate notes\n", encoding="utf-8")
    (source / "readme.txt").write_text("read me\n", encoding="utf-8")
    return source


def deflated_zip(source: Path, out: Path) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(source).as_posix())
    return out


def unpack(source: Path, dest: Path, paths: list[str] | None = None, **options):
    return execute(UnpackJob(source, dest, paths, **options), JobContext())


def files_below(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_deflated_members_are_decompressed_and_decode_frame_exact(shoot: Path, tmp_path: Path) -> None:
    zip_path = deflated_zip(shoot, tmp_path / "lab.zip")
    outcome = unpack(zip_path, tmp_path / "out", ["A001"])  # a folder picks everything below it
    assert outcome.ok, outcome.message
    assert files_below(tmp_path / "out") == ["A001/A001C001.mov", "A001/notes.txt"]
    copy = tmp_path / "out" / "A001" / "A001C001.mov"
    assert copy.read_bytes() == (shoot / "A001" / "A001C001.mov").read_bytes()
    assert decode_indexes(copy) == list(range(30))
    assert outcome.value.bytes == sum(p.stat().st_size for p in (tmp_path / "out").rglob("*") if p.is_file())


def test_existing_files_are_kept_and_the_copy_gets_a_free_name(shoot: Path, tmp_path: Path) -> None:
    zip_path = deflated_zip(shoot, tmp_path / "lab.zip")
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "readme.txt").write_text("mine\n", encoding="utf-8")
    outcome = unpack(zip_path, dest, ["readme.txt"])
    assert outcome.ok, outcome.message
    assert (dest / "readme.txt").read_text(encoding="utf-8") == "mine\n"
    assert (dest / "readme_2.txt").read_text(encoding="utf-8") == "read me\n"
    assert outcome.value.renamed == [("readme.txt", dest / "readme_2.txt")]
    assert unpack(zip_path, dest, ["readme.txt"], overwrite=True).ok
    assert (dest / "readme.txt").read_text(encoding="utf-8") == "read me\n"


def test_an_archive_version_unpacks_with_its_recorded_digests(shoot: Path, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    create_archive(shoot, archive, message="day 1")
    changed = tmp_path / "readme.txt"
    changed.write_text("second take\n", encoding="utf-8")
    commit(archive, [changed], message="new readme")
    assert unpack(archive, tmp_path / "v1", ["readme.txt"], version="v1").ok
    assert unpack(archive, tmp_path / "v2", ["readme.txt"]).ok
    assert (tmp_path / "v1" / "readme.txt").read_text(encoding="utf-8") == "read me\n"
    assert (tmp_path / "v2" / "readme.txt").read_text(encoding="utf-8") == "second take\n"
    # a stored file changed behind the archive's back: named, and no copy of it appears
    stored = Archive.open(archive).file("A001/A001C001.mov").content_path
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0xFF
    stored.write_bytes(bytes(data))
    outcome = unpack(archive, tmp_path / "bad", ["A001/A001C001.mov"])
    assert not outcome.ok and "no longer match the archive's record" in outcome.message
    assert files_below(tmp_path / "bad") == []


@pytest.mark.parametrize("case", ["crc", "encrypted", "zip-slip", "unknown-path", "into-itself"])
def test_bad_members_and_requests_are_refused_leaving_nothing(shoot: Path, tmp_path: Path, case: str) -> None:
    zip_path = deflated_zip(shoot, tmp_path / "lab.zip")
    dest, paths = tmp_path / "out", None
    if case == "crc":
        with zipfile.ZipFile(zip_path, "w") as stored:
            stored.writestr(zipfile.ZipInfo("readme.txt"), b"read me\n")
        raw = bytearray(zip_path.read_bytes())
        raw[raw.index(b"read me\n")] ^= 0x20  # the bytes change, the recorded CRC-32 does not
        zip_path.write_bytes(bytes(raw))
        expected = "damaged"
    elif case == "encrypted":
        _set_encrypted_flag(zip_path, "A001/notes.txt")
        expected = "encrypted"
    elif case == "zip-slip":
        with zipfile.ZipFile(zip_path, "a") as z:
            z.writestr("../escape.txt", b"outside")
        expected = "points outside"
    elif case == "unknown-path":
        paths = ["A002"]
        expected = "'A002' is not a file or folder"
    else:
        archive = tmp_path / "archive"
        create_archive(shoot, archive)
        zip_path, dest = archive, archive / "unpacked"
        expected = "cannot be unpacked into the archive itself"
    outcome = unpack(zip_path, dest, paths)
    assert not outcome.ok and expected in outcome.message, outcome.message
    assert not (tmp_path / "escape.txt").exists()
    if dest.exists():
        assert files_below(dest) in ([], ["A001/A001C001.mov"]), "only whole, checked files may appear"


def test_a_cancel_half_way_leaves_no_partial_file(shoot: Path, tmp_path: Path) -> None:
    big = shoot / "A001" / "A001C002.mov"
    big.write_bytes(bytes(range(256)) * 80_000)  # 20 MB: three chunks of 8 MiB
    zip_path = deflated_zip(shoot, tmp_path / "lab.zip")

    class CancelAfterTwoChunks(CancelToken):
        checks = 0

        def check(self) -> None:
            self.checks += 1
            if self.checks == 4:  # before the job, after chunk 1, after chunk 2
                self.cancel()
            super().check()

    token = CancelAfterTwoChunks()
    outcome = execute(UnpackJob(zip_path, tmp_path / "out", ["A001/A001C002.mov"]), JobContext(cancel=token))
    assert not outcome.ok and outcome.cancelled
    assert token.checks == 4
    assert files_below(tmp_path / "out") == []
