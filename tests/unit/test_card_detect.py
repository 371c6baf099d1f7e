"""Camera card detection and reel naming (issue 13), on real folders laid out as each camera family writes them.

Fixtures are tiny files with the real folder layouts, file names and sidecar XML; the BWF files carry a real
bext and iXML chunk written here, and the MXF clips a real SMPTE header key and identification strings.
"""

from __future__ import annotations

import datetime
import json
import os
import struct
from pathlib import Path

import pytest
from pathvalidate import validate_filename

from app.ingest.card import CardInfo, detect_card, offload_folder_name

DAY = datetime.date(2023, 4, 15)


def put(root: Path, rel: str, data: bytes | str = b"\0" * 16) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def mxf_header(company: str, product: str) -> bytes:
    """A header partition key, then an Identification set's CompanyName/ProductName local tags (UTF-16BE)."""
    partition = bytes.fromhex("060e2b34020501010d01020101020400") + b"\x83\x00\x00\x58" + b"\0" * 0x58
    ident_key = bytes.fromhex("060e2b34025301010d01010101013000")
    body = b""
    for tag, text in ((0x3C01, company), (0x3C02, product)):
        value = text.encode("utf-16-be")
        body += struct.pack(">HH", tag, len(value)) + value
    return partition + ident_key + b"\x83" + len(body).to_bytes(3, "big") + body + b"\0" * 64


def r3d_header(model: str) -> bytes:
    """The first block of an R3D (version 2): size, "RED2", one "rdi" record, then a directory whose entries are
    length, tag, value; 0x1071 the camera model, 0x101a the reel (as ExifTool's Red.pm reads them)."""
    entries = b""
    for tag, text in ((0x101A, "001"), (0x1071, model)):
        value = text.encode() + b"\0"
        entries += struct.pack(">HH", 4 + len(value), tag) + value
    head = bytearray(0x44)
    head[4:8] = b"RED2"
    head[0x40] = 1
    block = bytes(head) + b"rdi\x01".ljust(0x18, b"\0") + struct.pack(">H", len(entries)) + entries
    block = block.ljust(0x1000, b"\0")
    return struct.pack(">I", len(block)) + block[4:]


def bwf(ixml: str | None, originator: str = "", frames: int = 48, ixml_last: bool = False) -> bytes:
    """A 48 kHz 24-bit mono broadcast WAVE: fmt, bext (EBU Tech 3285 v1 layout), iXML, data (or iXML after the
    data, where recorders that rewrite it at the end of a take put it); odd sizes padded as RIFF wants."""
    chunks = [b"fmt " + struct.pack("<I", 16) + struct.pack("<HHIIHH", 1, 1, 48000, 48000 * 3, 3, 24)]
    bext = (b"take notes".ljust(256, b"\0") + originator.encode("latin-1").ljust(32, b"\0") + b"\0" * 32
            + b"2023-04-15" + b"12:30:00" + struct.pack("<Q", 48000 * 3600) + struct.pack("<H", 1)
            + b"\0" * 64 + b"\0" * 190)
    assert len(bext) == 602
    chunks.append(b"bext" + struct.pack("<I", len(bext)) + bext)
    data = b"\0" * (3 * frames)
    data_chunk = b"data" + struct.pack("<I", len(data)) + data + (b"\0" if len(data) & 1 else b"")
    if ixml_last:
        chunks.append(data_chunk)
    if ixml is not None:
        body = ixml.encode("utf-8")
        chunks.append(b"iXML" + struct.pack("<I", len(body)) + body + (b"\0" if len(body) & 1 else b""))
    if not ixml_last:
        chunks.append(data_chunk)
    payload = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(payload)) + payload


