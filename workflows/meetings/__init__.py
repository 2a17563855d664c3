"""Sessions, motions and ballots (Art. 6-10, 23-27, 30) as use cases.

``seats`` (seats on the boards), ``sessions`` (convening, invitations, RSVP, the quorum
and the attendance board), ``speakers`` (who speaks for whom at a session),
``attendance`` (delegates and check-in), ``motions`` (proposing, opening, closing,
results), ``amendments`` (charter amendments from the Board or with two thirds' support),
``ballots`` (who is entitled, casting, counting, the live tally's due item), ``tallies``
(ballots sent out, the live tally in the group, reminders before the close), ``seals``
(sealed secret ballots) and ``minutes`` (the minutes' facts, for the bot to render). It
may import ``workflows.platform``, ``workflows.charter`` and ``models``; no other
feature, never ``bot``.
"""
