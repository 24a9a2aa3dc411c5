"""Verification of a signed receipt: ETSI EN 319 102-1 validation, then the signer bound to its issuer.

``core.signatures.verification`` checks the document, the signature and the chain to the pinned
CA; ``core.signatures.binding`` then checks the signing certificate against the record of the issuer
named in the signed receipt (read through ``text_value``, from the XML the verifier returned).
The evidence record archived for exactly these bytes, if any (``core.archiving.records``), goes
with them: it keeps a signature time-stamp of an expired TSA certificate valid, at level LTA.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from cryptography import x509

from ereceipt.core.archiving.records import evidence_record_for
from ereceipt.core.errors import XMLRejected
from ereceipt.core.receipts.receipt_xml import RECEIPT_NS, RECEIPT_TAG
from ereceipt.core.signatures.binding import bind_signer
from ereceipt.core.signatures.report import Indication, SubIndication, VerificationReport
from ereceipt.core.signatures.revocation import RevocationSource
from ereceipt.core.signatures.trust import TrustStore
from ereceipt.core.signatures.verification import verify_signed_document
from ereceipt.core.signatures.xades import SignaturePolicy
from ereceipt.core.signers.record import signer_record
from ereceipt.core.storage.database import Database
from ereceipt.core.xml.values import text_value


def _issuer_code(report: VerificationReport) -> str | None:
    element = report.signed_xml.find(f"{{{RECEIPT_NS}}}Issuer/{{{RECEIPT_NS}}}Code")
    return None if element is None else text_value(element).strip()


def verify_receipt(
    data: bytes,
    trust: TrustStore,
    database: Database,
    *,
    expected_policy: SignaturePolicy | None = None,
    certificate_policy: str | None = None,
    tsa_trust: Sequence[x509.Certificate] = (),
    revocation: RevocationSource | None = None,
) -> VerificationReport:
    """The report on one signed receipt; TOTAL_PASSED only when the signer is on record for its issuer
    at the best signature time (the signature time-stamp's, at level T), and its certificate was not
    revoked by then (``revocation`` is asked only when the receipt embeds no revocation data)."""
    report = verify_signed_document(
        data,
        trust,
        expected_root=RECEIPT_TAG,
        expected_policy=expected_policy,
        tsa_trust=tsa_trust,
        revocation=revocation,
        evidence_record=evidence_record_for(database, data),
    )
    if not report.passed:
        return report
    try:
        code = _issuer_code(report)
    except XMLRejected as exc:
        return replace(
            report,
            indication=Indication.TOTAL_FAILED,
            sub_indication=SubIndication.FORMAT_FAILURE,
            message=f"the issuer's code cannot be read: {exc.message}",
            signed_xml=None,
        )
    with database.read() as session:
        record = signer_record(session, code, report.certificate) if code else None
    return bind_signer(report, record, policy_oid=certificate_policy)


def as_stored(report: VerificationReport, stored_identity: str | None) -> VerificationReport:
    """``report`` on a stored receipt's XML, failed when the signature verified is not the one the
    receipt was issued with (its identity digest, ``core.signatures.identity``, differs)."""
    if not report.passed or stored_identity is None or report.identity == stored_identity:
        return report
    return replace(
        report,
        indication=Indication.INDETERMINATE,
        sub_indication=SubIndication.SIG_CONSTRAINTS_FAILURE,
        message="the stored XML is not the receipt issued under this number: its identity digest differs",
        signed_xml=None,
    )
