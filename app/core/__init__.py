"""Pure-Python domain values and rules (no Qt, no I/O frameworks)."""
