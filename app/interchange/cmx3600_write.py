"""CMX 3600 EDL writing: cuts, dissolves and wipes (two-line form), M2 speeds and the usual comments."""

from __future__ import annotations

import re
from collections.abc import Iterable
from fractions import Fraction

from app.core.timecode import from_frames, supports_drop_frame
from app.interchange.edl_model import EdlDocument, EdlEvent, is_track_field

REEL_LENGTH = 8  # CMX 3600's reel column: a longer reel shifts every column after it
# Written after an event whose reel was too long; the reader (cmx3600.py) puts the long reel back.
LONG_REEL_COMMENT = "REELKEEP: reel {long} written as {short}"
LONG_REEL_RE = re.compile(r"^REELKEEP: reel (.+) written as (\S{1,8})$")


def write_cmx3600(
    doc_or_events: EdlDocument | Iterable[EdlEvent],
    rate: Fraction | None = None,
    drop_frame: bool | None = None,
    title: str | None = None,
) -> str:
    """CMX 3600 text for a document or events; rate, drop-frame and title default to the document's."""
    per_event_fcm = isinstance(doc_or_events, EdlDocument)
    if isinstance(doc_or_events, EdlDocument):
        events = list(doc_or_events.events)
        rate = doc_or_events.rate if rate is None else rate
        drop_frame = doc_or_events.drop_frame if drop_frame is None else drop_frame
        title = doc_or_events.title if title is None else title
    else:
        events = list(doc_or_events)
    if rate is None:
        raise ValueError("write_cmx3600 needs a rate when given bare events")
    rate = Fraction(rate)
    drop_frame = bool(drop_frame) and supports_drop_frame(rate)
    lines = [f"TITLE: {title or 'Untitled'}", _fcm(drop_frame), ""]
    current_drop = drop_frame
    reels = short_reels(events)
    for event in events:
        # A parsed EDL keeps each event's FCM (it may change mid-list); bare events take the argument.
        drop = event.drop_frame and supports_drop_frame(rate) if per_event_fcm else drop_frame
        if drop != current_drop:
            lines.append(_fcm(drop))
            current_drop = drop
        lines.extend(_event_lines(event, rate, drop, reels))
        lines.append("")
    return "\n".join(lines)


def _fcm(drop: bool) -> str:
    return "FCM: DROP FRAME" if drop else "FCM: NON-DROP FRAME"


def short_reels(events: Iterable[EdlEvent]) -> dict[str, str]:
    """A CMX reel (at most 8 characters, unique among the EDL's reels) for every reel that is longer.

    Timelines from FCP XML, AAF or .otio name reels after clips (`A001_C002_1121L7`); written as they are,
    they push the track, transition and timecode columns out of place for every CMX reader."""
    events = list(events)
    names = [e.reel for e in events] + [e.outgoing.reel for e in events if e.outgoing is not None]
    taken = {n.upper() for n in names if len(n) <= REEL_LENGTH}
    short: dict[str, str] = {}
    for name in dict.fromkeys(n for n in names if len(n) > REEL_LENGTH):
        base = re.sub(r"[^A-Za-z0-9_]", "", name).upper() or "REEL"
        candidate, counter = base[:REEL_LENGTH], 0
        while candidate in taken:
            counter += 1
            candidate = f"{base[:REEL_LENGTH - 3]}{counter:03d}"
        taken.add(candidate)
        short[name] = candidate
    return short


def _event_lines(event: EdlEvent, rate: Fraction, drop: bool, reels: dict[str, str]) -> list[str]:
    def tc(frames: int) -> str:
        return from_frames(frames, rate, drop)

    def reel_of(name: str) -> str:
        return reels.get(name, name)

    # CMX 3600 has one video track: events of V2.. (from multi-track timelines) go on V, and say so.
    track = event.track if is_track_field(event.track) else _cmx_track(event.track)

    def row(reel: str, code: str, frames: int | None, s_in: int, s_out: int, r_in: int, r_out: int) -> str:
        duration = f"{frames:03d}" if frames is not None else "   "
        return (
            f"{event.number:03d}  {reel:<8} {track:<5} {code:<4} {duration} "
            f"{tc(s_in)} {tc(s_out)} {tc(r_in)} {tc(r_out)}"
        )

    out = []
    source = (event.source_in, event.source_out, event.record_in, event.record_out)
    if event.transition in ("dissolve", "wipe"):
        code = event.transition_code if event.transition == "wipe" else "D"
        before = event.outgoing
        if before is None:  # a dissolve from black
            out.append(row("BL", "C", None, 0, 0, event.record_in, event.record_in))
        else:
            out.append(row(reel_of(before.reel), "C", None, before.source_in, before.source_out,
                           before.record_in, before.record_out))  # fmt: skip
        out.append(row(reel_of(event.reel), code, event.transition_frames, *source))
    elif event.transition == "key":
        out.append(row(reel_of(event.reel), event.transition_code, event.transition_frames or None, *source))
    else:
        # Unknown codes are written as cuts so the EDL stays valid; the comment keeps what was there.
        out.append(row(reel_of(event.reel), "C", None, *source))
        if event.transition == "unknown":
            out.append(f"* REELKEEP: unknown transition {event.transition_code} written as a cut")
    if track != event.track:
        out.append(f"* REELKEEP: track {event.track} written as {track}")
    sides = ([event.outgoing.reel] if event.outgoing is not None else []) + [event.reel]
    for name in dict.fromkeys(sides):
        if name in reels:
            out.append("* " + LONG_REEL_COMMENT.format(long=name, short=reels[name]))
    if event.speed is not None:
        out.append(f"M2   {reel_of(event.reel):<8}       {event.speed:05.1f}                {tc(event.source_in)}")
    if event.clip_name:
        out.append(f"* FROM CLIP NAME: {event.clip_name}")
    if event.to_clip_name:
        out.append(f"* TO CLIP NAME: {event.to_clip_name}")
    if event.source_file:
        out.append(f"* SOURCE FILE: {event.source_file}")
    for loc in event.locators:
        out.append(f"* LOC: {tc(loc.frame)} {loc.color:<7} {loc.name}".rstrip())
    if event.cdl is not None:
        cdl = event.cdl
        if cdl.slope and cdl.offset and cdl.power:
            triples = "".join(
                "(" + " ".join(f"{v:.4f}" for v in t) + ")" for t in (cdl.slope, cdl.offset, cdl.power)
            )
            out.append(f"* ASC_SOP {triples}")
        if cdl.saturation is not None:
            out.append(f"* ASC_SAT {cdl.saturation:.4f}")
    out.extend(f"* {comment}" for comment in event.comments)
    return out


def _cmx_track(track: str) -> str:
    """V2, V3.. -> V (and V2/A1 -> V/A1 would be B); audio channels stay as they are."""
    parts = ["V" if p.startswith("V") else p for p in track.upper().split("/")]
    unique = list(dict.fromkeys(parts))
    return "/".join(unique) if all(is_track_field(p) for p in unique) else "V"
