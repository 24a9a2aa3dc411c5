"""Witness cosignatures of checkpoints, as C2SP tlog-cosignature defines the Ed25519 type (cosignature/v1).

A cosignature is a signed-note signature line ``— <witness name> base64(key id ‖ timestamp ‖
signature)`` added to a checkpoint. The key id is SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4];
the timestamp is a big-endian 64-bit POSIX time; the Ed25519 signature covers
``cosignature/v1\\ntime <timestamp>\\n`` followed by the checkpoint's note text. The witness's
verifier key is published as ``<name>+<hex key id>+<base64(0x04 ‖ public key)>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ereceipt.core.transparency.signed_note import SIGNATURE_PREFIX, Note, NoteError

COSIGNATURE_V1 = 0x04
_TIMESTAMP = struct.Struct("!Q")


def cosigned_message(text: bytes, timestamp: int) -> bytes:
    """What an Ed25519 cosignature signs: the header and time lines, then the checkpoint's text."""
    return b"cosignature/v1\ntime %d\n" % timestamp + text


def cosigner_key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([COSIGNATURE_V1]) + public_key).digest()[:4]


@dataclass(frozen=True)
class CosignatureVerifier:
    """A witness's name and Ed25519 public key: what its ``.vkey`` file holds."""

    name: str
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        return cosigner_key_id(self.name, self.public_key)

    @property
    def vkey(self) -> str:
        encoded = base64.b64encode(bytes([COSIGNATURE_V1]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    @classmethod
    def parse(cls, vkey: str) -> CosignatureVerifier:
        name, _, rest = vkey.strip().partition("+")
        hex_id, _, encoded = rest.partition("+")
        try:
            raw = base64.b64decode(encoded, validate=True)
            claimed = bytes.fromhex(hex_id)
        except (binascii.Error, ValueError) as exc:
            raise NoteError(f"witness key {vkey!r} is not name+hex id+base64 key") from exc
        if len(raw) != 33 or raw[0] != COSIGNATURE_V1 or not name:
            raise NoteError("witness key is not an Ed25519 cosignature key (type 0x04, 32 bytes)")
        verifier = cls(name, raw[1:])
        if verifier.key_id != claimed:
            raise NoteError(f"witness key {name}: id {hex_id} does not match the key")
        return verifier

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
