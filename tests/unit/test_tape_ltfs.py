"""The LTFS label construct and indexes Reelkeep writes on a simulated cartridge: the layout, pointers and
generations the LTFS specification asks for (the reference ltfsck accepted a tape formatted this way; see
docs/tape.md), and index XML round trips with the names and attributes real projects have."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from app.tape.ltfs_index import DirectoryEntry, Extent, FileEntry, Location, LtfsIndex, Times, encode_name
from app.tape.ltfs_label import VolumeLabel, ltfs_time
from app.tape.profiles import LTO8, TapeError
from app.tape.simulated import SimulatedTape
from app.tape.volume import format_volume, read_last_index, read_volume, write_index


def test_format_writes_the_label_construct_and_a_first_index_on_both_partitions(tmp_path: Path) -> None:
    folder = tmp_path / "RK0001L8"
    tape = SimulatedTape.create(folder, LTO8)
    volume = format_volume(tape, "rk0001L8")
    layout = ["0_R", "1_F", "2_R", "3_F", "4_F", "5_R", "6_F", "7_E"]
    for partition in (0, 1):
        assert sorted((p.name for p in folder.glob(f"{partition}_*")), key=lambda n: int(n.split("_")[1])) == \
            [f"{partition}_{name}" for name in layout]
    vol1 = (folder / "0_0_R").read_bytes()
    assert len(vol1) == 80 and vol1[:10] == b"VOL1RK0001" and vol1[10:11] == b"L" and vol1[24:28] == b"LTFS"
    assert vol1[79:] == b"4" and (folder / "1_0_R").read_bytes() == vol1
    labels = [VolumeLabel.parse((folder / f"{p}_2_R").read_bytes()) for p in (0, 1)]
    assert labels[0] == labels[1] == volume.label and volume.label.block_size == 512 << 10
    assert b"<partition>a</partition>" in (folder / "0_2_R").read_bytes()
    assert b"<partition>b</partition>" in (folder / "1_2_R").read_bytes()

    on_index = read_last_index(tape, 0)
    on_data = read_last_index(tape, 1)
    assert on_index is not None and on_data is not None
    assert (on_index.generation, on_index.location, on_index.previous) == (1, Location(0, 5), Location(1, 5))
    assert (on_data.generation, on_data.location, on_data.previous) == (1, Location(1, 5), None)
    assert on_index.volume_uuid == volume.label.volume_uuid and on_index.root.uid == 1
    assert ltfs_time().endswith("Z") and len(ltfs_time().split(".")[1]) == 10  # nine digits and Z


def test_each_generation_goes_to_the_data_partition_then_over_the_index_partition_copy(tmp_path: Path) -> None:
    tape = SimulatedTape.create(tmp_path / "t", LTO8)
    first = format_volume(tape, "RK0002L8").index
    tape.seek_eod(1)
    tape.write_record(b"clip bytes")  # a file's data, after the first index
    now = ltfs_time()
    clip = FileEntry("A001C003.mov", 2, Times.all(now), 10, [Extent(0, 1, 7, 0, 10)],
                     {"ltfs.hash.xxh128sum": "0" * 32})
    second = dataclasses.replace(first, generation=2, update_time=now, highest_uid=2,
                                 root=DirectoryEntry("", 1, Times.all(now), files=[clip]))
    written = write_index(tape, second)
    assert (written.location, written.previous) == (Location(0, 5), Location(1, 9))
    data_index = read_last_index(tape, 1)
    assert data_index is not None and data_index.location == Location(1, 9)
    assert data_index.previous == Location(1, 5)  # back to the previous generation on the data partition
    assert tape.eod(0) == 7  # the index partition holds only the newest copy
    volume = read_volume(SimulatedTape.open(tmp_path / "t"))
    assert volume.index.generation == 2 and volume.index.root.files[0].extents == [Extent(0, 1, 7, 0, 10)]


def test_index_round_trip_keeps_names_attributes_links_and_empty_things() -> None:
    now = ltfs_time()
    tree = DirectoryEntry("", 1, Times.all(now), directories=[
        DirectoryEntry("caf\u0065\u0301 grade", 2, Times.all(now)),  # decomposed é: stored NFC
        DirectoryEntry("reel:01", 3, Times.all(now), files=[
            FileEntry("sound\x01check.wav", 5, Times.all(now), 0),
            FileEntry("latest", 6, Times.all(now), symlink="../A001C003.mov"),
        ]),
    ], files=[FileEntry("A001C003.mov", 4, Times.all(now), 3, [Extent(0, 1, 10, 0, 3)], {"note": "a & b < c"})])
    index = LtfsIndex("Reelkeep", "uuid", 7, now, Location(0, 5), tree, Location(1, 40), 6)
    xml = index.xml()
    assert b'<name percentencoded="true">reel%3A01</name>' in xml and "café grade".encode() in xml
    # written as text, byte for byte what ElementTree writes for the same tree (the form ltfsck accepted)
    from xml.etree import ElementTree

    assert ElementTree.tostring(ElementTree.fromstring(xml), encoding="UTF-8", xml_declaration=True) + b"\n" == xml
    back = LtfsIndex.parse(xml)
    assert back == dataclasses.replace(index, root=dataclasses.replace(tree, directories=[
        dataclasses.replace(tree.directories[0], name="café grade"), tree.directories[1]]))
    assert [path for path, _entry in back.root.walk()] == [
        "café grade", "reel:01", "reel:01/sound\x01check.wav", "reel:01/latest", "A001C003.mov"]
    assert encode_name("we:ird%name*?.txt") == ("we%3Aird%25name*?.txt", True)


def test_an_index_from_newer_software_with_unknown_elements_still_reads() -> None:
    xml = (b'<?xml version="1.0" encoding="UTF-8"?><ltfsindex version="2.5.1"><creator>Other 9</creator>'
           b"<volumeuuid>u</volumeuuid><generationnumber>3</generationnumber><updatetime>t</updatetime>"
           b"<location><partition>a</partition><startblock>6</startblock></location><futurething>x</futurething>"
           b"<highestfileuid>2</highestfileuid><directory><name/><readonly>false</readonly><fileuid>1</fileuid>"
           b"<contents><file><name>f</name><length>0</length><readonly>false</readonly><fileuid>2</fileuid>"
           b"<newtag/></file></contents></directory></ltfsindex>")
    index = LtfsIndex.parse(xml)
    assert index.generation == 3 and index.root.files[0].name == "f"
    with pytest.raises(TapeError, match="not an LTFS index"):
        LtfsIndex.parse(b"<ltfslabel/>")
    with pytest.raises(TapeError, match="cannot be read"):
        LtfsIndex.parse(b"<ltfsindex>")


def test_a_blank_or_foreign_tape_is_a_clear_error(tmp_path: Path) -> None:
    tape = SimulatedTape.create(tmp_path / "blank", LTO8)
    tape.locate(0, 0)
    tape.write_record(b"not a label")
    with pytest.raises(TapeError, match="not an LTFS volume"):
        read_volume(tape)
    with pytest.raises(TapeError, match="not a usable barcode"):
        format_volume(tape, "RK-1")


def test_coherency_records_quote_the_volume_change_reference_and_each_index(tmp_path: Path) -> None:
    """MAM 0x080C per partition (what lets a mount go straight to the index; the reference ltfsck then skips
    its scan), and the drive's volume change reference (0x0009) bumped once per load that writes."""
    tape = SimulatedTape.create(tmp_path / "t", LTO8)
    volume = format_volume(tape, "RK0007L8")
    assert tape.volume_change_reference == 1

    def coherency(partition: int) -> tuple[int, int, int, bytes]:
        value = tape.read_attribute(partition, 0x080C)
        assert value is not None and len(value) == 70 and value[0] == 8
        return (int.from_bytes(value[1:9], "big"), int.from_bytes(value[9:17], "big"),
                int.from_bytes(value[17:25], "big"), value[25:])

    uuid = volume.label.volume_uuid.encode()
    assert coherency(0) == (1, 1, 5, b"\x00\x2bLTFS\x00" + uuid + b"\x00\x01")
    assert coherency(1)[:3] == (1, 1, 5)
    tape = SimulatedTape.open(tmp_path / "t")  # a new load
    now = ltfs_time()
    write_index(tape, dataclasses.replace(volume.index, generation=2, update_time=now))
    assert tape.volume_change_reference == 2
    assert coherency(0)[:3] == (2, 2, 5) and coherency(1)[:3] == (2, 2, 8)
