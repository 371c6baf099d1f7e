"""A cheap first look at a dropped folder: does its top level have a camera card's layout? One directory listing
(and one more for Sony's PRIVATE folder), so the window can decide while the drag is still over it; the real
detection (app/ingest/card.py) runs in a job."""

from __future__ import annotations

import os
from pathlib import Path

# Top-level names that only camera cards and recorders put there.
_FOLDERS = {"CONTENTS", "XDROOT", "DCIM", "AVCHD", "CLIPS001", "BPAV"}
_SUFFIXES = (".RDM", ".RDC", ".BRAW", ".R3D", ".ARI")


def looks_like_card(path: str | Path) -> bool:
    """True when path's top level has a card's structure (CONTENTS/, XDROOT/, PRIVATE/M4ROOT/, DCIM/, *.RDM,
    *.braw…)."""
    try:
        names = os.listdir(path)
    except OSError:
        return False
    upper = {name.upper() for name in names}
    if upper & _FOLDERS or any(name.endswith(_SUFFIXES) for name in upper):
        return True
    if "PRIVATE" in upper:
        private = next(name for name in names if name.upper() == "PRIVATE")
        try:
            return any(name.upper() in ("M4ROOT", "XDROOT", "AVCHD") for name in os.listdir(Path(path, private)))
        except OSError:
            return False
    return False
