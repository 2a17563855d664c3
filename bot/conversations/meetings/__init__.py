"""bot/conversations/meetings."""
