"""CMX 3600 EDL reading: a line-by-line pre-parse that keeps every event it can and reports the rest.

An EDL carries timecodes but not the frame rate (only DROP / NON-DROP), so the caller passes the rate of
the conformed media; without it we assume 29.97 for drop-frame and 24 otherwise, and say so.
"""

from __future__ import annotations

import dataclasses
import re
from fractions import Fraction

from app.core.errors import TimecodeError
from app.core.timecode import format_rate, supports_drop_frame, to_frames
from app.interchange.cmx3600_write import LONG_REEL_RE, write_cmx3600
from app.interchange.edl_model import (
    EdlCdl,
    EdlClipRange,
    EdlDocument,
    EdlEvent,
    EdlLocator,
    LineError,
    is_track_field,
)
from app.interchange.otio_export import to_otio

__all__ = ["parse_edl", "to_otio", "write_cmx3600"]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_TC = r"\d{1,2}[:;.,]\d{2}[:;.,]\d{2}[:;.,]\d{2,3}"
_TC_RE = re.compile(_TC)
_TRANSITION_RE = re.compile(r"^(C|D|W\d{3}|K[BO]?)$", re.IGNORECASE)
_M2_RE = re.compile(rf"^(?:\d+\s+)?M2\s+(\S+)\s+([-+]?\d+(?:\.\d+)?)\s+({_TC})\s*$", re.IGNORECASE)
_FCM_RE = re.compile(r"^FCM:\s*(.*?)\s*$", re.IGNORECASE)
_LOC_RE = re.compile(rf"^LOC:\s*({_TC})\s+(\S+)\s*(.*)$", re.IGNORECASE)
_SOP_RE = re.compile(r"^ASC_SOP\s*\(([^)]*)\)\s*\(([^)]*)\)\s*\(([^)]*)\)\s*$", re.IGNORECASE)
_SAT_RE = re.compile(r"^ASC_SAT\s+([-+]?\d*\.?\d+)\s*$", re.IGNORECASE)
_AUD_RE = re.compile(r"^AUD\s+(\d)(?:\s+(\d))?\s*$", re.IGNORECASE)
_NAMED_COMMENTS = {
    "FROM CLIP NAME:": "clip_name",
    "TO CLIP NAME:": "to_clip_name",
    "SOURCE FILE:": "source_file",
}
_TRANSITION_KIND = {"C": "cut", "D": "dissolve", "W": "wipe", "K": "key"}
NTSC = Fraction(30000, 1001)


class _LineFailure(ValueError):
    """A line that cannot be read; becomes a LineError and parsing continues."""


def parse_edl(data: bytes | str, rate: Fraction | None = None) -> EdlDocument:
    """Read a CMX 3600 EDL; bad lines become `errors` and never stop the rest from loading."""
    lines = _decode_lines(data) if isinstance(data, bytes) else [(t, None) for t in _LINE_BREAK.split(data)]
    warnings = [f"line {n}: not UTF-8, read as cp1252" for n, (_, w) in enumerate(lines, 1) if w]
    texts = [t.lstrip("\ufeff") if n == 0 else t for n, (t, _) in enumerate(lines)]
    any_drop = any(_FCM_RE.match(t.strip()) and "NON" not in t.upper() for t in texts) or any(
        ";" in tc for t in texts if not t.lstrip().startswith("*") for tc in _TC_RE.findall(t)
    )
    if rate is None:
        rate = NTSC if any_drop else Fraction(24)
        kind = " (drop-frame)" if any_drop else ""
        warnings.append(
            f"frame rate not in the EDL: assumed {format_rate(rate)} fps{kind}; pass the media's rate"
        )
    return _Reader(Fraction(rate), warnings).read(texts)


def _decode_lines(data: bytes) -> list[tuple[str, bool]]:
    out = []
    for raw in re.split(rb"\r\n|\r|\n", data):
        try:
            out.append((raw.decode("utf-8"), False))
        except UnicodeDecodeError:
            # cp1252 leaves five bytes undefined; Latin-1 maps every byte, so it catches those.
            try:
                out.append((raw.decode("cp1252"), True))
            except UnicodeDecodeError:
                out.append((raw.decode("latin-1"), True))
    return out


