"""LTO generations Reelkeep writes: what a plan and a format need to know of a cartridge.

Figures are the LTO Program's native (uncompressed) ones: camera media is already compressed, so a plan counts
native capacity and never the "compressed" figure on the box.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.errors import ReelkeepError

TB = 10**12
MB = 10**6


class TapeError(ReelkeepError):
    """A tape operation failed; the message says why and what to do."""


@dataclass(frozen=True)
class Generation:
    name: str  # LTO8 | LTO9
    cartridge_type: str  # the barcode's media suffix and the LTFS cart type: L8 | L9
    density_code: int  # SCSI density code a drive reports for the format
    native_capacity: int  # bytes
    native_rate: int  # bytes per second, sustained, uncompressed
    index_reserve: int  # bytes kept free on the data partition for the final indexes

    @property
    def usable_capacity(self) -> int:
        return self.native_capacity - self.index_reserve


LTO8 = Generation("LTO8", "L8", 0x5E, 12 * TB, 360 * MB, 20 * 10**9)
LTO9 = Generation("LTO9", "L9", 0x60, 18 * TB, 400 * MB, 20 * 10**9)
GENERATIONS = {g.name: g for g in (LTO8, LTO9)}


def generation(name: str) -> Generation:
    """LTO8 / LTO9 (also 'lto-9', 'L9', '9')."""
    key = name.strip().upper().replace("-", "").replace(" ", "")
    aliases = {"8": "LTO8", "L8": "LTO8", "9": "LTO9", "L9": "LTO9"}
    found = GENERATIONS.get(aliases.get(key, key))
    if found is None:
        raise TapeError(f"{name!r} is not a generation Reelkeep writes: LTO8 or LTO9")
    return found
