"""Timelines in and out: EDL (CMX 3600) reading and writing, and OpenTimelineIO conversion; no Qt."""
