"""Discovery, scanning and live watching of library roots (no Qt)."""
