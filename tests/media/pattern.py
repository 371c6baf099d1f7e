"""The frame-index pattern of TESTING.md: paint it into frames, read it back."""

from __future__ import annotations

import os
from fractions import Fraction
from typing import Any

import av
import numpy as np

StrPath = str | os.PathLike[str]

CELLS = 36
MAX_INDEX = (1 << 24) - 1
AUDIO_RATE = 48000
DEFAULT_TC = "01:00:00:00"
DEFAULT_TC_DF = "01:00:00;00"
NTSC_29_97 = Fraction(30000, 1001)

_BEEP_HZ = 1000.0
_BEEP_AMPLITUDE = 0.5


def band_height(height: int) -> int:
    """Rows of the band: ``max(floor(0.06*H), 8)`` (never more than the frame)."""
    return min(height, max(height * 6 // 100, 8))


def check_byte(index: int) -> int:
    """``((b2 + b1 + b0) & 0xFF) ^ 0xA5`` for the three bytes of a 24-bit index."""
    b2, b1, b0 = (index >> 16) & 0xFF, (index >> 8) & 0xFF, index & 0xFF
    return ((b2 + b1 + b0) & 0xFF) ^ 0xA5


def pattern_bits(index: int) -> list[int]:
    """The 36 cell values (1 = white) for ``index``, left to right."""
    if not 0 <= index <= MAX_INDEX:
        raise ValueError(f"frame index {index} does not fit in 24 bits")
    chk = check_byte(index)
    return (
        [1, 0]
        + [(index >> (23 - k)) & 1 for k in range(24)]
        + [(chk >> (7 - k)) & 1 for k in range(8)]
        + [0, 1]
    )


def paint_index(frame: np.ndarray, index: int) -> None:
    """Paint the frame-index band of ``index`` into ``frame`` in place.

    ``frame`` is an ``H x W x 3`` (or ``x 4``, or ``H x W`` gray) uint8 array.  The band
    covers all columns and rows ``0 .. max(floor(0.06*H), 8)``; cell ``i`` spans columns
    ``i*W//36 .. (i+1)*W//36``; white is 255, black is 0.
    """
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8:
        raise TypeError("paint_index needs a uint8 numpy array")
    if frame.ndim not in (2, 3):
        raise ValueError(f"expected an HxWx3 or HxW array, got shape {frame.shape}")
    height, width = frame.shape[:2]
    band = band_height(height)
    for i, bit in enumerate(pattern_bits(index)):
        c0, c1 = i * width // CELLS, (i + 1) * width // CELLS
        if frame.ndim == 3:
            frame[:band, c0:c1, :3] = 255 if bit else 0
        else:
            frame[:band, c0:c1] = 255 if bit else 0


def _read_rows(band: int) -> tuple[int, int]:
    """Rows whose centres lie in ``[0.25*band, 0.75*band]`` as a half-open range."""
    r0 = -(-(band - 2) // 4)  # ceil((band - 2) / 4)
    r1 = (3 * band - 2) // 4 + 1
    return max(r0, 0), max(r1, r0 + 1)


def _read_cols(i: int, width: int) -> tuple[int, int]:
    """Columns whose centres lie in ``[(i+0.3)*W/36, (i+0.7)*W/36]`` (half-open).

    Kept inside the painted cell ``i*W//36 .. (i+1)*W//36``; for W >= 60 the window
    always is.  Narrower frames fall back to the pixel nearest the cell's centre.
    """
    lo, hi = i * width // CELLS, max((i + 1) * width // CELLS, i * width // CELLS + 1)
    j0 = max(-(-((10 * i + 3) * width - 180) // 360), lo)
    j1 = min(((10 * i + 7) * width - 180) // 360 + 1, hi)
    if j1 > j0:
        return j0, j1
    j = min(max((10 * i + 5) * width // 360, lo), hi - 1)
    return j, j + 1


def _luma(frame: Any) -> np.ndarray:
    if isinstance(frame, av.VideoFrame):
        return frame.to_ndarray(format="gray")
    arr = np.asarray(frame)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim == 2:
        return arr
    if arr.ndim == 3 and arr.shape[2] >= 3:
        return arr
    raise ValueError(f"expected an HxWx3 / HxW array or an av.VideoFrame, got {arr.shape}")


def read_index(frame: Any) -> int | None:
    """Read the frame index back, or ``None`` when guards or check byte disagree.

    ``frame`` is an ``H x W x 3`` RGB array, an ``H x W`` gray array or an
    ``av.VideoFrame`` (converted to gray with swscale, which maps limited-range luma
    to full range).  Each cell is the mean luma over the columns
    ``(i+0.3)*W/36 .. (i+0.7)*W/36`` and rows ``0.25*band .. 0.75*band``; above 128
    is 1.
    """
    img = _luma(frame)
    height, width = img.shape[:2]
    if height == 0 or width < CELLS:
        return None
    r0, r1 = _read_rows(band_height(height))
    rows = img[r0:r1].astype(np.float32)
    if rows.ndim == 3:
        rows = rows[:, :, 0] * 0.299 + rows[:, :, 1] * 0.587 + rows[:, :, 2] * 0.114
    bits = []
    for i in range(CELLS):
        c0, c1 = _read_cols(i, width)
        bits.append(1 if float(rows[:, c0:c1].mean()) > 128.0 else 0)
    if bits[:2] != [1, 0] or bits[34:] != [0, 1]:
        return None
    index = 0
    for bit in bits[2:26]:
        index = (index << 1) | bit
    chk = 0
    for bit in bits[26:34]:
        chk = (chk << 1) | bit
    return index if chk == check_byte(index) else None


