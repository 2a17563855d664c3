"""Reaching the Assembly from chat: ``broadcast`` (/broadcast, the Secretariat writes to
a segment of the Assembly in both languages, now or at a stated time, after a preview).

It may import ``workflows.outreach``, ``workflows.platform``, ``workflows.charter``,
``models``, the bot's core and the shared conversation modules, and the tables other
features' conversations define for choosing a segment (meetings' time zones,
membership's categories); never the other way round.
"""