def ixml(project: str, scene: str, tape: str, take: str = "1") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<BWFXML><IXML_VERSION>1.61</IXML_VERSION>'
            f"<PROJECT>{project}</PROJECT><SCENE>{scene}</SCENE><TAKE>{take}</TAKE><TAPE>{tape}</TAPE>"
            "<CIRCLED>FALSE</CIRCLED><NOTE>wild track</NOTE><SPEED><MASTER_SPEED>25/1</MASTER_SPEED></SPEED>"
            "</BWFXML>")


def sony_m01(model: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<NonRealTimeMeta xmlns="urn:schemas-professionalDisc:nonRealTimeMeta:ver.2.20" '
            'xmlns:lib="urn:schemas-professionalDisc:lib:ver.2.10" lastUpdate="2023-04-15T12:30:00+01:00">\n'
            '<TargetMaterial umidRef="060A2B340101010501010D43130000000000000000000000000000000000000000"/>\n'
            '<Duration value="250"/>\n<LtcChangeTable tcFps="25" halfStep="false">'
            '<LtcChange frameCount="0" value="00000010" status="increment"/></LtcChangeTable>\n'
            '<CreationDate value="2023-04-15T12:30:00+01:00"/>\n'
            '<VideoFormat><VideoFrame videoCodec="AVC_3840_2160_H422IP@L51" captureFps="25p" formatFps="25p"/>'
            '<VideoLayout pixel="3840" numOfVerticalLine="2160" aspectRatio="16:9"/></VideoFormat>\n'
            f'<Device manufacturer="Sony" modelName="{model}" serialNo="4001234"/>\n'
            '<RecordingMode type="normal" cacheRec="false"/>\n</NonRealTimeMeta>\n')


def mediapro(system_kind: str, clips: list[str]) -> str:
    materials = "".join(
        f'<Material uri="./CLIP/{c}.MP4" type="MP4" videoType="AVC_1920_1080_HP@L42" fps="25p" dur="250">'
        f'<RelevantInfo uri="./CLIP/{c}M01.XML" type="XML"/></Material>' for c in clips)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<MediaProfile xmlns="http://xmlns.sony.net/pro/metadata/mediaprofile" version="2.10"><Properties>'
            f'<System systemId="784B87FFFEBA9815" systemKind="{system_kind}" masterVersion="XAVC-M4@1.10.00"/>'
            f'</Properties><Contents>{materials}</Contents></MediaProfile>\n')


def canon_xml(model: str, clip: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<ClipMetadata xmlns="http://www.canon.com/ns/VideoClip">'
            f"<ClipName>{clip}</ClipName><Device><Manufacturer>Canon</Manufacturer><ModelName>{model}</ModelName>"
            "<SerialNumber>123456789012</SerialNumber></Device><Duration>250</Duration></ClipMetadata>\n")


# -- one test per family


def test_arri_prores_mxf_card(tmp_path: Path) -> None:
    card = tmp_path / "A001R1AB"
    for n in (1, 2, 3):
        put(card, f"A001R1AB/A001C00{n}_230415_R1AB.mxf", mxf_header("ARRI", "ALEXA Mini LF"))
    put(card, "A001R1AB/A001R1AB_FCP.xml", "<xmeml version='5'/>")
    put(card, "A001R1AB/A001R1AB.ale", "Heading\nFIELD_DELIM\tTABS\n")
    info = detect_card(card)
    assert (info.family, info.camera, info.reel, info.clips) == ("ARRI", "ALEXA Mini LF", "A001", 3)
    assert info.clip_paths == tuple(f"A001R1AB/A001C00{n}_230415_R1AB.mxf" for n in (1, 2, 3))
    assert info.root == card and info.notes == ()


