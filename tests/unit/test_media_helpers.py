"""The test-media helpers do what TESTING.md says: indexes, timecode, beeps, tags, bad corpus."""

from __future__ import annotations

import base64
import os
import stat
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import mutagen
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mutagen.flac import FLAC, Picture
from mutagen.id3 import ID3
from mutagen.mp4 import MP4

from tests.media import (
    MAX_INDEX,
    decode_indexes,
    make_audio,
    make_bad_corpus,
    make_clip,
    make_image,
    paint_index,
    read_index,
    read_start_timecode,
)

RATES = ["24000/1001", "24", "25", "30000/1001"]
ClipFactory = Callable[..., Path]


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> ClipFactory:
    """make_clip with a per-module cache, so several tests can share one generated clip."""
    folder = tmp_path_factory.mktemp("clips")
    cache: dict[str, Path] = {}

    def factory(suffix: str = ".mp4", **kwargs: object) -> Path:
        key = suffix + repr(sorted(kwargs.items()))
        if key not in cache:
            cache[key] = make_clip(folder / f"clip{len(cache)}{suffix}", **kwargs)
        return cache[key]

    return factory


def _frames(path: Path) -> list[av.VideoFrame]:
    with av.open(str(path)) as container:
        return list(container.decode(video=0))


def _pict_types(path: Path) -> str:
    return "".join(av.video.frame.PictureType(f.pict_type).name for f in _frames(path))


def _expected_tc(rate: str) -> str:
    return "01:00:00;00" if rate == "30000/1001" else "01:00:00:00"


@pytest.mark.parametrize("rate", RATES)
def test_h264_long_gop_roundtrip(clip: ClipFactory, rate: str) -> None:
    path = clip(".mp4", rate=rate, codec="h264")
    assert decode_indexes(path) == list(range(48))
    assert read_start_timecode(path) == _expected_tc(rate)
    assert b"tmcd" in path.read_bytes()
    types = _pict_types(path)
    assert types.count("I") == 4 and types.count("B") >= 24, types
    # Closed GOP: the frame shown before each later I-frame is a P-frame.
    assert all(types[i - 1] == "P" for i in range(1, len(types)) if types[i] == "I"), types
    assert b"open_gop=0" in path.read_bytes()


@pytest.mark.parametrize("rate", ["24000/1001", "30000/1001"])
def test_h264_open_gop(clip: ClipFactory, rate: str) -> None:
    path = clip(".mov", rate=rate, codec="h264", open_gop=True)
    assert decode_indexes(path) == list(range(48))
    assert read_start_timecode(path) == _expected_tc(rate)
    assert b"open_gop=1" in path.read_bytes()
    types = _pict_types(path)
    # Open GOP: B-frames shown before a later I-frame reference across it.
    assert any(types[i - 1] == "B" for i in range(1, len(types)) if types[i] == "I"), types


@pytest.mark.parametrize("rate", RATES)
def test_prores_roundtrip(clip: ClipFactory, rate: str) -> None:
    path = clip(".mov", rate=rate, codec="prores")
    assert decode_indexes(path) == list(range(48))
    assert read_start_timecode(path) == _expected_tc(rate)
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        assert video.codec_context.name == "prores"
        assert video.codec_context.profile == "Standard"
        assert video.codec_context.pix_fmt == "yuv422p10le"
        assert video.average_rate == Fraction(rate)
        tmcd = [s for s in container.streams if s.type == "data"]
        assert tmcd and tmcd[0].metadata["timecode"] == _expected_tc(rate)


@pytest.mark.parametrize(
    ("suffix", "codec"), [(".mkv", "h264"), (".mkv", "mjpeg"), (".mp4", "mpeg4"), (".mov", "mpeg4")]
)
def test_other_codecs_and_matroska_timecode(tmp_path: Path, suffix: str, codec: str) -> None:
    path = make_clip(tmp_path / f"c{suffix}", rate="25", frames=30, codec=codec, start_tc="10:00:00:00")
    assert decode_indexes(path) == list(range(30))
    assert read_start_timecode(path) == "10:00:00:00"
    if suffix == ".mkv":
        with av.open(str(path)) as container:
            assert container.metadata["TIMECODE"] == "10:00:00:00"


def test_no_timecode_and_no_audio(tmp_path: Path) -> None:
    path = make_clip(tmp_path / "bare.mov", frames=5, start_tc=None, audio=False)
    assert read_start_timecode(path) is None
    with av.open(str(path)) as container:
        assert [s.type for s in container.streams] == ["video"]


