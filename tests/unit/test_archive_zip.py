"""ZIP export and import of archives: every member STORED with its data offset read from the local header (also
with ZIP64 extras), members decoded in place through FFmpeg's subfile protocol with their frame indexes read back,
and every bad ZIP refused with nothing written outside the new archive."""

from __future__ import annotations

import hashlib
import json
import os
import struct
import warnings
import zipfile
from pathlib import Path

import av
import pytest

from app.archive.model import ArchiveError
from app.archive.store import Archive
from app.archive.zip_export import INVENTORY_MEMBER, ExportZipJob
from app.archive.zip_import import ImportZipJob
from app.archive.zip_members import read_members, subfile_url
from app.core.job import JobContext, execute
from tests.archive_oracles import assert_archive_sound, create_archive
from tests.media import decode_indexes, make_clip, read_index


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    source = tmp_path / "shoot"
    (source / "A001").mkdir(parents=True)
    make_clip(source / "A001" / "A001C001.mov", rate="25", frames=50, start_tc="01:00:00:00")
    make_clip(source / "A001" / "A001C002.mp4", rate="24000/1001", frames=48, start_tc="01:00:00:00", gop=12)
    (source / "notes.txt").write_text("slate notes\n", encoding="utf-8")
    path = tmp_path / "archive"
    create_archive(source, path, proxies=("thumbnail",), message="day 1")
    return path


def export(archive: Path, out: Path, **options) -> Path:
    outcome = execute(ExportZipJob(archive, out, **options), JobContext())
    assert outcome.ok, outcome.message
    return outcome.value.path


def import_zip(zip_path: Path, dest: Path):
    return execute(ImportZipJob(zip_path, dest), JobContext())


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_export_members_are_stored_byte_ranges_that_decode_in_place(archive: Path, tmp_path: Path) -> None:
    out = export(archive, tmp_path / "day1.zip")
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_STORED}
        names = z.namelist()
    assert names[-1] == INVENTORY_MEMBER
    assert {"A001/A001C001.mov", "A001/A001C002.mp4", "notes.txt", ".reelkeep/catalog.json",
            ".reelkeep/proxies/thumbnail/A001/A001C001.mov.mp4"} <= set(names)
    stored = {f.logical_path: f for f in Archive.open(archive).files(include_reserved=True)}
    members = {m.name: m for m in read_members(out)}
    raw = out.read_bytes()
    for name, member in members.items():
        if name == INVENTORY_MEMBER:
            continue
        data = raw[member.data_offset : member.data_offset + member.size]  # the bytes where the header says
        assert hashlib.sha256(data).hexdigest() == stored[name].digest, name
    for name in ("A001/A001C001.mov", "A001/A001C002.mp4"):
        loose = stored[name].content_path
        assert decode_indexes(subfile_url(out, members[name])) == decode_indexes(loose)
    # a frame-exact seek inside the member lands where it does in the loose file
    member_url = subfile_url(out, members["A001/A001C002.mp4"])
    assert _frame_after_seek(member_url, 29) == _frame_after_seek(stored["A001/A001C002.mp4"].content_path, 29) == 29


def _frame_after_seek(path: str | Path, frame: int) -> int:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        target = int(frame / (stream.average_rate * stream.time_base))
        container.seek(target, stream=stream, backward=True)
        for decoded in container.decode(stream):
            if decoded.pts is not None and decoded.pts >= target:
                return read_index(decoded.to_ndarray(format="rgb24"))
    raise AssertionError("no frame after the seek")


def test_zip64_extras_in_local_headers_are_skipped(archive: Path, tmp_path: Path, monkeypatch) -> None:
    # the writer adds zip64 extras for members past ZIP64_LIMIT: lowered, every member gets them (no 4 GB test file)
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 1000)
    out = export(archive, tmp_path / "zip64.zip")
    monkeypatch.undo()
    raw = out.read_bytes()
    member = next(m for m in read_members(out) if m.name == "A001/A001C001.mov")
    name_length, extra_length = struct.unpack("<2H", raw[member.header_offset + 26 : member.header_offset + 30])
    assert extra_length >= 20  # a zip64 extra field: the data is not at 30 + name
    assert member.data_offset == member.header_offset + 30 + name_length + extra_length
    assert decode_indexes(subfile_url(out, member)) == list(range(50))
    assert import_zip(out, tmp_path / "back").ok


def test_import_round_trip_keeps_files_metadata_and_proxies(archive: Path, tmp_path: Path) -> None:
    out = export(archive, tmp_path / "day1.zip")
    outcome = import_zip(out, tmp_path / "restored")
    assert outcome.ok, outcome.message
    assert outcome.value.checked_against_inventory
    restored = Archive.open(tmp_path / "restored")
    original = Archive.open(archive)
    user = {f.logical_path: f.digest for f in original.files()}
    assert {f.logical_path: f.digest for f in restored.files()} == user
    assert restored.metadata()["A001/A001C001.mov"]["probe"]["start_timecode"] == "01:00:00:00"
    assert ".reelkeep/proxies/thumbnail/A001/A001C001.mov.mp4" in restored.state()
    assert restored.version("v1").message == "day 1 (imported from day1.zip, v1)"
    assert_archive_sound(tmp_path / "restored")