def test_volume_bookkeeping_and_appledouble_files_are_not_part_of_a_card(tmp_path: Path) -> None:
    card = tmp_path / "A001R1AB"
    for n in (1, 2):
        put(card, f"A001R1AB/A001C00{n}_230415_R1AB.mxf", mxf_header("ARRI", "ALEXA 35"))
        put(card, f"A001R1AB/._A001C00{n}_230415_R1AB.mxf", b"\0\5\x16\7AppleDouble")  # copied from a Mac
    put(card, ".DS_Store")
    put(card, ".Spotlight-V100/Store-V2/A001C009_230415_R1AB.mxf")
    put(card, "System Volume Information/IndexerVolumeGuid")
    info = detect_card(card)
    assert (info.family, info.camera, info.clips, info.notes) == ("ARRI", "ALEXA 35", 2, ())


def test_alexa_35_names_with_a_two_character_camera_index(tmp_path: Path) -> None:
    put(tmp_path, "A_0012R2XY/A_0012C003_230415_R2XY.mxf", mxf_header("ARRI", "ALEXA 35"))
    put(tmp_path, "A_0012R2XY/A_0012C004_230415_R2XY.mxf", mxf_header("ARRI", "ALEXA 35"))
    info = detect_card(tmp_path)
    assert (info.family, info.camera, info.reel, info.clips) == ("ARRI", "ALEXA 35", "A_0012", 2)


def test_arriraw_frame_folders_are_one_clip_each(tmp_path: Path) -> None:
    card = tmp_path / "mag"
    for clip in ("A002C003_130101_R2CD", "A002C004_130101_R2CD"):
        for frame in range(3):
            put(card, f"A002R2CD/{clip}/{clip}.{frame:07d}.ari", b"ARRI\x12\x34\x56\x78")
    info = detect_card(card)
    assert (info.family, info.camera, info.reel, info.clips) == ("ARRI", "ARRI", "A002", 2)
    assert info.clip_paths == ("A002R2CD/A002C003_130101_R2CD", "A002R2CD/A002C004_130101_R2CD")


def test_red_card_counts_rdc_folders_not_spanned_r3d_files(tmp_path: Path) -> None:
    card = tmp_path / "RED_MAG"
    rdm = "A001_0415AB.RDM"
    for clip, spans in (("A001_C001_0415AB", 2), ("A001_C002_0415K7", 1), ("A001_C003_04159Z", 3)):
        for n in range(1, spans + 1):
            put(card, f"{rdm}/{clip}.RDC/{clip}_{n:03d}.R3D", r3d_header("KOMODO 6K") if n == 1 else b"\0" * 64)
        put(card, f"{rdm}/{clip}.RDC/{clip}.rtn", b"thumb")
    put(card, f"{rdm}/digital_magazine.bin", b"x")
    info = detect_card(card)
    assert (info.family, info.camera, info.reel, info.clips) == ("RED", "RED KOMODO 6K", "A001", 3)
    assert info.clip_paths == (f"{rdm}/A001_C001_0415AB.RDC", f"{rdm}/A001_C002_0415K7.RDC",
                               f"{rdm}/A001_C003_04159Z.RDC")
    assert info.root == card


def test_one_red_clip_folder_given_is_one_clip_named_by_its_first_span(tmp_path: Path) -> None:
    rdc = tmp_path / "A004_C007_0415AB.RDC"
    for n in (2, 1, 3):
        put(rdc, f"A004_C007_0415AB_{n:03d}.R3D", b"RED2")
    info = detect_card(rdc)
    assert (info.family, info.reel, info.clips, info.clip_paths) == ("RED", "A004", 1, ("A004_C007_0415AB_001.R3D",))


