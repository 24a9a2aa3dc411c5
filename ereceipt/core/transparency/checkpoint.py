"""Log checkpoints as C2SP tlog-checkpoint defines them: a signed note of origin, tree size and root.

The note text is three lines — the origin (the log's unique name), the tree size in decimal, the
root hash in standard base64 — each ending in a newline; the log signs it with its Ed25519 key,
whose name is the origin.
"""

import base64
import binascii
from dataclasses import dataclass

from ereceipt.core.transparency import signed_note
from ereceipt.core.transparency.merkle import HASH_SIZE
from ereceipt.core.transparency.signed_note import Note, NoteError, Signer, Verifier


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


def sign_checkpoint(checkpoint: Checkpoint, signer: Signer) -> bytes:
    if signer.name != checkpoint.origin:
        raise NoteError(f"the log key is named {signer.name!r}, not the origin {checkpoint.origin!r}")
    return signer.sign(checkpoint.text())


def parse_checkpoint_text(text: bytes) -> Checkpoint:
    lines = text.decode().split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("a checkpoint has an origin, a size and a root hash line")
    origin, size, root = lines[0], lines[1], lines[2]
    if not origin or not size.isdigit() or (size != "0" and size.startswith("0")):
        raise NoteError(f"checkpoint has a bad origin or size line ({origin!r}, {size!r})")
    try:
        digest = base64.b64decode(root, validate=True)
    except binascii.Error as exc:
        raise NoteError("checkpoint root hash is not base64") from exc
    if len(digest) != HASH_SIZE:
        raise NoteError("checkpoint root hash is not 32 bytes")
    return Checkpoint(origin, int(size), digest)


@dataclass(frozen=True)
class SignedCheckpoint:
    checkpoint: Checkpoint
    note: Note
    raw: bytes


def open_checkpoint(data: bytes, verifier: Verifier) -> SignedCheckpoint:
    """Parses a signed checkpoint; raises unless the log's key signed it and its origin is the key's name."""
    note = signed_note.parse(data)
    checkpoint = parse_checkpoint_text(note.text)
    if checkpoint.origin != verifier.name:
        raise NoteError(f"checkpoint origin {checkpoint.origin!r} is not the log {verifier.name!r}")
    if not note.verified_by(verifier):
        raise NoteError(f"checkpoint is not signed by the key of {verifier.name!r}")
    return SignedCheckpoint(checkpoint, note, data)
