"""The Jobs dock: what the JobRunner is doing."""
