"""What a job is, independent of who runs it (the Qt JobRunner or the CLI).

A job has a cheap plan() whose dataclass tests assert on, and a Qt-free run(plan, ctx) that polls
ctx.cancel between chunks. Its end is a value: Ok or Err, never an exception crossing a thread.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.core.errors import Cancelled, ReelkeepError
from app.core.progress import CancelToken, ProgressSink, ProgressUpdate

log = logging.getLogger(__name__)


def _ignore(_: Any) -> None:
    return None


@dataclass
class JobContext:
    """What run() gets: where to report progress, the cancel/pause token, and a channel for partial results."""

    progress: ProgressSink = _ignore
    cancel: CancelToken = field(default_factory=CancelToken)
    emit: Callable[[Any], None] = _ignore


class Job(Protocol):
    title: str
    lane: str

    def plan(self) -> Any: ...

    def run(self, plan: Any, ctx: JobContext) -> Any: ...


@dataclass(frozen=True)
class Ok:
    value: Any = None

    @property
    def ok(self) -> bool:
        return True


@dataclass(frozen=True)
class Err:
    message: str
    detail: str = ""
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return False


Outcome = Ok | Err


def execute(job: Job, ctx: JobContext, plan: Any = None) -> Outcome:
    """Plan (unless given) and run a job, turning every exception into an Err with context."""
    try:
        if plan is None:
            plan = job.plan()
        return Ok(job.run(plan, ctx))
    except Cancelled as exc:
        return Err(f"{job.title}: {exc}", cancelled=True)
    except ReelkeepError as exc:
        return Err(f"{job.title}: {exc}")
    except Exception as exc:  # noqa: BLE001 - reported as a value; the traceback goes to the log and details
        log.exception("job %r failed", job.title)
        return Err(f"{job.title} failed: {type(exc).__name__}: {exc}", traceback.format_exc())


__all__ = ["Job", "JobContext", "Ok", "Err", "Outcome", "execute", "ProgressUpdate", "CancelToken"]
