"""System and job figures for the performance monitor and `reelkeep stats` (psutil; no Qt)."""
