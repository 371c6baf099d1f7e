"""Reelkeep's own files in a version: `.reelkeep/catalog.json` (probe facts, tags, markers, subclip links of each
media file), embedded proxies and posters, so an archive describes and previews its media with only itself on hand.

Entries are carried over from the previous version for files whose digest did not change; new or changed media
are probed (the one probe, app/media/probe.py) from the bytes already copied into staging. Proxies are keyed by
the original's digest: a clip stored again under another name, or on another branch, reuses them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from app.archive.model import CATALOG_JSON, RESERVED_PREFIX
from app.archive.store import Archive
from app.archive.write import Stored
from app.core.errors import ReelkeepError
from app.core.facts import MediaFacts
from app.core.job import JobContext
from app.core.kinds import kind_for_name
from app.ingest.proxies import preset_for
from app.media.probe import probe
from app.media.proxy import generate_proxy

log = logging.getLogger(__name__)

METADATA_FORMAT = 1
PROXIES = RESERVED_PREFIX + "proxies/"
POSTERS = RESERVED_PREFIX + "posters/"
# What the catalog knows beyond the file itself, for a source path (None: not cataloged).
CatalogFacts = Callable[[Path], "dict[str, Any] | None"]
_CATALOG_KEYS = ("rating", "favourite", "tags", "markers", "play_count", "subclip_of", "subclips")


def recorded_facts(known: dict[str, Any] | None) -> dict[str, Any]:
    """What a version records of the catalog's facts about a media file (those that are set)."""
    if not known:
        return {}
    return {k: known[k] for k in _CATALOG_KEYS if known.get(k) not in (None, [], 0, False)}


def facts_record(facts: MediaFacts) -> dict[str, Any]:
    record = {k: v for k, v in facts.__dict__.items() if v not in (None, (), "") and k != "audio_tracks"}
    if facts.frame_rate is not None:
        record["frame_rate"] = f"{facts.frame_rate.numerator}/{facts.frame_rate.denominator}"
    if facts.start_tc is not None:
        record["start_timecode"] = record.pop("start_tc")
    record["warnings"] = list(facts.warnings)
    record["audio_tracks"] = [t.__dict__ for t in (facts.audio_tracks or ())]
    return record


class Describer:
    """The `describe` step of write_version (app/archive/write.py) for create, add and commit."""

    def __init__(self, proxies: Sequence[str] = (), catalog_facts: CatalogFacts | None = None) -> None:
        self.proxies = tuple(proxies)
        self.catalog_facts = catalog_facts

    def __call__(self, content: Path, stored: list[Stored], previous: Archive | None,
                 ctx: JobContext) -> dict[str, Path]:
        base = previous.metadata(previous.head) if previous is not None else {}
        files: dict[str, dict[str, Any]] = {}
        outputs: dict[str, Path] = {}
        by_digest = {entry["sha256"]: entry for entry in base.values() if "sha256" in entry}
        changed = {s.logical_path: s for s in stored}
        if previous is not None:
            for logical, digest in previous.state(previous.head).items():
                if logical in base and logical not in changed and base[logical].get("sha256") == digest:
                    files[logical] = base[logical]
                    outputs.update(self._carry(previous, base[logical]))
        for item in stored:
            kind = kind_for_name(item.logical_path)
            if kind is None:
                continue
            ctx.cancel.check()
            entry = self._describe(item, kind, by_digest.get(item.digest), previous, content, outputs, ctx)
            files[item.logical_path] = entry
        document = {"format": METADATA_FORMAT, "files": dict(sorted(files.items()))}
        catalog = content / CATALOG_JSON
        catalog.parent.mkdir(parents=True, exist_ok=True)
        catalog.write_text(json.dumps(document, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        outputs[CATALOG_JSON] = catalog
        return outputs

    def _carry(self, previous: Archive, entry: dict[str, Any]) -> dict[str, Path]:
        state = previous.state(previous.head)
        carried = {}
        for logical in [*entry.get("proxies", {}).values(), entry.get("poster")]:
            if logical and logical in state:
                carried[logical] = previous.content_file(state[logical])
        return carried

    def _describe(self, item: Stored, kind: str, same: dict[str, Any] | None, previous: Archive | None,
                  content: Path, outputs: dict[str, Path], ctx: JobContext) -> dict[str, Any]:
        entry: dict[str, Any] = {"kind": kind, "sha256": item.digest, "size": item.size}
        if same is not None:
            entry.update({k: v for k, v in same.items() if k in ("kind", "probe")})
        else:
            try:
                entry["probe"] = facts_record(probe(str(item.file)))
            except ReelkeepError as exc:
                entry["error"] = str(exc)
        if item.source is not None and self.catalog_facts is not None:
            entry.update(recorded_facts(self.catalog_facts(item.source)))
        if kind == "video" and "probe" in entry:
            entry.update(self._previews(item, entry, same, previous, content, outputs, ctx))
        return entry

    def _previews(self, item: Stored, entry: dict[str, Any], same: dict[str, Any] | None, previous: Archive | None,
                  content: Path, outputs: dict[str, Path], ctx: JobContext) -> dict[str, Any]:
        found: dict[str, Any] = {"proxies": {}}
        reusable = {}
        if same is not None and previous is not None:
            state = previous.state(previous.head)
            for preset, logical in same.get("proxies", {}).items():
                if logical in state:
                    reusable[preset] = previous.content_file(state[logical])
            if same.get("poster") in state:
                reusable["poster"] = previous.content_file(state[same["poster"]])
        facts = entry["probe"]
        rate = Fraction(facts["frame_rate"]) if facts.get("frame_rate") else None
        for preset in self.proxies:
            ctx.cancel.check()
            logical = f"{PROXIES}{preset}/{item.logical_path}.{preset_for(preset).extension}"
            if preset in reusable:
                outputs[logical] = reusable[preset]
            else:
                dest = content / logical
                dest.parent.mkdir(parents=True, exist_ok=True)
                made = generate_proxy(str(item.file), dest, preset, rate=rate,
                                      frame_count=facts.get("frame_count"), start_tc=facts.get("start_timecode"),
                                      check=ctx.cancel.check)
                outputs[logical] = made.path
            found["proxies"][preset] = logical
        poster = f"{POSTERS}{item.logical_path}.jpg"
        if "poster" in reusable:
            outputs[poster] = reusable["poster"]
            found["poster"] = poster
        else:
            made_poster = _make_poster(item.file, content / poster, rate, facts.get("frame_count"))
            if made_poster is not None:
                outputs[poster] = made_poster
                found["poster"] = poster
        return found


def _make_poster(source: Path, dest: Path, rate: Fraction | None, frame_count: int | None) -> Path | None:
    from app.media.framegrab import VideoSource
    from app.media.thumbnails import make_poster

    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        with VideoSource(str(source), rate, frame_count) as video:
            return make_poster(video, dest)
    except ReelkeepError as exc:
        log.warning("no poster for %s: %s", source, exc)
        return None