def test_existing_out_is_never_replaced(archive: Path, tmp_path: Path) -> None:
    (tmp_path / "day1.zip").write_bytes(b"mine")
    out = export(archive, tmp_path / "day1.zip")
    assert out.name == "day1_2.zip" and (tmp_path / "day1.zip").read_bytes() == b"mine"
    assert export(archive, tmp_path / "day1.zip", overwrite=True) == tmp_path / "day1.zip"


def _rewrite(source: Path, dest: Path, change) -> Path:
    """A copy of a ZIP with its members passed through change(info, data) -> list of (info, data)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(dest, "w") as new:
        for info in old.infolist():
            for made_info, data in change(info, old.read(info)):
                new.writestr(made_info, data)
    return dest


def _set_encrypted_flag(path: Path, name: str) -> None:
    """Set bit 0 of the general-purpose flags in the member's local header and central directory entry, as an
    encrypting tool does."""
    with zipfile.ZipFile(path) as z:
        central = z.start_dir
    raw = bytearray(path.read_bytes())
    member = next(m for m in read_members(path) if m.name == name)
    offsets = [member.header_offset + 6]
    position = central
    while raw[position : position + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack("<3H", raw[position + 28 : position + 34])
        if raw[position + 46 : position + 46 + name_length].decode() == name:
            offsets.append(position + 8)
        position += 46 + name_length + extra_length + comment_length
    assert len(offsets) == 2
    for offset in offsets:
        raw[offset : offset + 2] = struct.pack("<H", struct.unpack("<H", raw[offset : offset + 2])[0] | 1)
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("case", ["deflated", "encrypted", "zip-slip", "absolute", "duplicate", "crc", "digest",
                                  "truncated", "not-a-zip"])
def test_bad_zips_are_refused_and_nothing_is_written(archive: Path, tmp_path: Path, case: str) -> None:
    good = export(archive, tmp_path / "good.zip")
    bad = tmp_path / "bad.zip"
    clip = "A001/A001C001.mov"
    if case == "deflated":
        def deflate(info, data):
            info.compress_type = zipfile.ZIP_DEFLATED if info.filename == clip else zipfile.ZIP_STORED
            return [(info, data)]
        _rewrite(good, bad, deflate)
        expected = "compressed (deflate)"
    elif case == "encrypted":
        bad.write_bytes(good.read_bytes())
        _set_encrypted_flag(bad, clip)
        expected = "encrypted"
    elif case == "zip-slip":
        _rewrite(good, bad, lambda info, data: [(info, data)] + (
            [(zipfile.ZipInfo("../../outside.txt"), b"escaped")] if info.filename == "notes.txt" else []))
        expected = "points outside the archive"
    elif case == "absolute":
        _rewrite(good, bad, lambda info, data: [(info, data)] + (
            [(zipfile.ZipInfo("/tmp/evil.txt"), b"x")] if info.filename == "notes.txt" else []))
        expected = "unsafe name"
    elif case == "duplicate":
        with zipfile.ZipFile(good) as old, zipfile.ZipFile(bad, "w") as new:
            for info in old.infolist():
                new.writestr(info, old.read(info))
            with warnings.catch_warnings():  # zipfile warns, and writes it: what a careless tool makes
                warnings.simplefilter("ignore")
                new.writestr(zipfile.ZipInfo("notes.txt"), b"another")
        expected = "two members are named 'notes.txt'"
    elif case == "crc":
        bad.write_bytes(good.read_bytes())
        member = next(m for m in read_members(bad) if m.name == clip)
        with open(bad, "r+b") as handle:
            handle.seek(member.data_offset + member.size // 2)
            byte = handle.read(1)
            handle.seek(member.data_offset + member.size // 2)
            handle.write(bytes([byte[0] ^ 0xFF]))
        expected = "damaged"
    elif case == "digest":
        def lie(info, data):
            if info.filename == INVENTORY_MEMBER:
                document = json.loads(data)
                for entry in document["members"]:
                    if entry["path"] == clip:
                        entry["sha256"] = "0" * 64
                data = json.dumps(document).encode()
            return [(info, data)]
        _rewrite(good, bad, lie)
        expected = "does not match the digest its export recorded"
    elif case == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
        expected = "not a complete ZIP"
    else:
        bad.write_bytes(os.urandom(4096))
        expected = "not a complete ZIP"
    before = listing(tmp_path)
    outcome = import_zip(bad, tmp_path / "imported")
    assert not outcome.ok and expected in outcome.message, outcome.message
    assert listing(tmp_path) == before  # no archive folder, nothing beside it (no ../outside.txt)
    assert not (tmp_path.parent / "outside.txt").exists()


def test_an_archive_export_cannot_go_inside_the_archive(archive: Path) -> None:
    outcome = execute(ExportZipJob(archive, archive / "x.zip"), JobContext())
    assert not outcome.ok and "inside the archive folder" in outcome.message


def test_a_cancelled_export_leaves_no_zip(archive: Path, tmp_path: Path) -> None:
    ctx = JobContext()
    seen = []

    def progress(update) -> None:
        seen.append(update)
        if len(seen) == 2:
            ctx.cancel.cancel()

    ctx.progress = progress
    outcome = execute(ExportZipJob(archive, tmp_path / "out" / "day1.zip"), ctx)
    assert not outcome.ok and outcome.cancelled
    assert list((tmp_path / "out").iterdir()) == []
    with pytest.raises(ArchiveError):
        read_members(tmp_path / "out" / "day1.zip")
