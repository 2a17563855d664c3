"""bot/conversations/membership."""
