"""A stored receipt's evidence record (RFC 6283), assembled from the archive tables: one chain per
``archived_receipt`` row of the receipt, oldest first, each its reduced tree and archive time-stamp
followed by each renewal that covers that time-stamp.

A chain ends where the next one (a hash-tree renewal) begins: the renewals of its time-stamps stored
after the next chain's first time-stamp are not part of the record, as that chain covers the
record as it was when it was made. Verification finds the record by the digest of the very bytes
it is given (``data_object_digest``, under each accepted hash), so a copy of the receipt other than
the one archived (the payer's level-B e-mail copy) gets none.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from ereceipt.core.archiving.tables import ArchivedReceipt, ArchiveTimeStamp
from ereceipt.core.errors import XMLRejected
from ereceipt.core.signatures.evidence_record import (
    HASHES,
    ArchiveChain,
    ArchiveStamp,
    data_object_digest,
    digest_size,
    evidence_record_of_chains,
)
from ereceipt.core.signatures.hash_tree import unpack
from ereceipt.core.storage.database import Database

PAGE = 500  # receipts whose rows one query reads


def _chain(session, archived: ArchivedReceipt, end: int | None) -> ArchiveChain:
    stamp = session.get(ArchiveTimeStamp, archived.archive_time_stamp_id)
    algorithm, size = stamp.hash_algorithm, digest_size(stamp.hash_algorithm)
    stamps = [ArchiveStamp(unpack(archived.reduced_tree, size), stamp.token)]
    while stamp.renewed_by_id is not None and (end is None or stamp.renewed_by_id < end):
        tree = unpack(stamp.renewal_tree, size)
        stamp = session.get(ArchiveTimeStamp, stamp.renewed_by_id)
        stamps.append(ArchiveStamp(tree, stamp.token))
    return ArchiveChain(algorithm, stamps)


def _assembled(session, rows: list[ArchivedReceipt]) -> bytes:
    ends = [row.archive_time_stamp_id for row in rows[1:]] + [None]
    return evidence_record_of_chains([_chain(session, row, end) for row, end in zip(rows, ends, strict=True)])


def records_of(session, receipt_ids: Sequence[int]) -> dict[int, bytes]:
    """The evidence records of the archived receipts among ``receipt_ids`` as the ``session`` sees
    them, read a page of receipts per query."""
    found: dict[int, list[ArchivedReceipt]] = {}
    for start in range(0, len(receipt_ids), PAGE):
        page = receipt_ids[start : start + PAGE]
        query = select(ArchivedReceipt).where(ArchivedReceipt.receipt_id.in_(page))
        for row in session.scalars(query.order_by(ArchivedReceipt.id)):
            found.setdefault(row.receipt_id, []).append(row)
    return {receipt_id: _assembled(session, rows) for receipt_id, rows in found.items()}


def record_of(session, receipt_id: int) -> bytes | None:
    """The evidence record of the receipt ``receipt_id`` as the ``session`` sees it, or None."""
    return records_of(session, [receipt_id]).get(receipt_id)


def evidence_record_for(database: Database, document: bytes) -> bytes | None:
    """The evidence record archived for exactly ``document``, or None."""
    try:
        digests = [data_object_digest(document, algorithm) for algorithm in HASHES]
    except XMLRejected:
        return None
    with database.read() as session:
        query = select(ArchivedReceipt.receipt_id).where(ArchivedReceipt.data_digest.in_(digests))
        receipt_id = session.scalars(query.order_by(ArchivedReceipt.id.desc()).limit(1)).first()
        return record_of(session, receipt_id) if receipt_id is not None else None


def evidence_record_of(database: Database, receipt_id: int) -> bytes | None:
    """The evidence record of the receipt ``receipt_id``, or None when it was never archived."""
    with database.read() as session:
        return record_of(session, receipt_id)