def test_sony_xavc_card_reads_the_camera_from_m01_xml_and_names_the_reel_after_the_volume(tmp_path: Path) -> None:
    card = tmp_path / "FX6_CARD_A"
    m4 = "PRIVATE/M4ROOT"
    for c in ("C0001", "C0002"):
        put(card, f"{m4}/CLIP/{c}.MP4")
        put(card, f"{m4}/CLIP/{c}M01.XML", sony_m01("ILME-FX6V"))
        put(card, f"{m4}/THMBNL/{c}T01.JPG")
        put(card, f"{m4}/SUB/{c}S03.MP4")
    put(card, f"{m4}/MEDIAPRO.XML", mediapro("ILME-FX6V", ["C0001", "C0002"]))
    put(card, f"{m4}/STATUS.BIN")
    info = detect_card(card)
    assert (info.family, info.camera, info.reel, info.clips) == ("Sony", "FX6", "FX6_CARD_A", 2)
    assert info.clip_paths == (f"{m4}/CLIP/C0001.MP4", f"{m4}/CLIP/C0002.MP4")
    assert info.notes == ()  # thumbnails and proxies belong to the card, they are not loose stills


@pytest.mark.parametrize(("model", "camera"), [("ILME-FX6V", "FX6"), ("MPC-3610", "VENICE"), ("PXW-FX9", "FX9")])
def test_sony_xdroot_card_with_named_clips(tmp_path: Path, model: str, camera: str) -> None:
    card = tmp_path / "card"
    for c in ("B101C001_230415CD", "B101C002_230415EF"):
        put(card, f"XDROOT/Clip/{c}.MXF", mxf_header("Sony", model))
        put(card, f"XDROOT/Clip/{c}M01.XML", sony_m01(model))
    put(card, "XDROOT/MEDIAPRO.XML", mediapro(model, []))
    put(card, "XDROOT/DISCMETA.XML", "<DiscMeta/>")
    info = detect_card(card)
    assert (info.family, info.camera, info.reel, info.clips) == ("Sony", camera, "B101", 2)
    assert info.clip_paths == ("XDROOT/Clip/B101C001_230415CD.MXF", "XDROOT/Clip/B101C002_230415EF.MXF")


def test_sony_camera_falls_back_to_mediapro_system_kind(tmp_path: Path) -> None:
    put(tmp_path, "PRIVATE/M4ROOT/CLIP/C0001.MP4")
    put(tmp_path, "PRIVATE/M4ROOT/MEDIAPRO.XML", mediapro("FDR-AX100", ["C0001"]))
    info = detect_card(tmp_path)
    assert (info.family, info.camera, info.clips) == ("Sony", "FDR-AX100", 1)


def test_canon_cinema_eos_card(tmp_path: Path) -> None:
    card = tmp_path / "CANON_A"
    for c in ("A001C001_230415XX_CANON", "A001C002_230415B7_CANON"):
        put(card, f"CONTENTS/CLIPS001/{c}.MXF")
        put(card, f"CONTENTS/CLIPS001/{c}.XML", canon_xml("Canon EOS C300 Mark III", c))
    info = detect_card(card)
    assert (info.family, info.camera, info.reel, info.clips) == ("Canon", "C300 Mark III", "A001", 2)
    assert info.clip_paths == ("CONTENTS/CLIPS001/A001C001_230415XX_CANON.MXF",
                               "CONTENTS/CLIPS001/A001C002_230415B7_CANON.MXF")


def test_canon_xf_mpeg2_clip_folders_and_newer_clip_names(tmp_path: Path) -> None:
    xf = tmp_path / "XF305"
    put(xf, "CONTENTS/CLIPS001/AA0001/AA000101.MXF")
    put(xf, "CONTENTS/CLIPS001/AA0001/AA000102.MXF")  # one clip spanning two files
    put(xf, "CONTENTS/CLIPS001/AA0001/AA0001.XML", canon_xml("XF305", "AA0001"))
    put(xf, "CONTENTS/CLIPS001/AA0002/AA000201.MXF")
    info = detect_card(xf)
    assert (info.family, info.camera, info.reel, info.clips) == ("Canon", "XF305", "XF305", 2)
    assert info.clip_paths == ("CONTENTS/CLIPS001/AA0001", "CONTENTS/CLIPS001/AA0002")
    c80 = tmp_path / "C80"
    put(c80, "CONTENTS/CLIPS001/A_0007C001H240415_123456AB_CANON.MXF")
    put(c80, "CONTENTS/CLIPS001/A012C001H200529BY_CANON.MXF")
    put(c80, "CONTENTS/CLIPS001/A_0007C002H240415_124010CD_CANON.MXF")
    info = detect_card(c80)
    assert (info.family, info.reel, info.clips) == ("Canon", "A_0007", 3)
    assert any("A012 (1 clips)" in note for note in info.notes)


