"""An EdlDocument as an OpenTimelineIO timeline, built with the OTIO API (no adapter needed this way)."""

from __future__ import annotations

from dataclasses import asdict
from fractions import Fraction

import opentimelineio as otio

from app.interchange.edl_model import EdlDocument, EdlEvent, track_order

_COLORS = {c: getattr(otio.schema.MarkerColor, c) for c in dir(otio.schema.MarkerColor) if c.isupper()}


def to_otio(doc: EdlDocument) -> otio.schema.Timeline:
    """A timeline with a track per EDL track (V, A1, A2...), gaps for record gaps and dissolves as transitions."""
    rate = float(doc.rate)
    timeline = otio.schema.Timeline(name=doc.title or "EDL")
    events = sorted(doc.events, key=lambda e: e.record_in)
    start = min((e.record_in for e in events), default=0)
    timeline.global_start_time = otio.opentime.RationalTime(start, rate)
    skipped: list[int] = []
    names = sorted({t for e in events for t in e.tracks}, key=track_order)
    for name in names:
        kind = otio.schema.TrackKind.Video if name.startswith("V") else otio.schema.TrackKind.Audio
        track = otio.schema.Track(name=name, kind=kind)
        cursor = start
        for event in (e for e in events if name in e.tracks):
            if event.record_frames == 0:
                continue
            if event.record_in < cursor:
                # Overlapping records on one track cannot be a sequence; keep the first, note the rest.
                skipped.append(event.number)
                continue
            if event.record_in > cursor:
                track.append(otio.schema.Gap(source_range=_range(0, event.record_in - cursor, rate)))
            if event.transition in ("dissolve", "wipe") and event.transition_frames and len(track):
                track.append(_transition(event, rate))
            track.append(_clip(event, rate))
            cursor = event.record_out
        timeline.tracks.append(track)
    # The exact rate and drop-frame flag, which OTIO's float rates cannot say; read back by otio_import.
    info: dict = {"rate": f"{doc.rate.numerator}/{doc.rate.denominator}", "drop_frame": doc.drop_frame}
    if skipped:
        info["skipped_overlaps"] = skipped
    timeline.metadata["reelkeep"] = info
    return timeline


def _range(start: int, duration: int, rate: float) -> otio.opentime.TimeRange:
    return otio.opentime.TimeRange(
        otio.opentime.RationalTime(start, rate), otio.opentime.RationalTime(duration, rate)
    )


def _transition(event: EdlEvent, rate: float) -> otio.schema.Transition:
    # CMX dissolves start at the incoming clip's record in; the outgoing clip plays on in its handle.
    kind = otio.schema.TransitionTypes.SMPTE_Dissolve if event.transition == "dissolve" else "SMPTE_Wipe"
    return otio.schema.Transition(
        name=event.transition_code,
        transition_type=kind,
        in_offset=otio.opentime.RationalTime(0, rate),
        out_offset=otio.opentime.RationalTime(event.transition_frames, rate),
    )


def _clip(event: EdlEvent, rate: float) -> otio.schema.Clip:
    # The source range spans the record duration; an M2 speed maps it onto the source with a time warp.
    clip = otio.schema.Clip(
        name=event.name or event.reel, source_range=_range(event.source_in, event.record_frames, rate)
    )
    if event.source_file:
        clip.media_reference = otio.schema.ExternalReference(target_url=event.source_file)
    info: dict = {"reel": event.reel, "event": event.number, "track": event.track,
                  "source_file": event.source_file, "comments": list(event.comments)}  # fmt: skip
    if event.outgoing is not None:
        info["outgoing"] = asdict(event.outgoing)
    if event.cdl is not None:
        info["cdl"] = asdict(event.cdl)
    clip.metadata["reelkeep"] = info
    clip.metadata["cmx_3600"] = {"reel": event.reel}
    if event.speed is not None:
        scalar = float(Fraction(event.speed).limit_denominator(1001) / Fraction(rate).limit_denominator(1001))
        clip.effects.append(otio.schema.LinearTimeWarp(time_scalar=scalar))
    for loc in event.locators:
        # As the OTIO adapter does: a LOC timecode is a point in the clip's source time.
        clip.markers.append(
            otio.schema.Marker(
                name=loc.name,
                marked_range=_range(loc.frame, 0, rate),
                color=_COLORS.get(loc.color, otio.schema.MarkerColor.RED),
            )
        )
    return clip
