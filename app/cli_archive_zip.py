"""`reelkeep archive export|import`: a version as a ZIP64 file of STORED members, and back."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TextIO

from app.catalog.catalog import Catalog

Handler = Callable[[Catalog, argparse.Namespace, TextIO], int]


def add_parsers(verbs: argparse._SubParsersAction) -> None:
    """Add this module's verbs to `reelkeep archive`."""


HANDLERS: dict[str, Handler] = {}
