"""The root mapping's rules on their own: whole components, longest prefix, exact bytes, Windows-style prefixes,
malformed entries refused with a message, the stored form."""

from __future__ import annotations

import os

import pytest

from app.core.root_map import ROOT_MAP_ENV, RootMap, RootMapError, RootMapping


def test_prefixes_match_whole_components_only() -> None:
    roots = RootMap([("/Volumes/RAID", "/mnt/raid")])
    assert roots.to_local("/Volumes/RAID") == "/mnt/raid"
    assert roots.to_local("/Volumes/RAID/Show/a.mov") == "/mnt/raid/Show/a.mov"
    assert roots.to_local("/Volumes/RAID2/a.mov") == "/Volumes/RAID2/a.mov"  # another volume
    assert roots.to_local("/Volumes/RAI") == "/Volumes/RAI"
    assert roots.to_catalog("/mnt/raid/Show/a.mov") == "/Volumes/RAID/Show/a.mov"
    assert roots.to_catalog("/mnt/raider/a.mov") == "/mnt/raider/a.mov"
    assert roots.to_catalog("/elsewhere/a.mov") == "/elsewhere/a.mov"


def test_the_longest_prefix_wins_both_ways() -> None:
    roots = RootMap([("/Volumes/RAID", "/mnt/raid"), ("/Volumes/RAID/Show", "/srv/show")])
    assert roots.to_local("/Volumes/RAID/Show/a.mov") == "/srv/show/a.mov"
    assert roots.to_local("/Volumes/RAID/Shows/a.mov") == "/mnt/raid/Shows/a.mov"
    assert roots.to_local("/Volumes/RAID/other.mov") == "/mnt/raid/other.mov"
    assert roots.to_catalog("/srv/show/a.mov") == "/Volumes/RAID/Show/a.mov"
    assert roots.to_catalog("/mnt/raid/other.mov") == "/Volumes/RAID/other.mov"


def test_bytes_map_exactly_and_round_trip() -> None:
    roots = RootMap([("/Volumes/RAID", "/mnt/raid")])
    odd = b"/mnt/raid/Caf\xe9/clip\xff\xfe.mov"  # Latin-1 and garbage: not UTF-8
    stored = roots.raw_to_catalog(odd)
    assert stored == b"/Volumes/RAID/Caf\xe9/clip\xff\xfe.mov"
    assert roots.raw_to_local(stored) == odd
    # the os-string form (surrogate escapes) maps the same bytes
    assert os.fsencode(roots.to_catalog(os.fsdecode(odd))) == stored


def test_trailing_separators_and_roots_are_normalised() -> None:
    roots = RootMap([RootMapping("/Volumes/RAID/", "/mnt/raid//")])
    assert roots.mappings == (RootMapping("/Volumes/RAID", "/mnt/raid"),)
    assert roots.to_local("/Volumes/RAID/") == "/mnt/raid"
    whole = RootMap([("/", "/mnt/mac")])  # a whole disk mounted below a folder
    assert whole.to_local("/Users/ed/a.mov") == "/mnt/mac/Users/ed/a.mov"
    assert whole.to_catalog("/mnt/mac/Users/ed/a.mov") == "/Users/ed/a.mov"
    assert whole.to_catalog("/mnt/mac") == "/"


def test_windows_style_prefixes_survive_as_text_and_map_their_separators() -> None:
    roots = RootMap([("D:\\Footage", "/mnt/footage"), ("\\\\nas\\media", "/mnt/nas")])
    assert [str(m) for m in roots] == ["D:\\Footage=/mnt/footage", "\\\\nas\\media=/mnt/nas"]
    assert RootMap.from_json(roots.to_json()) == roots
    assert roots.to_local("D:\\Footage\\Day 1\\a.mov") == "/mnt/footage/Day 1/a.mov"
    assert roots.to_local("D:\\Footagex\\a.mov") == "D:\\Footagex\\a.mov"
    assert roots.to_catalog("/mnt/footage/Day 1/a.mov") == "D:\\Footage\\Day 1\\a.mov"
    assert roots.to_local("\\\\nas\\media\\b.wav") == "/mnt/nas/b.wav"
    drive = RootMap([RootMapping.parse("R:\\=/Volumes/RAID")])  # a drive's root keeps its separator
    assert drive.mappings[0].local == "/Volumes/RAID" and drive.mappings[0].catalog == "R:\\"
    assert drive.to_catalog("/Volumes/RAID/Show/a.mov") == "R:\\Show\\a.mov"
    assert drive.to_local("R:\\Show\\a.mov") == "/Volumes/RAID/Show/a.mov"


