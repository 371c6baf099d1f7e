"""Which blocks the timeline paints: one per event and track it fills, tracks ordered V, A1, A2…"""

from __future__ import annotations

from dataclasses import dataclass

from app.interchange.edl_model import EdlEvent
from app.interchange.sequence import is_video_track


@dataclass(frozen=True)
class Block:
    index: int  # the event's index in the timeline
    track: str
    record_in: int
    record_out: int


def track_names(events: list[EdlEvent]) -> list[str]:
    """V (always shown) and any other video tracks, then every audio track the events use, in number order."""
    used = {t for e in events for t in e.tracks} | {"V"}
    return sorted(used, key=lambda t: (not is_video_track(t), int(t[1:] or 1) if t[1:].isdigit() else 0, t))


def layout_blocks(events: list[EdlEvent], tracks: list[str]) -> list[Block]:
    """Blocks in event order (later events paint over earlier ones); zero-length events have none."""
    return [Block(i, t, e.record_in, e.record_out) for i, e in enumerate(events)
            if e.record_out > e.record_in for t in e.tracks if t in tracks]
