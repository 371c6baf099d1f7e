"""DetailsPanel: everything the catalog knows about the selected file, or totals for a selection."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFormLayout, QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from app.core.errors import CatalogError
from app.core.job import Outcome
from app.services.library import LibraryService
from app.ui.library import format as fmt
from app.ui.library.summary import SelectionTotals, SelectionTotalsJob, selection_totals
from app.ui.widgets.empty_state import EmptyState
from app.ui.widgets.icons import kind_icon, status_icon
from app.ui.widgets.selectable_text import SelectableText

SYNC_TOTALS_LIMIT = 2000  # larger selections are summed in the catalog lane, off the GUI thread
_CHANNELS = {1: "mono", 2: "stereo", 6: "5.1", 8: "7.1"}
_STATUS = {"ok": "OK", "missing": "Missing", "error": "Cannot be read", "pending": "Reading details…"}


def _sections(m: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(group, [(label, value)]) for one catalog.info() record; empty values are left out."""
    rate = m["frame_rate"]
    num, den = (int(x) for x in rate.split("/")) if rate else (None, None)
    duration = fmt.precise_duration_text(m["duration"])
    if m["frame_count"] and m["kind"] == "video":
        duration += f" · {m['frame_count']:,} frames"
    status = _STATUS.get(m["status"], m["status"])
    if m["status_message"]:
        status += f" — {m['status_message']}"
    file_rows = [
        ("Folder", os.path.dirname(m["path"])), ("Library folder", m["root"] or "(added on its own)"),
        ("Size", f"{fmt.size_text(m['size'])} ({m['size']:,} bytes)" if m["size"] else ""),
        ("Duration", duration if m["kind"] != "image" else ""),
        ("Container", m["container"] or ""),
        ("Bit rate", f"{round(m['bit_rate'] / 1000):,} kb/s" if m["bit_rate"] else ""),
        ("Modified", fmt.iso_text(m["mtime"])), ("Status", status),
    ]
    profile = f" ({m['profile']})" if m["profile"] else ""
    tc = m["start_timecode"] or ""
    video = [
        ("Codec", fmt.codec_text(m["video_codec"]) + profile if m["video_codec"] else ""),
        ("Resolution", fmt.resolution_text(m["width"], m["height"])),
        ("Frame rate", f"{fmt.rate_text(num, den)} fps ({rate})" if rate else ""),
        ("Start TC", tc + (" (drop frame)" if m["drop_frame"] and tc else "")),
        ("Pixel format", m["pix_fmt"] or ""),
    ] if m["kind"] == "video" else []
    audio = _audio_rows(m)
    music = [(label, str(m[key]) if m[key] not in (None, "") else "") for label, key in (
        ("Title", "title"), ("Artist", "artist"), ("Album", "album"), ("Album artist", "album_artist"),
        ("Track", "track"), ("Disc", "disc"), ("Year", "year"), ("Genre", "genre"))]
    music.append(("Cover", "Embedded" if m["has_cover"] else ""))
    tags = [
        ("Rating", fmt.stars_text(m["rating"]) if m["rating"] else "Not rated"),
        ("Favourite", f"{fmt.HEART} Yes" if m["favourite"] else "No"),
        ("Tags", ", ".join(m["tags"]) or "None (Ctrl+T adds tags)"),
        ("Markers", f"{len(m['markers']):,}" if m["markers"] else ""),
    ]
    played = f"{m['play_count']:,} times" + (f", last {fmt.iso_text(m['last_played'])}" if m["last_played"] else "")
    library = [
        ("Added", fmt.iso_text(m["added_at"])), ("Last seen", fmt.iso_text(m["last_seen_at"])),
        ("Details read", fmt.iso_text(m["probed_at"])), ("Played", played if m["play_count"] else ""),
        ("Catalog id", str(m["id"])), ("Identity hash", m["identity_hash"] or ""),
        ("Content hash", m["content_hash"] or ""),
    ]
    groups = [("File", file_rows), ("Subclip", _subclip_rows(m)), ("Video", video), ("Audio", audio),
              ("Music", music), ("Tags", tags), ("Tape", _tape_rows(m)), ("Library", library)]
    return [(title, [(k, v) for k, v in rows if v]) for title, rows in groups if any(v for _, v in rows)]


