"""bot/conversations/fees."""
