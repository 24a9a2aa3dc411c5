"""The validation report of ETSI EN 319 102-1: an indication, a sub-indication, and what was signed.

Indications and sub-indications are named as EU DSS gives them, so that a verdict can be explained
with the standard's words; a report carries the signed document only when it passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cryptography import x509
from lxml import etree

# At level B nothing but the signer vouches for the signing time; at level T a time-stamp does.
SIGNING_TIME_BASIS = "claimed by the signer (xades:SigningTime); no time-stamp proves it"
TIME_STAMP_BASIS = "proved by the signature time-stamp (RFC 3161 genTime): signed no later than this"


class Indication(StrEnum):
    TOTAL_PASSED = "TOTAL_PASSED"
    TOTAL_FAILED = "TOTAL_FAILED"
    INDETERMINATE = "INDETERMINATE"


class SubIndication(StrEnum):
    FORMAT_FAILURE = "FORMAT_FAILURE"
    HASH_FAILURE = "HASH_FAILURE"
    SIG_CRYPTO_FAILURE = "SIG_CRYPTO_FAILURE"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    NO_SIGNING_CERTIFICATE_FOUND = "NO_SIGNING_CERTIFICATE_FOUND"
    NO_CERTIFICATE_CHAIN_FOUND = "NO_CERTIFICATE_CHAIN_FOUND"
    CHAIN_CONSTRAINTS_FAILURE = "CHAIN_CONSTRAINTS_FAILURE"
    SIG_CONSTRAINTS_FAILURE = "SIG_CONSTRAINTS_FAILURE"
    OUT_OF_BOUNDS_NO_POE = "OUT_OF_BOUNDS_NO_POE"
    REVOKED_NO_POE = "REVOKED_NO_POE"
    SIGNED_DATA_NOT_FOUND = "SIGNED_DATA_NOT_FOUND"
    CRYPTO_CONSTRAINTS_FAILURE = "CRYPTO_CONSTRAINTS_FAILURE"


# EN 319 102-1 table 5: these make TOTAL_FAILED; every other sub-indication is INDETERMINATE.
FAILING_SUB_INDICATIONS = {"FORMAT_FAILURE", "HASH_FAILURE", "SIG_CRYPTO_FAILURE", "EXPIRED", "NOT_YET_VALID"}


@dataclass(frozen=True)
class VerificationReport:
    indication: Indication
    sub_indication: SubIndication | None
    message: str
    signer: str | None = None
    signing_time: datetime | None = None
    signed_xml: etree._Element | None = None
    certificate: x509.Certificate | None = None  # the signing certificate the chain check verified
    identity: str | None = None  # core.signatures.identity of the signature that was verified
    level: str = "B"  # ETSI baseline level proved: B; T with a verified signature time-stamp; LT
    # when the revocation data embedded in the receipt established the signer's status
    time_stamp_time: datetime | None = None  # the earliest verified signature time-stamp's genTime

    @property
    def passed(self) -> bool:
        return self.indication is Indication.TOTAL_PASSED

    @property
    def best_signature_time(self) -> datetime | None:
        """EN 319 102-1 5.6.2.4: the earliest proof of existence of the signature, else the claim."""
        return self.time_stamp_time or self.signing_time

    @property
    def signing_time_basis(self) -> str | None:
        if self.time_stamp_time:
            return TIME_STAMP_BASIS
        return SIGNING_TIME_BASIS if self.signing_time else None

    def as_dict(self) -> dict:
        return {
            "indication": self.indication.value,
            "sub_indication": self.sub_indication.value if self.sub_indication else None,
            "message": self.message,
            "signer": self.signer,
            "signing_time": self.signing_time.isoformat() if self.signing_time else None,
            "level": self.level,
            "time_stamp_time": self.time_stamp_time.isoformat() if self.time_stamp_time else None,
            "best_signature_time": self.best_signature_time.isoformat() if self.best_signature_time else None,
            "signing_time_basis": self.signing_time_basis,
        }
