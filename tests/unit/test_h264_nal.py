"""H.264 plumbing for smart extraction: avcC records, Annex B and length-prefixed NAL units, parameter-set ids."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import pytest

from app.media.h264_nal import (
    BitstreamError,
    is_idr,
    join_lengths,
    nal_type,
    parse_avcc,
    pps_id,
    split_annexb,
    split_lengths,
    sps_id,
)
from tests.media import make_clip


def _x264(extra: str) -> av.CodecContext:
    """An opened x264 encoder with a global header: its parameter sets are in extradata (Annex B)."""
    ctx = av.CodecContext.create("libx264", "w")
    ctx.width, ctx.height, ctx.pix_fmt = 64, 48, "yuv420p"
    ctx.time_base, ctx.framerate = Fraction(1, 25), 25
    ctx.flags |= av.codec.context.Flags.global_header
    ctx.options = {"preset": "ultrafast", "x264-params": extra}
    ctx.open()
    return ctx


def test_annexb_split_and_length_prefixed_round_trip() -> None:
    nals = [b"\x67\x64\x00\x0a\xac", b"\x68\xee\x3c\x80", b"\x65\x88\x84\x00\x00\x03\x01"]
    annexb = b"\x00\x00\x00\x01" + nals[0] + b"\x00\x00\x01" + nals[1] + b"\x00\x00\x00\x01" + nals[2] + b"\x00"
    assert split_annexb(annexb) == nals
    sample = join_lengths(nals, 4)
    assert split_lengths(sample, 4) == nals and split_lengths(join_lengths(nals, 2), 2) == nals
    assert is_idr(nals) and not is_idr([b"\x41\x9a"]) and not is_idr(nals[:2])
    with pytest.raises(BitstreamError):
        split_lengths(sample[:-1], 4)  # the last length runs past the end
    with pytest.raises(BitstreamError):
        join_lengths([bytes(300)], 1)


@pytest.mark.parametrize("wanted", [0, 1, 7, 31])
def test_parameter_set_ids_as_x264_writes_them(wanted: int) -> None:
    ctx = _x264(f"sps-id={wanted}")
    nals = split_annexb(ctx.extradata)
    assert [nal_type(n) for n in nals] == [7, 8]
    assert (sps_id(nals[0]), pps_id(nals[1])) == (wanted, wanted)


def test_avcc_parse_extend_and_write(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "c.mp4", frames=3, size=(64, 48), audio=False)
    with av.open(str(clip)) as container:
        data = container.streams.video[0].codec_context.extradata
    config = parse_avcc(data)
    assert config.length_size == 4 and len(config.sps) == len(config.pps) == 1
    assert config.to_bytes() == data  # byte for byte, High-profile extension included
    extra = split_annexb(_x264("sps-id=1").extradata)
    both = parse_avcc(config.with_parameter_sets([extra[0]], [extra[1]]).to_bytes())
    assert [sps_id(s) for s in both.sps] == [0, 1] and [pps_id(p) for p in both.pps] == [0, 1]
    assert both.extension == config.extension
    for bad in (None, b"", b"\x00\x01", data[:9]):
        with pytest.raises(BitstreamError):
            parse_avcc(bad)