def _tape_rows(m: dict[str, Any]) -> list[tuple[str, str]]:
    """Which tapes hold the file (the offline catalog): by content hash, or likely by name and size."""
    copies = m.get("tapes") or []
    if not copies:
        return []
    where = ", ".join(sorted({f"{t['barcode']}" + (f" (copy {t['copy']})" if t["copy"] else "") for t in copies}))
    rows = [("On tape", where), ("Tape path", copies[0]["path"])]
    if not copies[0]["exact"]:
        rows.append(("Match", "Same name and size; not checked by content hash"))
    return rows


def _audio_rows(m: dict[str, Any]) -> list[tuple[str, str]]:
    """One file's audio: its only track in detail, or one line per track; unknown tracks said as such."""
    tracks = m.get("audio_tracks")
    if tracks is not None and len(tracks) > 1:
        return [("Tracks", f"{len(tracks)}")] + [(f"Track {t['index'] + 1}", _track_text(t)) for t in tracks]
    if not m["audio_codec"] and not tracks:
        return []
    channels = m["channels"]
    rows = [
        ("Codec", fmt.codec_text(m["audio_codec"])),
        ("Channels", _channels_text(channels, tracks[0]["layout"] if tracks else None)),
        ("Sample rate", f"{m['sample_rate']:,} Hz" if m["sample_rate"] else ""),
    ]
    if tracks:
        rows += [("Language", tracks[0]["language"] or ""), ("Track title", tracks[0]["title"] or "")]
    elif tracks is None:
        # Cataloged before every stream was read: the file may hold more tracks than this first one.
        rows.append(("Tracks", "Unknown until the file is read again (the next scan of its library folder, or "
                               "adding the file again): an older Reelkeep cataloged it and read only the first "
                               "track"))
    return rows


def _channels_text(channels: int | None, layout: str | None) -> str:
    if not channels:
        return ""
    name = layout or _CHANNELS.get(channels)
    return f"{channels} ({name})" if name else str(channels)


def _track_text(track: dict[str, Any]) -> str:
    """'PCM · 1 (mono) · 48,000 Hz · eng · “Boom”'."""
    parts = [fmt.codec_text(track["codec"]) or "Unknown codec", _channels_text(track["channels"], track["layout"]),
             f"{track['sample_rate']:,} Hz" if track["sample_rate"] else "", track["language"] or "",
             f"“{track['title']}”" if track["title"] else ""]
    return " · ".join(p for p in parts if p)


def _subclip_rows(m: dict[str, Any]) -> list[tuple[str, str]]:
    """Where an extracted file came from, or what was extracted from this one."""
    rows: list[tuple[str, str]] = []
    source = m.get("subclip_of")
    if source is not None:
        status = source["source_status"]
        note = {"ok": "", "forgotten": " (no longer in the catalog)"}.get(status, f" ({_STATUS.get(status, status)})")
        rows += [("Source", source["source_path"] + note), ("Frames", _link_frames(source)),
                 ("Handles", str(source["handles"]) if source["handles"] else "")]
        if source["event_number"] is not None:
            rows.append(("Event", f"{source['event_number']}" + (f" of {source['timeline']}" if source["timeline"] else "")))
    subclips = m.get("subclips") or []
    if subclips:
        names = [f"{os.path.basename(link['path'])} — {_link_frames(link)}" for link in subclips[:20]]
        more = f"\n… and {len(subclips) - 20:,} more" if len(subclips) > 20 else ""
        rows.append((f"Subclips ({len(subclips):,})", "\n".join(names) + more))
    return rows


def _link_frames(link: dict[str, Any]) -> str:
    text = f"{link['first_frame']:,}–{link['last_frame']:,}"
    return text + (f" ({link['first_tc']}–{link['last_tc']})" if link["first_tc"] and link["last_tc"] else "")


