"""The H.264 encoder for the re-encoded ends of a smart extraction, matched to the source it sits between.

Same size, pixel format, sample aspect ratio, colour description, profile and level; its own SPS/PPS id
(one the source does not use), so the source's and the encoder's parameter sets can both be declared in
the avcC record and repeated in-band at every switch without ever redefining each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import av

from app.media.h264_nal import NAL_PPS, NAL_SPS, AvcConfig, nal_type, pps_id, split_annexb, sps_id
from app.media.smart_layout import SmartUnsafe

# x264's names for the H.264 profiles it can write (FFmpeg's profile names on the left).
_PROFILES = {
    "Baseline": "baseline", "Constrained Baseline": "baseline", "Main": "main", "High": "high",
    "Progressive High": "high", "Constrained High": "high", "High 10": "high10", "High 4:2:2": "high422",
    "High 4:4:4 Predictive": "high444",
}
_SUPPORTED = {f.name for f in av.Codec("libx264", "w").video_formats}
# Visually lossless for camera material; the re-encoded ends are at most about a GOP each.
CRF = "16"
X264_PRESET = "faster"
_FIELD_PROGRESSIVE = 1  # AVFieldOrder: 0 unknown, 1 progressive, 2.. interlaced


@dataclass(frozen=True)
class EncoderSpec:
    """Everything the end encoders are opened with."""

    width: int
    height: int
    pix_fmt: str
    rate: Fraction
    profile: str
    level: int
    sar: Fraction | None
    colour: tuple[int, int, int, int]  # range, matrix (colorspace), primaries, transfer
    gop: int
    sps_id: int

    def options(self) -> dict[str, str]:
        params = [f"sps-id={self.sps_id}", f"keyint={self.gop}", f"min-keyint={min(self.gop, 25)}"]
        return {"preset": X264_PRESET, "crf": CRF, "profile": self.profile, "x264-params": ":".join(params)}


def encoder_spec(stream: av.video.stream.VideoStream, config: AvcConfig, rate: Fraction, gop: int,
                 pix_fmt: str) -> EncoderSpec:
    """The encoder settings that match this H.264 source, or SmartUnsafe saying what cannot be matched."""
    ctx = stream.codec_context
    profile = _PROFILES.get(ctx.profile or "")
    if profile is None:
        raise SmartUnsafe(f"H.264 profile {ctx.profile or 'unknown'} cannot be matched by the encoder")
    if pix_fmt not in _SUPPORTED:
        raise SmartUnsafe(f"pixel format {pix_fmt or 'unknown'} cannot be matched by the encoder")
    if ctx.field_order > _FIELD_PROGRESSIVE:
        raise SmartUnsafe("interlaced H.264: the re-encoded ends could not match its field coding")
    used = [sps_id(s) for s in config.sps] + [pps_id(p) for p in config.pps]
    free = max(used) + 1
    if free > 31:
        raise SmartUnsafe("the source uses every SPS id: no id is free for the re-encoded ends")
    sar = Fraction(stream.sample_aspect_ratio) if stream.sample_aspect_ratio else None
    colour = (ctx.color_range, ctx.colorspace, ctx.color_primaries, ctx.color_trc)
    return EncoderSpec(ctx.width, ctx.height, pix_fmt, rate, profile, ctx.level, sar, colour, max(gop, 1), free)


class SegmentEncoder:
    """One run of re-encoded frames: starts with an IDR picture, ends flushed. Packets come out as Annex B
    NAL units; the parameter sets are in `parameter_sets` (global header), never in the packets."""

    def __init__(self, spec: EncoderSpec) -> None:
        ctx = av.CodecContext.create("libx264", "w")
        ctx.width, ctx.height, ctx.pix_fmt = spec.width, spec.height, spec.pix_fmt
        ctx.time_base = 1 / spec.rate
        ctx.framerate = spec.rate
        if spec.level > 0:
            ctx.level = spec.level
        if spec.sar:
            ctx.sample_aspect_ratio = spec.sar
        ctx.color_range, ctx.colorspace, ctx.color_primaries, ctx.color_trc = spec.colour
        ctx.flags |= av.codec.context.Flags.global_header
        ctx.thread_count = 0
        ctx.options = spec.options()
        ctx.open()
        self.ctx = ctx
        nals = split_annexb(ctx.extradata or b"")
        self.sps = [n for n in nals if nal_type(n) == NAL_SPS]
        self.pps = [n for n in nals if nal_type(n) == NAL_PPS]
        if not self.sps or not self.pps or any(sps_id(s) != spec.sps_id for s in self.sps):
            raise SmartUnsafe("the encoder did not give its parameter sets the id asked for")

    @property
    def parameter_sets(self) -> list[bytes]:
        return [*self.sps, *self.pps]

    @property
    def delay(self) -> int:
        """Frames by which decode order runs ahead of presentation order (B-frame reordering)."""
        return int(self.ctx.reorder_depth)

    def encode(self, frame: av.VideoFrame | None) -> list[av.Packet]:
        return self.ctx.encode(frame)
