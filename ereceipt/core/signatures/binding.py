"""The receipt's signer bound to its issuer: the signer rule applied after ETSI EN 319 102-1 validation.

A signature that chains to the pinned CA proves only that some holder of a certificate from that CA
signed. A receipt is accepted only when its signing certificate is also on record for the issuer
named inside the signed receipt (or for an agency the record says signs for it), in use at the
signing time, with keyUsage nonRepudiation (contentCommitment, RFC 5280 4.2.1.3), carrying the
configured certificate policy (RFC 5280 4.2.1.4) and, as an extra check never sufficient alone,
the tax code of the agency it is on record for in its subject (``UID=MST:<tax code>``).

Each failed constraint gets the indication and sub-indication EU DSS gives for it: the signer's
certificate not matching the policy's constraints (not on record, key usage, certificate policy,
subject) is INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE; a signing time before the certificate's
period on record is TOTAL_FAILED/NOT_YET_VALID; one after its retirement is
INDETERMINATE/REVOKED_NO_POE (no proof that the signature existed before). The time checked is the
best signature time: a verified signature time-stamp's genTime at level T, else the signer's claim.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from ereceipt.core.signatures.report import (
    FAILING_SUB_INDICATIONS,
    Indication,
    SubIndication,
    VerificationReport,
)

TAX_CODE_PREFIX = "MST:"


@dataclass(frozen=True)
class RecordedCertificate:
    """One certificate on record for ``agency`` that may sign the issuer's receipts, directly
    (``delegated`` is None) or by a delegation in force from ``delegated[0]`` until ``delegated[1]``."""

    agency: str
    agency_tax_code: str
    fingerprint: str  # SHA-256 of the DER, hexadecimal
    valid_from: datetime
    retired_at: datetime | None = None
    tax_code_exempt: bool = False
    delegated: tuple[datetime, datetime | None] | None = None


@dataclass(frozen=True)
class SignerRecord:
    """What the record says of one issuer: its tax code and the certificates that may sign for it."""

    issuer: str
    tax_code: str
    certificates: tuple[RecordedCertificate, ...]
    elsewhere: tuple[str, ...] = ()  # issuers the signing certificate is on record for instead


def fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


def subject_tax_codes(certificate: x509.Certificate) -> list[str]:
    """The tax codes a subject carries as ``UID=MST:<tax code>`` (Vietnamese CA practice)."""
    values = [a.value for a in certificate.subject.get_attributes_for_oid(NameOID.USER_ID)]
    return [v[len(TAX_CODE_PREFIX) :] for v in values if isinstance(v, str) and v.startswith(TAX_CODE_PREFIX)]


class _Failed(Exception):
    def __init__(self, sub: SubIndication, constraint: str) -> None:
        super().__init__(constraint)
        self.sub, self.constraint = sub, constraint


def _key_usage(certificate: x509.Certificate) -> None:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is None or not usage.content_commitment:
        raise _Failed(
            SubIndication.CHAIN_CONSTRAINTS_FAILURE,
            "the signing certificate's key usage lacks non-repudiation (contentCommitment)",
        )


def _certificate_policy(certificate: x509.Certificate, policy_oid: str) -> None:
    try:
        policies = certificate.extensions.get_extension_for_class(x509.CertificatePolicies).value
        found = {p.policy_identifier.dotted_string for p in policies}
    except x509.ExtensionNotFound:
        found = set()
    if policy_oid not in found:
        raise _Failed(
            SubIndication.CHAIN_CONSTRAINTS_FAILURE,
            f"the signing certificate does not carry the agencies' certificate policy {policy_oid}",
        )


def _in_use(entry: RecordedCertificate, issuer: str, at: datetime, basis: str) -> None:
    if entry.delegated is not None:
        begin, end = entry.delegated
        if at < begin or (end is not None and at >= end):
            until = f" until {end:%Y-%m-%d %H:%M} UTC" if end else ""
            raise _Failed(
                SubIndication.CHAIN_CONSTRAINTS_FAILURE,
                f"agency {entry.agency} signs for issuer {issuer} only from "
                f"{begin:%Y-%m-%d %H:%M} UTC{until}; signed at {at:%Y-%m-%d %H:%M:%S} UTC",
            )
    if at < entry.valid_from:
        raise _Failed(
            SubIndication.NOT_YET_VALID,
            f"the certificate is in use for {entry.agency} only from {entry.valid_from:%Y-%m-%d %H:%M} UTC; "
            f"signed at {at:%Y-%m-%d %H:%M:%S} UTC",
        )
    if entry.retired_at is not None and at >= entry.retired_at:
        raise _Failed(
            SubIndication.REVOKED_NO_POE,
            f"the certificate was retired for {entry.agency} on {entry.retired_at:%Y-%m-%d %H:%M} UTC; "
            f"signed at {at:%Y-%m-%d %H:%M:%S} UTC {basis}",
        )


def _tax_code(certificate: x509.Certificate, entry: RecordedCertificate) -> None:
    if entry.tax_code_exempt:
        return
    carried = subject_tax_codes(certificate)
    if entry.agency_tax_code not in carried:
        shown = ", ".join(f"MST:{code}" for code in carried) or "no tax code"
        raise _Failed(
            SubIndication.CHAIN_CONSTRAINTS_FAILURE,
            f"tax code mismatch: the certificate's subject carries {shown}, "
            f"agency {entry.agency}'s tax code is {entry.agency_tax_code}",
        )


def _check(
    certificate: x509.Certificate, at: datetime, basis: str, record: SignerRecord, policy_oid: str | None
) -> str:
    _key_usage(certificate)
    if policy_oid:
        _certificate_policy(certificate, policy_oid)
    mine = fingerprint(certificate)
    entries = sorted(
        (e for e in record.certificates if e.fingerprint == mine), key=lambda e: e.delegated is not None
    )
    if not entries:
        also = f" (it is on record for {', '.join(record.elsewhere)})" if record.elsewhere else ""
        raise _Failed(
            SubIndication.CHAIN_CONSTRAINTS_FAILURE,
            f"the signer is not on record for issuer {record.issuer}{also}",
        )
    first: _Failed | None = None
    for entry in entries:
        try:
            _in_use(entry, record.issuer, at, basis)
            _tax_code(certificate, entry)
        except _Failed as failed:
            first = first or failed
            continue
        via = f", by delegation from {record.issuer}" if entry.delegated else ""
        return f"signer on record for {entry.agency}{via}, in use since {entry.valid_from:%Y-%m-%d %H:%M} UTC"
    raise first


def bind_signer(
    report: VerificationReport, record: SignerRecord | None, *, policy_oid: str | None = None
) -> VerificationReport:
    """``report`` if it did not pass; else it again with the signer rule applied (``record`` None:
    the issuer named in the receipt is unknown)."""
    if not report.passed:
        return report
    if report.certificate is None or report.signing_time is None:
        raise ValueError("a passed report names its signing certificate and signing time")
    try:
        if record is None:
            raise _Failed(
                SubIndication.CHAIN_CONSTRAINTS_FAILURE, "the issuer named in the receipt is not known"
            )
        basis = "by the signature time-stamp" if report.time_stamp_time else "by the signer's own claim"
        accepted = _check(report.certificate, report.best_signature_time, basis, record, policy_oid)
    except _Failed as failed:
        failing = failed.sub in FAILING_SUB_INDICATIONS
        return replace(
            report,
            indication=Indication.TOTAL_FAILED if failing else Indication.INDETERMINATE,
            sub_indication=failed.sub,
            message=failed.constraint,
            signed_xml=None,
        )
    return replace(report, message=f"{report.message}; {accepted}")
