"""The desktop UI: QtWidgets only; it reads through the catalog and edits through services."""
