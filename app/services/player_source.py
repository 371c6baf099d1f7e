"""Which rendition the player plays: the original or one of its proxies, by display size and bandwidth.

A mixin of PlayerService (it uses the service's mpv handle, clip and frame state); kept apart because it
is one idea: proxies share the original's frame numbers, so switching keeps the exact frame on screen.
"""

from __future__ import annotations

import math
import os
from fractions import Fraction
from typing import Any

from app.core.job import Outcome
from app.core.proxy_presets import PRESETS, SourceChoice, choose_source
from app.media.read_speed import ReadSpeedJob
from app.services.mpv_engine import decoder_options, mpv_path
from app.services.player_clip import ClipInfo

AUTO, ORIGINAL = "auto", "original"


class ProxySourceMixin:
    """Source choice for PlayerService: modes 'auto', 'original' or a preset name."""

    catalog: Any
    runner: Any
    clip: ClipInfo | None
    _player: Any
    _proxies: list[SourceChoice]
    _given_proxies: list[SourceChoice]
    _bandwidth: float | None
    source_mode: str

    @property
    def source_label(self) -> str:
        """'ORIGINAL' or the proxy's height, e.g. 'PROXY 540p'."""
        if self.source is None or self.source.preset is None:
            stand_in = self.clip.stand_in_height if self.clip is not None else None
            return f"PROXY {stand_in}p" if stand_in else "ORIGINAL"
        return f"PROXY {self.source.height}p"

    def proxy_presets(self) -> list[str]:
        """The presets of the open clip's playable proxies, smallest first."""
        return [p.preset for p in self._proxies if p.preset]

    def set_source_mode(self, mode: str) -> None:
        """'auto', 'original' or a preset name; switches at once, keeping the frame on screen."""
        if mode not in (AUTO, ORIGINAL) and mode not in PRESETS:
            raise ValueError(f"unknown source mode {mode!r}")
        self.source_mode = mode
        self._apply_source()
        self.source_changed.emit()

    def set_display_size(self, width: int, height: int) -> None:
        """The view's size in device pixels; in auto mode the source is re-chosen once resizing settles."""
        if (width, height) == self._display:
            return
        self._display = (width, height)
        if self.clip is not None and self.source_mode == AUTO and self._proxies:
            self._resize_timer.start()

    def _proxy_sources(self, clip: ClipInfo) -> list[SourceChoice]:
        if clip.media_id is None and clip.kind == "video":
            return list(self._given_proxies)
        if clip.media_id is None or clip.kind != "video":
            return []
        found = []
        for p in self.catalog.proxies(clip.media_id):
            # a proxy with other frames than the original would break shared frame numbers: never play it
            if clip.frame_count and p["frame_count"] and p["frame_count"] != clip.frame_count:
                continue
            if os.path.isfile(p["path"]):
                found.append(SourceChoice(p["path"], p["width"] or 0, p["height"] or 0, p["bit_rate"] or 0,
                                          p["preset"]))
        return found

    def _choose(self) -> SourceChoice:
        original = self._original
        assert original is not None
        if self.source_mode == ORIGINAL or not self._proxies:
            return original
        if self.source_mode != AUTO:
            return next((p for p in self._proxies if p.preset == self.source_mode), original)
        width, height = self._display
        if width <= 0 or height <= 0:
            return original
        # until the storage is measured, assume the original streams fine
        bandwidth = math.inf if self._bandwidth is None else self._bandwidth
        return choose_source(original, self._proxies, width, height, bandwidth)

    def refresh_sources(self, media_ids: list[int]) -> None:
        """Proxies of the open clip were made or removed: offer them now (and re-choose in auto mode)."""
        clip = self.clip
        if clip is None or clip.media_id not in media_ids or self._player is None:
            return
        had_proxies = bool(self._proxies)
        self._proxies = self._proxy_sources(clip)
        if self._proxies and not had_proxies and self._bandwidth is None:
            self._measure_bandwidth(clip)
        self.source_changed.emit()
        if self.source_mode == AUTO:
            self._apply_source()

    def _measure_bandwidth(self, clip: ClipInfo) -> None:
        if self.runner is None or not self._proxies or clip.decode_path:
            return  # without proxies there is nothing to choose; a ZIP member (a URL) is assumed to stream fine
        self.runner.submit(ReadSpeedJob(clip.path), lambda outcome: self._on_bandwidth(clip, outcome))

    def _on_bandwidth(self, clip: ClipInfo, outcome: Outcome) -> None:
        if clip is not self.clip or not outcome.ok:
            return
        self._bandwidth = outcome.value[1]
        if self.source_mode == AUTO:
            self._apply_source()

    def _apply_source(self) -> None:
        if self.clip is None or self._player is None or self.source is None:
            return
        choice = self._choose()
        if choice.path != self.source.path:
            self._switch(choice)

    def _load(self, choice: SourceChoice, start_seconds: float) -> None:
        """Load a rendition; slice threading where the frames are cut into slices (see decoder_options)."""
        assert self._player is not None
        self._player["vd-lavc-o"] = decoder_options(choice)
        self._player.loadfile(mpv_path(choice.path), "replace", start=f"{start_seconds:.6f}")

    def _switch(self, choice: SourceChoice) -> None:
        """Load another rendition at the frame on screen; playback pauses until it is there, then goes on."""
        assert self.clip is not None and self._player is not None
        frame = self._target if self._target is not None else self.frame
        self._resume_after_switch = self._resume_after_switch or self.playing
        self._player.pause = True
        self.source = choice
        self._target, self._pending_seek = frame, None
        seconds = float(Fraction(frame) / self.clip.rate)
        self._load(choice, seconds)
        self._apply_loop()
        self.source_changed.emit()
