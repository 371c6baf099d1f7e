"""Many small cataloguable files quickly: copies of a few short tagged songs (probing stays cheap)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.media.audio import make_audio


def make_library(folder: Path, count: int, per_folder: int = 100, prefix: str = "song") -> list[Path]:
    """count files in subfolders of folder (per_folder each), copies of three distinct tiny MP3s."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = [
        make_audio(folder / f".{prefix}-source-{k}.mp3", tags={"title": f"Song {k}", "artist": "Generated"},
                   seconds=0.2)
        for k in range(3)
    ]
    paths = []
    for index in range(count):
        target = folder / f"{prefix}-{index // per_folder:03d}" / f"{prefix}{index:05d}.mp3"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(sources[index % len(sources)], target)
        paths.append(target)
    for source in sources:
        source.unlink()
    return paths
