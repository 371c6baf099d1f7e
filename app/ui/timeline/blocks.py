"""Which blocks the timeline paints: one per event and track it fills, tracks ordered V, A1, A2…"""

from __future__ import annotations

from dataclasses import dataclass

from app.interchange.edl_model import EdlEvent


@dataclass(frozen=True)
class Block:
    index: int  # the event's index in the timeline
    track: str
    record_in: int
    record_out: int


def track_names(events: list[EdlEvent]) -> list[str]:
    """V first (always shown), then every audio track the events use, in number order."""
    audio = {t for e in events for t in e.tracks if t != "V"}
    return ["V", *sorted(audio, key=lambda t: int(t[1:] or 0))]


def layout_blocks(events: list[EdlEvent], tracks: list[str]) -> list[Block]:
    """Blocks in event order (later events paint over earlier ones); zero-length events have none."""
    return [Block(i, t, e.record_in, e.record_out) for i, e in enumerate(events)
            if e.record_out > e.record_in for t in e.tracks if t in tracks]
