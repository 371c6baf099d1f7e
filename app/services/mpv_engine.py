"""libmpv through python-mpv: lazy loading, and the software render API python-mpv 1.0.x lacks.

The software render API ("sw") gives frames as pixels in memory: it works without OpenGL (offscreen,
Xvfb, remote desktops) and lets tests read the exact frame on screen.
"""

from __future__ import annotations

import ctypes
import locale
import os
import sys
import urllib.parse
from typing import Any

import numpy as np

from app.core.proxy_presets import SourceChoice

# mpv/render.h: MPV_RENDER_PARAM_SW_SIZE .. SW_POINTER (libmpv >= 0.34)
_SW_SIZE, _SW_FORMAT, _SW_STRIDE, _SW_POINTER = 17, 18, 19, 20

_mpv_module: Any = None
_load_error: str | None = None


def load_mpv() -> Any:
    """The python-mpv module, or None when libmpv is missing (load_error() says how to fix it)."""
    global _mpv_module, _load_error
    if _mpv_module is not None or _load_error is not None:
        return _mpv_module
    # libmpv refuses to start unless numbers are formatted the C way; Qt resets LC_NUMERIC.
    locale.setlocale(locale.LC_NUMERIC, "C")
    try:
        import mpv  # noqa: PLC0415 - loading libmpv is deferred until a player is needed
    except (OSError, ImportError, AttributeError) as exc:
        _load_error = (
            f"libmpv could not be loaded ({exc}). Install it with: sudo apt-get install libmpv2 "
            "(macOS: brew install mpv; Windows: put libmpv-2.dll next to Reelkeep)"
        )
        return None
    _mpv_module = mpv
    return mpv


def load_error() -> str | None:
    load_mpv()
    return _load_error


class SoftwareFrameRenderer:
    """Renders mpv's current video frame into an RGBX numpy array of any size."""

    def __init__(self, player: Any, on_update: Any) -> None:
        mpv = load_mpv()
        self._mpv = mpv
        self._context = mpv.MpvRenderContext(player, "sw")
        self._context.update_cb = on_update  # called on mpv's thread: must only post
        self._format = ctypes.c_char_p(b"rgb0")

    def render(self, width: int, height: int) -> np.ndarray:
        """The frame scaled (aspect kept, letterboxed) into width x height; rows are RGBX."""
        width, height = max(width, 16), max(height, 16)
        stride = ((width * 4 + 63) // 64) * 64  # mpv's sw renderer wants 64-byte aligned rows for SIMD
        buffer = np.zeros((height, stride // 4, 4), dtype=np.uint8)
        size = (ctypes.c_int * 2)(width, height)
        stride_value = ctypes.c_size_t(stride)
        params = (self._mpv.MpvRenderParam * 5)()
        for slot, (type_id, pointer) in enumerate(
            [
                (_SW_SIZE, ctypes.cast(size, ctypes.c_void_p)),
                (_SW_FORMAT, ctypes.cast(self._format, ctypes.c_void_p)),
                (_SW_STRIDE, ctypes.cast(ctypes.pointer(stride_value), ctypes.c_void_p)),
                (_SW_POINTER, buffer.ctypes.data_as(ctypes.c_void_p)),
            ]
        ):
            params[slot].type_id = type_id
            params[slot].data = pointer
        params[4].type_id = 0
        self._mpv._mpv_render_context_render(self._context.handle, params)
        return buffer[:, :width, :]

    def has_new_frame(self) -> bool:
        return self._context.update()

    def free(self) -> None:
        # Free first: after mpv_render_context_free returns mpv calls the update callback no more. Clearing
        # the callback before that could drop the ctypes wrapper while mpv's thread is inside it (a crash).
        self._context.free()


def mpv_options() -> dict[str, Any]:
    """Options for an embedded, frame-exact player."""
    options: dict[str, Any] = {
        "vo": "libmpv",
        "keep_open": "always",  # stay on the last frame instead of unloading at the end
        "hr_seek": "yes",  # exact seeks: the frame asked for, not the keyframe before it
        "hr_seek_framedrop": "yes",  # frames before the target need not be shown, only decoded
        "idle": "yes",
        "input_default_bindings": "no",
        "input_vo_keyboard": "no",
        "osc": "no",
        "pause": "yes",
        "audio_display": "no",
        "cache": "yes",
        "demuxer_max_back_bytes": "64MiB",  # keep recent packets so back-steps need not re-read disk
        "image_display_duration": "inf",
        "sub_auto": "fuzzy",
    }
    # Without a sound device mpv ends audio-only files at once; "null" last keeps them playable (silently).
    options["ao"] = "null" if os.environ.get("REELKEEP_NO_AUDIO") else _AUDIO_OUTPUTS.get(sys.platform, _LINUX_AO)
    return options


_LINUX_AO = "pipewire,pulse,alsa,jack,null"
_AUDIO_OUTPUTS = {"darwin": "coreaudio,null", "win32": "wasapi,null"}


def mpv_path(path: str) -> str:
    """The path in a form mpv opens: as it is when the name is UTF-8, else a file:// URL of its escaped bytes.

    python-mpv hands mpv every string as UTF-8, so a name with other bytes (an os-module str holding surrogate
    escapes) cannot go as text; mpv unescapes file:// URLs back to the exact bytes of the name.
    """
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return "file://" + urllib.parse.quote(os.fsencode(os.path.abspath(path)))
    return path


def decoder_options(choice: SourceChoice) -> str:
    """libavcodec options (mpv's vd-lavc-o) for playing one rendition.

    FFmpeg prefers frame threading, which must refill its pipeline after every seek: on 1080p H.264 with a
    48-frame GOP an exact seek took a median 253 ms that way and 187 ms with slice threading on the same
    two-slice file (2 cores). Single-slice files seek faster with frame threading, which stays the default.
    """
    return "thread_type=slice" if choice.slices is not None and choice.slices >= 2 else ""
