"""The signer record kept by operators: certificates added to issuers, retired, and delegations.

Every change is written to the audit trail in the same transaction. A certificate is refused at
registration when it could never pass the signer rule (``core.signatures.binding``): a CA, no
non-repudiation key usage, or a subject without the agency's tax code (unless explicitly exempted,
which only the migration of certificates that signed receipts before the rule does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select
from sqlalchemy.orm import Session

from ereceipt.core.errors import BadInput, Conflict, NotFound
from ereceipt.core.receipts.tables import Issuer
from ereceipt.core.signatures.binding import (
    RecordedCertificate,
    SignerRecord,
    fingerprint,
    subject_tax_codes,
)
from ereceipt.core.signatures.pki import is_ca
from ereceipt.core.signers.tables import SignerDelegation, SigningCertificate
from ereceipt.core.storage import audit


@dataclass(frozen=True)
class CertificateOnRecord:
    """One row of the record, as ``ereceipt keys list`` shows it."""

    issuer: str
    fingerprint: str
    subject: str
    valid_from: datetime
    retired_at: datetime | None
    added_by: str
    added_at: datetime


def _issuer(session: Session, code: str) -> Issuer:
    found = session.scalar(select(Issuer).where(Issuer.code == code))
    if found is None:
        raise NotFound(f"no issuer {code}")
    return found


def refusal(certificate: x509.Certificate, tax_code: str) -> str | None:
    """Why ``certificate`` cannot sign the receipts of an agency with ``tax_code``, or None."""
    if is_ca(certificate):
        return "it is a CA certificate"
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is None or not (usage.digital_signature and usage.content_commitment):
        return "its key usage lacks digitalSignature or non-repudiation (contentCommitment)"
    if tax_code not in subject_tax_codes(certificate):
        return f"its subject does not carry UID=MST:{tax_code}"
    return None


def add_certificate(
    session: Session,
    issuer_code: str,
    certificate: x509.Certificate,
    *,
    actor: str,
    valid_from: datetime | None = None,
    tax_code_exempt: bool = False,
) -> SigningCertificate:
    """Put ``certificate`` on record for the issuer, in use from ``valid_from`` (default: now)."""
    issuer = _issuer(session, issuer_code)
    problem = refusal(certificate, issuer.tax_code)
    if problem and not (tax_code_exempt and problem.startswith("its subject")):
        raise BadInput(
            f"certificate {certificate.subject.rfc4514_string()} cannot sign for {issuer_code}: {problem}"
        )
    print_ = fingerprint(certificate)
    exists = session.scalar(
        select(SigningCertificate).where(
            SigningCertificate.issuer_id == issuer.id, SigningCertificate.fingerprint == print_
        )
    )
    if exists is not None:
        raise Conflict(f"certificate {print_[:16]} is already on record for {issuer_code}")
    now = datetime.now(UTC)
    row = SigningCertificate(
        issuer_id=issuer.id,
        fingerprint=print_,
        certificate_der=certificate.public_bytes(serialization.Encoding.DER),
        subject=certificate.subject.rfc4514_string(),
        # Whole seconds: xades:SigningTime has no fraction, and a receipt signed in the second the
        # certificate was put on record is in its period.
        valid_from=(valid_from or now).replace(microsecond=0),
        retired_at=None,
        tax_code_exempt=tax_code_exempt,
        added_by=actor,
        added_at=now,
    )
    session.add(row)
    session.flush()
    details = {
        "issuer": issuer_code,
        "fingerprint": print_,
        "subject": row.subject,
        "valid_from": row.valid_from,
    }
    if tax_code_exempt:
        details["tax_code_exempt"] = True
    audit.record(session, actor, "signer.certificate_added", "signing_certificate", row.id, **details)
    return row


def _one(session: Session, issuer: Issuer, prefix: str) -> SigningCertificate:
    prefix = prefix.lower().replace(":", "")
    if len(prefix) < 8:
        raise BadInput("give at least 8 hexadecimal digits of the certificate's SHA-256 fingerprint")
    rows = session.scalars(
        select(SigningCertificate).where(
            SigningCertificate.issuer_id == issuer.id, SigningCertificate.fingerprint.startswith(prefix)
        )
    ).all()
    if len(rows) != 1:
        raise NotFound(f"{len(rows)} certificates of {issuer.code} have a fingerprint starting {prefix}")
    return rows[0]


def retire_certificate(
    session: Session, issuer_code: str, fingerprint_prefix: str, *, actor: str, at: datetime | None = None
) -> SigningCertificate:
    """Stop the certificate's use for the issuer from ``at`` (default: now); earlier receipts stay valid."""
    issuer = _issuer(session, issuer_code)
    row = _one(session, issuer, fingerprint_prefix)
    # Whole seconds, as xades:SigningTime: a receipt signed in the second of retirement is after it.
    at = (at or datetime.now(UTC)).replace(microsecond=0)
    if row.retired_at is not None and row.retired_at <= at:
        raise Conflict(
            f"certificate {row.fingerprint[:16]} was already retired on {row.retired_at:%Y-%m-%d %H:%M}"
        )
    if at < row.valid_from:
        raise BadInput(
            f"the certificate is in use only from {row.valid_from:%Y-%m-%d %H:%M}; retire it later"
        )
    row.retired_at = at
    audit.record(
        session,
        actor,
        "signer.certificate_retired",
        "signing_certificate",
        row.id,
        issuer=issuer_code,
        fingerprint=row.fingerprint,
        retired_at=at,
    )
    return row


