"""workflows/fees."""
