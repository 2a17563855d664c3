"""A chat's waiting updates answered in order by the handler that holds the chat: what
their turns need not read or write one by one (``bot.engine``, ``bot.intake``)."""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

#: A row as read, by column key.
Found = Mapping[Any, Any]


@dataclass(frozen=True)
class Read:
    """A user as read, and the records of the updates read with them."""

    user_id: int
    user: Found
    update_ids: frozenset[int]
    seen: dict[int, Found]


class Chain:
    """A chat's waiting updates answered in order by the handler that holds the chat
    (``bot.intake``). On PostgreSQL it spares their turns statements:

    * the user and the records of the updates ahead are read in one statement, and read
      again only after a turn that began its transaction (one that did not has written
      nothing);
    * a turn that wrote nothing but its record (a ``/start``, a menu) keeps it back, to
      be written with the others: in the transaction of the next turn that writes, with
      the record of the next press (its answer goes at once), or by
      :meth:`Engine.record_chain` before any of their replies goes out.

    The records kept back are thus always the last turns', and a reply never goes out
    before its update's record is committed. Only the holder of the chat writes its
    updates' records, so what was read stays true while it holds it; a record another
    handler wrote first all the same (one that lost the chat) is found by the insert,
    as for a turn alone."""

    def __init__(self) -> None:
        #: The waiting updates read with the one answered now, in order (set by the
        #: caller): the records of those from it on are read with the user.
        self.ahead: Sequence[int] = ()
        self.read: Read | None = None
        #: Records kept back, in order.
        self.pending: list[dict[str, Any]] = []
        #: Of the records kept back, the updates whose record another handler wrote
        #: first: they owe nothing here.
        self.elsewhere: set[int] = set()
        #: Of the records kept back, the updates whose record the database refused: they
        #: are told that something went wrong, as for a turn that failed.
        self.failed: set[int] = set()
        #: Records kept back written in the open transaction, and the updates returned
        #: by their statement (:meth:`written` once it commits).
        self._staged: tuple[list[int], set[int]] | None = None

    @property
    def pending_ids(self) -> list[int]:
        return [values["update_id"] for values in self.pending]

    def forget_read(self) -> None:
        self.read = None

    def written(self, update_ids: Sequence[int], returned: set[int]) -> None:
        """Of the records kept back, ``update_ids`` (the first) written and committed;
        those not ``returned`` were written first elsewhere."""
        for update_id in update_ids:
            if update_id not in returned:
                log.info("update %s handled by another copy of the bot", update_id)
                self.elsewhere.add(update_id)
        assert self.pending_ids[: len(update_ids)] == list(update_ids)
        del self.pending[: len(update_ids)]

    def staged(self, update_ids: Sequence[int], returned: set[int]) -> None:
        """:meth:`written`, once the open transaction commits (:meth:`committed`)."""
        self._staged = (list(update_ids), returned)

    def committed(self) -> None:
        if self._staged is not None:
            update_ids, returned = self._staged
            self._staged = None
            self.written(update_ids, returned)

    def rolled_back(self) -> None:
        self._staged = None
