"""TapeLibraryService: which files of the shown tape (or search across tapes) are in the library, and playing them.

A tape file is in the library when its xxh128 is a library file's content hash (exact; never by name). Each page
of the files list the TapeService reads is matched in one catalog query on the 'catalog' lane, off the GUI thread;
the answers are kept by digest for the rows shown. A matched file plays with no tape loaded: its library original
when that is online (the player then picks a proxy or the original as it always does), else its largest proxy.
"""

from __future__ import annotations

import dataclasses
import os

from PySide6.QtCore import QObject, QTimer, Signal

from app.catalog.catalog import Catalog
from app.catalog.tape_matches import LibraryMatch, LibraryProxy
from app.core.job import Outcome
from app.core.proxy_presets import SourceChoice
from app.ingest.thumbs import thumbs_dir
from app.jobs.runner import JobRunner
from app.media.thumbnails import POSTER
from app.services.library import LibraryService
from app.services.player import PlayerService
from app.services.player_clip import clip_info_from_catalog
from app.services.tape import TapeFile, TapeService
from app.services.tape_jobs import CatalogReadJob

NOT_IN_LIBRARY = "not in the library — restore it first"
LIBRARY_SETTLE_MS = 1500  # library changes come in bursts (a scan, a proxy run): match the shown rows again once