def test_sony_professional_disc_and_xdcam_ex_layouts(tmp_path: Path) -> None:
    disc = tmp_path / "disc"
    put(disc, "Clip/C0001.MXF")
    put(disc, "Clip/C0001M01.XML", sony_m01("PXW-Z280"))
    put(disc, "Sub/C0001S01.MXF")
    put(disc, "General/Sony/Planning/plan.xml", "<PlanningMetadata/>")
    put(disc, "MEDIAPRO.XML", mediapro("PXW-Z280", []))
    put(disc, "DISCMETA.XML", "<DiscMeta/>")
    info = detect_card(disc)
    assert (info.family, info.camera, info.reel, info.clip_paths, info.notes) == (
        "Sony", "PXW-Z280", "disc", ("Clip/C0001.MXF",), ())
    ex = tmp_path / "SxS_1"
    for c in ("438_0001_01", "438_0002_01"):
        put(ex, f"BPAV/CLPR/{c}/{c}.MP4")
        put(ex, f"BPAV/CLPR/{c}/{c}M01.XML", sony_m01("PMW-EX1R"))
        put(ex, f"BPAV/CLPR/{c}/{c}I01.PPN")
    put(ex, "BPAV/TAKR/MEDIAPRO.XML", mediapro("PMW-EX1R", []))
    info = detect_card(ex)
    assert (info.family, info.camera, info.reel, info.clips) == ("Sony", "PMW-EX1R", "SxS_1", 2)


def test_canon_mp4_in_dcim_is_dcim(tmp_path: Path) -> None:
    put(tmp_path, "DCIM/100CANON/MVI_0001.MP4")
    put(tmp_path, "DCIM/100CANON/MVI_0002.MP4")
    put(tmp_path, "MISC/DATA.CFG")
    info = detect_card(tmp_path)
    assert (info.family, info.camera, info.clips) == ("DCIM", "Canon", 2)
    assert info.clip_paths == ("DCIM/100CANON/MVI_0001.MP4", "DCIM/100CANON/MVI_0002.MP4")


def test_blackmagic_raw_card(tmp_path: Path) -> None:
    card = tmp_path / "BMPCC"
    for c in ("A001_04151230_C001", "A001_04151245_C002"):
        put(card, f"{c}.braw", b"\0\0\0\x08wide")
    put(card, "A001_04151230_C001.sidecar", json.dumps({"camera_type": "Blackmagic URSA Mini Pro 12K",
                                                        "iso": 800}))
    info = detect_card(card)
    assert (info.family, info.camera, info.reel, info.clips) == ("Blackmagic", "URSA Mini Pro 12K", "A001", 2)
    assert info.clip_paths == ("A001_04151230_C001.braw", "A001_04151245_C002.braw")


def test_dcim_keeps_sidecars_out_of_the_clips(tmp_path: Path) -> None:
    card = tmp_path / "GOPRO"
    put(card, "DCIM/100GOPRO/GX010001.MP4")
    put(card, "DCIM/100GOPRO/GL010001.LRV")
    put(card, "DCIM/100GOPRO/GX010001.THM")
    put(card, "DCIM/100GOPRO/GOPR0002.JPG")
    put(card, "MISC/version.txt", "HERO11")
    info = detect_card(card)
    assert (info.family, info.camera, info.reel, info.clips) == ("DCIM", "GoPro", "GOPRO", 2)
    assert info.clip_paths == ("DCIM/100GOPRO/GOPR0002.JPG", "DCIM/100GOPRO/GX010001.MP4")


