"""bot/conversations/outreach."""
