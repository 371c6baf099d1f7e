"""Reading the audio streams of files cataloged before Reelkeep recorded every one (catalog version 6).

Only the stream list is read (a header parse, no identity hash and no full probe), so a file that is
already ok keeps its record as it is; its tracks stop being "unknown". A scan runs this for its roots.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.catalog.catalog import Catalog
from app.core.errors import ProbeError
from app.core.facts import AudioStreamFacts
from app.core.progress import CancelToken, ProgressMeter, ProgressSink
from app.media.probe import probe_audio_streams

BATCH = 200


def read_unread_audio(catalog: Catalog, root_ids: Sequence[int], cancel: CancelToken | None = None,
                      on_change: Callable[[list[int]], None] | None = None,
                      progress: ProgressSink | None = None) -> int:
    """Record the audio streams of every ok file under these roots whose streams are unknown; returns how
    many were recorded. A file that cannot be opened now stays unknown (its next probe will say why)."""
    ids = [media_id for root_id in root_ids for media_id in catalog.unread_audio_ids(root_id)]
    if not ids:
        return 0
    # A one-time pass after the upgrade (a header read per file, about 0.4 ms): its own progress and ETA.
    meter = ProgressMeter(progress, total=len(ids), unit="files")
    meter.note(f"Reading the audio tracks of {len(ids)} files cataloged by an older version")
    recorded = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        found: dict[int, tuple[AudioStreamFacts, ...]] = {}
        for media_id, raw in catalog.raw_paths(chunk).items():
            if cancel is not None:
                cancel.check()
            try:
                found[media_id] = probe_audio_streams(raw)
            except ProbeError:
                continue
        catalog.set_audio_tracks(found)
        recorded += len(found)
        meter.advance(len(chunk))
        if on_change and found:
            on_change(list(found))
    meter.finish()
    return recorded