class DetailsPanel(QWidget):
    """Shows one file's catalog record grouped by topic; for several files, their totals."""

    def __init__(self, library: LibraryService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self._ids: list[int] = []
        self._totals_job: int | None = None
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll)
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(200)
        self._refresh.timeout.connect(self._render)
        library.media_changed.connect(self._on_media_changed)
        library.library_reset.connect(self._refresh.start)
        self._render()

    def show_ids(self, ids: list[int]) -> None:
        """Show the file, or totals for the files, with these ids."""
        self._ids = list(ids)
        self._render()

    def text(self) -> str:
        """Everything shown, as plain text (for copying and for tests)."""
        parts = []
        for widget in self.scroll.widget().findChildren(QWidget):
            if isinstance(widget, QLabel):
                parts.append(widget.text())
            elif isinstance(widget, SelectableText):
                parts.append(widget.toPlainText())
        return "\n".join(parts)

    def _on_media_changed(self, ids: list[int]) -> None:
        if self._ids and not self._refresh.isActive() and set(ids) & set(self._ids[:SYNC_TOTALS_LIMIT]):
            self._refresh.start()

    def _render(self) -> None:
        if len(self._ids) == 1:
            try:
                content = self._single(self.library.catalog.info(self._ids[0]))
            except CatalogError:
                self._ids = []
                content = self._empty()
        elif self._ids:
            content = self._multiple()
        else:
            content = self._empty()
        self.scroll.setWidget(content)

    def _empty(self) -> QWidget:
        return EmptyState(None, "No file selected", "Select a file to see everything Reelkeep knows about it.")

    def _page(self) -> tuple[QWidget, QVBoxLayout]:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(12, 10, 12, 12)
        layout.setSpacing(4)
        return page, layout

    def _title(self, layout: QVBoxLayout, icon_kind: tuple[str, str], title: str, subtitle: str) -> None:
        row = QHBoxLayout()
        icon = QLabel()
        kind, status = icon_kind
        source = status_icon(status) if status in ("missing", "error") else kind_icon(kind)
        icon.setPixmap(source.pixmap(32, 32))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        name = SelectableText(title, font=font)
        name.setObjectName("detailsTitle")
        row.addWidget(icon)
        row.addWidget(name, 1)
        layout.addLayout(row)
        if subtitle:
            sub = QLabel(subtitle)
            sub.setEnabled(False)
            layout.addWidget(sub)

    def _group(self, layout: QVBoxLayout, title: str, rows: list[tuple[str, str]]) -> None:
        heading = QLabel(title.upper())
        font = heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 0.85)
        heading.setFont(font)
        heading.setEnabled(False)
        heading.setContentsMargins(0, 10, 0, 2)
        layout.addWidget(heading)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.setFormAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(3)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for label, value in rows:
            name = QLabel(label)
            name.setEnabled(False)
            if label in ("Folder", "Library folder", "Status", "Identity hash", "Content hash", "Tags"):
                field: QWidget = SelectableText(value)
            else:
                field = QLabel(value)
                field.setWordWrap(True)
                field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(name, field)
        layout.addLayout(form)

    def _single(self, info: dict[str, Any]) -> QWidget:
        page, layout = self._page()
        kind = info["kind"].capitalize() if info["kind"] != "unknown" else "File"
        subtitle = " · ".join(x for x in (kind, fmt.duration_text(info["duration"]) if info["kind"] != "image"
                                          else "", fmt.size_text(info["size"])) if x)
        self._title(layout, (info["kind"], info["status"]), info["name"], subtitle)
        for title, rows in _sections(info):
            self._group(layout, title, rows)
        layout.addStretch(1)
        return page

    def _multiple(self) -> QWidget:
        ids = self._ids
        if len(ids) <= SYNC_TOTALS_LIMIT:
            return self._totals_page(selection_totals(self.library.catalog, ids))
        job = SelectionTotalsJob(self.library.catalog, ids)
        if self._totals_job is not None:
            self.library.runner.cancel(self._totals_job)
        self._totals_job = self.library.runner.submit(job, lambda outcome: self._totals_done(ids, outcome))
        return self._totals_page(None)

    def _totals_done(self, ids: list[int], outcome: Outcome) -> None:
        if ids is self._ids and outcome.ok:
            self.scroll.setWidget(self._totals_page(outcome.value))

    def _totals_page(self, totals: SelectionTotals | None) -> QWidget:
        page, layout = self._page()
        self._title(layout, ("", ""), f"{len(self._ids):,} files selected", "")
        if totals is None:
            layout.addWidget(QLabel("Adding up…"))
        else:
            kinds = ", ".join(f"{n:,} {k}" for k, n in totals.kinds.most_common())
            rows = [("Total size", fmt.size_text(totals.size)),
                    ("Total duration", fmt.duration_text(totals.duration) if totals.duration else ""),
                    ("Kinds", kinds),
                    ("Missing", f"{totals.missing:,}" if totals.missing else ""),
                    ("Unreadable", f"{totals.errors:,}" if totals.errors else "")]
            self._group(layout, "Selection", [(k, v) for k, v in rows if v])
            hint = QLabel("0–5 rates them all, F marks them as favourites, Ctrl+T tags them.")
            hint.setWordWrap(True)
            hint.setEnabled(False)
            hint.setContentsMargins(0, 12, 0, 0)
            layout.addWidget(hint)
        layout.addStretch(1)
        return page
