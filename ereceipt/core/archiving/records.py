"""A stored receipt's evidence record (RFC 6283), assembled from the archive tables: its reduced tree
and archive time-stamp, then each renewal that covers that time-stamp, in order.

Verification finds the record by the digest of the very bytes it is given (``data_object_digest``),
so a copy of the receipt other than the one archived (the payer's level-B e-mail copy) gets none.
"""

from __future__ import annotations

from sqlalchemy import select

from ereceipt.core.archiving.tables import ArchivedReceipt, ArchiveTimeStamp
from ereceipt.core.errors import XMLRejected
from ereceipt.core.signatures.evidence_record import ArchiveStamp, data_object_digest, evidence_record
from ereceipt.core.signatures.hash_tree import unpack
from ereceipt.core.storage.database import Database


def _record(session, archived: ArchivedReceipt) -> bytes:
    stamp = session.get(ArchiveTimeStamp, archived.archive_time_stamp_id)
    stamps = [ArchiveStamp(unpack(archived.reduced_tree), stamp.token)]
    while stamp.renewed_by_id is not None:
        tree = unpack(stamp.renewal_tree)
        stamp = session.get(ArchiveTimeStamp, stamp.renewed_by_id)
        stamps.append(ArchiveStamp(tree, stamp.token))
    return evidence_record(stamps)


def evidence_record_for(database: Database, document: bytes) -> bytes | None:
    """The evidence record archived for exactly ``document``, or None."""
    try:
        digest = data_object_digest(document)
    except XMLRejected:
        return None
    with database.read() as session:
        query = select(ArchivedReceipt).where(ArchivedReceipt.data_digest == digest)
        archived = session.scalars(query.order_by(ArchivedReceipt.id.desc()).limit(1)).first()
        return _record(session, archived) if archived is not None else None


def evidence_record_of(database: Database, receipt_id: int) -> bytes | None:
    """The latest evidence record of the receipt ``receipt_id``, or None when it was never archived."""
    with database.read() as session:
        query = select(ArchivedReceipt).where(ArchivedReceipt.receipt_id == receipt_id)
        archived = session.scalars(query.order_by(ArchivedReceipt.id.desc()).limit(1)).first()
        return _record(session, archived) if archived is not None else None
