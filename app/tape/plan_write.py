"""Writing a tape plan, one cartridge at a time: the cartridge is checked (or formatted, when blank, with the
planned barcode and generation), its items go on through write_items, then its manifest, the set's manifest and
its ASC MHL generation (app/tape/manifest.py), then the index that lists them all, with the tape set and copy on
the root folder.

A file spanning cartridges carries one xxh3_128 state from part to part, so its last part records the whole file's
digest without a second read. When a write resumes on a later part (a plan of the rest), the earlier parts' bytes
are read again from the source, once, to rebuild that state.

A cartridge that fills up before its plan ends (it held less than planned) stops with an index of the finished
files; what was not written goes to `left-BARCODE.jsonl` in the plan folder and `written.json` says how far each
copy got, so `tape plan --rest` can plan what is left (plan.plan_rest).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import xxhash

from app.core.progress import CancelToken
from app.core.regular_file import open_regular
from app.tape.ltfs_index import FileEntry, LtfsIndex
from app.tape.manifest import MANIFEST_FOLDER, TapeManifest, file_facts, write_mhl, write_set_manifest
from app.tape.plan import TapePlan, barcode_sequence, plan_tapes
from app.tape.plan_walk import FILE, TapeItem
from app.tape.profiles import TapeError
from app.tape.simulated import SimulatedTape
from app.tape.volume import format_volume, read_volume
from app.tape.write_files import (
    COPY_KEY,
    SHA1_KEY,
    TAPE_SET_KEY,
    XXH128_KEY,
    CartridgeFull,
    TapeWrite,
    write_items,
)

BARCODE_FIELD = "{barcode}"
BARCODE_ATTRIBUTE = 0x0806  # MAM: the barcode format wrote
WRITTEN_FILE = "written.json"

SpanStates = dict[str, tuple[int, "xxhash.xxh3_128"]]  # source → (the next part's offset, the digest so far)


def device_for(pattern: str, barcode: str) -> str:
    return pattern.replace(BARCODE_FIELD, barcode)


def prepare_cartridge(tape: SimulatedTape, plan: TapePlan, barcode: str) -> None:
    """Format a blank cartridge for the plan; refuse one of another generation, barcode or block size, or one that
    already holds files (a planned tape starts empty: the plan counted all of its space)."""
    if tape.generation is not plan.generation:
        raise TapeError(f"the cartridge for {barcode} is {tape.generation.name}; the plan is {plan.generation.name}")
    if tape.eod(0) == 0 and tape.eod(1) == 0:
        format_volume(tape, barcode, plan.block_size)
        return
    volume = read_volume(tape)
    value = tape.read_attribute(0, BARCODE_ATTRIBUTE)
    found = value.decode("ascii", "replace").strip().upper() if value else ""
    if found and found != barcode:
        raise TapeError(f"the cartridge loaded for {barcode} is {found}: load {barcode}")
    if volume.label.block_size != plan.block_size:
        raise TapeError(f"{barcode} was formatted with {volume.label.block_size:,}-byte blocks; the plan counts "
                        f"{plan.block_size:,}")
    if volume.index.root.files or volume.index.root.directories:
        raise TapeError(f"{barcode} already holds files; a planned tape starts empty (its plan counted all of its "
                        "space): format it or load a blank one")


def write_planned_tape(tape: SimulatedTape, plan: TapePlan, copy: str, number: int, spans: SpanStates,
                       cancel: CancelToken | None = None, on_bytes: Callable[[int], None] | None = None,
                       on_file: Callable[[TapeItem], None] | None = None,
                       on_pause: Callable[[LtfsIndex, int], None] | None = None) -> TapeWrite:
    """Tape `number` of copy `copy` onto a prepared cartridge, with its manifests and ASC MHL."""
    barcode = plan.barcode(copy, number)
    work = Path(tempfile.mkdtemp(prefix="reelkeep-tape-"))
    staging = work / barcode  # the MHL generation's file is named after its root folder
    manifest = TapeManifest(staging, barcode)

    def items() -> Iterator[TapeItem]:
        for item in plan.items(number):
            yield replace(item, span=_span_state(spans, item)) if item.spanned else item

    def written(item: TapeItem, entry: FileEntry) -> None:
        manifest.add(item.path, item.length, item.offset, item.size, item.mtime_ns, entry.xattrs[XXH128_KEY],
                      entry.xattrs[SHA1_KEY])
        if item.spanned:
            if item.last_part:
                spans.pop(item.source, None)
            else:
                spans[item.source] = (item.offset + item.length, item.span)
        if on_file is not None:
            on_file(item)

    def after() -> list[TapeItem]:
        manifest.close()
        own = [manifest.path, write_set_manifest(staging, plan, barcode)]
        extra = [(f"{MANIFEST_FOLDER}/{path.name}", *file_facts(path), *_digests(path)) for path in own]
        mhl = write_mhl(staging, [manifest.path], extra)
        return [_staged(staging, path) for path in [*own, *mhl]]

    try:
        return write_items(tape, items(), cancel, on_bytes, written, after, {TAPE_SET_KEY: plan.tape_set,
                                                                            COPY_KEY: copy}, on_pause)
    except CartridgeFull as full:
        for item in full.left:
            spans.pop(item.source, None)  # its state took bytes of a part that is not on tape
        save_left(plan, barcode, full.left)
        raise
    finally:
        manifest.close()
        shutil.rmtree(work, ignore_errors=True)


def _staged(staging: Path, path: Path) -> TapeItem:
    size, modified_ns = file_facts(path)
    return TapeItem(FILE, path.relative_to(staging).as_posix(), str(path), size, modified_ns, 0, size)


def _digests(path: Path) -> tuple[str, str]:
    import hashlib

    xxh, sha = xxhash.xxh3_128(), hashlib.sha1(usedforsecurity=False)
    with open(path, "rb") as data:
        while chunk := data.read(8 << 20):
            xxh.update(chunk)
            sha.update(chunk)
    return xxh.hexdigest(), sha.hexdigest()


def _span_state(spans: SpanStates, item: TapeItem) -> xxhash.xxh3_128:
    """The whole file's digest so far, for the part at item.offset: carried from the previous part when this run
    wrote it, else rebuilt by reading the bytes before the part once."""
    found = spans.get(item.source)
    if found is not None and found[0] == item.offset:
        return found[1]
    digest = xxhash.xxh3_128()
    left = item.offset
    try:
        with open_regular(item.source) as source:
            while left > 0:
                chunk = source.read(min(left, 8 << 20))
                if not chunk:
                    raise TapeError(f"{item.source} is shorter than when the tape plan was made; make the plan again")
                digest.update(chunk)
                left -= len(chunk)
    except OSError as exc:
        raise TapeError(f"cannot read {item.source}: {exc.strerror or exc}") from None
    spans[item.source] = (item.offset, digest)
    return digest


def save_left(plan: TapePlan, barcode: str, left: list[TapeItem]) -> Path:
    """The items a cartridge could not take, for a plan of the rest."""
    path = plan.folder / f"left-{barcode}.jsonl"
    with open(path, "w", encoding="utf-8") as rows:
        for item in left:
            rows.write(json.dumps(item.row()) + "\n")
    return path


def record_written(plan: TapePlan, copy: str, barcode: str, state: str) -> None:
    """written.json: per copy, each cartridge's outcome (complete | full)."""
    path = plan.folder / WRITTEN_FILE
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    known.setdefault(copy, {})[barcode] = state
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(known, indent=1) + "\n", encoding="utf-8")
    partial.replace(path)


