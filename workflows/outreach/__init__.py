"""Reaching the Assembly: ``broadcasts`` (the Secretariat tells a segment of the Assembly
something, now or at a stated time, delivered through the outbox within Telegram's
limits).

It may import ``workflows.platform``, ``workflows.charter`` and ``models``; no other
feature, never ``bot``.
"""
