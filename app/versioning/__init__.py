"""Branches, history, diff, merge, checkout and garbage collection over an archive's versions. No Qt."""
