"""A scanned library of badly named media for the sanitiser's tests, and snapshots to compare it by."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path
from typing import Any

from app.catalog.catalog import Catalog
from app.core.job import JobContext, execute
from app.ingest.scan import ScanJob
from tests.media import make_audio, make_clip

NFD_NAME = unicodedata.normalize("NFD", "Café crème.mov").encode()
# (folder inside the library, exact name bytes, frames or None for audio)
MESSY: list[tuple[bytes, bytes, int | None]] = [
    (b"", b'A001<take>?"1".mov', 4),
    (b"", b"CON.mov", 5),
    (b"", NFD_NAME, 6),
    (b"", b"caf\xe9 song.flac", None),
    (b"Day:1 ", b"B002|x.mp4", 7),
    (b"Day:1 ", b"x?.mov", 8),
    (b"Day:1 ", b"x_.mov", 9),
    (b"Day:1 ", b"LPT1.mov", 10),
]
NOT_MEDIA = b"readme. "


def make_messy(folder: Path) -> list[bytes]:
    """Write the messy files (distinct content each) under folder; their raw paths."""
    raw_root = os.fsencode(folder)
    paths = []
    for sub, name, frames in MESSY:
        where = os.path.join(raw_root, sub)
        os.makedirs(where, exist_ok=True)
        target = os.path.join(where, name)
        if frames is None:
            made = make_audio(folder / "tmp.flac", tags={"title": "Chanson"}, seconds=0.3)
        else:
            made = make_clip(folder / f"tmp{os.path.splitext(os.fsdecode(name))[1]}", rate="25", frames=frames,
                             size=(160, 90))
        os.rename(os.fsencode(made), target)
        paths.append(target)
    with open(os.path.join(raw_root, NOT_MEDIA), "wb") as handle:
        handle.write(b"not media\n")
    return paths


def scan(catalog: Catalog, folder: Path) -> None:
    root = catalog.add_root(folder)
    assert execute(ScanJob(catalog, [root]), JobContext()).ok


def tree(folder: Path) -> list[bytes]:
    """Every path below folder, as exact bytes."""
    raw = os.fsencode(folder)
    return sorted(os.path.join(d, n)[len(raw):] for d, dirs, files in os.walk(raw) for n in dirs + files)


def decorate(catalog: Catalog) -> dict[int, dict[str, Any]]:
    """Give every record user data (tags, rating, favourite, a marker, a play, a proxy, a subclip link) and
    return what must survive any rename."""
    ids = catalog.query_ids()
    for n, media_id in enumerate(ids):
        catalog.add_tags([media_id], [f"tag{n}", "messy"])
        catalog.set_rating([media_id], n % 5 + 1)
        catalog.add_marker(media_id, n, f"mark {n}")
        catalog.record_play(media_id)
    catalog.set_favourite(ids[:2], True)
    catalog.set_proxy(ids[0], "preview", "/proxies/p0.mp4", "h264", 160, 90, 1000, 1234, 4)
    return records(catalog)


KEPT = ("id", "status", "rating", "favourite", "tags", "play_count", "markers", "proxies", "identity_hash",
        "content_hash", "kind", "frame_count", "size")


def records(catalog: Catalog) -> dict[int, dict[str, Any]]:
    """The parts of every record a rename must not change."""
    return {i: {k: catalog.info(i)[k] for k in KEPT} for i in catalog.query_ids()}


def ids_by_path(catalog: Catalog) -> dict[bytes, int]:
    return {catalog.raw_paths([i])[i]: i for i in catalog.query_ids()}
