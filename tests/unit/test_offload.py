"""Verified card offload on real folders: one read to two destinations, read-back verification that names a
corrupted copy, ASC MHL checked by the ascmhl tools, a card's own MHL history checked (not trusted), a legacy MHL,
a full destination, files already there, a source that changes while copied, and the report."""

from __future__ import annotations

import os
import subprocess
import xml.etree.ElementTree as ElementTree
from hashlib import md5
from pathlib import Path

import pytest
import xxhash

from app.core.progress import CancelToken, ProgressMeter, ProgressUpdate
from app.ingest.offload import plan_offload, run_offload
from app.ingest.offload_copy import CHUNK, DestinationWriter, SourceChangedError, copy_to_all
from app.ingest.offload_journal import journal_path
from app.ingest.offload_mhl import HashedFile, write_generation
from app.ingest.offload_model import FAILED, OK, OffloadError, OffloadRequest
from app.ingest.offload_report import write_offload_reports
from tests.archive_oracles import ASCMHL_DEBUG


def make_card(root: Path) -> Path:
    """A Canon-like card: clips with sidecars, one clip past the copy's chunk size, an empty file."""
    card = root / "CARD_A001"
    clips = card / "CONTENTS" / "CLIPS001"
    clips.mkdir(parents=True)
    (clips / "A001C001_230415AB_CANON.MXF").write_bytes(os.urandom(CHUNK + 12345))
    (clips / "A001C002_230415AB_CANON.MXF").write_bytes(os.urandom(300_000))
    (clips / "A001C001_230415AB_CANON.XML").write_text("<clip/>")
    (card / "CONTENTS" / "empty.IDX").write_bytes(b"")
    (card / ".DS_Store").write_bytes(b"junk")  # volume bookkeeping: not part of the card
    return card


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and "ascmhl" not in p.relative_to(folder).parts}


def offload(card: Path, destinations: list[Path], sink=None, **options):  # noqa: ANN001, ANN201
    plan = plan_offload(OffloadRequest(card, tuple(destinations), pattern="{reel}", **options))
    return run_offload(plan, CancelToken(), ProgressMeter(sink, unit="bytes", interval=0))


