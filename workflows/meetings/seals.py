"""Sealed secret ballots: a choice the database keeps but cannot read.

A secret ballot is written in the same transaction as its voter's participation,
so a ballot is never counted twice nor lost; that transaction (its ``xmin``, its
WAL records, its place on the page) therefore ties the stored ballot to the voter.
What keeps the secret is that the stored ballot is a *seal*: 16 random bytes and an
HMAC-SHA256 tag over the motion, those bytes and the choice, under the ballot key,
which lives outside the database (``MAJLIS_BALLOT_KEY``, or ``ballot.key`` in the
data folder). Without the key a seal is 48 bytes indistinguishable from random
ones, the same length whatever the choice; two seals of the same choice share
nothing. At the close, the count tries the three choices on each seal; only the
totals are kept, and the seals are deleted.

Only ``hashlib``, ``hmac`` and ``secrets`` of the standard library: an HMAC is a
pseudo-random function, which is all the seal needs.
"""

import hashlib
import hmac
import os
import secrets
from functools import cache
from pathlib import Path

from workflows.charter.meetings import Choice
from workflows.platform import inbox
from workflows.platform.settings import Settings

NONCE_BYTES = 16
SEAL_BYTES = NONCE_BYTES + hashlib.sha256().digest_size
KEY_FILE = "ballot.key"


class BrokenSeal(RuntimeError):
    """A stored ballot opens to no choice under this key: another key sealed it, or
    the row was altered. The count stops rather than guess."""


class KeyMismatch(RuntimeError):
    """This process holds another ballot key than the one the vote was opened with."""


class BallotKey:
    def __init__(self, secret: bytes) -> None:
        # Separate keys for the tags and for the public fingerprint, so that the
        # fingerprint stored with a motion says nothing about the tag key.
        self._tags = hmac.digest(secret, b"majlis secret ballot seal", "sha256")
        self.fingerprint = hmac.digest(secret, b"majlis ballot key id", "sha256")[:8].hex()
        #: Seals the updates waiting in the inbox: a press on a secret ballot carries
        #: the choice.
        self.inbox = inbox.derive_key(secret)

    def seal(self, motion_id: int, choice: Choice) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + self._tag(motion_id, nonce, choice)

    def open(self, motion_id: int, seal: bytes) -> Choice:
        seal = bytes(seal)  # PostgreSQL drivers may hand back a memoryview
        nonce, tag = seal[:NONCE_BYTES], seal[NONCE_BYTES:]
        for choice in Choice:
            if hmac.compare_digest(tag, self._tag(motion_id, nonce, choice)):
                return choice
        raise BrokenSeal(f"a sealed ballot of motion {motion_id} opens to no choice")

    def check(self, motion_id: int, fingerprint: str | None) -> None:
        if fingerprint is not None and fingerprint != self.fingerprint:
            raise KeyMismatch(
                f"motion {motion_id} was opened under ballot key {fingerprint} but this "
                f"process holds {self.fingerprint}: give every majlis process the same "
                "MAJLIS_BALLOT_KEY"
            )

    def _tag(self, motion_id: int, nonce: bytes, choice: Choice) -> bytes:
        # The motion is in the tag, so a seal copied to another motion opens to nothing.
        message = motion_id.to_bytes(8, "big") + nonce + choice.value.encode()
        return hmac.digest(self._tags, message, "sha256")


def key_of(settings: Settings) -> BallotKey:
    if settings.ballot_key is not None:
        return _from_setting(settings.ballot_key.get_secret_value())
    return _from_file(settings.data_dir.resolve() / KEY_FILE)


@cache
def _from_setting(value: str) -> BallotKey:
    return BallotKey(value.encode())


@cache
def _from_file(path: Path) -> BallotKey:
    """The data folder's key, made on first need. Processes sharing the folder race
    to make it: the first link wins and everyone reads the winner's."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{KEY_FILE}.{secrets.token_hex(8)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_hex(32) + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return BallotKey(path.read_text().strip().encode())
