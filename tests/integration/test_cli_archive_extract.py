"""`reelkeep extract ARCHIVE::PATH` and `extract --edl … --archive ARCHIVE`: frame-exact segments with handles
straight from the files stored in a project archive (no unpacking), checked by decoding the frame indexes; the
archive stays untouched and valid."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

from app.core.timecode import to_frames
from app.interchange.cmx3600 import parse_edl
from tests.archive_oracles import assert_archive_sound, commit, create_archive
from tests.integration.test_cli import reelkeep
from tests.media import decode_indexes, make_clip, read_start_timecode

DF = "30000/1001"


def files_of(archive: Path) -> dict[str, int]:
    return {str(p.relative_to(archive)): p.stat().st_mtime_ns for p in archive.rglob("*") if p.is_file()}


def test_extract_one_file_of_an_archive_frame_exact_with_handles(tmp_path: Path) -> None:
    source = tmp_path / "shoot"
    (source / "A001").mkdir(parents=True)
    make_clip(source / "A001" / "A001C001.mov", rate="25", frames=75, start_tc="01:00:00:00")
    make_clip(source / "A001" / "A001C002.mov", rate=DF, frames=90, start_tc="01:00:00;00", audio=False)
    archive = tmp_path / "archive"
    create_archive(source, archive)
    before = files_of(archive)
    catalog = tmp_path / "catalog.sqlite"
    dest = tmp_path / "out"

    result = reelkeep("extract", f"{archive}::A001/A001C001.mov", "--in", "01:00:01:00", "--out", "01:00:02:00",
                      "--handles", "12", "--dest", str(dest), "--quiet", catalog=catalog)
    output = Path(result.stdout.splitlines()[0].split("\t")[0])
    assert decode_indexes(output) == list(range(25 - 12, 50 + 12))
    assert read_start_timecode(output) == "01:00:00:13"

    result = reelkeep("extract", f"{archive}::A001/A001C002.mov", "--in", "01:00:01;00", "--out", "01:00:02;00",
                      "--handles", "3", "--dest", str(dest), "--quiet", catalog=catalog)
    output = Path(result.stdout.splitlines()[0].split("\t")[0])
    rate = Fraction(30000, 1001)
    first = to_frames("01:00:01;00", rate) - to_frames("01:00:00;00", rate)
    assert decode_indexes(output) == list(range(first - 3, first + 30 + 3))
    assert read_start_timecode(output) == "01:00:00;27"

    info = json.loads(reelkeep("info", str(archive / "v1" / "content" / "A001" / "A001C001.mov"), "--json",
                               catalog=catalog).stdout)
    assert info["archive"]["logical_path"] == "A001/A001C001.mov" and info["archive"]["version"] == "v1"
    assert files_of(archive) == before  # read in place: nothing written into the archive
    assert_archive_sound(archive)


def test_extract_edl_conforms_against_one_archive_version(tmp_path: Path) -> None:
    source = tmp_path / "shoot"
    source.mkdir()
    make_clip(source / "CAMA.mov", rate="25", frames=75, start_tc="01:00:00:00", audio=False)
    archive = tmp_path / "archive"
    create_archive(source, archive)
    grade = tmp_path / "grade"
    grade.mkdir()
    make_clip(grade / "CAMA.mov", rate="25", frames=60, start_tc="01:00:00:00", audio=False)
    from app.versioning.branches import create_branch

    create_branch(archive, "grade")
    commit(archive, [grade / "CAMA.mov"], branch="grade", to="graded")
    # a library file of the same name and timecode that the EDL must not pick when --archive is given
    library = tmp_path / "library"
    library.mkdir()
    make_clip(library / "CAMA.mov", rate="25", frames=75, start_tc="01:00:00:00", audio=False, size=(160, 90))
    catalog = tmp_path / "catalog.sqlite"
    reelkeep("scan", str(library), "--quiet", catalog=catalog)
    edl = tmp_path / "cut.edl"
    edl.write_text("TITLE: ARCHIVE CUT\nFCM: NON-DROP FRAME\n\n"
                   "001  CAMA     V     C        01:00:01:00 01:00:02:00 10:00:00:00 10:00:01:00\n"
                   "* FROM CLIP NAME: CAMA.mov\n", encoding="utf-8")

    dest = tmp_path / "main"
    result = reelkeep("extract", "--edl", str(edl), "--archive", str(archive), "--handles", "5", "--dest", str(dest),
                      "--quiet", catalog=catalog)
    assert "1 extracted, 0 failed" in result.stdout
    out = dest / "001_CAMA_CAMA.mov"
    assert decode_indexes(out) == list(range(20, 55))
    conformed = parse_edl((dest / "cut_conformed.edl").read_text(encoding="utf-8"), 25)
    assert str(archive) not in str(out) and conformed.events[0].source_file == str(out)
    picked = json.loads(reelkeep("info", str(archive / "v1" / "content" / "CAMA.mov"), "--json",
                                 catalog=catalog).stdout)
    assert picked["archive"]["version"] == "v1"

    # on the grade branch both CAMA.mov are in the version: the EDL's event is ambiguous, and says so
    dest = tmp_path / "grade-out"
    result = reelkeep("extract", "--edl", str(edl), "--archive", str(archive), "--version", "grade",
                      "--dest", str(dest), "--quiet", catalog=catalog, check=False)
    assert "0 extracted" in result.stdout and "ambiguous" in result.stdout.lower() + result.stderr.lower()


def test_archive_addresses_that_do_not_resolve_are_told(tmp_path: Path) -> None:
    source = tmp_path / "shoot"
    source.mkdir()
    make_clip(source / "CAMA.mov", rate="25", frames=25, start_tc="01:00:00:00", audio=False)
    (source / "notes.txt").write_text("n", encoding="utf-8")
    archive = tmp_path / "archive"
    create_archive(source, archive)
    catalog = tmp_path / "catalog.sqlite"
    dest = tmp_path / "out"
    common = ("--in", "01:00:00:05", "--out", "01:00:00:10", "--dest", str(dest), "--quiet")
    missing = reelkeep("extract", f"{archive}::CAMB.mov", *common, catalog=catalog, check=False)
    assert missing.returncode == 1 and "CAMB.mov not in version v1" in missing.stderr
    not_media = reelkeep("extract", f"{archive}::notes.txt", *common, catalog=catalog, check=False)
    assert not_media.returncode == 1 and "notes.txt: not a media file" in not_media.stderr
    no_archive = reelkeep("extract", f"{tmp_path / 'nowhere'}::CAMA.mov", *common, catalog=catalog, check=False)
    assert no_archive.returncode == 1 and "nowhere" in no_archive.stderr
    wrong = reelkeep("extract", f"{archive}::CAMA.mov", "--archive", str(archive), *common, catalog=catalog,
                     check=False)
    assert wrong.returncode == 2 and "--archive goes with --edl" in wrong.stderr
    assert not dest.exists() or not any(dest.iterdir())
