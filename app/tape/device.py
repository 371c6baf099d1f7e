"""The devices a tape job talks to: a simulated cartridge (file:FOLDER) or a drive through the Linux st driver
(/dev/nstN). Both answer the same calls (locate, read_record, write_record, write_filemarks, filemark_blocks, eod,
remaining, read/write_attribute); a mounted LTFS volume is a folder and has its own writer (app/tape/mounted.py)."""

from __future__ import annotations

from app.tape.simulated import SimulatedTape
from app.tape.st_device import StTape

TapeDevice = SimulatedTape | StTape
