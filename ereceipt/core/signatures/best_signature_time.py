"""Proofs of existence of a signature and its best signature time (ETSI EN 319 102-1 5.6.2.4).

A proof of existence (POE) is a verified time-stamp over the signature: it proves that the
signature existed no later than its time, never that it was made after it. The best signature time
is the earliest of them; without any, only the signer's claim dates the signature (level B). The
signature time-stamps of level T (``core.signatures.xades_t``) are verified here against the TSA
trust given, over the canonical SignatureValue, and set aside when the TSA's certificate was
revoked by their time (by the TSA's validation data embedded at level LT), or when it has expired
by the validation time and no archive time-stamp (level LTA) proves they existed before.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from lxml import etree

from ereceipt.core.errors import VerificationFailed
from ereceipt.core.signatures.evidence_record import ArchiveProof
from ereceipt.core.signatures.proofs_of_existence import relied_on_time_stamp
from ereceipt.core.signatures.revocation import issuer_of, revocation_status
from ereceipt.core.signatures.timestamp import TimeStamp, verify_token
from ereceipt.core.signatures.xades_lt import ValidationData
from ereceipt.core.signatures.xades_t import signature_time_stamps, signature_value_digest

CLOCK_SKEW = timedelta(minutes=5)  # signing servers' clocks differ a little, not more


@dataclass(frozen=True)
class SignatureTimeStamps:
    """The signature time-stamps that verified, and why each other one proves nothing."""

    verified: tuple[TimeStamp, ...]
    problems: tuple[str, ...]

    @property
    def times(self) -> list[datetime]:
        return [stamp.gen_time for stamp in self.verified]


def verified_signature_time_stamps(
    root: etree._Element,
    tsa_trust: Sequence[x509.Certificate],
    now: datetime | None = None,
    archived: ArchiveProof | None = None,
) -> SignatureTimeStamps:
    """Each signature time-stamp of the signed document ``root``, verified against ``tsa_trust``;
    with ``now``, one whose TSA certificate has expired by then counts only if ``archived`` proves
    it existed before (``core.signatures.proofs_of_existence``). Raises BadInput when one is
    malformed in the XML itself."""
    tokens = signature_time_stamps(root)
    if not tokens:
        return SignatureTimeStamps((), ())
    digest, verified, problems = signature_value_digest(root), [], []
    for token in tokens:
        try:
            if now is None:
                verified.append(verify_token(token, digest, list(tsa_trust)))
            else:
                verified.append(relied_on_time_stamp(token, digest, tsa_trust, now, archived))
        except VerificationFailed as exc:
            problems.append(exc.message)
    return SignatureTimeStamps(tuple(verified), tuple(problems))


def without_revoked_tsa(
    stamps: SignatureTimeStamps, tsa: ValidationData, tsa_trust: Sequence[x509.Certificate]
) -> SignatureTimeStamps:
    """``stamps`` less those whose TSA certificate was revoked by their genTime, by the TSA's
    revocation data (xades141:TimeStampValidationData): such a time-stamp proves nothing."""
    kept, problems = [], list(stamps.problems)
    for stamp in stamps.verified:
        issuer = issuer_of(stamp.tsa_certificate, [*tsa_trust, *tsa.certificates])
        status = revocation_status(stamp.tsa_certificate, issuer, tsa.revocation) if issuer else None
        if status is not None and status.revoked_at is not None and status.revoked_at <= stamp.gen_time:
            problems.append(f"its TSA certificate was revoked at {status.revoked_at}, before its genTime")
        else:
            kept.append(stamp)
    return SignatureTimeStamps(tuple(kept), tuple(problems))


def best_signature_time(proofs_of_existence: Iterable[datetime]) -> datetime | None:
    """The earliest proof of existence of the signature, or None when nothing proves one."""
    return min(proofs_of_existence, default=None)


def earlier_than_claimed(best: datetime | None, signing_time: datetime) -> bool:
    """Whether a proof of existence predates the signer's own signing time beyond clock skew: the
    signer's claim is then false, since nothing exists before it is made."""
    return best is not None and best < signing_time - CLOCK_SKEW