class _Reader:
    def __init__(self, rate: Fraction, warnings: list[str]) -> None:
        self.rate = rate
        self.warnings = warnings
        self.errors: list[LineError] = []
        self.events: list[EdlEvent] = []
        self.header_comments: list[str] = []
        self.title: str | None = None
        self.fcm_drop: bool | None = None
        self.first_drop: bool | None = None
        self.warned_df = False

    def read(self, texts: list[str]) -> EdlDocument:
        for number, text in enumerate(texts, 1):
            line = text.strip()
            if not line:
                continue
            try:
                self._line(line, number)
            except _LineFailure as exc:
                self.errors.append(LineError(number, text, str(exc)))
        drop = self.first_drop if self.first_drop is not None else bool(self.fcm_drop)
        return EdlDocument(
            self.title, self.rate, drop, self.events, self.errors, self.warnings, self.header_comments
        )

    def _line(self, line: str, number: int) -> None:
        upper = line.upper()
        if upper.startswith("TITLE:"):
            self.title = line[6:].strip() or None
        elif match := _FCM_RE.match(line):
            self._fcm(match.group(1).upper())
        elif line.startswith("*"):
            self._comment(line[1:].strip(), number)
        elif match := _M2_RE.match(line):
            self._speed(match, number)
        elif match := _AUD_RE.match(line):
            self._extra_audio([g for g in match.groups() if g])
        elif line.startswith(">>>") or upper.startswith("SPLIT:"):
            self._attach_comment(line)
        elif line.split()[0].isdigit():
            self._event(line, number)
        else:
            raise _LineFailure("not an EDL event, comment or header line")

    def _fcm(self, value: str) -> None:
        if value.replace("-", " ").replace("  ", " ") in ("NON DROP FRAME", "NON DROP"):
            self.fcm_drop = False
        elif value in ("DROP FRAME", "DROP"):
            self.fcm_drop = True
        else:
            raise _LineFailure(f"unknown FCM {value!r} (expected DROP FRAME or NON-DROP FRAME)")

    def _frames(self, timecode: str, drop: bool) -> int:
        digits = re.split(r"[:;.,]", timecode)
        if int(digits[0]) >= 24:
            # SMPTE timecode is a time of day; frame counts would silently wrap (25:00:00:00 shown as 01:00:00:00).
            raise _LineFailure(f"hours must be below 24 in {timecode!r} (timecode runs 00:00:00:00 to 23:59:59:FF)")
        text = ":".join(digits[:3]) + (";" if drop else ":") + digits[3]
        try:
            return to_frames(text, self.rate)
        except TimecodeError as exc:
            raise _LineFailure(str(exc)) from exc

    def _drop_for(self, timecodes: list[str]) -> bool:
        drop = bool(self.fcm_drop) or any(";" in tc or "," in tc for tc in timecodes)
        if drop and not supports_drop_frame(self.rate):
            if not self.warned_df:
                self.warnings.append(f"drop-frame timecode at {format_rate(self.rate)} fps: read as non-drop")
                self.warned_df = True
            return False
        return drop

    def _event(self, line: str, number: int) -> None:
        tokens = line.split()
        if len(tokens) < 7 or not all(_TC_RE.fullmatch(t) for t in tokens[-4:]):
            raise _LineFailure("an event needs number, reel, track, transition and four timecodes")
        event_no, reel, middle, tcs = int(tokens[0]), tokens[1], tokens[2:-4], tokens[-4:]
        track, code, duration, problem = _split_middle(middle)
        if track is None:
            raise _LineFailure(problem or "bad track or transition field")
        drop = self._drop_for(tcs)
        src_in, src_out, rec_in, rec_out = (self._frames(tc, drop) for tc in tcs)
        if src_out < src_in or rec_out < rec_in:
            raise _LineFailure("an out timecode comes before its in")
        kind = _TRANSITION_KIND[code[0]] if _TRANSITION_RE.match(code) else "unknown"
        event = EdlEvent(
            number=event_no, reel=reel, track=track, transition=kind, transition_frames=duration,
            source_in=src_in, source_out=src_out, record_in=rec_in, record_out=rec_out,
            line_number=number, status="error" if problem else "ok", transition_code=code, drop_frame=drop,
        )  # fmt: skip
        if self.first_drop is None:
            self.first_drop = drop
        previous = self.events[-1] if self.events else None
        if (
            kind in ("dissolve", "wipe", "key")
            and previous is not None
            and previous.number == event_no
            and previous.transition == "cut"
            and previous.outgoing is None
        ):
            outgoing = EdlClipRange(previous.reel, previous.source_in, previous.source_out,
                                    previous.record_in, previous.record_out)  # fmt: skip
            event = dataclasses.replace(
                previous, reel=reel, track=track, transition=kind, transition_frames=duration,
                source_in=src_in, source_out=src_out, record_in=rec_in, record_out=rec_out,
                transition_code=code, outgoing=outgoing,
            )  # fmt: skip
            self.events[-1] = event
        else:
            self.events.append(event)
        if problem:
            self.errors.append(LineError(number, line, problem))

    def _comment(self, body: str, number: int) -> None:
        if not self.events:
            self.header_comments.append(body)
            return
        upper = body.upper()
        for prefix, name in _NAMED_COMMENTS.items():
            if upper.startswith(prefix):
                self._update(**{name: body[len(prefix) :].strip() or None})
                return
        if match := LONG_REEL_RE.match(body):
            self._long_reel(*match.groups())
        elif match := _LOC_RE.match(body):
            tc, color, name = match.groups()
            frame = self._frames(tc, self._drop_for([tc]))
            locator = EdlLocator(frame, color.upper(), name.strip())
            self._update(locators=(*self.events[-1].locators, locator))
        elif upper.startswith("ASC_SOP"):
            match = _SOP_RE.match(body)
            if not match:
                raise _LineFailure("ASC_SOP needs (slope)(offset)(power), three numbers each")
            slope, offset, power = (_triple(g) for g in match.groups())
            cdl = self.events[-1].cdl or EdlCdl()
            self._update(cdl=dataclasses.replace(cdl, slope=slope, offset=offset, power=power))
        elif upper.startswith("ASC_SAT"):
            match = _SAT_RE.match(body)
            if not match:
                raise _LineFailure("ASC_SAT needs one number")
            cdl = self.events[-1].cdl or EdlCdl()
            self._update(cdl=dataclasses.replace(cdl, saturation=float(match.group(1))))
        else:
            self._attach_comment(body)

    def _long_reel(self, long: str, short: str) -> None:
        """Our writer shortened a reel for the CMX columns: the event gets its own name back."""
        event = self.events[-1]
        if event.outgoing is not None and event.outgoing.reel == short:
            self._update(outgoing=dataclasses.replace(event.outgoing, reel=long))
        if event.reel == short:
            self._update(reel=long)

    def _attach_comment(self, text: str) -> None:
        if self.events:
            self._update(comments=(*self.events[-1].comments, text))
        else:
            self.header_comments.append(text)

    def _speed(self, match: re.Match[str], number: int) -> None:
        if not self.events:
            raise _LineFailure("M2 speed change before any event")
        reel, speed, _entry = match.groups()
        if reel != self.events[-1].reel:
            self.warnings.append(
                f"line {number}: M2 reel {reel} differs from event reel {self.events[-1].reel}"
            )
        self._update(speed=float(speed))

    def _extra_audio(self, channels: list[str]) -> None:
        if not self.events:
            raise _LineFailure("AUD line before any event")
        event = self.events[-1]
        parts = [] if event.track.upper() == "NONE" else [event.track]
        self._update(track="/".join(parts + [f"A{c}" for c in channels]))

    def _update(self, **changes: object) -> None:
        self.events[-1] = dataclasses.replace(self.events[-1], **changes)