@pytest.mark.parametrize(("text", "message"), [
    ("", "no root mapping"),
    ("/Volumes/RAID", "no root mapping"),
    ("Volumes/RAID=/mnt/raid", "not an absolute path"),
    ("/Volumes/RAID=mnt/raid", "not an absolute path"),
    ("/Volumes/RAID=", "is empty"),
    ("=/mnt/raid", "is empty"),
    ("/Volumes/RAID=   ", "is empty"),
    ("/a=/b=/c", "2 ways"),
])
def test_malformed_mappings_are_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(RootMapError, match=message):
        RootMapping.parse(text)


def test_an_equals_sign_in_a_path_is_split_where_both_sides_are_absolute() -> None:
    assert RootMapping.parse("/Volumes/A=B=/mnt/ab") == RootMapping("/Volumes/A=B", "/mnt/ab")


def test_contradicting_entries_are_refused() -> None:
    with pytest.raises(RootMapError, match="same catalog path"):
        RootMap([("/Volumes/RAID", "/mnt/a"), ("/Volumes/RAID/", "/mnt/b")])
    with pytest.raises(RootMapError, match="same path on this machine"):
        RootMap([("/Volumes/A", "/mnt/raid"), ("/Volumes/B", "/mnt/raid")])


def test_merged_replaces_by_catalog_path_and_without_removes() -> None:
    saved = RootMap([("/Volumes/RAID", "/mnt/raid"), ("/Volumes/Archive", "/mnt/archive")])
    run = saved.merged([RootMapping("/Volumes/RAID", "/media/raid")])
    assert run.to_local("/Volumes/RAID/a") == "/media/raid/a" and run.to_local("/Volumes/Archive/b") == "/mnt/archive/b"
    assert saved.without("/Volumes/Archive/") == RootMap([("/Volumes/RAID", "/mnt/raid")])
    with pytest.raises(RootMapError, match="no root mapping for"):
        saved.without("/Volumes/Nope")


def test_stored_and_handed_down_forms() -> None:
    roots = RootMap([("/Volumes/Ünïcode", "/mnt/u"), ("/Volumes/RAID", "/mnt/raid")])
    assert RootMap.from_json(roots.to_json()) == roots
    assert RootMap.from_json("") == RootMap()
    assert RootMap.from_environment({ROOT_MAP_ENV: roots.to_json()}) == roots
    assert RootMap.from_environment({}) == RootMap()
    with pytest.raises(RootMapError, match="not readable"):
        RootMap.from_json("[[", "the test's mapping")
    with pytest.raises(RootMapError, match="pairs"):
        RootMap.from_json('{"a": 1}')
    with pytest.raises(RootMapError, match="not an absolute path"):
        RootMap.from_json('[["relative", "/mnt/x"]]')


def test_catalog_folders_for_a_local_folder() -> None:
    roots = RootMap([("/Volumes/RAID", "/mnt/raid"), ("/Volumes/Other", "/srv/other")])
    assert roots.catalog_folders_for(b"/mnt/raid/Show") == [b"/Volumes/RAID/Show"]
    assert roots.catalog_folders_for(b"/mnt") == [b"/mnt", b"/Volumes/RAID"]  # files under /mnt/raid are under /mnt
    assert set(roots.catalog_folders_for(b"/")) == {b"/", b"/Volumes/RAID", b"/Volumes/Other"}