def written_state(plan: TapePlan) -> dict[str, dict[str, str]]:
    try:
        return json.loads((plan.folder / WRITTEN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def rest_items(plan: TapePlan, copy: str) -> Iterator[TapeItem]:
    """What copy `copy` of the plan still lacks, in tape order: the items a full cartridge could not take, then
    every item of the cartridges not written; consecutive parts of one file join again (the rest plan splits them
    where its own cartridges end)."""
    held: TapeItem | None = None
    for item in _rest(plan, copy):
        # the same tape path too: an archive stores identical files once, so two paths can share one source
        if held is not None and item.kind == FILE and held.kind == FILE and item.source == held.source \
                and item.path == held.path and held.offset + held.length == item.offset:
            held = replace(held, length=held.length + item.length)
            continue
        if held is not None:
            yield held
        held = item
    if held is not None:
        yield held


def _rest(plan: TapePlan, copy: str) -> Iterator[TapeItem]:
    state = written_state(plan).get(copy, {})
    for tape in plan.tapes:
        barcode = plan.barcode(copy, tape.number)
        outcome = state.get(barcode)
        if outcome == "complete":
            continue
        if outcome == "full":
            with open(plan.folder / f"left-{barcode}.jsonl", encoding="utf-8") as rows:
                for line in rows:
                    yield TapeItem.from_row(json.loads(line))
            continue
        yield from plan.items(tape.number)


def plan_rest(plan: TapePlan, out: Path, copy: str | None = None, barcode_start: str | None = None,
              on_item: Callable[[TapeItem, int], None] | None = None) -> TapePlan:
    """A plan of what a stopped write left, for one copy: the same tape set, copy, generation and capacity, new
    barcodes (by default counting on from the plan's last one), so the parts of a file that now spans into the
    new cartridges are found together."""
    state = written_state(plan)
    if copy is None:
        copy = next((c for c in plan.barcodes if "full" in state.get(c, {}).values()),
                    next((c for c in plan.barcodes if len(state.get(c, {})) < len(plan.tapes)), None))
        if copy is None:
            raise TapeError(f"every cartridge of the plan in {plan.folder} is written: nothing is left")
    if copy not in plan.barcodes:
        raise TapeError(f"the plan has no copy {copy} (it has {', '.join(plan.barcodes)})")
    if barcode_start is None:
        last = max(b for barcodes in plan.barcodes.values() for b in barcodes)
        barcode_start = barcode_sequence(last, plan.generation, 2)[1]
    return plan_tapes(rest_items(plan, copy), out, plan.generation, plan.capacity, plan.block_size, 1,
                      barcode_start, plan.split, plan.sources, on_item, tape_set=plan.tape_set, copy_names=copy)