def _split_middle(middle: list[str]) -> tuple[str | None, str, int, str | None]:
    """(track, transition code, duration, problem) from the tokens between reel and timecodes."""
    rest = list(middle)
    if not rest or not is_track_field(rest[0]):
        return None, "", 0, f"unknown track {rest[0] if rest else ''!r}"
    track = rest.pop(0).upper()
    # "V A" is not CMX but some tools write it; "A" is never a transition code so this is unambiguous.
    while len(rest) > 1 and is_track_field(rest[0]) and not _TRANSITION_RE.match(rest[0]):
        track += "/" + rest.pop(0).upper()
    if not rest:
        return None, "", 0, "missing transition code"
    code = rest.pop(0).upper()
    if code == "K" and rest and rest[0].upper() in ("B", "O"):
        code += rest.pop(0).upper()
    duration = int(rest.pop(0)) if rest and rest[0].isdigit() else 0
    if rest:
        return None, code, 0, f"unexpected {' '.join(rest)!r} before the timecodes"
    if not _TRANSITION_RE.match(code):
        return track, code, duration, f"unknown transition code {code!r}"
    if code[0] in "DW" and duration <= 0:
        return track, code, duration, f"transition {code} without a duration"
    return track, code, duration, None


def _triple(text: str) -> tuple[float, float, float]:
    try:
        values = tuple(float(v) for v in text.split())
    except ValueError as exc:
        raise _LineFailure(f"not numbers: {text!r}") from exc
    if len(values) != 3:
        raise _LineFailure(f"expected three numbers, got {text!r}")
    return values  # type: ignore[return-value]