def test_audio_recorder_reads_roll_and_recorder_from_bwf_chunks(tmp_path: Path) -> None:
    card = tmp_path / "F8n_SD"
    put(card, "FOLDER01/230415_001.WAV", bwf(ixml("Reelkeep", "12A", "SR04"), originator="ZOOM F8n"))
    put(card, "FOLDER01/230415_002.WAV", bwf(ixml("Reelkeep", "12B", "SR04"), originator="ZOOM F8n"))
    put(card, "FOLDER02/230415_003.WAV", bwf(ixml("Reelkeep", "14", "SR04"), originator="ZOOM F8n", frames=4801,
                                             ixml_last=True))
    put(card, "F8n.SYS", b"settings")
    info = detect_card(card)
    assert (info.family, info.camera, info.reel, info.clips) == ("Audio", "ZOOM F8n", "SR04", 3)
    assert info.clip_paths == ("FOLDER01/230415_001.WAV", "FOLDER01/230415_002.WAV", "FOLDER02/230415_003.WAV")
    assert info.root == card


def test_audio_without_ixml_takes_the_folder_name(tmp_path: Path) -> None:
    card = tmp_path / "Day3_Sound"
    put(card, "FOLDER01/T001.WAV", bwf(None))
    info = detect_card(card)
    assert (info.family, info.camera, info.reel, info.clips) == ("Audio", "Audio", "Day3_Sound", 1)
    assert info.root == card  # FOLDER01 is the recorder's folder, not the card


def test_unrecognised_folder_counts_media_by_kind(tmp_path: Path) -> None:
    card = tmp_path / "phone dump"
    put(card, "IMG_0001.MOV")
    put(card, "sub/IMG_0002.HEIC")
    put(card, "notes.txt", "hello")
    info = detect_card(card)
    assert (info.family, info.camera, info.reel, info.clips) == ("Folder", "Folder", "phone dump", 2)
    assert info.clip_paths == ("IMG_0001.MOV", "sub/IMG_0002.HEIC")


# -- where the card is, and what else is there


def test_nested_card_root_is_the_folder_holding_the_structure(tmp_path: Path) -> None:
    drive = tmp_path / "SSD"
    card = drive / "Shoot" / "Day1" / "CANON_B"
    put(card, "CONTENTS/CLIPS001/B002C001_230415AA_CANON.MXF")
    put(drive, "Shoot/readme.txt", "offload notes")
    info = detect_card(drive)
    assert (info.family, info.reel, info.root, info.source) == ("Canon", "B002", card, drive)
    assert info.clip_paths == ("CONTENTS/CLIPS001/B002C001_230415AA_CANON.MXF",)
    # given as the mount that holds CONTENTS/ directly, the mount is the root
    assert detect_card(card).root == card
    # the ARRI reel folder itself given: the source is the root
    put(tmp_path, "A003R1AB/A003C001_230415_R1AB.mov")
    arri = detect_card(tmp_path / "A003R1AB")
    assert (arri.family, arri.root, arri.clip_paths) == ("ARRI", tmp_path / "A003R1AB", ("A003C001_230415_R1AB.mov",))


def test_mixed_folder_takes_the_family_with_most_clips_and_says_so(tmp_path: Path) -> None:
    for n in (1, 2, 3):
        put(tmp_path, f"A001_0415123{n}_C00{n}.braw")
    put(tmp_path, "A001R1AB/A001C001_230415_R1AB.mxf")
    put(tmp_path, "extra/holiday.mp4")
    info = detect_card(tmp_path)
    assert (info.family, info.clips) == ("Blackmagic", 3)
    assert any("1 ARRI clips" in note for note in info.notes), info.notes
    assert any("1 other media files" in note for note in info.notes), info.notes


