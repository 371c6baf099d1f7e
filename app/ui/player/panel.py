"""PlayerPanel: video, scrubber and transport, with the editor's keyboard (JKL, I/O, arrows)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QPixmap
from PySide6.QtWidgets import QInputDialog, QVBoxLayout, QWidget

from app.services.player import PlayerService
from app.ui.player.scrubber import Scrubber
from app.ui.player.transport import TransportBar
from app.ui.player.video_view import VideoView

# media id -> (sprite sheet path, sprite info dict) or None; cover image path for audio
SpriteProvider = Callable[[int], tuple[str, dict] | None]
CoverProvider = Callable[[int], str | None]


class PlayerPanel(QWidget):
    message = Signal(str)
    fullscreen_toggled = Signal(bool)

    def __init__(self, player: PlayerService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.player = player
        self.sprite_provider: SpriteProvider | None = None
        self.cover_provider: CoverProvider | None = None
        self._k_held = False
        self.video = VideoView(player, self)
        self.scrubber = Scrubber(self)
        self.transport = TransportBar(player, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.video, 1)
        layout.addWidget(self.scrubber)
        layout.addWidget(self.transport)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFocusProxy(self.video)

        self.scrubber.scrub_requested.connect(player.seek_frame)
        self.transport.message.connect(self.message)
        self.transport.fullscreen_requested.connect(self.toggle_fullscreen)
        self.transport.goto_done.connect(self.video.setFocus)  # J/K/L work again right after Enter
        self.video.double_clicked.connect(self.toggle_fullscreen)
        player.frame_changed.connect(self.scrubber.set_frame)
        player.clip_changed.connect(self._on_clip)
        # bound methods, not lambdas: Qt drops them when this panel goes, while the player lives on
        player.marks_changed.connect(self._on_marks)
        player.markers_changed.connect(self._on_markers)
        player.error_changed.connect(self._on_error)

    def open_media(self, media_id: int) -> None:
        self.player.open_media(media_id)
        self.video.setFocus()

    def refresh_thumbnails(self) -> None:
        """Sprites and covers may arrive after the clip opened (a thumbnail job finished)."""
        self._load_sprite()
        self._load_cover()

    def _on_clip(self) -> None:
        clip = self.player.clip
        if clip is None:
            return
        self.scrubber.set_clip(clip.frame_count or 1, clip.rate, clip.start_frame, clip.drop_frame)
        self.scrubber.setVisible(clip.kind == "video")
        self._load_sprite()
        self._load_cover()

    def _load_cover(self) -> None:
        clip = self.player.clip
        if clip is None or clip.kind != "audio":
            return
        cover = self.cover_provider(clip.media_id) if self.cover_provider and clip.media_id else None
        self.video.set_cover(QPixmap(cover) if cover else None)

    def _load_sprite(self) -> None:
        clip = self.player.clip
        if clip is None or clip.media_id is None or self.sprite_provider is None:
            return
        found = self.sprite_provider(clip.media_id)
        if found is not None:
            self.scrubber.set_sprite(QPixmap(found[0]), found[1])

    def _on_marks(self) -> None:
        self.scrubber.set_marks(self.player.marks.in_frame, self.player.marks.out_frame)

    def _on_error(self, text: str) -> None:
        if text:
            self.message.emit(text)

    def _on_markers(self) -> None:
        self.scrubber.set_markers([(frame, name) for _, frame, name in self.player.markers()])

    def toggle_fullscreen(self) -> None:
        self.fullscreen_toggled.emit(True)

    def add_named_marker(self) -> None:
        name, ok = QInputDialog.getText(self, "Add marker", "Marker name:", text=self.player.timecode())
        if ok:
            self.player.add_marker(name.strip())

    # ---- keyboard: the editor's muscle memory
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if not self.handle_key(event.key(), event.modifiers(), event.isAutoRepeat()):
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_K and not event.isAutoRepeat():
            self._k_held = False
        super().keyReleaseEvent(event)

    def handle_key(self, key: int, modifiers: Qt.KeyboardModifier, auto_repeat: bool = False) -> bool:
        """Apply one key; True when it was the player's."""
        p = self.player
        shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        alt = bool(modifiers & Qt.KeyboardModifier.AltModifier)
        ctrl = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
        rate = round(p.clip.rate) if p.clip else 25
        actions: dict[int, Callable[[], None]] = {
            Qt.Key.Key_Space: p.toggle_play,
            Qt.Key.Key_Home: p.go_to_start,
            Qt.Key.Key_End: p.go_to_end,
            Qt.Key.Key_I: p.mark_in,
            Qt.Key.Key_O: p.mark_out,
            Qt.Key.Key_Up: lambda: p.set_volume(p.volume + 5),
            Qt.Key.Key_Down: lambda: p.set_volume(p.volume - 5),
            Qt.Key.Key_F: self.toggle_fullscreen,
        }
        if ctrl:
            ctrl_actions: dict[int, Callable[[], None]] = {
                Qt.Key.Key_L: lambda: p.set_loop(not p.loop),
                Qt.Key.Key_G: self.transport.focus_goto,
                Qt.Key.Key_M: lambda: p.set_muted(not p.muted),
            }
            if key == Qt.Key.Key_X and shift:
                p.clear_marks()
            elif key in ctrl_actions:
                ctrl_actions[key]()
            else:
                return False
        elif key == Qt.Key.Key_K and not auto_repeat:
            self._k_held = True
            p.stop_shuttle()
        elif key in (Qt.Key.Key_J, Qt.Key.Key_L):
            forward = key == Qt.Key.Key_L
            if self._k_held:
                p.step(1 if forward else -1)  # K held + J/L: nudge one frame
            else:
                p.shuttle(forward)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            sign = 1 if key == Qt.Key.Key_Right else -1
            p.step(sign * (rate if shift else 10 if alt else 1))
        elif key == Qt.Key.Key_M:
            if shift:
                self.add_named_marker()
            else:
                p.add_marker("")
        elif key in actions:
            actions[key]()
        elif key == Qt.Key.Key_Escape and self.window().isFullScreen():
            self.toggle_fullscreen()
        else:
            return False
        return True
