"""The sanitiser's rules and plans on real folders: cross-OS legal names, NFC, bytes, length, collisions."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest
from pathvalidate import validate_filename

from app.ingest.sanitize import Rules, clean_name, plan_sanitize


@pytest.mark.parametrize(("raw", "expected", "reason"), [
    (b"CON.mov", "CON_.mov", "reserved"),
    (b"lpt1", "lpt1_", "reserved"),
    (b'a<b>:c"d|e?f*.mov', "a_b__c_d_e_f_.mov", "characters"),
    (b"take 1. ", "take 1", "trailing"),
    (b"caf\xe9.mov", "café.mov", "not UTF-8"),
    (unicodedata.normalize("NFD", "café.mov").encode(), "café.mov", "NFC"),
    (b"...", "unnamed", "nothing left"),
])
def test_names_become_legal_everywhere_with_their_reason(raw: bytes, expected: str, reason: str) -> None:
    name, reasons = clean_name(raw)
    assert name == expected
    assert any(reason in r for r in reasons), reasons
    validate_filename(name, platform="universal")


def test_clean_names_are_left_alone() -> None:
    for raw in (b"A001C001.mov", b".hidden", b"Caf\xc3\xa9 night.mp4", b"tr\xc3\xa8s long.flac"):
        assert clean_name(raw) == (os.fsdecode(raw), [])


def test_long_names_are_trimmed_to_255_bytes_keeping_the_extension_and_whole_characters() -> None:
    name, reasons = clean_name(("é" * 200 + ".mov").encode())
    assert name.endswith(".mov") and len(name.encode()) <= 255 and name.startswith("é")
    assert reasons == ["longer than 255 bytes"]
    folder, _ = clean_name(b"d" * 300, is_dir=True)
    assert folder == "d" * 255


def test_pattern_rules_apply_only_when_asked() -> None:
    rules = Rules(spaces_to_underscore=True, lowercase_extension=True, regex=((r"^\d{8}_", ""),))
    name, reasons = clean_name(b"20240101_My Clip.MOV", rules)
    assert name == "My_Clip.mov"
    assert reasons == ["rule: spaces to _", "rule: lowercase extension", r"rule: s/^\d{8}_//"]
    assert clean_name(b"20240101_My Clip.MOV") == ("20240101_My Clip.MOV", [])


def _touch(folder: Path, *names: bytes) -> None:
    for name in names:
        with open(os.path.join(os.fsencode(folder), name), "wb") as handle:
            handle.write(name)


def test_collisions_are_numbered_deterministically_and_never_take_an_existing_name(tmp_path: Path) -> None:
    _touch(tmp_path, b"x?.mov", b"x_.mov", b"X|.mov", b"X*.mov")
    plan = plan_sanitize([tmp_path])
    got = {r.old: r.new for r in plan.renames}
    # x_.mov is already there; the three others want its name (case-insensitively) and are numbered in
    # byte order of their old names
    assert got == {b"X*.mov": b"X__2.mov", b"X|.mov": b"X__3.mov", b"x?.mov": b"x__4.mov"}
    assert plan.unchanged == 1
    assert plan_sanitize([tmp_path]).renames == plan.renames


def test_case_only_rename_is_not_a_collision_with_itself(tmp_path: Path) -> None:
    _touch(tmp_path, b"Clip.MOV", b"other.MOV", b"other.mov")
    plan = plan_sanitize([tmp_path], Rules(lowercase_extension=True))
    assert {r.old: r.new for r in plan.renames} == {b"Clip.MOV": b"Clip.mov", b"other.MOV": b"other_2.mov"}


def test_plan_is_bottom_up_and_final_paths_follow_renamed_folders(tmp_path: Path) -> None:
    deep = tmp_path / "a:b" / "c?"
    deep.mkdir(parents=True)
    _touch(deep, b"CON.mov")
    _touch(tmp_path, b"fine.mov")
    plan = plan_sanitize([tmp_path])
    assert [r.old for r in plan.renames] == [b"CON.mov", b"c?", b"a:b"]
    assert plan.final_path(plan.renames[0]) == os.fsencode(tmp_path / "a_b" / "c_" / "CON_.mov")
    assert plan.unchanged == 1


def test_selected_folder_itself_and_kept_roots_are_not_renamed(tmp_path: Path) -> None:
    chosen = tmp_path / "pick?"
    root = chosen / "root:1"
    root.mkdir(parents=True)
    _touch(root, b"a|b.mov")
    plan = plan_sanitize([chosen], keep=[root])
    assert [r.old for r in plan.renames] == [b"a|b.mov"]
    assert any("library root" in note for note in plan.notes)


def test_non_utf8_and_overlong_names_on_disk(tmp_path: Path) -> None:
    # ext4 stores at most 255 bytes, so a "300-byte name" only exists as a name to clean (tested above);
    # on disk a 250-byte name is too long for a 100-byte limit
    raw = os.fsencode(tmp_path)
    for name in (b"\xff\xfeclip.wav", b"x" * 250 + b".mov"):
        with open(os.path.join(raw, name), "wb"):
            pass
    got = {r.old: r.new for r in plan_sanitize([tmp_path], Rules(max_bytes=100)).renames}
    assert got == {b"\xff\xfeclip.wav": "ÿþclip.wav".encode(), b"x" * 250 + b".mov": b"x" * 96 + b".mov"}


def test_three_hundred_byte_name_is_cut_to_fit() -> None:
    name, _ = clean_name(b"y" * 296 + b".mp4")
    assert len(name.encode()) == 255 and name.endswith(".mp4")


def test_folders_above_a_library_root_keep_their_names(tmp_path: Path) -> None:
    root = tmp_path / "A:b" / "root"
    root.mkdir(parents=True)
    _touch(root, b"c?.mov")
    plan = plan_sanitize([tmp_path], keep=[root])
    assert [r.old for r in plan.renames] == [b"c?.mov"]
    assert any("A:b: a library root or archive (or holds one)" in note for note in plan.notes)


def test_nothing_in_an_ocfl_archive_is_renamed(tmp_path: Path) -> None:
    archive = tmp_path / "arch:1"
    content = archive / "v1" / "content"
    content.mkdir(parents=True)
    (archive / "0=ocfl_object_1.1").write_text("ocfl_object_1.1\n")
    _touch(content, b"x?.mov")
    _touch(tmp_path, b"y?.mov")
    plan = plan_sanitize([tmp_path])
    assert [r.old for r in plan.renames] == [b"y?.mov"]
    assert any("an OCFL archive, nothing in it renamed" in note for note in plan.notes)
    # chosen one by one (a library selection of archived files) they stay too
    assert plan_sanitize([content / "x?.mov"]).renames == ()
