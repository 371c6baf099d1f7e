"""QtCore services that own live state and publish it as *_changed signals."""
