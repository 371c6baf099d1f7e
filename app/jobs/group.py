"""JobGroup: one visible, cancellable Jobs-panel entry for a service's stream of small housekeeping jobs."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.job import Err, Ok
from app.core.progress import ProgressMeter
from app.jobs.runner import JobRunner


@dataclass(frozen=True)
class GroupSummary:
    """How a group ended, as the Jobs panel shows it."""

    done: int
    failed: int
    unit: str

    def summary(self) -> str:
        unit = self.unit[:-1] if self.done == 1 and self.unit.endswith("s") else self.unit
        return f"{self.done:,} {unit}" + (f", {self.failed:,} failed" if self.failed else "")


class JobGroup:
    """Opens a runner group when work arrives, counts what is handled, and closes it when the owner runs dry.

    The owner submits its jobs with group=self.id; Pause and Cancel in the Jobs panel act on them through
    the group's shared token, and the owner stops queueing once `cancelled` is true.
    """

    def __init__(self, runner: JobRunner, title: str, lane: str, unit: str = "files") -> None:
        self.runner = runner
        self.title = title
        self.lane = lane
        self.unit = unit
        self.id: int | None = None
        self._last: int | None = None  # the run before, kept in the Jobs panel until the next one starts
        self._meter: ProgressMeter | None = None
        self._failed = 0

    @property
    def cancelled(self) -> bool:
        """The user cancelled the open group."""
        return self.id is not None and self.runner.record(self.id).token.cancelled

    def open(self, pending: int) -> int:
        """The group's id, opening it (with `pending` items to go) when none is open."""
        if self.id is None:
            last = next((r for r in self.runner.records() if r.id == self._last), None)
            if last is not None and last.outcome is not None and last.outcome.ok:
                self.runner.forget(last.id)  # one finished row per stream, not one per burst of work
            self.id = self.runner.open_group(self.title, self.lane)
            self._failed = 0
            group_id = self.id
            self._meter = ProgressMeter(lambda update: self.runner.update_group(group_id, update), unit=self.unit)
            self._meter.set_total(pending)
        return self.id

    def advance(self, handled: int, failed: int, pending: int) -> None:
        """`handled` more items are finished (`failed` of them failed); `pending` are still to go."""
        if self._meter is None:
            return
        self._failed += failed
        self._meter.total = self._meter.done + handled + pending
        self._meter.advance(handled, f"{self._failed:,} failed" if self._failed else "")

    def set_pending(self, pending: int) -> None:
        """More (or less) work is queued: the total moves."""
        if self._meter is not None and self._meter.total != self._meter.done + pending:
            self._meter.set_total(self._meter.done + pending)

    def close(self) -> None:
        """End the open group: cancelled if the user asked, else done with a summary."""
        if self.id is None or self._meter is None:
            return
        group_id, meter, self.id, self._meter = self.id, self._meter, None, None
        self._last = group_id
        meter.finish()
        if self.runner.record(group_id).token.cancelled:
            outcome: Ok | Err = Err(f"{self.title}: cancelled by the user after {meter.done:,} {self.unit}",
                                    cancelled=True)
        else:
            outcome = Ok(GroupSummary(meter.done, self._failed, self.unit))
        self.runner.close_group(group_id, outcome)
