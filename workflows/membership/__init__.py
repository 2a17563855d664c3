"""workflows/membership."""
