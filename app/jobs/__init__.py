"""The one door for background work: JobRunner with named lanes of QThreads (QtCore only)."""
