"""Proxy presets, the pure planning of one proxy's encode settings, and the player's choice of source.

Sizes keep the source's display aspect ratio (display width = width x sample aspect ratio, so an
anamorphic 1440x1080 with SAR 4:3 shows 1920 wide), are even (4:2:0 and 4:2:2 need it) and are never
larger than the source: a proxy is never upscaled.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

THUMBNAIL, PREVIEW, EDITORIAL = "thumbnail", "preview", "editorial"
PRORES_PROXY, DNXHR_LB = "prores_ks", "dnxhd"


@dataclass(frozen=True)
class ProxyPreset:
    """What a preset aims for; plan_proxy() fits it to one source."""

    name: str
    codec: str  # FFmpeg encoder name
    max_width: int
    max_height: int
    pix_fmt: str
    container: str  # FFmpeg muxer name
    extension: str
    audio_codec: str
    bits_per_pixel: float  # target bitrate per pixel per frame (H.264), or the codec's nominal rate (intra)
    intra: bool = False
    encoder_options: tuple[tuple[str, str], ...] = ()


PRESETS: dict[str, ProxyPreset] = {
    # The thumbnail is 320 wide (320 high for portrait video); the others fit a 16:9 box.
    # x264 'veryfast': proxies are made in bulk; the bitrate, not the preset, sets the size.
    THUMBNAIL: ProxyPreset(THUMBNAIL, "libx264", 320, 320, "yuv420p", "mp4", "mp4", "aac", 0.20,
                           encoder_options=(("preset", "veryfast"), ("profile", "high"))),
    PREVIEW: ProxyPreset(PREVIEW, "libx264", 960, 540, "yuv420p", "mp4", "mp4", "aac", 0.12,
                         encoder_options=(("preset", "veryfast"), ("profile", "high"))),
    # ProRes 422 Proxy (prores_ks profile 0): Apple's white paper gives 45 Mb/s at 1920x1080 29.97,
    # i.e. about 0.72 bits per pixel per frame.
    EDITORIAL: ProxyPreset(EDITORIAL, PRORES_PROXY, 1920, 1080, "yuv422p10le", "mov", "mov", "pcm_s16le", 0.72,
                           intra=True, encoder_options=(("profile", "0"), ("vendor", "apl0"))),
}
# DNxHR LB: Avid's lowest-bitrate DNxHR (about 0.58 bits per pixel per frame), 8-bit 4:2:2 in MOV.
DNXHR_EDITORIAL = ProxyPreset(EDITORIAL, DNXHR_LB, 1920, 1080, "yuv422p", "mov", "mov", "pcm_s16le", 0.58,
                              intra=True, encoder_options=(("profile", "dnxhr_lb"),))
AUDIO_BITRATE = {THUMBNAIL: 96_000, PREVIEW: 160_000}
# Below this an H.264 proxy of a tiny source turns to mush (x264 would starve the first keyframes).
MIN_H264_BITRATE = 200_000


@dataclass(frozen=True)
class SourceFacts:
    """What plan_proxy needs to know about an original."""

    width: int
    height: int
    frame_rate: Fraction
    sample_aspect_ratio: Fraction | None = None  # None or 0: square pixels
    has_audio: bool = False
    audio_channels: int | None = None


@dataclass(frozen=True)
class ProxySpec:
    """The settings of one proxy encode; tests assert on these."""

    preset: str
    codec: str
    width: int
    height: int
    bitrate: int  # bits per second (video); for intra codecs the nominal rate they reach
    pix_fmt: str
    gop: int  # frames between keyframes (1: every frame intra)
    container: str
    extension: str
    frame_rate: Fraction
    audio_codec: str | None
    audio_bitrate: int | None
    options: tuple[tuple[str, str], ...] = ()


def _even_down(value: Fraction | float) -> int:
    return max(2, int(math.floor(value / 2)) * 2)


def display_size(width: int, height: int, sar: Fraction | None) -> tuple[Fraction, int]:
    """(display width, height): anamorphic pixels are stretched horizontally, as players show them."""
    aspect = Fraction(sar) if sar else Fraction(1)
    return Fraction(width) * aspect, height


def fit_size(width: int, height: int, sar: Fraction | None, max_width: int, max_height: int) -> tuple[int, int]:
    """Even (width, height) within max_width x max_height at the display aspect ratio, never larger than
    the source's display size."""
    display_w, display_h = display_size(width, height, sar)
    scale = min(Fraction(1), Fraction(max_width) / display_w, Fraction(max_height, display_h))
    # Rounding to even may step one pixel over an odd bound; clamp back inside it.
    out_w = min(_even_round(display_w * scale), _even_down(max(display_w, 2)), _even_down(max_width))
    out_h = min(_even_round(display_h * scale), _even_down(max(display_h, 2)), _even_down(max_height))
    return out_w, out_h


def _even_round(value: Fraction) -> int:
    return max(2, int(round(value / 2)) * 2)


def plan_proxy(source: SourceFacts, preset: str | ProxyPreset) -> ProxySpec:
    """The encode settings for one source and preset (pure)."""
    p = PRESETS[preset] if isinstance(preset, str) else preset
    if source.width <= 0 or source.height <= 0:
        raise ValueError(f"no picture size: {source.width}x{source.height}")
    width, height = fit_size(source.width, source.height, source.sample_aspect_ratio, p.max_width, p.max_height)
    rate = Fraction(source.frame_rate)
    bitrate = int(round(width * height * rate * Fraction(p.bits_per_pixel).limit_denominator(1000)))
    if not p.intra:
        bitrate = max(bitrate, MIN_H264_BITRATE)
    gop = 1 if p.intra else max(1, round(rate))  # one keyframe a second: cheap seeks when scrubbing
    audio_codec = p.audio_codec if source.has_audio else None
    audio_bitrate = AUDIO_BITRATE.get(p.name) if audio_codec == "aac" else None
    return ProxySpec(p.name, p.codec, width, height, bitrate, p.pix_fmt, gop, p.container, p.extension, rate,
                     audio_codec, audio_bitrate, p.encoder_options)


def editorial_preset(codec: str = PRORES_PROXY) -> ProxyPreset:
    """The editorial preset in ProRes 422 Proxy (default) or DNxHR LB ('dnxhd' / 'dnxhr')."""
    if codec in (DNXHR_LB, "dnxhr", "dnxhr_lb"):
        return DNXHR_EDITORIAL
    if codec in (PRORES_PROXY, "prores"):
        return PRESETS[EDITORIAL]
    raise ValueError(f"unknown editorial codec {codec!r} (prores or dnxhr)")


@dataclass(frozen=True)
class SourceChoice:
    """One playable rendition of a file: the original (preset None) or a proxy."""

    path: str
    width: int
    height: int
    bitrate: int  # bits per second
    preset: str | None = None
    slices: int | None = None  # coded slices per frame, when known (see media/bitstream.py)


def choose_source(original: SourceChoice, proxies: Sequence[SourceChoice], display_width: int,
                  display_height: int, bandwidth_bytes_per_s: float) -> SourceChoice:
    """The smallest proxy at least the display size whose bitrate fits the bandwidth; else the original
    when it fits; else the smallest proxy (something must play)."""
    budget_bits = bandwidth_bytes_per_s * 8
    by_size = sorted(proxies, key=lambda c: (c.width * c.height, c.bitrate))
    for proxy in by_size:
        if proxy.width >= display_width and proxy.height >= display_height and proxy.bitrate <= budget_bits:
            return proxy
    if original.bitrate <= budget_bits:
        return original
    return by_size[0] if by_size else original