def test_a_stills_camera_card_with_video_structure_too(tmp_path: Path) -> None:
    for n in range(1, 5):
        put(tmp_path, f"DCIM/100MSDCF/DSC0000{n}.ARW")
    put(tmp_path, "PRIVATE/M4ROOT/CLIP/C0001.MP4")
    put(tmp_path, "PRIVATE/M4ROOT/CLIP/C0001M01.XML", sony_m01("ILCE-7SM3"))
    info = detect_card(tmp_path)
    assert (info.family, info.camera, info.clips) == ("DCIM", "Sony", 4)
    assert any("Sony" in note for note in info.notes)


def test_several_reels_take_the_biggest_and_note_the_rest(tmp_path: Path) -> None:
    for reel, clips in (("A001", 1), ("A002", 2)):
        for n in range(1, clips + 1):
            put(tmp_path, f"{reel}_0415XY.RDM/{reel}_C00{n}_0415XY.RDC/{reel}_C00{n}_0415XY_001.R3D")
    info = detect_card(tmp_path)
    assert (info.family, info.reel, info.clips) == ("RED", "A002", 3)
    assert any("A001 (1 clips)" in note for note in info.notes)


def test_red_clip_folders_renamed_by_hand_take_the_reel_from_the_magazine(tmp_path: Path) -> None:
    put(tmp_path, "B003_0415XY.RDM/good take.RDC/good take_001.R3D")
    assert detect_card(tmp_path).reel == "B003"


def test_empty_folder(tmp_path: Path) -> None:
    card = tmp_path / "EMPTY_CARD"
    card.mkdir()
    info = detect_card(card)
    assert info == CardInfo("Folder", "Folder", "EMPTY_CARD", 0, (), card, (), card)
    with pytest.raises(NotADirectoryError):
        detect_card(put(tmp_path, "file.mov"))


def test_a_formatted_card_without_clips_keeps_its_family(tmp_path: Path) -> None:
    put(tmp_path, "PRIVATE/M4ROOT/MEDIAPRO.XML", mediapro("ILME-FX3", []))
    put(tmp_path, "PRIVATE/M4ROOT/STATUS.BIN")
    info = detect_card(tmp_path)
    assert (info.family, info.camera, info.clips, info.root) == ("Sony", "FX3", 0, tmp_path)
    put(tmp_path, "cat.mp4")  # an empty structure beside real media: just a folder
    assert (detect_card(tmp_path).family, detect_card(tmp_path).clips) == ("Folder", 1)


def test_a_folder_inside_a_card_structure_says_where_the_card_is(tmp_path: Path) -> None:
    clip_dir = tmp_path / "FX3" / "PRIVATE" / "M4ROOT" / "CLIP"
    put(clip_dir, "C0001.MP4")
    info = detect_card(clip_dir)
    assert (info.family, info.clips) == ("Folder", 1)
    assert any("inside a card structure (M4ROOT)" in note for note in info.notes), info.notes