class TapeLibraryService(QObject):
    matches_changed = Signal(int, int)  # first row, how many rows of the shown list got their answer
    failed = Signal(str)

    def __init__(self, tape: TapeService, player: PlayerService | None = None, parent: QObject | None = None,
                 library: LibraryService | None = None) -> None:
        super().__init__(parent)
        self.tape, self.player, self.library = tape, player, library
        self._changed_in_scan = False
        alive = self._alive = [True]  # job answers may come after the window (our parent) is gone: then dropped
        self.destroyed.connect(lambda *_: alive.clear())
        self._matches: dict[str, LibraryMatch] = {}
        self._asked: set[str] = set()  # digests whose answer arrived (matched or not)
        self._posters: dict[int, str | None] = {}  # media id -> its poster file, looked for with the match
        self._identity: dict[int, str] = {}
        tape.files_reset.connect(self._reset)
        tape.files_added.connect(self._added)
        tape.content_hashes_recorded.connect(self._library_changed)  # library files just written to tape
        # A proxy made, a file gone missing or rescanned: the rows shown are matched again (it only submits a job)
        self._settle = QTimer(self, singleShot=True, interval=LIBRARY_SETTLE_MS)
        self._settle.timeout.connect(self.rematch)
        if library is not None:
            # bound methods, not lambdas: Qt drops them with this object, while the library service lives on
            library.media_changed.connect(self._library_changed)
            library.library_reset.connect(self._library_changed)
            library.scan_state_changed.connect(self._scan_state)

    # ---- matching, a page at a time
    def _reset(self) -> None:
        self._matches.clear()
        self._asked.clear()
        self._posters.clear()
        self._identity.clear()

    def _added(self, first: int, count: int) -> None:
        shown = self.tape.shown
        rows = shown.rows[first:first + count]
        digests = sorted({key for row in rows if (key := self.key(row)) and key not in self._asked})
        if not digests:
            self.matches_changed.emit(first, count)
            return
        self._look_up(shown, digests, first, count, replace=False)

    def _look_up(self, shown: object, digests: list[str], first: int, count: int, replace: bool) -> None:
        catalog = self.tape.catalog
        self.tape.runner.submit(CatalogReadJob(f"Library files of {len(digests)} tape files",
                                               lambda: _look_up(catalog, digests)),
                                lambda outcome: self._alive and self._on_matches(shown, digests, first, count, outcome,
                                                                                 replace))

    def _library_changed(self, *_ids: object) -> None:
        if self.library is not None and self.library.scanning:
            self._changed_in_scan = True  # a scan changes rows for minutes: match once it is over
        elif self.tape.shown.rows:
            self._settle.start()

    def _scan_state(self, _text: str) -> None:
        if self._changed_in_scan and self.library is not None and not self.library.scanning:
            self._changed_in_scan = False
            self._library_changed()

    def rematch(self) -> None:
        """Match every row shown again (the library changed), in one job."""
        shown = self.tape.shown
        digests = sorted({key for row in shown.rows if (key := self.key(row))})
        if digests:
            self._look_up(shown, digests, 0, len(shown.rows), replace=True)

    def _on_matches(self, shown: object, digests: list[str], first: int, count: int, outcome: Outcome,
                    replace: bool = False) -> None:
        if shown is not self.tape.shown:
            return  # another tape or search is shown now
        if not outcome.ok:
            self.failed.emit(f"Cannot look the tape's files up in the library: {outcome.message}")
            return
        found, posters = outcome.value
        if replace:
            for digest in digests:
                self._matches.pop(digest, None)
        self._matches.update(found)
        self._posters.update(posters)
        self._identity.update({m.media_id: m.identity_hash for m in found.values() if m.identity_hash})
        self._asked.update(digests)
        self.matches_changed.emit(first, count)

    @staticmethod
    def key(row: TapeFile) -> str | None:
        """The digest a row is matched by: a whole file's xxh128 (a part of a spanned file holds other bytes)."""
        if row.kind != "file" or row.span_offset is not None or not row.xxh128:
            return None
        return row.xxh128.lower()

    @property
    def runner(self) -> JobRunner:
        """The job runner (PosterCache loads the posters found here through it)."""
        return self.tape.runner

    def poster_for(self, media_id: int) -> str | None:
        """The poster file of a matched library file, as found with the match (no catalog read here: the
        ThumbnailService's own lookup reads the file's whole catalog entry, too slow for a screenful of rows)."""
        return self._posters.get(media_id)

    def posters_made(self, media_ids: list[int]) -> None:
        """The thumbnail service made these files' thumbnails: look for their posters again (a few stats)."""
        for media_id in media_ids:
            if media_id in self._identity:
                self._posters[media_id] = _poster_path(self._identity[media_id])

    def looked_up(self, row: TapeFile) -> bool:
        """The answer for row is here (or there is nothing to ask)."""
        key = self.key(row)
        return key is None or key in self._asked

    def match(self, row: TapeFile | None) -> LibraryMatch | None:
        key = self.key(row) if row is not None else None
        return self._matches.get(key) if key else None

    # ---- playing
    def why_not_playable(self, row: TapeFile | None) -> str | None:
        """None when row plays; else why not, for a tooltip or a disabled action."""
        if row is None:
            return "no file selected"
        match = self.match(row)
        if match is None:
            if row.kind != "file":
                return f"a {row.kind} does not play"
            if row.span_offset is not None:
                return "a part of a file spanning tapes — restore the whole file first"
            if not self.looked_up(row):
                return "looking it up in the library…"
            return NOT_IN_LIBRARY
        if match.kind not in ("video", "audio", "image"):
            return f"{match.name} is not a media file the player opens"
        if not match.online and match.best_proxy is None:
            return f"its library file {match.path} is offline and has no proxy — restore it first"
        return None

    def play(self, row: TapeFile, proxy: bool = False) -> bool:
        """Play row's library file: its original when online (and not proxy), else its largest proxy."""
        match = self.match(row)
        why = self.why_not_playable(row)
        if why is not None or match is None or self.player is None:
            self.failed.emit(f"Cannot play {row.path}: {why or 'no player'}")
            return False
        on_disk = [p for p in match.playable_proxies() if os.path.isfile(p.path)]
        # one stat at a click: a drive unplugged since the last scan still reads 'ok' in the catalog
        original = match.online and os.path.exists(match.path)
        if on_disk and (proxy or not original):
            opened = self._open_proxy(match, on_disk)
        elif original:
            opened = self.player.open_media(match.media_id)
        else:
            self.failed.emit(f"Cannot play {row.path}: no proxy of {match.name} is on disk and its original is "
                             "offline — restore it first")
            return False
        if opened:
            self.player.play()
        else:
            self.failed.emit(f"Cannot play {row.path}: {self.player.error or 'the player refused it'}")
        return opened

    def _open_proxy(self, match: LibraryMatch, on_disk: list[LibraryProxy]) -> bool:
        assert self.player is not None
        best = on_disk[-1]
        info = self.tape.catalog.info(match.media_id)
        # The largest proxy stands in for the original (same frames, rate and start TC); the other proxies are
        # offered as renditions. No media id: the player must not look for the original or store a resume point.
        clip = dataclasses.replace(clip_info_from_catalog(info, best.path), media_id=None,
                                   name=f"{match.name} (proxy {best.preset})", width=best.width, height=best.height,
                                   bit_rate=None, video_slices=None, stand_in_height=best.height)
        return self.player.open_clip(clip, [_choice(p) for p in on_disk])


def _poster_path(identity_hash: str | None) -> str | None:
    poster = thumbs_dir(identity_hash) / POSTER if identity_hash else None
    return str(poster) if poster is not None and poster.is_file() else None


def _look_up(catalog: Catalog, digests: list[str]) -> tuple[dict[str, LibraryMatch], dict[int, str | None]]:
    """On the worker: the library files of digests, and the poster file of each (a stat each)."""
    found = catalog.tapes.library_matches(digests)
    return found, {m.media_id: _poster_path(m.identity_hash) for m in found.values()}


def _choice(proxy: LibraryProxy) -> SourceChoice:
    return SourceChoice(proxy.path, proxy.width, proxy.height, 0, proxy.preset)
