"""Reelkeep: a desktop media manager for productions and collectors."""

__version__ = "0.1.0"