def mhl_verifies(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([ASCMHL_DEBUG, "verify", str(folder)], capture_output=True, text=True, timeout=120)


def test_a_card_goes_to_two_destinations_verified_with_asc_mhl(tmp_path: Path) -> None:
    card = make_card(tmp_path / "src")
    result = offload(card, [tmp_path / "raid", tmp_path / "shuttle"])
    assert result.ok, [d.problems for d in result.destinations]
    expected = {k: v for k, v in tree(card).items() if k != ".DS_Store"}
    for destination in result.destinations:
        assert destination.status == OK and destination.verified == 4
        assert tree(destination.target) == expected
        assert destination.mhl and (destination.target / "ascmhl").is_dir()
        checked = mhl_verifies(destination.target)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert not journal_path(destination.target).exists()  # complete: the journal is gone
        assert not [p for p in destination.target.rglob("*.partial")]
    clip = "CONTENTS/CLIPS001/A001C001_230415AB_CANON.MXF"
    [first] = [f for f in result.files if f.path == clip]
    assert first.hashes["xxh128"] == xxhash.xxh3_128((card / clip).read_bytes()).hexdigest()
    assert result.source_bytes_read == sum(len(v) for v in expected.values())  # one read for both copies
    for destination in result.destinations:  # the card's dates are kept
        assert (destination.target / clip).stat().st_mtime_ns == (card / clip).stat().st_mtime_ns
    assert ".DS_Store: system file, not copied" in result.plan.skipped


def test_a_corrupted_copy_is_caught_by_verification_and_named(tmp_path: Path) -> None:
    card = make_card(tmp_path / "src")
    clip = "CONTENTS/CLIPS001/A001C002_230415AB_CANON.MXF"
    shuttle = tmp_path / "shuttle" / "A001"
    hit: list[str] = []

    def corrupt_before_verify(update: ProgressUpdate) -> None:
        if update.message == "verifying the copies" and not hit:  # a bit flips on the drive after the copy
            data = bytearray((shuttle / clip).read_bytes())
            data[1000] ^= 0x40
            (shuttle / clip).write_bytes(bytes(data))
            hit.append(clip)

    result = offload(card, [tmp_path / "raid", tmp_path / "shuttle"], corrupt_before_verify)
    assert hit and not result.ok
    raid, bad = result.destinations
    assert raid.status == OK and raid.mhl and mhl_verifies(raid.target).returncode == 0
    assert bad.status == FAILED and not bad.mhl
    assert [p for p in bad.problems if p.startswith(clip) and "differs from the source" in p]
    [row] = [f for f in result.files if f.path == clip]
    assert row.at[str(raid.target)] == OK and row.at[str(bad.target)].startswith("MISMATCH")
    assert journal_path(bad.target).exists()  # kept: a rerun knows what was done there

    reports = write_offload_reports(result, tmp_path / "reports")
    html = reports[0].read_text(encoding="utf-8")
    assert "PROBLEMS" in html and clip in html and "MISMATCH" in html
    assert reports[1].suffix == ".pdf" and reports[1].stat().st_size > 1000
    assert any(p.suffix == ".csv" for p in reports)


def test_a_full_destination_fails_alone_and_says_so(tmp_path: Path, small_disk: Path) -> None:
    card = make_card(tmp_path / "src")  # ~8.7 MB: more than the 1 MiB disk holds
    result = offload(card, [tmp_path / "raid", small_disk])
    raid, full = result.destinations
    assert raid.status == OK and tree(raid.target) == {k: v for k, v in tree(card).items() if k != ".DS_Store"}
    assert full.status == FAILED and any("disk is full" in p for p in full.problems)
    assert not [p for p in small_disk.rglob("*.partial")]  # no partial copy left looking like anything


def test_files_already_there_are_kept_when_identical_and_never_replaced_otherwise(tmp_path: Path) -> None:
    card = make_card(tmp_path / "src")
    first = offload(card, [tmp_path / "raid"])
    assert first.ok
    again = offload(card, [tmp_path / "raid"])  # the same card again: nothing to replace, all verified
    assert again.ok and again.destinations[0].verified == 4
    other = tmp_path / "raid2" / "A001" / "CONTENTS" / "CLIPS001" / "A001C001_230415AB_CANON.XML"
    other.parent.mkdir(parents=True)
    other.write_text("someone else's file")
    clash = offload(card, [tmp_path / "raid2"])
    assert not clash.ok and other.read_text() == "someone else's file"
    assert any("not replaced" in p for p in clash.destinations[0].problems)


def test_a_source_that_changes_while_copied_leaves_nothing(tmp_path: Path) -> None:
    source = tmp_path / "growing.mov"
    source.write_bytes(os.urandom(CHUNK * 2))
    writer = DestinationWriter("dest1")
    appended: list[int] = []

    def grow(count: int) -> None:
        if not appended:
            with open(source, "ab") as handle:  # the camera (or someone) is still writing the clip
                handle.write(b"more")
            appended.append(count)

    try:
        with pytest.raises(SourceChangedError, match="changed while it was copied"):
            copy_to_all(source, [(writer, tmp_path / "dest" / "growing.mov")], ["xxh128"], on_bytes=grow)
    finally:
        writer.close()
    assert not list((tmp_path / "dest").iterdir())


def test_the_cards_own_mhl_history_is_checked_and_continued(tmp_path: Path) -> None:
    card = make_card(tmp_path / "src")
    (card / ".DS_Store").unlink()
    files = [HashedFile(p.relative_to(card).as_posix(), p.stat().st_size, p.stat().st_mtime,
                        {"md5": md5(p.read_bytes()).hexdigest()}) for p in card.rglob("*") if p.is_file()]
    write_generation(card, files, ["md5"], "made on set")  # the card arrives with an ASC MHL history (md5)
    result = offload(card, [tmp_path / "raid"])
    assert result.ok and result.plan.formats == ["xxh128", "md5"]  # md5 hashed too, to check the card's record
    assert all(f.card_record.startswith("matches ascmhl") for f in result.files if not f.path.startswith("ascmhl/"))
    target = result.destinations[0].target
    assert len(list((target / "ascmhl").glob("*.mhl"))) == 2  # the card's generation, then ours: one chain
    assert mhl_verifies(target).returncode == 0

    clip = card / "CONTENTS/CLIPS001/A001C002_230415AB_CANON.MXF"  # the card's bytes no longer match its record
    data = bytearray(clip.read_bytes())
    data[5] ^= 1
    clip.write_bytes(bytes(data))
    damaged = offload(card, [tmp_path / "raid-again"])
    assert not damaged.ok and damaged.card_problems
    assert "CONTENTS/CLIPS001/A001C002_230415AB_CANON.MXF" in damaged.card_problems[0]


def test_a_legacy_mhl_on_the_card_is_read_and_checked(tmp_path: Path) -> None:
    card = make_card(tmp_path / "src")
    clip = "CONTENTS/CLIPS001/A001C002_230415AB_CANON.MXF"
    hashlist = ElementTree.Element("hashlist", version="1.1")
    entry = ElementTree.SubElement(hashlist, "hash")
    ElementTree.SubElement(entry, "file").text = clip
    ElementTree.SubElement(entry, "size").text = str((card / clip).stat().st_size)
    ElementTree.SubElement(entry, "md5").text = md5((card / clip).read_bytes()).hexdigest()
    ElementTree.SubElement(entry, "xxhash64be").text = xxhash.xxh64((card / clip).read_bytes()).hexdigest()
    ElementTree.ElementTree(hashlist).write(card / "A001_2023-04-15_1200.mhl")
    result = offload(card, [tmp_path / "raid"])
    assert result.ok and "A001_2023-04-15_1200.mhl" in result.plan.known.sources
    assert set(result.plan.formats) == {"xxh128", "md5", "xxh64"}
    [row] = [f for f in result.files if f.path == clip]
    assert row.card_record == "matches A001_2023-04-15_1200.mhl"


def test_size_only_verification_copies_without_hashing_or_mhl(tmp_path: Path) -> None:
    card = make_card(tmp_path / "src")
    result = offload(card, [tmp_path / "raid"], verify="size")
    assert result.ok and result.plan.formats == [] and not result.destinations[0].mhl
    assert all(not f.hashes for f in result.files)


def test_a_destination_inside_the_card_is_refused(tmp_path: Path) -> None:
    card = make_card(tmp_path / "src")
    with pytest.raises(OffloadError, match="inside the card"):
        plan_offload(OffloadRequest(card, (card / "backup",)))
