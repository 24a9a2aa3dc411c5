"""Whether a receipt is in the transparency log, proved: its leaves, their RFC 9162 inclusion proofs
checked against the latest checkpoint, and that checkpoint's C2SP signature checked with the log's key.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ereceipt.core.transparency.checkpoint import open_checkpoint
from ereceipt.core.transparency.signed_note import NoteError, Verifier
from ereceipt.core.transparency.store import LogStore, ReceiptInclusion

EVENT_NAMES = {"issued": "lập", "cancelled": "hủy", "replaced": "lập thay thế"}


@dataclass(frozen=True)
class LogStatus:
    leaves: tuple[ReceiptInclusion, ...]
    checkpoint_size: int | None
    checkpoint_signed: bool  # the checkpoint's signature verified with the log's published key

    @property
    def in_log(self) -> bool:
        return bool(self.leaves)

    @property
    def verified(self) -> bool:
        return self.in_log and self.checkpoint_signed and all(leaf.verified for leaf in self.leaves)


def log_status(session: Session, receipt_id: int, verifier: Verifier | None) -> LogStatus:
    store = LogStore(session)
    latest = store.latest_checkpoint()
    if latest is None:
        return LogStatus((), None, False)
    signed = False
    if verifier is not None:
        try:
            signed = open_checkpoint(latest.note, verifier).checkpoint.root == latest.root
        except NoteError:
            signed = False
    return LogStatus(tuple(store.inclusion_of_receipt(receipt_id)), latest.size, signed)
