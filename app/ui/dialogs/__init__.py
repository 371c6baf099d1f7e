"""Dialogs opened from menus and panels."""
