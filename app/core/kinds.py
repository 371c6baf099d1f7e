"""Which files the library takes, by name."""

from __future__ import annotations

import os

VIDEO_EXTENSIONS = frozenset(
    [".mov", ".mp4", ".m4v", ".mkv", ".webm", ".avi", ".mxf", ".mts", ".m2ts", ".ts", ".mpg", ".mpeg", ".wmv", ".flv", ".3gp", ".ogv", ".dv", ".r3d", ".braw"]
)
AUDIO_EXTENSIONS = frozenset([".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".wav", ".aif", ".aiff", ".wma", ".alac", ".ape", ".wv"])
IMAGE_EXTENSIONS = frozenset([".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp", ".dpx", ".exr", ".heic", ".gif"])


def kind_for_name(name: str | bytes) -> str | None:
    """'video', 'audio', 'image' or None for files the library ignores."""
    ext = extension(os.fsdecode(name)).lower()
    if ext in VIDEO_EXTENSIONS:
        return "video"
    if ext in AUDIO_EXTENSIONS:
        return "audio"
    if ext in IMAGE_EXTENSIONS:
        return "image"
    return None


def extension(path: str) -> str:
    """os.path.splitext(path)[1] in fewer steps (an archive commit asks it of every one of 100,000 files): the last
    name's suffix from its last dot, leading dots not counting."""
    name = path[path.rfind(os.sep) + 1:] if os.sep in path else path
    if os.altsep and os.altsep in name:
        name = name[name.rfind(os.altsep) + 1:]
    stem = name.lstrip(".")
    dot = stem.rfind(".")
    return stem[dot:] if dot > 0 else ""
