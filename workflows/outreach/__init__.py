"""workflows/outreach."""
