"""Archive time-stamps (RFC 6283 evidence records) of stored receipts: one row per TSA token, one per
receipt archived under it. Nothing here is deleted; a row is updated only to record the renewal
that covers its token.

``archive_time_stamp`` holds each token with its root, time, hash algorithm and the end of its TSA
certificate (when it is due for renewal). A renewal is a later row whose hash tree covers the
tokens of earlier ones: each renewed row names it (``renewed_by_id``) and keeps its own reduced
tree in the renewal's hash tree (``renewal_tree``). ``archived_receipt`` keeps each receipt's
data-object digest (C14N 1.0 of the receipt as archived, under its chain's hash) and its reduced
tree, one row per chain of its record (a hash-tree renewal adds one); a receipt's evidence record
is assembled from these rows (``core.archiving.records``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ereceipt.core.signatures.evidence_record import ArchiveBatch
from ereceipt.core.storage.base import Base, Id, UTCDateTime


class ArchiveTimeStamp(Base):
    __tablename__ = "archive_time_stamp"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token: Mapped[bytes] = mapped_column(LargeBinary)  # RFC 3161 TimeStampToken, DER
    root: Mapped[bytes] = mapped_column(LargeBinary)  # the hash tree's root the token covers
    hash_algorithm: Mapped[str] = mapped_column(String(16))
    gen_time: Mapped[datetime] = mapped_column(UTCDateTime)
    tsa_not_after: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    leaves: Mapped[int] = mapped_column(Integer)  # receipts, or archive time-stamps renewed, covered
    renewal: Mapped[bool] = mapped_column(Boolean, default=False)  # covers earlier tokens, not receipts
    renewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("archive_time_stamp.id"), index=True)
    renewal_tree: Mapped[bytes | None] = mapped_column(LargeBinary)  # packed, in the renewal's tree


class ArchivedReceipt(Base):
    __tablename__ = "archived_receipt"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipt.id"), index=True)
    archive_time_stamp_id: Mapped[int] = mapped_column(ForeignKey("archive_time_stamp.id"), index=True)
    data_digest: Mapped[bytes] = mapped_column(LargeBinary, index=True)
    reduced_tree: Mapped[bytes] = mapped_column(LargeBinary)  # packed (core.signatures.hash_tree.pack)


def stamp_row(batch: ArchiveBatch, *, renewal: bool) -> ArchiveTimeStamp:
    """The row of the archive time-stamp of ``batch``; ``renewal``: it covers earlier time-stamps."""
    return ArchiveTimeStamp(
        token=batch.stamp.token,
        root=batch.root,
        hash_algorithm=batch.algorithm,
        gen_time=batch.stamp.gen_time,
        tsa_not_after=batch.stamp.tsa_certificate.not_valid_after_utc,
        leaves=len(batch.reduced),
        renewal=renewal,
    )
