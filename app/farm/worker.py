"""A farm worker process: Huey consumers (one per lane, N threads each) and a keeper thread for the leases.

The keeper renews this process's leases and writes progress every beat, stops jobs whose cancel was asked,
and gives back to the queue the jobs of workers that stopped renewing (killed, frozen, cut off) — so a job
taken by a dead worker runs elsewhere after the retry delay, however the worker died.
Stopping (Ctrl-C, SIGTERM) cancels the running jobs (their partial outputs are deleted) and hands them back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from huey.consumer import Consumer

from app.farm.farm import LANES, Farm

log = logging.getLogger(__name__)

ORPHAN_SWEEP_S = 30.0


class FarmWorker:
    def __init__(self, farm: Farm, lanes: Sequence[str] = LANES, threads: int = 1) -> None:
        unknown = set(lanes) - set(LANES)
        if unknown:
            raise ValueError(f"unknown lane(s) {', '.join(sorted(unknown))}; lanes are {', '.join(LANES)}")
        self.farm = farm
        self.lanes = tuple(dict.fromkeys(lanes))
        self.threads = max(1, threads)
        self.stopping = threading.Event()
        self._consumers: list[Consumer] = []
        self._keeper: threading.Thread | None = None

    def start(self) -> None:
        """Reclaim what dead workers left, then start consuming (returns at once)."""
        self._keep(sweep=True)
        for lane in self.lanes:
            consumer = Consumer(self.farm.hueys[lane], workers=self.threads, periodic=False, initial_delay=0.1,
                                max_delay=1.0, backoff=1.5, check_worker_health=False)
            consumer.start()  # also sets Huey's signal handlers: the caller sets its own after start()
            self._consumers.append(consumer)
        self._keeper = threading.Thread(target=self._keep_loop, name="farm-keeper", daemon=True)
        self._keeper.start()
        log.info("farm worker %s: lanes %s, %d thread(s) each, queue %s", self.farm.worker_name,
                 ",".join(self.lanes), self.threads, self.farm.location)

    def _keep_loop(self) -> None:
        next_sweep = time.monotonic() + ORPHAN_SWEEP_S
        while not self.stopping.wait(self.farm.beat_seconds):
            sweep = time.monotonic() >= next_sweep
            if sweep:
                next_sweep = time.monotonic() + ORPHAN_SWEEP_S
            self._keep(sweep)

    def _keep(self, sweep: bool) -> None:
        try:
            self.farm.reconnect_if_closed()
            self.farm.beat()
            self.farm.reclaim_expired()
            if sweep:
                self.farm.requeue_orphans()
        except Exception:  # noqa: BLE001 - the database may be away for a while; the next beat tries again
            log.exception("farm keeper: cannot reach the queue")

    def stop(self) -> None:
        """Cancel the running jobs (partials deleted, jobs handed back), wait for the threads, close."""
        self.farm.stop_all("shutdown")
        for consumer in self._consumers:
            consumer.stop_flag.set()
        for consumer in self._consumers:
            consumer.stop(graceful=True)
        self.stopping.set()
        if self._keeper is not None:
            self._keeper.join(timeout=10)


__all__ = ["FarmWorker"]
