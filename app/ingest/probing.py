"""Phase two of a scan: identity hash and probe for many files, on every core."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

from app.core.errors import ProbeError
from app.core.facts import ProbeOutcome
from app.core.progress import CancelToken
from app.media.hashing import identity_hash
from app.media.probe import probe

# Below this many files a process pool costs more to start than it saves.
POOL_THRESHOLD = 64
BATCH = 32


def probe_one(media_id: int, raw: bytes) -> ProbeOutcome:
    """Identity hash + probe of one file; every failure becomes a message."""
    try:
        ident = identity_hash(raw)
    except OSError as exc:
        reason = "the file disappeared while it was being read" if isinstance(exc, FileNotFoundError) else (
            "permission denied: Reelkeep cannot read this file (check its permissions)"
            if isinstance(exc, PermissionError) else f"cannot read the file: {exc.strerror}")
        return ProbeOutcome(media_id, None, None, reason)
    try:
        return ProbeOutcome(media_id, ident, probe(raw))
    except ProbeError as exc:
        return ProbeOutcome(media_id, ident, None, str(exc))


def _probe_batch(items: Sequence[tuple[int, bytes]]) -> list[ProbeOutcome]:
    return [probe_one(media_id, raw) for media_id, raw in items]


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def probe_many(
    items: Sequence[tuple[int, bytes]],
    cancel: CancelToken | None = None,
    workers: int | None = None,
) -> Iterator[list[ProbeOutcome]]:
    """Yield outcomes in batches as they finish. Uses a process pool (mutagen and PyAV's demuxing are
    GIL-bound) when there is enough work; cancelling stops after the batches in flight."""
    workers = workers or default_workers()
    batches = [items[i : i + BATCH] for i in range(0, len(items), BATCH)]
    if workers == 1 or len(items) < POOL_THRESHOLD:
        for batch in batches:
            if cancel is not None:
                cancel.check()
            yield _probe_batch(batch)
        return
    # spawn, not fork: the parent may be a Qt process with threads, which fork would copy half-alive.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: set[Future] = set()
        queue = iter(batches)
        try:
            while True:
                while len(pending) < workers * 2:
                    batch = next(queue, None)
                    if batch is None:
                        break
                    pending.add(pool.submit(_probe_batch, batch))
                if not pending:
                    return
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
                if cancel is not None:
                    cancel.check()
        finally:
            for future in pending:
                future.cancel()


