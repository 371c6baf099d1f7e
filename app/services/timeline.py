"""TimelineService: the open timeline (events, how each conformed, the matched files), the current event
and the record playhead; opening, relinking and batch extraction go through the job runner."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Collection
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.catalog.catalog import Catalog
from app.core.extract_plan import EDL_PATTERN
from app.core.job import Outcome
from app.core.paths import display_name, raw_path
from app.interchange.conform import MATCHED, EventMatch, relink
from app.interchange.edl_extract import EdlExtractJob
from app.interchange.edl_model import EdlDocument, EdlEvent
from app.interchange.sequence import (
    MediaRef,
    Segment,
    build_sequence,
    file_range,
    inside_file,
    media_refs,
    record_span,
)
from app.interchange.timeline_files import TIMELINE_SUFFIXES, is_timeline_file, save_relink
from app.interchange.timeline_jobs import LoadedTimeline, OpenTimelineJob
from app.jobs.runner import JobRunner
from app.services.catalog_changes import CatalogChanges, touches
from app.services.library import LibraryService
from app.services.player import PlayerService
from app.services.timeline_playback import SequencePlayback


class TimelineService(QObject):
    """Owns the loaded timeline; views read its state and call its methods."""

    timeline_changed = Signal()  # a timeline loaded, an event relinked, or the timeline closed
    current_event_changed = Signal(int)  # index into events; -1 for none
    playhead_changed = Signal(int)  # record frame
    sequence_changed = Signal(bool)  # sequence playback started / stopped
    loading_changed = Signal(bool)
    error_raised = Signal(str)
    message = Signal(str)  # short news for the status bar
    extract_finished = Signal(object)  # EdlBatchResult

    def __init__(self, catalog: Catalog, runner: JobRunner, player: PlayerService,
                 library: LibraryService | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.catalog, self.runner, self.player, self.library = catalog, runner, player, library
        self.path: Path | None = None
        self.doc: EdlDocument | None = None
        self.matches: list[EventMatch] = []
        self.media: dict[int, MediaRef] = {}
        self.segments: list[Segment] = []
        self.current = -1
        self.playhead = 0
        self.loading = False
        self._load_ticket = 0
        self.playback = SequencePlayback(self)

    # ---- reading the state
    @property
    def events(self) -> list[EdlEvent]:
        return self.doc.events if self.doc is not None else []

    def match(self, index: int) -> EventMatch | None:
        return self.matches[index] if 0 <= index < len(self.matches) else None

    def media_name(self, media_id: int | None) -> str:
        """The file name of a matched file ('' when unknown)."""
        ref = self.media.get(media_id) if media_id is not None else None
        return ref.name if ref is not None else ""

    def span(self) -> tuple[int, int]:
        """First and end record frames of the timeline."""
        return record_span(self.doc) if self.doc is not None else (0, 0)

    def status_counts(self) -> str:
        """'3 matched, 1 ambiguous, 2 offline' (every status the events have, the usual ones first)."""
        counts = Counter(m.status for m in self.matches)
        usual = (MATCHED, "ambiguous", "offline")
        order = [s for s in usual if s in counts] + sorted(set(counts) - set(usual))
        return ", ".join(f"{counts[s]} {s}" for s in order)

    def segment_of(self, index: int) -> Segment | None:
        return next((s for s in self.segments if s.index == index), None)

    @property
    def sequence_playing(self) -> bool:
        return self.playback.active

    # ---- opening
    def open_file(self, path: str | Path) -> bool:
        """Read and conform a timeline file in the background; False (with error_raised) when it is no timeline."""
        path = Path(path)
        if not is_timeline_file(path):
            self.error_raised.emit(f"{display_name(raw_path(path))} is not a timeline file Reelkeep reads "
                                   f"({', '.join(TIMELINE_SUFFIXES)}).")
            return False
        self._load_ticket += 1
        ticket = self._load_ticket
        self._set_loading(True)
        self.runner.submit(OpenTimelineJob(self.catalog, path), lambda outcome: self._on_loaded(ticket, outcome))
        return True

    def _on_loaded(self, ticket: int, outcome: Outcome) -> None:
        if ticket != self._load_ticket:
            return  # a newer file was asked for meanwhile
        self._set_loading(False)
        if not outcome.ok:
            self.error_raised.emit(outcome.message)
            return
        loaded: LoadedTimeline = outcome.value
        self.playback.stop(pause=True)
        self.path, self.doc, self.matches, self.media = loaded.path, loaded.doc, loaded.matches, loaded.media
        self.segments = build_sequence(self.doc, self.matches, self.media)
        self.current = -1
        self.playhead = self.span()[0]
        self.timeline_changed.emit()
        self.current_event_changed.emit(-1)
        self.playhead_changed.emit(self.playhead)
        errors = f", {len(self.doc.errors)} line error(s)" if self.doc.errors else ""
        self.message.emit(f"{loaded.path.name}: {len(self.events)} events, {self.status_counts()}{errors}")

    def _set_loading(self, loading: bool) -> None:
        if loading != self.loading:
            self.loading = loading
            self.loading_changed.emit(loading)

    def close(self) -> None:
        """Forget the timeline."""
        self.playback.stop(pause=True)
        self.path, self.doc, self.matches, self.media, self.segments = None, None, [], {}, []
        self.current = -1
        self.timeline_changed.emit()
        self.current_event_changed.emit(-1)

    # ---- another program's relinks (of this timeline file, saved in the catalog)
    def follow(self, changes: CatalogChanges) -> None:
        """Relinks another program saves or forgets for the open timeline show here (it is conformed again)."""
        changes.changed.connect(self._relinks_elsewhere)

    def _relinks_elsewhere(self, tables: frozenset[str]) -> None:
        if self.path is None or self.loading or not touches(tables, {"timeline_relink"}):
            return
        self._load_ticket += 1
        ticket = self._load_ticket
        self.runner.submit(OpenTimelineJob(self.catalog, self.path), lambda outcome: self._on_reread(ticket, outcome))

    def _on_reread(self, ticket: int, outcome: Outcome) -> None:
        if ticket != self._load_ticket or not outcome.ok:
            return  # another file was opened meanwhile; a timeline that no longer reads stays as shown
        loaded: LoadedTimeline = outcome.value
        if loaded.path != self.path or loaded.matches == self.matches:
            return
        self.playback.stop(pause=True)
        self.doc, self.matches, self.media = loaded.doc, loaded.matches, loaded.media
        self.segments = build_sequence(self.doc, self.matches, self.media)
        self.timeline_changed.emit()
        self.message.emit(f"{loaded.path.name}: relinked elsewhere, now {self.status_counts()}")

    # ---- relinking
    def relink(self, index: int, media_id: int) -> bool:
        """Link an event (and the other lines of its event number) to a cataloged file by hand; the link is saved
        in the catalog, so the next open of this timeline (by content) has it too."""
        if self.doc is None or not 0 <= index < len(self.events):
            return False
        ref = media_refs(self.catalog, [media_id]).get(media_id)  # with its intra proxy, as on open
        if ref is None:
            self.error_raised.emit(f"{self.catalog.info(media_id)['name']} has no frame rate: it cannot be linked.")
            return False
        event = self.events[index]
        self.media[media_id] = ref
        note = "" if inside_file(event, self.doc, ref) else " — its source timecodes lie outside this file"
        self.matches = [dataclasses.replace(m, candidates=[media_id], reason=f"relinked by hand to {ref.name}{note}")
                        if m.event_number == event.number else m
                        for m in relink(self.matches, event.number, media_id)]
        if self.path is not None:
            save_relink(self.catalog, self.path, event.number, media_id)
        self.playback.stop(pause=True)
        self.segments = build_sequence(self.doc, self.matches, self.media)
        self.timeline_changed.emit()
        return True

    # ---- events and the player
    def set_current(self, index: int) -> None:
        if index != self.current:
            self.current = index
            self.current_event_changed.emit(index)

    def show_event(self, index: int) -> bool:
        """The player opens the event's source at its source in, with in/out marks on the event's range."""
        if not 0 <= index < len(self.events):
            return False
        if self.player.playing:
            self.player.pause()  # cued, not playing: the editor looks at the source in
        self.playback.stop()
        self.set_current(index)
        event, match = self.events[index], self.matches[index]
        ref = self.media.get(match.media_id) if match.media_id is not None else None
        if match.status != MATCHED or ref is None or self.doc is None:
            self.message.emit(f"Event {event.number} is {match.status}: {match.reason}")
            return False
        segment = self.segment_of(index)
        if segment is not None:
            self.set_playhead(segment.record_in)
            return self.playback.show(segment, segment.file_frame(segment.record_in))  # M2 reverse: its highest
        # an audio event, a video event hidden by a later one, or one linked by hand to a file too short for it
        first, end = file_range(event, self.doc, ref)
        last = (ref.frame_count or end) - 1
        first, end = max(first, 0), min(end, last + 1)
        if first >= end:
            self.message.emit(f"Event {event.number}: its source range lies outside {ref.name}")
            return False
        return self.show_source(ref.media_id, first, first, end)

    def show_source(self, media_id: int, frame: int, in_frame: int, out_frame: int) -> bool:
        """Put file frame `frame` of media_id on screen with marks [in_frame, out_frame)."""
        player = self.player
        if player.clip is not None and player.clip.media_id == media_id and not player.error:
            player.seek_frame(frame)
        elif not player.open_media(media_id, frame):
            self.error_raised.emit(player.error)
            return False
        if (player.marks.in_frame, player.marks.out_frame) != (in_frame, out_frame):
            player.mark_in(in_frame)
            player.mark_out(out_frame - 1)  # mark_out takes the last frame; marks keep the exclusive out
        return True

    def set_playhead(self, frame: int) -> None:
        if frame != self.playhead:
            self.playhead = frame
            self.playhead_changed.emit(frame)

    def seek_record(self, frame: int) -> bool:
        """Show the frame of the cut at record frame `frame` (paused); False in a gap or on an unmatched event."""
        return self.playback.seek(frame)

    def step_record(self, frames: int) -> bool:
        """Move the record playhead by `frames`, across cuts; gaps and unmatched events are skipped."""
        return self.playback.step(frames)

    def play_sequence(self, from_frame: int | None = None) -> bool:
        """Play the matched video events in record order from the playhead (or from_frame)."""
        return self.playback.play(self.playhead if from_frame is None else from_frame)

    def stop_sequence(self) -> None:
        self.playback.stop(pause=True)

    # ---- extraction
    def extract(self, dest: Path, handles: int, mode: str, preset: str,
                only: Collection[int] | None = None, name_pattern: str = EDL_PATTERN) -> int | None:
        """Extract the matched video events (or the chosen indexes) on the extract lane; returns the job id."""
        if self.doc is None or self.path is None:
            return None
        job = EdlExtractJob(self.catalog, self.doc, self.matches, self.path, Path(dest), handles, mode, preset,
                            only=only, name_pattern=name_pattern)
        return self.runner.submit(job, self._on_extracted)

    def _on_extracted(self, outcome: Outcome) -> None:
        if not outcome.ok:
            if not outcome.cancelled:
                self.error_raised.emit(outcome.message)
            return
        result = outcome.value
        if self.library is not None:
            self.library.notify_changed([o.media_id for o in result.extract.outputs if o.media_id is not None])
        self.extract_finished.emit(result)
