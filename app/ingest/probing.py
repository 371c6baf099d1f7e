"""Phase two of a scan: identity hash and probe for many files, on every core."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

from app.core.errors import ProbeError
from app.core.facts import ProbeOutcome
from app.core.progress import CancelToken
from app.core.regular_file import NotARegularFile, stat_error_message
from app.media.hashing import identity_hash
from app.media.probe import probe

# Below this many files a process pool costs more to start than it saves.
POOL_THRESHOLD = 64
BATCH = 32
ORPHANED_EXIT = 70  # a worker's exit code when it found its scan gone
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def probe_one(media_id: int, raw: bytes) -> ProbeOutcome:
    """Identity hash + probe of one file; every failure becomes a message."""
    try:
        ident = identity_hash(raw)
    except NotARegularFile as exc:
        return ProbeOutcome(media_id, None, None, str(exc))
    except OSError as exc:
        reason = stat_error_message(raw, exc) or (
            "the file disappeared while it was being read" if isinstance(exc, FileNotFoundError) else
            "permission denied: Reelkeep cannot read this file (check its permissions)"
            if isinstance(exc, PermissionError) else f"cannot read the file: {exc.strerror}")
        return ProbeOutcome(media_id, None, None, reason)
    try:
        return ProbeOutcome(media_id, ident, probe(raw))
    except ProbeError as exc:
        return ProbeOutcome(media_id, ident, None, str(exc))


def _probe_batch(items: Sequence[tuple[int, bytes]]) -> list[ProbeOutcome]:
    return [probe_one(media_id, raw) for media_id, raw in items]


def exit_when_orphaned(parent_pid: int, interval: float = 1.0) -> None:
    """Exit this process as soon as parent_pid is no longer its parent (the parent died: we were re-parented)."""
    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(interval)
        os._exit(ORPHANED_EXIT)

    threading.Thread(target=watch, name="exit-when-orphaned", daemon=True).start()


def _worker_init(parent_pid: int) -> None:
    """Pool worker start: die with the scan. A killed parent (kill -9, a crash) shuts no pool down, and its
    spawn workers would live on at PID 1. Linux delivers SIGKILL at once (prctl); the watchdog thread
    covers other systems, and a parent that died before prctl took effect."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    exit_when_orphaned(parent_pid)


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
    # The workers are started by this thread and the pool is shut down before it returns: PR_SET_PDEATHSIG
    # (sent when the creating *thread* ends) cannot fire while the scan lives.
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_init,
                             initargs=(os.getpid(),)) as pool:
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