def _audio(path: Path) -> np.ndarray:
    """Decoded audio as float ``channels x samples``."""
    with av.open(str(path)) as container:
        frames = [f.to_ndarray() for f in container.decode(audio=0)]
        fmt = container.streams.audio[0].format
        channels = container.streams.audio[0].channels
    data = np.concatenate(frames, axis=1)
    if not fmt.is_planar:
        data = data.reshape(-1, channels).T
    if data.dtype == np.int16:
        data = data / 32768.0
    return data


def _onset(mono: np.ndarray, near: int, window: int = 1500) -> int:
    lo = max(near - window, 0)
    loud = np.flatnonzero(np.abs(mono[lo : near + window]) > 0.05)
    assert loud.size, f"no beep near sample {near}"
    return lo + int(loud[0])


@pytest.mark.parametrize("suffix", [".mov", ".mp4"])
@pytest.mark.parametrize("rate", RATES)
def test_beeps_at_whole_seconds(clip: ClipFactory, rate: str, suffix: str) -> None:
    fps = Fraction(rate)
    path = clip(suffix, rate=rate, codec="h264")
    audio = _audio(path)
    assert audio.shape[0] == 2
    total = round(Fraction(48000 * 48) / fps)
    if suffix == ".mov":  # pcm_s16le: sample exact
        assert audio.shape[1] == total
    else:  # AAC: the decoder may return the encoder's padding of the last packet
        assert total <= audio.shape[1] < total + 1024
    mono = audio[0]
    frame_at_1s = round(fps)
    beep = round(Fraction(48000 * frame_at_1s) / fps)
    frame_len = round(48000 / fps)
    assert abs(_onset(mono, 0) - 0) <= 3
    assert abs(_onset(mono, beep) - beep) <= 3
    # One frame long; silence between beeps (AAC leaves a little coding noise).
    quiet, margin = (0.001, 1) if suffix == ".mov" else (0.1, 1100)
    assert np.abs(mono[frame_len + margin : beep - margin]).max() < quiet
    assert np.abs(mono[beep + frame_len + margin : total - margin]).max() < quiet
    assert np.abs(mono[beep : beep + frame_len]).max() > 0.4


def test_paint_read_simple() -> None:
    frame = np.zeros((180, 320, 3), np.uint8)
    paint_index(frame, 5)
    assert read_index(frame) == 5
    assert read_index(frame[:, :, 1]) == 5
    assert read_index(av.VideoFrame.from_ndarray(frame, format="rgb24")) == 5
    with pytest.raises(ValueError):
        paint_index(frame, MAX_INDEX + 1)


@settings(max_examples=150, deadline=None, database=None)
@given(
    index=st.integers(0, MAX_INDEX),
    width=st.integers(36, 1000),
    height=st.integers(1, 400),
    fill=st.integers(0, 255),
)
def test_paint_read_any_size(index: int, width: int, height: int, fill: int) -> None:
    frame = np.full((height, width, 3), fill, np.uint8)
    paint_index(frame, index)
    assert read_index(frame) == index


@pytest.mark.parametrize("fmt", ["rgb24", "yuv420p", "yuvj420p", "gray", "yuv422p10le", "nv12"])
def test_read_video_frame_formats(fmt: str) -> None:
    frame = np.random.default_rng(3).integers(0, 256, (180, 320, 3), dtype=np.uint8)
    paint_index(frame, 123456)
    vf = av.VideoFrame.from_ndarray(frame, format="rgb24").reformat(format=fmt)
    assert read_index(vf) == 123456


@pytest.mark.parametrize("interpolation", ["BILINEAR", "BICUBIC", "AREA", "LANCZOS"])
@pytest.mark.parametrize("size", [(320, 180), (160, 90)])
def test_pattern_survives_downscaling(size: tuple[int, int], interpolation: str) -> None:
    rng = np.random.default_rng(7)
    for index in (0, 47, 1_000_001, MAX_INDEX):
        big = rng.integers(0, 256, (720, 1280, 3), dtype=np.uint8)
        paint_index(big, index)
        small = av.VideoFrame.from_ndarray(big, format="rgb24").reformat(
            width=size[0], height=size[1], format="yuv420p", interpolation=interpolation
        )
        assert read_index(small) == index


