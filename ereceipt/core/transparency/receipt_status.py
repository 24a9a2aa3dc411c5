"""Whether a receipt is in the transparency log, proved: its leaves, their RFC 9162 inclusion proofs
checked against a checkpoint, that checkpoint's C2SP signature checked with the log's key, and,
when a witness is configured, its C2SP tlog-cosignature on that checkpoint.

With a witness, the checkpoint shown is the latest one the witness cosigned (among the recent
ones), so that what a reader sees has been checked for consistency by someone outside the log;
a receipt logged after it shows as not yet cosigned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from ereceipt.core.transparency import signed_note
from ereceipt.core.transparency.checkpoint import open_checkpoint
from ereceipt.core.transparency.cosignature import CosignatureVerifier
from ereceipt.core.transparency.signed_note import NoteError, Verifier
from ereceipt.core.transparency.store import LogStore, ReceiptInclusion, StoredCheckpoint

EVENT_NAMES = {"issued": "lập", "cancelled": "hủy", "replaced": "lập thay thế"}
RECENT_CHECKPOINTS = 50  # how far back the latest cosigned checkpoint is looked for


@dataclass(frozen=True)
class LogStatus:
    leaves: tuple[ReceiptInclusion, ...]
    checkpoint_size: int | None
    checkpoint_signed: bool  # the checkpoint's signature verified with the log's published key
    witness: str | None = None  # the configured witness's name, if any
    cosigned_at: datetime | None = None  # when the witness cosigned the checkpoint shown

    @property
    def in_log(self) -> bool:
        return bool(self.leaves)

    @property
    def verified(self) -> bool:
        return self.in_log and self.checkpoint_signed and all(leaf.verified for leaf in self.leaves)

    @property
    def cosigned(self) -> bool:
        return self.cosigned_at is not None


def _cosigned(
    checkpoints: list[StoredCheckpoint], witness: CosignatureVerifier
) -> tuple[StoredCheckpoint, int] | None:
    for checkpoint in checkpoints:
        try:
            at = witness.cosigned_at(signed_note.parse(checkpoint.note))
        except NoteError:
            continue
        if at is not None:
            return checkpoint, at
    return None


def log_status(
    session: Session,
    receipt_id: int,
    verifier: Verifier | None,
    witness: CosignatureVerifier | None = None,
) -> LogStatus:
    store = LogStore(session)
    recent = store.recent_checkpoints(RECENT_CHECKPOINTS if witness else 1)
    if not recent:
        return LogStatus((), None, False, witness.name if witness else None)
    shown, cosigned_at = recent[0], None
    if witness is not None and (found := _cosigned(recent, witness)) is not None:
        shown, at = found
        cosigned_at = datetime.fromtimestamp(at, UTC)
    leaves = tuple(store.inclusion_of_receipt(receipt_id, shown))
    signed = False
    if verifier is not None:
        try:
            signed = open_checkpoint(shown.note, verifier).checkpoint.root == shown.root
        except NoteError:
            signed = False
    return LogStatus(leaves, shown.size, signed, witness.name if witness else None, cosigned_at)
