"""PyAV and mutagen: probing, tags, hashing (no Qt)."""
