"""The conformed EDL a batch extraction writes: each extracted event pointed at its new file.

CMX 3600 reels are at most 8 characters (an event line's columns depend on it) and an extracted file's name is
longer, so each extracted file gets a short reel of its own, unique in the EDL (`E001` for event 1's), while
its file name goes in `* FROM CLIP NAME:` (`* TO CLIP NAME:` on the incoming side of a transition) and its path
in `* SOURCE FILE:`: what conform, and other tools, find the file by. The source timecodes stay as they were:
an extracted file starts at the timecode of its first frame.
"""

from __future__ import annotations

import dataclasses
from string import ascii_uppercase

from app.core.errors import TimecodeError
from app.core.timecode import to_frames
from app.ingest.extract import ExtractedFile
from app.interchange.cmx3600_write import write_cmx3600
from app.interchange.edl_model import EdlDocument, EdlEvent

REEL_LENGTH = 8  # CMX 3600's reel field


def conformed_edl(doc: EdlDocument, events: dict[str, EdlEvent], outputs: dict[str, ExtractedFile]) -> str:
    """The EDL with each extracted event (events: output name -> event) pointing at its output; events not
    extracted are kept as they were."""
    extracted = {id(event): outputs[name] for name, event in events.items() if name in outputs}
    reels = short_reels(doc, extracted)
    conformed = []
    for position, event in enumerate(doc.events):
        output = extracted.get(id(event))
        if output is None:
            conformed.append(event)
            continue
        changes: dict[str, object] = {"reel": reels[id(event)], "source_file": str(output.path)}
        if event.outgoing is None or event.transition not in ("dissolve", "wipe"):
            changes["clip_name"] = output.path.name
            if event.outgoing is not None:
                changes["to_clip_name"] = None  # a key is written as one line: the clip named is its own
        else:
            # a transition: FROM is the clip it leaves, TO the clip it brings in (this event's extract)
            changes["to_clip_name"] = output.path.name
            before = _outgoing_extract(doc, position, extracted)
            if before is not None:
                changes["outgoing"] = dataclasses.replace(event.outgoing, reel=reels[id(before)])
                changes["clip_name"] = extracted[id(before)].path.name
        conformed.append(dataclasses.replace(event, **changes))
    return write_cmx3600(conformed, doc.rate, doc.drop_frame, doc.title)


def short_reels(doc: EdlDocument, extracted: dict[int, ExtractedFile]) -> dict[int, str]:
    """A CMX reel (at most 8 characters) for each extracted event (by id), unique among the EDL's reels."""
    taken = {e.reel.upper() for e in doc.events} | {e.outgoing.reel.upper() for e in doc.events if e.outgoing}
    reels: dict[int, str] = {}
    counter = 0
    for event in doc.events:
        if id(event) not in extracted:
            continue
        candidates = (f"E{event.number:03d}{suffix}" for suffix in ("", *ascii_uppercase))
        reel = next((c for c in candidates if len(c) <= REEL_LENGTH and c not in taken), None)
        while reel is None or reel in taken:
            counter += 1
            reel = f"RK{counter:06d}"
        taken.add(reel)
        reels[id(event)] = reel
    return reels


def _outgoing_extract(doc: EdlDocument, position: int, extracted: dict[int, ExtractedFile]) -> EdlEvent | None:
    """The extracted event whose file holds the frames the transition at `position` leaves: the nearest event
    before it on the outgoing reel, when its file (with handles) reaches past the transition's length."""
    outgoing = doc.events[position].outgoing
    assert outgoing is not None
    transition = doc.events[position].transition_frames
    needed = (outgoing.source_in, max(outgoing.source_out, outgoing.source_in + transition))
    for event in reversed(doc.events[:position]):
        if event.reel != outgoing.reel or not event.has_video:
            continue
        output = extracted.get(id(event))
        if output is None:
            return None
        try:
            first = to_frames(output.start_tc, doc.rate)
        except TimecodeError:
            return None
        end = first + output.last - output.first + 1
        return event if first <= needed[0] and needed[1] <= end else None
    return None
