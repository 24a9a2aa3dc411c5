"""Signed notes with Ed25519 signatures, as C2SP signed-note defines them.

A note is UTF-8 text ending in a newline; after it come a blank line and one signature line per
signer: ``— <key name> <base64(key id ‖ signature)>``. An Ed25519 key's id is the first four bytes
of SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key); its verifier key is published as
``<key name>+<hex key id>+<base64(0x01 ‖ public key)>``. Signatures cover the note text exactly.
"""

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import ClassVar, Self

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = 0x01
SIGNATURE_PREFIX = "\u2014 "  # an em dash and a space
MAX_NOTE_SIZE = 1_000_000
MAX_SIGNATURES = 100


class NoteError(ValueError):
    """A note, key or signature that does not follow C2SP signed-note."""


def _check_name(name: str) -> str:
    if not name or any(c.isspace() or c == "+" for c in name) or not name.isprintable():
        raise NoteError(f"key name {name!r} is empty or has a space, a '+' or a control character")
    return name


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(name: str, public_key: bytes, key_type: int = ED25519) -> bytes:
    """The four-byte key id of a key of this name and signature type (0x01: Ed25519 note signer)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([key_type]) + public_key).digest()[:4]


@dataclass(frozen=True)
class Verifier:
    """A named Ed25519 public key: what a ``.vkey`` file holds."""

    name: str
    public_key: bytes
    KEY_TYPE: ClassVar[int] = ED25519  # the signature type byte of the key id and the vkey

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key, self.KEY_TYPE)

    @property
    def vkey(self) -> str:
        encoded = base64.b64encode(bytes([self.KEY_TYPE]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    @classmethod
    def parse(cls, vkey: str) -> Self:
        """Reads ``name+hexid+base64key``; the type must be this class's and the id must match the key."""
        name, _, rest = vkey.strip().partition("+")
        hex_id, _, encoded = rest.partition("+")
        try:
            raw = base64.b64decode(encoded, validate=True)
            claimed = bytes.fromhex(hex_id)
        except (binascii.Error, ValueError) as exc:
            raise NoteError(f"verifier key {vkey!r} is not name+hex id+base64 key") from exc
        if len(raw) != 33 or raw[0] != cls.KEY_TYPE or len(claimed) != 4:
            raise NoteError(
                f"verifier key is not an Ed25519 key (type 0x{cls.KEY_TYPE:02x}, 32 bytes) with a 4-byte id"
            )
        verifier = cls(_check_name(name), raw[1:])
        if verifier.key_id != claimed:
            raise NoteError(f"verifier key {name}: id {hex_id} does not match the key")
        return verifier

    def verify(self, text: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, text)
        except InvalidSignature:
            return False
        return True


class Signer:
    """A named Ed25519 private key that signs notes."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        self.name = _check_name(name)
        self._key = private_key
        self.verifier = Verifier(name, _raw(private_key.public_key()))

    def signature_line(self, text: bytes) -> str:
        signature = base64.b64encode(self.verifier.key_id + self._key.sign(text)).decode()
        return f"{SIGNATURE_PREFIX}{self.name} {signature}\n"

    def sign(self, text: str) -> bytes:
        """The signed note: ``text``, a blank line, this signer's signature line."""
        body = _check_text(text)
        return body + b"\n" + self.signature_line(body).encode()


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: bytes
    signature: bytes


@dataclass(frozen=True)
class Note:
    """A parsed signed note: its text and every signature line (known signers or not)."""

    text: bytes
    signatures: tuple[Signature, ...]

    def verified_by(self, verifier: Verifier) -> bool:
        """Whether a signature line of this verifier's name and id verifies."""
        mine = (s for s in self.signatures if (s.name, s.key_id) == (verifier.name, verifier.key_id))
        return any(verifier.verify(self.text, s.signature) for s in mine)


def _check_text(text: str) -> bytes:
    if not text.endswith("\n"):
        raise NoteError("a note's text must end with a newline")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("a note's text must not have control characters")
    return text.encode()


def parse(data: bytes) -> Note:
    """Splits a signed note into its text and signature lines; no signature is checked here."""
    if len(data) > MAX_NOTE_SIZE:
        raise NoteError("note is too large")
    try:
        whole = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NoteError("note is not UTF-8") from exc
    split = whole.rfind("\n\n")
    if split < 0 or not whole.endswith("\n"):
        raise NoteError("note has no blank line before its signatures")
    text, lines = whole[: split + 1], whole[split + 2 :].splitlines()
    _check_text(text)
    if not lines or len(lines) > MAX_SIGNATURES:
        raise NoteError("note has no signature lines, or too many")
    signatures = []
    for line in lines:
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError(f"malformed signature line {line!r}")
        name, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise NoteError(f"signature of {name!r} is not base64") from exc
        if len(raw) < 5 or not name or " " in encoded:
            raise NoteError(f"malformed signature line {line!r}")
        signatures.append(Signature(name, raw[:4], raw[4:]))
    return Note(text.encode(), tuple(signatures))
