"""Proxy presets (pure): sizes at the display aspect ratio, never upscaled; encode settings; source choice."""

from __future__ import annotations

from fractions import Fraction

import pytest

from app.core.proxy_presets import (
    DNXHR_EDITORIAL,
    SourceChoice,
    SourceFacts,
    choose_source,
    editorial_preset,
    plan_proxy,
)

R2398, R25, R2997 = Fraction(24000, 1001), Fraction(25), Fraction(30000, 1001)


@pytest.mark.parametrize(("size", "sar", "thumbnail", "preview", "editorial"), [
    ((1920, 1080), None, (320, 180), (960, 540), (1920, 1080)),
    ((3840, 2160), None, (320, 180), (960, 540), (1920, 1080)),
    ((1440, 1080), Fraction(4, 3), (320, 180), (960, 540), (1920, 1080)),  # HDV: 1920 wide on screen
    ((720, 480), Fraction(8, 9), (320, 240), (640, 480), (640, 480)),  # NTSC DV 4:3, never upscaled
    ((720, 576), Fraction(64, 45), (320, 180), (960, 540), (1024, 576)),  # PAL 16:9 anamorphic
    ((1080, 1920), None, (180, 320), (304, 540), (608, 1080)),  # portrait fits the box
    ((160, 90), None, (160, 90), (160, 90), (160, 90)),  # small sources stay their size
    ((240, 180), Fraction(4, 3), (320, 180), (320, 180), (320, 180)),
    ((2048, 858), None, (320, 134), (960, 402), (1920, 804)),  # scope: heights rounded to even
    ((101, 57), None, (100, 56), (100, 56), (100, 56)),  # odd sizes: even, never above the source
])
def test_sizes_keep_display_aspect_even_and_never_upscale(size, sar, thumbnail, preview, editorial) -> None:
    facts = SourceFacts(size[0], size[1], R25, sar)
    got = {name: (s.width, s.height) for name in ("thumbnail", "preview", "editorial")
           for s in [plan_proxy(facts, name)]}
    assert got == {"thumbnail": thumbnail, "preview": preview, "editorial": editorial}
    for width, height in got.values():
        assert width % 2 == 0 and height % 2 == 0


def test_encode_settings_per_preset() -> None:
    facts = SourceFacts(3840, 2160, R2398, None, has_audio=True, audio_channels=2)
    thumb = plan_proxy(facts, "thumbnail")
    assert (thumb.codec, thumb.pix_fmt, thumb.container, thumb.gop, thumb.audio_codec) == (
        "libx264", "yuv420p", "mp4", 24, "aac")
    assert thumb.frame_rate == R2398 and 150_000 < thumb.bitrate < 600_000
    preview = plan_proxy(facts, "preview")
    assert preview.codec == "libx264" and preview.bitrate > thumb.bitrate and preview.audio_bitrate
    editorial = plan_proxy(facts, "editorial")
    assert (editorial.codec, editorial.pix_fmt, editorial.container, editorial.gop, editorial.audio_codec) == (
        "prores_ks", "yuv422p10le", "mov", 1, "pcm_s16le")
    assert ("profile", "0") in editorial.options  # ProRes 422 Proxy
    assert 30e6 < editorial.bitrate < 40e6  # Apple: 36 Mb/s at 1080p23.976
    dnx = plan_proxy(facts, editorial_preset("dnxhr"))
    assert editorial_preset("dnxhr") is DNXHR_EDITORIAL
    assert (dnx.codec, dnx.pix_fmt, dnx.container, dnx.gop) == ("dnxhd", "yuv422p", "mov", 1)
    assert ("profile", "dnxhr_lb") in dnx.options
    silent = plan_proxy(SourceFacts(1920, 1080, R2997), "preview")
    assert silent.audio_codec is None and silent.gop == 30 and silent.frame_rate == R2997
    with pytest.raises(ValueError):
        editorial_preset("mjpeg")
    with pytest.raises(ValueError):
        plan_proxy(SourceFacts(0, 0, R25), "preview")


ORIGINAL = SourceChoice("/a.mov", 3840, 2160, 100_000_000)
PROXIES = [
    SourceChoice("/p/editorial.mov", 1920, 1080, 36_000_000, "editorial"),
    SourceChoice("/p/thumbnail.mp4", 320, 180, 300_000, "thumbnail"),
    SourceChoice("/p/preview.mp4", 960, 540, 1_500_000, "preview"),
]
MB = 1_000_000 / 8  # bytes per second for one megabit per second


@pytest.mark.parametrize(("display", "bandwidth", "expected"), [
    ((320, 180), 1000 * MB, "thumbnail"),  # the smallest that covers the display
    ((640, 360), 1000 * MB, "preview"),
    ((1280, 720), 1000 * MB, "editorial"),
    ((1920, 1080), 1000 * MB, "editorial"),
    ((3840, 2160), 1000 * MB, None),  # bigger than every proxy: the original, which fits
    ((1920, 1080), 10 * MB, "thumbnail"),  # nothing large enough fits, nor the original
    ((3840, 2160), 50 * MB, "thumbnail"),  # the original does not fit either
    ((640, 360), 1 * MB, "thumbnail"),  # the preview's 1.5 Mb/s does not fit 1 Mb/s
])
def test_choose_source(display, bandwidth, expected) -> None:
    choice = choose_source(ORIGINAL, PROXIES, display[0], display[1], bandwidth)
    assert choice.preset == expected
    if expected is None:
        assert choice is ORIGINAL


def test_choose_source_without_proxies() -> None:
    assert choose_source(ORIGINAL, [], 320, 180, 1) is ORIGINAL
    small = SourceChoice("/b.mov", 640, 360, 2_000_000)
    assert choose_source(small, PROXIES, 1920, 1080, 10 * MB) is small  # the original fits: better than a thumb
