"""A transparency-log witness's add-checkpoint call, as C2SP tlog-witness defines it, and its request.

The request body is ``old <size>\\n``, up to 63 base64 consistency-proof hashes one a line, a
blank line, then the signed checkpoint. The witness checks the log's signature (404 for an
unknown origin, 403 for no valid signature), that the old size is the size it cosigned last for
that origin (409 with ``text/x.tlog.size`` naming it, if not), the RFC 9162 consistency proof
from that tree to the new one (422 if it fails; the same size must have the same root, else 409),
then records the new checkpoint and answers with its cosignature line (C2SP tlog-cosignature).
The check and the record are one atomic step, so two requests cannot roll the witness back.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from ereceipt.core.transparency import merkle, signed_note
from ereceipt.core.transparency.checkpoint import parse_checkpoint_text
from ereceipt.core.transparency.cosignature import Cosigner
from ereceipt.core.transparency.signed_note import NoteError, Verifier

MAX_PROOF_LINES = 63
MAX_BODY = 64 * 1024
SIZE_TYPE = "text/x.tlog.size"
_OLD = re.compile(rb"^old (0|[1-9][0-9]{0,19})$")


class WitnessState(Protocol):
    """Where a witness keeps, per log origin, the size and root of the checkpoint it cosigned last."""

    def latest(self, origin: str) -> tuple[int, bytes] | None: ...

    def record(self, origin: str, size: int, root: bytes) -> None: ...


@dataclass(frozen=True)
class WitnessAnswer:
    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"


def _refused(status: int, message: str) -> WitnessAnswer:
    return WitnessAnswer(status, (message + "\n").encode())


def add_checkpoint_body(old: int, proof: Sequence[bytes], note: bytes) -> bytes:
    """The request a log sends to cosign ``note``, a consistency proof from its tree of ``old`` leaves."""
    lines = [f"old {old}\n".encode(), *(base64.b64encode(digest) + b"\n" for digest in proof)]
    return b"".join(lines) + b"\n" + note


class Witness:
    """Cosigns checkpoints of the logs it knows (origin → the log's verifier key)."""

    def __init__(
        self,
        cosigner: Cosigner,
        logs: Mapping[str, Verifier],
        state: WitnessState,
        clock: Callable[[], int],
    ) -> None:
        self.cosigner = cosigner
        self.logs = dict(logs)
        self.state = state
        self.clock = clock
        self._lock = threading.Lock()

    def add_checkpoint(self, body: bytes) -> WitnessAnswer:
        if len(body) > MAX_BODY:
            return _refused(400, "request too large")
        header, blank, rest = body.partition(b"\n\n")
        lines = header.split(b"\n")
        old_line = _OLD.match(lines[0])
        if not blank or old_line is None:
            return _refused(400, "the body must start with an 'old <size>' line and a blank line")
        if len(lines) - 1 > MAX_PROOF_LINES:
            return _refused(400, f"more than {MAX_PROOF_LINES} consistency proof lines")
        try:
            proof = [base64.b64decode(line, validate=True) for line in lines[1:]]
        except binascii.Error:
            return _refused(400, "a consistency proof line is not base64")
        if any(len(digest) != merkle.HASH_SIZE for digest in proof):
            return _refused(400, "a consistency proof line is not a 32-byte hash")
        try:
            note = signed_note.parse(rest)
            checkpoint = parse_checkpoint_text(note.text)
        except (NoteError, UnicodeDecodeError) as exc:
            return _refused(400, f"not a signed checkpoint: {exc}")
        verifier = self.logs.get(checkpoint.origin)
        if verifier is None:
            return _refused(404, f"unknown log {checkpoint.origin}")
        if not note.verified_by(verifier):
            return _refused(403, f"the checkpoint carries no valid signature of {checkpoint.origin}")
        old = int(old_line.group(1))
        if old > checkpoint.size:
            return _refused(400, f"old size {old} is larger than the checkpoint's {checkpoint.size}")
        with self._lock:
            latest = self.state.latest(checkpoint.origin)
            latest_size = latest[0] if latest else 0
            if old != latest_size:
                return WitnessAnswer(409, f"{latest_size}\n".encode(), SIZE_TYPE)
            if old == checkpoint.size:
                if latest is not None and latest[1] != checkpoint.root:
                    return _refused(409, f"a checkpoint of {old} entries with another root was cosigned")
                if proof:
                    return _refused(422, "a checkpoint of the same size needs no consistency proof")
            elif old == 0:
                if proof:
                    return _refused(422, "the consistency proof from an empty tree must be empty")
            elif not merkle.verify_consistency(old, checkpoint.size, latest[1], checkpoint.root, proof):
                return _refused(422, f"the consistency proof from {old} to {checkpoint.size} entries fails")
            self.state.record(checkpoint.origin, checkpoint.size, checkpoint.root)
            line = self.cosigner.cosignature_line(note.text, self.clock())
        return WitnessAnswer(200, line.encode())
