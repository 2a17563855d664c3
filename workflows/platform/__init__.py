"""workflows/platform."""
