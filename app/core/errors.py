"""Errors the domain layers raise; each carries a message a user can act on."""


class ReelkeepError(Exception):
    """Base of every error Reelkeep reports to a user."""


class TimecodeError(ReelkeepError, ValueError):
    """A timecode or frame rate that cannot be parsed or does not fit its rate."""


class ProbeError(ReelkeepError):
    """A file that could not be read as media; the message says why."""


class CatalogError(ReelkeepError):
    """The catalog file cannot be opened, migrated or written."""


class Cancelled(ReelkeepError):
    """A job was cancelled by the user; partial output has been removed."""