def test_decoded_clip_survives_downscaling(clip: ClipFactory) -> None:
    path = clip(".mp4", rate="24000/1001", codec="h264")
    frames = _frames(path)
    assert [read_index(f.reformat(width=160, height=90)) for f in frames] == list(range(48))
    assert [read_index(f.reformat(width=240, height=135)) for f in frames] == list(range(48))
    tall = make_clip(path.with_name("tall.mp4"), size=(320, 240), frames=6, audio=False)
    assert [read_index(f.reformat(width=160, height=120)) for f in _frames(tall)] == list(range(6))


def test_noise_is_not_read() -> None:
    rng = np.random.default_rng(11)
    for _ in range(50):
        assert read_index(rng.integers(0, 256, (180, 320, 3), dtype=np.uint8)) is None
    assert read_index(np.full((180, 320, 3), 128, np.uint8)) is None
    assert read_index(np.zeros((180, 320), np.uint8)) is None


def test_flipped_frame_is_not_read(clip: ClipFactory) -> None:
    frames = _frames(clip(".mp4", rate="24000/1001", codec="h264"))
    # The guards (1 0 ... 0 1) are mirror symmetric, so only the check byte catches a flip;
    # about 1 index in 256 (but 0, 1, 4, 5, 32, ... among small ones) reads as another valid index when mirrored.
    for index in (2, 3, 6, 7, 24, 47):
        rgb = frames[index].to_ndarray(format="rgb24")
        assert read_index(rgb) == index
        assert read_index(np.ascontiguousarray(rgb[:, ::-1])) is None

    def flipped(index: int) -> int | None:
        frame = np.zeros((8, 72, 3), np.uint8)
        paint_index(frame, index)
        return read_index(frame[:, ::-1])

    assert {i for i in range(48) if flipped(i) is not None} == {0, 1, 4, 5, 32, 33, 36, 37}
    sample = np.random.default_rng(5).integers(0, MAX_INDEX + 1, 2000)
    reads = [flipped(int(i)) for i in sample]
    assert all(r != i for r, i in zip(reads, sample, strict=True))
    assert sum(r is not None for r in reads) < 2000 // 100  # about 1 in 256


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_make_image(tmp_path: Path, suffix: str) -> None:
    for index in (0, 9, MAX_INDEX):
        path = make_image(tmp_path / f"img{index}{suffix}", index=index)
        with av.open(str(path)) as container:
            frame = next(container.decode(video=0))
        assert (frame.width, frame.height) == (64, 48)
        assert read_index(frame) == index
    big = make_image(tmp_path / f"big{suffix}", size=(320, 180), index=77)
    with av.open(str(big)) as container:
        assert read_index(next(container.decode(video=0))) == 77


TAGS = {
    "title": "Tïtle ✓",
    "artist": "The Artist",
    "album": "An Album",
    "albumartist": "Various",
    "tracknumber": "3/12",
    "discnumber": 2,
    "date": "2021",
    "genre": "Jazz",
}


def _has_cover(audio: mutagen.FileType) -> bool:
    """Cover detection the way a tag reader does it, per container."""
    tags = audio.tags
    if isinstance(audio, MP4):
        return bool(tags and tags.get("covr"))
    if isinstance(tags, ID3):
        return any(apic.type == 3 for apic in tags.getall("APIC"))
    if isinstance(audio, FLAC):
        covers = audio.pictures
    else:
        covers = [Picture(base64.b64decode(b)) for b in (tags or {}).get("metadata_block_picture", [])]
    return any(p.type == 3 and p.data.startswith(b"\x89PNG") for p in covers)


def _read_tags(path: Path) -> tuple[dict[str, str], bool]:
    """Title/artist/album/albumartist/track/disc/year/genre and whether a cover is embedded."""
    audio = mutagen.File(path)
    assert audio is not None and audio.tags is not None
    tags = audio.tags
    if isinstance(audio, MP4):
        atoms = {"title": "\xa9nam", "artist": "\xa9ART", "album": "\xa9alb", "albumartist": "aART"}
        out = {key: tags[atom][0] for key, atom in atoms.items()}
        out["date"], out["genre"] = tags["\xa9day"][0], tags["\xa9gen"][0]
        out["track"] = "{}/{}".format(*tags["trkn"][0])
        out["disc"] = str(tags["disk"][0][0])
    elif isinstance(tags, ID3):
        frames = {"title": "TIT2", "artist": "TPE1", "album": "TALB", "albumartist": "TPE2"}
        out = {key: str(tags[frame]) for key, frame in frames.items()}
        out["date"], out["genre"] = str(tags["TDRC"]), str(tags["TCON"])
        out["track"], out["disc"] = str(tags["TRCK"]), str(tags["TPOS"])
    else:  # Vorbis comments (FLAC, Ogg Opus)
        out = {key: tags[key][0] for key in ("title", "artist", "album", "albumartist", "date", "genre")}
        out["track"] = f"{tags['tracknumber'][0]}/{tags['tracktotal'][0]}"
        out["disc"] = tags["discnumber"][0]
    return out, _has_cover(audio)


