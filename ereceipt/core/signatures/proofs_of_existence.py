"""Proofs of existence for validation long after signing (ETSI EN 319 102-1 5.6.2.4 and 5.6.3):
what an evidence record (``core.signatures.evidence_record``) proves, and when a signature
time-stamp can still be relied on.

A signature time-stamp whose TSA certificate has expired at the validation time proves nothing by
itself: its signature could have been made after the TSA's key stopped being protected. It still
counts when something proves that the time-stamp existed before that certificate expired: an
archive time-stamp over the receipt as archived (signature time-stamps included), made while the
TSA certificate was valid. A verified evidence record for the very document being validated
raises its level to LTA.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from cryptography import x509

from ereceipt.core.errors import VerificationFailed
from ereceipt.core.signatures.evidence_record import ArchiveProof, verify_evidence_record
from ereceipt.core.signatures.timestamp import TimeStamp, verify_token


def archive_proof(
    document: bytes, record: bytes | None, tsa_trust: Sequence[x509.Certificate], now: datetime
) -> tuple[ArchiveProof | None, str]:
    """The proof ``record`` gives of ``document`` at ``now``, or None; and why not, when it gives none."""
    if record is None:
        return None, ""
    try:
        return verify_evidence_record(record, document, tsa_trust, now), ""
    except VerificationFailed as exc:
        return None, f"; the evidence record proves nothing: {exc.message}"


def relied_on_time_stamp(
    token: bytes,
    digest: bytes,
    tsa_trust: Sequence[x509.Certificate],
    now: datetime,
    archived: ArchiveProof | None,
) -> TimeStamp:
    """The verified signature time-stamp when it can be relied on at ``now``; else VerificationFailed."""
    stamp = verify_token(token, digest, list(tsa_trust))
    end = stamp.tsa_certificate.not_valid_after_utc
    if now > end and (archived is None or archived.time > end):
        message = f"its TSA certificate expired at {end} and no archive time-stamp proves it existed before"
        raise VerificationFailed(message)
    return stamp


def level_with(level: str, archived: ArchiveProof | None) -> str:
    """The baseline level proved: LTA when an archive proof covers a time-stamped signature (at T or LT)."""
    return "LTA" if archived is not None and level != "B" else level