def _too_deep(base: Path, name: bytes) -> None:
    """Folders nested past PATH_MAX (4096 bytes), built through directory fds: no path-based call can list the
    innermost, whatever the permissions, so this unreadable folder is unreadable even for root."""
    fd = os.open(base, os.O_RDONLY)
    try:
        for _ in range(24):
            os.mkdir(b"d" * 200, dir_fd=fd)
            inner = os.open(b"d" * 200, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        os.close(os.open(name, os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd))
    finally:
        os.close(fd)


def test_unreadable_subfolders_are_noted_and_the_rest_detected(tmp_path: Path) -> None:
    card = tmp_path / "card"
    put(card, "A001_04151230_C001.braw")
    _too_deep(card, b"A001_04151300_C002.braw")
    os.mkfifo(card / "A001_04151400_C003.braw")  # not a regular file: never opened, never counted
    os.symlink("loop", card / "loop")  # a symlink loop
    os.symlink("missing", card / "A001_04151500_C004.braw")  # a broken link
    info = detect_card(card)
    assert (info.family, info.reel, info.clip_paths) == ("Blackmagic", "A001", ("A001_04151230_C001.braw",))
    assert any("could not read folder" in note for note in info.notes), info.notes


def test_non_utf8_and_very_long_names(tmp_path: Path) -> None:
    raw_card = os.fsencode(tmp_path) + b"/Reel\xff"
    os.mkdir(raw_card)
    card = Path(os.fsdecode(raw_card))
    long_name = "x" * 251 + ".mp4"
    put(card, long_name)
    open(raw_card + b"/caf\xe9.mov", "wb").close()
    info = detect_card(card)
    assert (info.family, info.clips, info.reel) == ("Folder", 2, "Reel\udcff")
    assert set(info.clip_paths) == {long_name, "caf\udce9.mov"}
    for clip in info.clip_paths:  # surrogate-escaped str gives back the exact bytes
        assert os.path.isfile(os.fsencode(info.root / clip))
    name = offload_folder_name("{card}/{reel}", info, DAY)
    assert "\udcff" not in name
    for part in name.split("/"):
        validate_filename(part, platform="universal")
    braw = tmp_path / "braw"
    braw.mkdir()
    open(os.fsencode(braw) + b"/A007_04151230_C001\xfe.braw", "wb").close()
    assert detect_card(braw).reel == "A007"


# -- offload_folder_name


def card_info(**kw: object) -> CardInfo:
    fields: dict[str, object] = dict(family="ARRI", camera="ALEXA Mini LF", reel="A001", clips=1,
                                     clip_paths=("x.mxf",), root=Path("/media/A001R1AB"))
    fields.update(kw)
    return CardInfo(**fields)  # type: ignore[arg-type]


def test_pattern_fields() -> None:
    card = card_info(source=Path("/media/CARD_7"))
    assert offload_folder_name("{date}/{camera}/{reel}", card, DAY) == "2023-04-15/ALEXA Mini LF/A001"
    assert (offload_folder_name("{year}/{month}/{day}/{family}_{card}", card, datetime.date(2024, 1, 5))
            == "2024/01/05/ARRI_CARD_7")
    assert offload_folder_name("{project}/Day {day_no}/{reel}", card, DAY,
                               {"project": "Night Shoot", "day_no": "03"}) == "Night Shoot/Day 03/A001"
    assert offload_folder_name("{card}", card_info(), DAY) == "A001R1AB"  # no source: the root's name
    assert offload_folder_name("./{reel}//", card, DAY) == "A001"


def test_pattern_values_are_sanitised_into_single_legal_names() -> None:
    card = card_info(camera='A/B: "C"?', reel="CON", family="RED")
    name = offload_folder_name("{camera}/{reel}", card, DAY)
    assert name == "A_B_ _C__/CON_"
    long = offload_folder_name("{reel}", card_info(reel="é" * 300), DAY)
    assert "/" not in long and len(long.encode()) <= 255
    # a value with slashes stays one folder and can never climb out
    assert offload_folder_name("{reel}", card_info(reel="../../etc"), DAY) == ".._.._etc"
    for part in (name.split("/") + [long]):
        validate_filename(part, platform="universal")


def test_unknown_field_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown field \{roll\}.*camera.*date.*reel"):
        offload_folder_name("{date}/{roll}", card_info(), DAY)
    for bad in ("{reel.upper}", "{reel[0]}", "{}", "{reel"):
        with pytest.raises(ValueError):
            offload_folder_name(bad, card_info(), DAY)


@pytest.mark.parametrize("pattern", ["../{reel}", "{date}/../../x", "/abs/{reel}", "\\\\server\\share",
                                     "C:\\offload\\{reel}", "{reel}"])
def test_traversal_and_absolute_results_are_refused(pattern: str) -> None:
    with pytest.raises(ValueError):
        offload_folder_name(pattern, card_info(reel=".."), DAY)
