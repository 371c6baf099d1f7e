"""How catalog values read on screen: durations, rates, sizes, dates, stars. Pure functions, no Qt."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

from app.core.timecode import format_rate

STAR, EMPTY_STAR, HEART, EMPTY_HEART = "★", "☆", "♥", "♡"

_CODEC_NAMES = {
    "h264": "H.264", "hevc": "HEVC", "prores": "ProRes", "mpeg4": "MPEG-4", "mpeg2video": "MPEG-2",
    "mjpeg": "MJPEG", "vp9": "VP9", "av1": "AV1", "dnxhd": "DNxHD", "aac": "AAC", "mp3": "MP3",
    "flac": "FLAC", "opus": "Opus", "vorbis": "Vorbis", "alac": "ALAC", "ac3": "AC-3",
    "pcm_s16le": "PCM 16", "pcm_s16be": "PCM 16", "pcm_s24le": "PCM 24", "pcm_s24be": "PCM 24",
    "pcm_s32le": "PCM 32", "pcm_f32le": "PCM float", "png": "PNG", "jpeg": "JPEG",
}


def duration_text(seconds: float | None) -> str:
    """h:mm:ss, the way editors and players show a length."""
    if seconds is None:
        return ""
    total = int(seconds + 0.5) if seconds >= 1 else (1 if seconds > 0 else 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def precise_duration_text(seconds: float | None) -> str:
    """h:mm:ss.mmm for the details pane."""
    if seconds is None:
        return ""
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def rate_text(num: int | None, den: int | None) -> str:
    """23.976, 25, 29.97: exact rates shown the way people say them."""
    if not num or not den:
        return ""
    return format_rate(Fraction(num, den))


def resolution_text(width: int | None, height: int | None) -> str:
    """1920×1080."""
    return f"{width}×{height}" if width and height else ""


def codec_text(codec: str | None) -> str:
    """The codec as people write it: H.264, ProRes, AAC."""
    if not codec:
        return ""
    return _CODEC_NAMES.get(codec, codec.upper() if len(codec) <= 4 else codec)


def size_text(size: int | None) -> str:
    """Decimal units (as file managers show them): 950 B, 12.3 MB, 1.20 GB."""
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            if unit == "B":
                return f"{int(value)} B"
            return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
        value /= 1000
    return ""


def date_text(timestamp: float | None) -> str:
    """A local date, 2024-06-14."""
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d") if timestamp else ""


def datetime_text(timestamp: float | None) -> str:
    """A local date and time to the minute."""
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M") if timestamp else ""


def iso_text(iso: str | None) -> str:
    """An ISO-8601 UTC string from catalog.info() in local time."""
    if not iso:
        return ""
    return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def stars_text(rating: int | None) -> str:
    """★★★☆☆ for 3."""
    rating = rating or 0
    return STAR * rating + EMPTY_STAR * (5 - rating)


def count_text(count: int, noun: str, plural: str | None = None) -> str:
    """'1 file', '1,204 files'."""
    return f"{count:,} {noun if count == 1 else (plural or noun + 's')}"


def eta_text(seconds: float | None) -> str:
    """3 s, 2 min 05 s, 1 h 02 min."""
    if seconds is None:
        return ""
    seconds = int(seconds + 0.5)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def rate_per_second_text(rate: float, unit: str) -> str:
    """350 files/s, 2.5 MB/s, 0.40 files/s."""
    if rate >= 100:
        return f"{rate:,.0f} {unit}/s"
    return f"{rate:.1f} {unit}/s" if rate >= 1 else f"{rate:.2f} {unit}/s"
