"""Witness cosignatures of checkpoints, as C2SP tlog-cosignature defines the Ed25519 type (cosignature/v1).

A cosignature is a signed-note signature line ``— <witness name> base64(key id ‖ timestamp ‖
signature)`` added to a checkpoint. The key id is SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4];
the timestamp is a big-endian 64-bit POSIX time; the Ed25519 signature covers
``cosignature/v1\\ntime <timestamp>\\n`` followed by the checkpoint's note text. The witness's
verifier key is published as ``<name>+<hex key id>+<base64(0x04 ‖ public key)>``.
"""

from __future__ import annotations

import base64
import struct
from dataclasses import dataclass
from typing import ClassVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ereceipt.core.transparency.signed_note import SIGNATURE_PREFIX, Note, NoteError, Verifier

COSIGNATURE_V1 = 0x04
_TIMESTAMP = struct.Struct("!Q")


def cosigned_message(text: bytes, timestamp: int) -> bytes:
    """What an Ed25519 cosignature signs: the header and time lines, then the checkpoint's text."""
    return b"cosignature/v1\ntime %d\n" % timestamp + text


@dataclass(frozen=True)
class CosignatureVerifier(Verifier):
    """A witness's name and Ed25519 public key: what its ``.vkey`` file holds (signature type 0x04)."""

    KEY_TYPE: ClassVar[int] = COSIGNATURE_V1

    def cosigned_at(self, note: Note) -> int | None:
        """The timestamp of this witness's valid cosignature on ``note``, or None if it has none."""
        key = Ed25519PublicKey.from_public_bytes(self.public_key)
        for signature in note.signatures:
            if (signature.name, signature.key_id) != (self.name, self.key_id) or len(
                signature.signature
            ) != 72:
                continue
            (timestamp,) = _TIMESTAMP.unpack(signature.signature[:8])
            try:
                key.verify(signature.signature[8:], cosigned_message(note.text, timestamp))
            except InvalidSignature:
                continue
            return timestamp
        return None


class Cosigner:
    """A witness's Ed25519 key under its name: makes cosignature lines."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        if not name or any(c.isspace() or c == "+" for c in name):
            raise NoteError(f"witness name {name!r} is empty or has a space or a '+'")
        self.name = name
        self._key = private_key
        self.verifier = CosignatureVerifier(
            name, private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        )

    def cosignature_line(self, text: bytes, timestamp: int) -> str:
        if not 0 <= timestamp < 2**63:
            raise NoteError("a cosignature's timestamp must be below 2^63")
        signature = self._key.sign(cosigned_message(text, timestamp))
        encoded = base64.b64encode(self.verifier.key_id + _TIMESTAMP.pack(timestamp) + signature).decode()
        return f"{SIGNATURE_PREFIX}{self.name} {encoded}\n"