def delegate(
    session: Session,
    issuer_code: str,
    signer_code: str,
    *,
    actor: str,
    valid_from: datetime | None = None,
    valid_to: datetime | None = None,
) -> SignerDelegation:
    """Let agency ``signer_code``'s certificates sign ``issuer_code``'s receipts in the period."""
    issuer, signer = _issuer(session, issuer_code), _issuer(session, signer_code)
    if issuer.id == signer.id:
        raise BadInput("an issuer needs no delegation to itself")
    valid_from = valid_from or datetime.now(UTC)
    if valid_to is not None and valid_to <= valid_from:
        raise BadInput("a delegation must end after it begins")
    row = SignerDelegation(
        issuer_id=issuer.id,
        signer_issuer_id=signer.id,
        valid_from=valid_from,
        valid_to=valid_to,
        added_by=actor,
        added_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "signer.delegated",
        "signer_delegation",
        row.id,
        issuer=issuer_code,
        signer=signer_code,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    return row


def list_certificates(session: Session, issuer_code: str | None = None) -> list[CertificateOnRecord]:
    query = select(SigningCertificate, Issuer.code).join(Issuer, Issuer.id == SigningCertificate.issuer_id)
    if issuer_code:
        query = query.where(Issuer.code == issuer_code)
    return [
        CertificateOnRecord(
            code, r.fingerprint, r.subject, r.valid_from, r.retired_at, r.added_by, r.added_at
        )
        for r, code in session.execute(query.order_by(Issuer.code, SigningCertificate.valid_from))
    ]


def is_on_record(session: Session, issuer_id: int, certificate: x509.Certificate) -> bool:
    """Whether ``certificate`` is on record for the issuer, in use or retired."""
    query = select(SigningCertificate.id).where(
        SigningCertificate.issuer_id == issuer_id, SigningCertificate.fingerprint == fingerprint(certificate)
    )
    return session.scalar(query.limit(1)) is not None


def _entries(rows, agency: Issuer, delegated) -> list[RecordedCertificate]:
    return [
        RecordedCertificate(
            agency.code,
            agency.tax_code,
            r.fingerprint,
            r.valid_from,
            r.retired_at,
            r.tax_code_exempt,
            delegated,
        )
        for r in rows
    ]


def signer_record(session: Session, issuer_code: str, certificate: x509.Certificate) -> SignerRecord | None:
    """What the record says of ``issuer_code`` for ``certificate`` (its entries for that certificate
    only); None when no such issuer exists."""
    issuer = session.scalar(select(Issuer).where(Issuer.code == issuer_code))
    if issuer is None:
        return None
    mine = fingerprint(certificate)
    mine_only = SigningCertificate.fingerprint == mine
    own = session.scalars(
        select(SigningCertificate).where(SigningCertificate.issuer_id == issuer.id, mine_only)
    ).all()
    entries = _entries(own, issuer, None)
    for delegation in session.scalars(
        select(SignerDelegation).where(SignerDelegation.issuer_id == issuer.id)
    ):
        agency = session.get(Issuer, delegation.signer_issuer_id)
        rows = session.scalars(
            select(SigningCertificate).where(SigningCertificate.issuer_id == agency.id, mine_only)
        ).all()
        entries += _entries(rows, agency, (delegation.valid_from, delegation.valid_to))
    elsewhere: tuple[str, ...] = ()
    if not entries:
        elsewhere = tuple(
            session.scalars(
                select(Issuer.code)
                .join(SigningCertificate, SigningCertificate.issuer_id == Issuer.id)
                .where(SigningCertificate.fingerprint == mine)
            )
        )
    return SignerRecord(issuer.code, issuer.tax_code, tuple(entries), elsewhere)
