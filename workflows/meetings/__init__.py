"""workflows/meetings."""
