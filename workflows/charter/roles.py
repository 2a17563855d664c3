"""Who acts: the roles the Secretariat grants, and the parties no one grants.

Roles (``Role``) are data stored per person; a person may hold several.
Parties (``Party``) are worked out per record by the workflow layer: whether
the actor speaks for the record's subject, or whether the scheduler acts on a
deadline. Keeping them apart means no one can be *granted* "owner" of
everything by a mistaken role grant.
"""

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    """A role granted in chat or by ``majlis admin grant`` (PRODUCT.md, "Who uses it")."""

    GUEST = "guest"  # anyone who opens the bot; implicit, never stored as a grant
    REPRESENTATIVE = "representative"  # a mayor or official delegate of a member (Art. 24)
    SECRETARIAT = "secretariat"  # staff of the permanent Secretariat (Art. 11)
    SECRETARY_GENERAL = "secretary_general"  # leads the Secretariat (Art. 9)
    CHAIR = "chair"  # Chair of the Assembly (Art. 7)
    TRUSTEE = "trustee"  # seat on the Board of Trustees (Art. 6)
    STEERING = "steering"  # seat on the Steering Committee (Art. 8)
    COUNCIL = "council"  # seat on the Executive Supreme Council (Art. 10)


class Party(StrEnum):
    """Who may fire an event besides a granted role; decided per record, never granted."""

    # The actor speaks for the record's subject: the applicant of an
    # application, a representative of the member that requests withdrawal or
    # reports a payment. The workflow layer decides it from the database.
    OWNER = "owner"
    # The scheduler acting on a due time (an application lapses, a vote
    # closes at its deadline, a fee grace period ends). No person is behind it.
    SYSTEM = "system"


Actor = Role | Party
"""Anything a transition may allow: a granted role or a per-record party."""

# The Secretary-General leads the Secretariat (Art. 9), so whatever the
# Secretariat may do, the Secretary-General may do too.
STAFF: frozenset[Role] = frozenset({Role.SECRETARIAT, Role.SECRETARY_GENERAL})

# Roles that are seats on a body and vote on that body's motions (Art. 6, 8, 10).
COMMITTEE_ROLES: frozenset[Role] = frozenset({Role.TRUSTEE, Role.STEERING, Role.COUNCIL})

# Roles that only the operator's CLI or the Secretariat hands out; ``guest``
# is everyone's and is never stored.
GRANTABLE: frozenset[Role] = frozenset(Role) - {Role.GUEST}


def is_staff(roles: Iterable[Role]) -> bool:
    """Whether any of these roles belongs to the permanent Secretariat (Art. 9, 11)."""
    return not STAFF.isdisjoint(roles)