@pytest.mark.parametrize("suffix", [".mp3", ".flac", ".ogg", ".opus", ".m4a", ".wav", ".aiff", ".aif"])
def test_make_audio_tags_and_cover(tmp_path: Path, suffix: str) -> None:
    path = make_audio(tmp_path / f"song{suffix}", tags=TAGS, seconds=0.5, cover=True)
    tags, has_cover = _read_tags(path)
    assert tags == {
        "title": "Tïtle ✓",
        "artist": "The Artist",
        "album": "An Album",
        "albumartist": "Various",
        "date": "2021",
        "genre": "Jazz",
        "track": "3/12",
        "disc": "2",
    }
    assert has_cover
    plain = make_audio(tmp_path / f"plain{suffix}", tags={"title": "x"}, seconds=0.5)
    assert not _has_cover(mutagen.File(plain))
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        assert stream.sample_rate == 48000 and stream.channels == 2
        samples = sum(f.samples for f in container.decode(stream))
    assert abs(samples - 24000) < 2048


def test_make_audio_rejects_unknown_tags(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        make_audio(tmp_path / "x.flac", tags={"composer": "nobody"})


def test_bad_corpus(tmp_path: Path) -> None:
    corpus = make_bad_corpus(tmp_path / "bad")
    assert set(corpus) == {
        "zero_byte",
        "truncated",
        "garbage_header",
        "wrong_extension",
        "unreadable",
        "broken_symlink",
        "symlink_loop",
        "non_utf8_name",
        "long_name",
        "unicode_name",
        "dir_named_like_media",
    }
    for path in corpus.values():
        assert os.path.lexists(path)

    assert corpus["zero_byte"].stat().st_size == 0
    with pytest.raises(av.error.InvalidDataError):
        av.open(str(corpus["zero_byte"]))
    with pytest.raises(av.error.InvalidDataError):
        av.open(str(corpus["wrong_extension"]))
    assert corpus["wrong_extension"].suffix == ".mkv"
    with pytest.raises(av.error.InvalidDataError):
        av.open(str(corpus["garbage_header"]))
    assert corpus["garbage_header"].suffix == ".mov"

    # Truncated: the header (moov first) parses, the media data runs out mid-way.
    decoded: list[int | None] = []
    with pytest.raises(av.error.FFmpegError), av.open(str(corpus["truncated"])) as container:
        assert container.streams.video[0].frames == 48
        for frame in container.decode(video=0):
            decoded.append(read_index(frame))
    assert 0 < len(decoded) < 48 and decoded == list(range(len(decoded)))

    unreadable = corpus["unreadable"]
    assert stat.S_IMODE(unreadable.stat().st_mode) == 0
    if os.geteuid() != 0:  # root (CAP_DAC_OVERRIDE) reads mode-000 files anyway
        with pytest.raises(PermissionError):
            unreadable.open("rb")

    broken = corpus["broken_symlink"]
    assert broken.is_symlink() and not broken.exists()

    loop = corpus["symlink_loop"]
    assert loop.is_symlink() and loop.is_dir()
    assert loop.resolve() == (tmp_path / "bad").resolve()
    assert (loop / "loop" / "parent" / "loop").is_dir()

    raw_name = os.fsencode(corpus["non_utf8_name"].name)
    assert b"\xff" in raw_name
    with pytest.raises(UnicodeDecodeError):
        raw_name.decode("utf-8")
    assert decode_indexes(corpus["non_utf8_name"]) == list(range(12))

    long_name = corpus["long_name"].name
    assert len(long_name.encode("utf-8")) == 255
    assert len(long_name) < 255  # multi-byte characters
    assert decode_indexes(corpus["long_name"]) == list(range(12))

    assert corpus["unicode_name"].name == "Ünïcødé 日本語 🎬.mov"
    assert read_start_timecode(corpus["unicode_name"]) == "01:00:00:00"

    folder = corpus["dir_named_like_media"]
    assert folder.is_dir() and folder.suffix == ".mp4"

    # Regenerating over an existing corpus works.
    assert set(make_bad_corpus(tmp_path / "bad")) == set(corpus)
