"""Errors the domain layers raise; each carries a message a user can act on."""


class ReelkeepError(Exception):
    """Base of every error Reelkeep reports to a user."""


class TimecodeError(ReelkeepError, ValueError):
    """A timecode or frame rate that cannot be parsed or does not fit its rate."""


class ProbeError(ReelkeepError):
    """A file that could not be read as media; the message says why."""


class CatalogError(ReelkeepError):
    """The catalog file cannot be opened, migrated or written."""


class EditConflict(CatalogError):
    """An edit refused because another program changed the same files since its user saw them."""

    def __init__(self, column: str, ids: list[int]) -> None:
        self.column, self.ids = column, ids
        super().__init__(f"someone else changed the {column} of {len(ids)} of these files since you looked; "
                         "nothing was changed: look again, then edit")


class Cancelled(ReelkeepError):
    """A job was cancelled by the user; partial output has been removed."""
