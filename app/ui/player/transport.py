"""Transport bar: play controls, exact timecode and frame display, go-to field, marks, audio and tracks."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSlider,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import TimecodeError
from app.services.player import PlayerService
from app.ui.widgets.elided_label import ElidedLabel

SPEEDS = (0.25, 0.5, 1.0, 1.5, 2.0, 4.0, 8.0)  # includes every J/L shuttle speed, so the menu can show it
SOURCE_MODES = (("Auto", "auto"), ("Original", "original"))
TRACK_MENU_CHARS = 22  # width of the closed audio/subtitle menus, in characters


_CHANNEL_NAMES = {1: "mono", 2: "stereo", 6: "5.1", 8: "7.1"}


def track_label(track: dict) -> str:
    """A menu entry for an mpv track-list entry, e.g. '1: boom — mono, pcm_s24le (eng)'; what mpv does not
    know is left out."""
    details = []
    layout, count = track.get("demux-channels"), track.get("demux-channel-count") or track.get("audio-channels")
    if layout and not str(layout).startswith("unknown"):  # mpv says "unknown2" where the file has no layout
        details.append(str(layout))
    elif count:
        details.append(_CHANNEL_NAMES.get(count, f"{count} ch"))
    if track.get("codec"):
        details.append(str(track["codec"]))
    text = " — ".join(part for part in (track.get("title"), ", ".join(details)) if part) or "track"
    lang = f" ({track['lang']})" if track.get("lang") else ""
    return f"{track.get('id')}: {text}{lang}"


def _button(icon: QStyle.StandardPixmap, tip: str, parent: QWidget) -> QToolButton:
    button = QToolButton(parent)
    # the style's own media icons: unicode media glyphs are missing from many desktop fonts
    button.setIcon(parent.style().standardIcon(icon))
    button.setToolTip(tip)
    button.setAutoRaise(True)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys belong to the player, not to a button
    return button


GOTO_TIP = ("Go to timecode (Ctrl+G): 01:00:10:05, or digits right-aligned (1001005; fewer digits keep the "
            "current hours, minutes…), or +24 / -1:00 to move on or back; Enter")


class TransportBar(QWidget):
    fullscreen_requested = Signal()
    message = Signal(str)
    goto_done = Signal()  # the go-to field took its timecode: the keys can go back to the player

    def __init__(self, player: PlayerService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.player = player
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        # Three rows: the transport and the timecode on top, the marks (a long line) in full below, then
        # source, speed, volume and tracks, so the player fits beside the library on a 1280 px screen.
        rows = QVBoxLayout(self)
        rows.setContentsMargins(6, 2, 6, 4)
        rows.setSpacing(2)
        layout = QHBoxLayout()
        layout.setSpacing(4)
        marks_row = QHBoxLayout()
        marks_row.setSpacing(4)
        lower = QHBoxLayout()
        lower.setSpacing(4)
        rows.addLayout(layout)
        rows.addLayout(marks_row)
        rows.addLayout(lower)
        self.start_button = _button(QStyle.StandardPixmap.SP_MediaSkipBackward, "Go to start (Home)", self)
        self.back_button = _button(QStyle.StandardPixmap.SP_MediaSeekBackward, "Reverse shuttle (J)", self)
        self.play_button = _button(QStyle.StandardPixmap.SP_MediaPlay, "Play / pause (Space, K)", self)
        self.forward_button = _button(QStyle.StandardPixmap.SP_MediaSeekForward, "Forward shuttle (L, again for 2×, 4×, 8×)", self)
        self.end_button = _button(QStyle.StandardPixmap.SP_MediaSkipForward, "Go to end (End)", self)
        for button in (self.start_button, self.back_button, self.play_button, self.forward_button, self.end_button):
            layout.addWidget(button)
        self.timecode_label = QLabel("--:--:--:--", self)
        big = QFont(mono)
        big.setPointSizeF(max(big.pointSizeF(), 10) * 1.5)
        big.setBold(True)
        self.timecode_label.setFont(big)
        self.timecode_label.setToolTip("Source timecode of the frame on screen")
        self.frame_label = QLabel("", self)
        self.frame_label.setFont(mono)
        self.frame_label.setToolTip("Frame number in the file (0 = first frame)")
        self.goto = QLineEdit(self)
        self.goto.setPlaceholderText("Go to TC")
        self.goto.setFont(mono)
        self.goto.setMaximumWidth(120)
        self.goto.setMinimumWidth(96)
        self.goto.setToolTip(GOTO_TIP)
        self.marks_label = ElidedLabel("", self, min_chars=12)  # cut, not widening the player, when narrow
        self.marks_label.setFont(mono)
        self.loop_button = _button(QStyle.StandardPixmap.SP_BrowserReload, "Loop in → out (Ctrl+L)", self)
        self.loop_button.setCheckable(True)
        self.speed_box = QComboBox(self)
        self.speed_box.addItems([f"{s:g}×" for s in SPEEDS])
        self.speed_box.setCurrentIndex(SPEEDS.index(1.0))
        self.speed_box.setToolTip("Playback speed (J/L shuttle shows here; − is reverse)")
        self.speed_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.mute_button = _button(QStyle.StandardPixmap.SP_MediaVolume, "Mute (Ctrl+M)", self)
        self.mute_button.setCheckable(True)
        self.volume = QSlider(Qt.Orientation.Horizontal, self)
        self.volume.setRange(0, 130)
        self.volume.setValue(100)
        self.volume.setMaximumWidth(90)
        self.volume.setMinimumWidth(48)
        self.volume.setToolTip("Volume (Up/Down)")
        self.volume.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.audio_box = QComboBox(self)
        self.audio_box.setToolTip("Audio track")
        self.sub_box = QComboBox(self)
        self.sub_box.setToolTip("Subtitles")
        for box in (self.audio_box, self.sub_box):
            box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            # A delivery's track titles can be long: the closed menu keeps a fixed width (its list shows them
            # whole), so a title never widens the player past a small screen.
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(TRACK_MENU_CHARS)
            box.setVisible(False)  # until a clip with such tracks is open
        self.source_badge = QLabel("ORIGINAL", self)
        self.source_badge.setFont(mono)
        self.source_badge.setToolTip("What plays: the original file or one of its proxies (same frames and timecode)")
        self.source_box = QComboBox(self)
        self.source_box.setToolTip("Source: Auto picks a proxy that fits the view and the storage's speed")
        self.source_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.source_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.fullscreen_button = _button(QStyle.StandardPixmap.SP_TitleBarMaxButton, "Full screen (F)", self)
        layout.addSpacing(8)
        layout.addWidget(self.timecode_label)
        layout.addWidget(self.frame_label)
        layout.addStretch(1)
        layout.addWidget(self.goto)
        layout.addWidget(self.fullscreen_button)
        marks_row.addWidget(self.marks_label, 1)
        marks_row.addWidget(self.loop_button)
        lower.addWidget(self.source_badge)
        lower.addWidget(self.source_box)
        lower.addStretch(1)
        lower.addWidget(self.speed_box)
        lower.addWidget(self.mute_button)
        lower.addWidget(self.volume)
        lower.addWidget(self.audio_box)
        lower.addWidget(self.sub_box)

        self.start_button.clicked.connect(player.go_to_start)
        self.end_button.clicked.connect(player.go_to_end)
        self.play_button.clicked.connect(player.toggle_play)
        self.back_button.clicked.connect(self._reverse)
        self.forward_button.clicked.connect(self._forward)
        self.goto.returnPressed.connect(self._go_to)
        self.loop_button.toggled.connect(player.set_loop)
        self.speed_box.activated.connect(self._pick_speed)
        self.mute_button.toggled.connect(player.set_muted)
        self.volume.valueChanged.connect(player.set_volume)
        self.audio_box.activated.connect(self._pick_audio)
        self.sub_box.activated.connect(self._pick_sub)
        self.fullscreen_button.clicked.connect(self.fullscreen_requested)
        self.source_box.activated.connect(self._pick_source)
        player.source_changed.connect(self._show_source)
        player.frame_changed.connect(self._show_frame)
        player.playing_changed.connect(self._show_playing)
        player.marks_changed.connect(self._show_marks)
        player.clip_changed.connect(self._show_clip)
        player.audio_changed.connect(self._show_audio)
        self._show_clip()
        self._show_source()

    def _go_to(self) -> None:
        text = self.goto.text().strip()
        try:
            self.player.go_to_timecode(text)
        except TimecodeError as exc:
            self.goto.setStyleSheet("color: #c62828;")
            self.goto.setToolTip(str(exc))
            self.goto.selectAll()  # typing again replaces the wrong entry
            self.message.emit(str(exc))
            return
        self._clear_goto()
        self.goto_done.emit()

    def focus_goto(self) -> None:
        """Ctrl+G: the field gets the keys with its text selected, so typing replaces it."""
        self.goto.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.goto.selectAll()

    def _clear_goto(self) -> None:
        self.goto.setStyleSheet("")
        self.goto.setToolTip(GOTO_TIP)
        self.goto.clear()

    def _show_frame(self, frame: int) -> None:
        self.timecode_label.setText(self.player.timecode(frame))
        total = self.player.clip.frame_count if self.player.clip else None
        self.frame_label.setText(f"fr {frame}" + (f" / {total - 1}" if total else ""))

    def _show_playing(self, playing: bool) -> None:
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))

    def _show_marks(self) -> None:
        marks = self.player.marks
        parts = []
        if marks.in_frame is not None:
            parts.append(f"IN {self.player.timecode(marks.in_frame)}")
        if marks.out_frame is not None:
            parts.append(f"OUT {self.player.timecode(marks.out_frame - 1)}")
        if marks.duration is not None:
            parts.append(f"DUR {marks.duration} fr")
        self.marks_label.setText("  ".join(parts))
        self.loop_button.setChecked(self.player.loop)

    def _show_clip(self) -> None:
        self._clear_goto()  # an error about the last clip's timecodes means nothing for this one
        enabled = self.player.clip is not None
        for widget in (self.play_button, self.start_button, self.end_button, self.back_button,
                       self.forward_button, self.goto):
            widget.setEnabled(enabled)
        self._show_frame(self.player.frame)
        self._show_marks()

    def _show_speed(self) -> None:
        """The speed mpv plays at, shuttle included; reverse shuttle reads −1×, −2×…"""
        box, player = self.speed_box, self.player
        sign = "−" if player.reverse else ""
        box.blockSignals(True)
        for index, speed in enumerate(SPEEDS):
            box.setItemText(index, f"{sign}{speed:g}×")
        nearest = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - player.speed))
        box.setCurrentIndex(nearest)
        box.blockSignals(False)

    def _show_audio(self) -> None:
        self._show_speed()
        self.mute_button.setChecked(self.player.muted)
        icon = QStyle.StandardPixmap.SP_MediaVolumeMuted if self.player.muted else QStyle.StandardPixmap.SP_MediaVolume
        self.mute_button.setIcon(self.style().standardIcon(icon))
        if self.volume.value() != round(self.player.volume):
            self.volume.blockSignals(True)
            self.volume.setValue(round(self.player.volume))
            self.volume.blockSignals(False)
        for kind, box, label in (("audio", self.audio_box, "Audio"), ("sub", self.sub_box, "Subtitles")):
            tracks = [t for t in self.player.tracks if t.get("type") == kind]
            box.blockSignals(True)
            box.clear()
            box.addItem(f"{label}: off", None)
            selected = 0
            for track in tracks:
                box.addItem(track_label(track), track.get("id"))
                if track.get("selected"):
                    selected = box.count() - 1
            box.setCurrentIndex(selected)
            box.setToolTip(box.currentText() if tracks else label)
            box.view().setMinimumWidth(box.view().sizeHintForColumn(0) + 24 if tracks else 0)
            box.setVisible(bool(tracks))
            box.blockSignals(False)

    def _reverse(self) -> None:
        self.player.shuttle(False)

    def _forward(self) -> None:
        self.player.shuttle(True)

    def _pick_speed(self, index: int) -> None:
        self.player.set_speed(SPEEDS[index])

    def _show_source(self) -> None:
        self.source_badge.setText(self.player.source_label)
        self.source_box.blockSignals(True)
        self.source_box.clear()
        for text, mode in SOURCE_MODES:
            self.source_box.addItem(text, mode)
        for preset in self.player.proxy_presets():
            self.source_box.addItem(f"Proxy: {preset}", preset)
        index = self.source_box.findData(self.player.source_mode)
        if index < 0:  # a preset this clip has no proxy in: the player plays the original
            self.source_box.addItem(f"Proxy: {self.player.source_mode} (none)", self.player.source_mode)
            index = self.source_box.count() - 1
        self.source_box.setCurrentIndex(index)
        self.source_box.blockSignals(False)
        has_video = self.player.clip is not None and self.player.clip.kind == "video"
        self.source_badge.setVisible(has_video)
        self.source_box.setVisible(has_video)

    def _pick_source(self, index: int) -> None:
        self.player.set_source_mode(self.source_box.itemData(index))

    def _pick_audio(self, index: int) -> None:
        self.player.set_track("audio", self.audio_box.itemData(index))

    def _pick_sub(self, index: int) -> None:
        self.player.set_track("sub", self.sub_box.itemData(index))
