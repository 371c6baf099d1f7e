"""The player's keys, as the shortcut list shows them. PlayerPanel.handle_key applies them; a test checks
that every key listed here is one it handles."""

from __future__ import annotations

PLAYER_KEYS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("Space",), "Play / pause"),
    (("K",), "Play / pause, and stop a shuttle (hold K and press J or L: one frame back / forward)"),
    (("L", "J"), "Shuttle forward / reverse (again: 2×, 4×, 8×)"),
    (("Left", "Right"), "One frame back / forward"),
    (("Alt+Left", "Alt+Right"), "Ten frames back / forward"),
    (("Shift+Left", "Shift+Right"), "One second back / forward"),
    (("Home", "End"), "Go to start / end"),
    (("I", "O"), "Mark in / out"),
    (("Ctrl+Shift+X",), "Clear in and out marks"),
    (("Ctrl+L",), "Loop in → out"),
    (("Ctrl+G",), "Go to a timecode (type it, Enter)"),
    (("M",), "Add a marker"),
    (("Shift+M",), "Add a named marker"),
    (("Up", "Down"), "Volume up / down"),
    (("Ctrl+M",), "Mute"),
    (("F",), "Full screen"),
    (("Esc",), "Leave full screen"),
)
