"""The player panel: video, transport, timecode, marks and the scrubber timeline."""
