"""The signer record on SQLite and PostgreSQL: operators' changes with their audit trail, verification
against the record, and migration 0015 (receipts issued before it keep verifying)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from sqlalchemy import select

from ereceipt.app.wiring import development_issuers
from ereceipt.core.errors import BadInput, Conflict
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.issuing.requests import IssueRequest, PaymentIn
from ereceipt.core.receipts.content import PayerInfo, PaymentMethod
from ereceipt.core.receipts.receipt_xml import RECEIPT_TAG
from ereceipt.core.receipts.tables import Receipt
from ereceipt.core.signatures.identity import receipt_identity
from ereceipt.core.signatures.pki import DevelopmentPKI, create_development_pki, issue_certificate
from ereceipt.core.signatures.report import SubIndication
from ereceipt.core.signatures.signing_identity import load_signing_identity
from ereceipt.core.signatures.trust import TrustStore
from ereceipt.core.signatures.verification import verify_signed_document
from ereceipt.core.signatures.xades import IssuerSigners, ReceiptSigner
from ereceipt.core.signers.receipt_check import verify_receipt
from ereceipt.core.signers.record import add_certificate, delegate, list_certificates, retire_certificate
from ereceipt.core.signers.tables import SigningCertificate
from ereceipt.core.storage.audit import AuditEvent
from ereceipt.core.storage.database import Database, alembic_config, migrate


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DevelopmentPKI:
    return create_development_pki(tmp_path_factory.mktemp("issuer-keys"), issuers=development_issuers())


@pytest.fixture(scope="module")
def own_trust(pki: DevelopmentPKI) -> TrustStore:
    return TrustStore.from_pem_file(pki.ca_cert)


def certificate(pki: DevelopmentPKI, party: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pki.cert(party).read_bytes())


def own_signer(pki: DevelopmentPKI, code: str) -> ReceiptSigner:
    identity = load_signing_identity(pki.issuer_key(code), pki.issuer_cert(code), pki.ca_cert, None)
    return ReceiptSigner(identity)


def cash(reference: str, case_code: str = "THA2501") -> IssueRequest:
    payment = PaymentIn(
        source="counter",
        reference=reference,
        amount=1_000,
        payer=PayerInfo("Nguyễn Văn An"),
        paid_at=datetime.now(UTC),
        method=PaymentMethod.CASH,
        case_code=case_code,
    )
    return IssueRequest(payment, officer="can.bo.thu")


def test_each_issuer_signs_with_its_own_key_and_verifies(demo_database: Database, pki, own_trust) -> None:
    signers = IssuerSigners(None, {c: own_signer(pki, c) for c in ("CCTHADS-BD", "CTHADS-HN")})
    with demo_database.write() as session:
        for code in ("CCTHADS-BD", "CTHADS-HN"):
            add_certificate(session, code, certificate(pki, f"issuer-{code}"), actor="tester")
    issuer = ReceiptIssuer(demo_database, signers)
    for reference, case in (("PT-1", "THA2501"), ("PT-2", "THA2503")):
        issued = issuer.issue(cash(reference, case))
        report = verify_receipt(issued.signed_xml, own_trust, demo_database)
        assert report.passed, report.message
        assert f"on record for {issued.content.issuer.code}" in report.message
        with demo_database.read() as session:
            stored = session.get(Receipt, issued.receipt_id)
            assert (
                stored.identity_digest
                == report.identity
                == receipt_identity(etree.fromstring(issued.signed_xml))
            )


def test_a_batch_of_several_issuers_is_signed_with_each_ones_key(
    demo_database: Database, pki, own_trust
) -> None:
    """As the bank worker issues: one transaction, receipts of two agencies."""
    signers = IssuerSigners(None, {c: own_signer(pki, c) for c in ("CCTHADS-BD", "CTHADS-HN")})
    batch = ReceiptIssuer(demo_database, signers).issue_batch(
        [cash("PT-1", "THA2501"), cash("PT-2", "THA2503")]
    )
    signers_seen = {}
    for issued in batch:
        report = verify_signed_document(issued.signed_xml, own_trust, expected_root=RECEIPT_TAG)
        signers_seen[issued.content.issuer.code] = report.signer
    assert "UID=MST:0100000002" in signers_seen["CCTHADS-BD"]
    assert "UID=MST:0100000001" in signers_seen["CTHADS-HN"]


def test_certificates_that_can_never_sign_are_refused_at_registration(demo_database: Database, pki) -> None:
    with demo_database.write() as session:
        with pytest.raises(BadInput, match="non-repudiation"):
            add_certificate(session, "CCTHADS-BD", certificate(pki, "portal-client"), actor="tester")
        with pytest.raises(BadInput, match="CA certificate"):
            add_certificate(session, "CCTHADS-BD", certificate(pki, "ca"), actor="tester")
        with pytest.raises(BadInput, match="UID=MST:0100000002"):
            add_certificate(session, "CCTHADS-BD", certificate(pki, "issuer-CTHADS-HN"), actor="tester")
        add_certificate(session, "CCTHADS-BD", certificate(pki, "issuer-CCTHADS-BD"), actor="tester")
        with pytest.raises(Conflict, match="already on record"):
            add_certificate(session, "CCTHADS-BD", certificate(pki, "issuer-CCTHADS-BD"), actor="tester")


def test_retirement_and_delegation_are_in_the_audit_trail_and_decide_verification(
    demo_database: Database, pki, own_trust
) -> None:
    bd, hn = certificate(pki, "issuer-CCTHADS-BD"), certificate(pki, "issuer-CTHADS-HN")
    start = datetime.now(UTC) - timedelta(days=1)
    with demo_database.write() as session:
        row = add_certificate(session, "CCTHADS-BD", bd, actor="ops.a", valid_from=start)
        add_certificate(session, "CTHADS-HN", hn, actor="ops.a", valid_from=start)
    genuine = ReceiptIssuer(demo_database, own_signer(pki, "CCTHADS-BD")).issue(cash("PT-1"))
    time.sleep(1)  # signing times have whole seconds: retire in the next one
    with demo_database.write() as session:
        retire_certificate(session, "CCTHADS-BD", row.fingerprint[:12], actor="ops.b")
    assert verify_receipt(genuine.signed_xml, own_trust, demo_database).passed  # signed before retirement
    late = ReceiptIssuer(demo_database, own_signer(pki, "CCTHADS-BD")).issue(cash("PT-2"))
    report = verify_receipt(late.signed_xml, own_trust, demo_database)
    assert report.sub_indication is SubIndication.REVOKED_NO_POE
    by_city = ReceiptIssuer(demo_database, own_signer(pki, "CTHADS-HN")).issue(cash("PT-3"))
    refused = verify_receipt(by_city.signed_xml, own_trust, demo_database)
    assert refused.sub_indication is SubIndication.CHAIN_CONSTRAINTS_FAILURE
    assert "not on record for issuer CCTHADS-BD (it is on record for CTHADS-HN)" in refused.message
    with demo_database.write() as session:
        delegate(session, "CCTHADS-BD", "CTHADS-HN", actor="ops.b", valid_from=start)
    assert verify_receipt(by_city.signed_xml, own_trust, demo_database).passed
    with demo_database.read() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action.startswith("signer."))).all()
        listed = list_certificates(session, "CCTHADS-BD")
    assert [(e.action, e.actor) for e in events] == [
        ("signer.certificate_added", "ops.a"),
        ("signer.certificate_added", "ops.a"),
        ("signer.certificate_retired", "ops.b"),
        ("signer.delegated", "ops.b"),
    ]
    assert json.loads(events[2].details)["issuer"] == "CCTHADS-BD"
    assert listed[0].retired_at is not None


def test_migration_0015_keeps_stored_receipts_verifying(demo_database: Database, signer, trust) -> None:
    """Receipts signed before the record existed, by a certificate without a tax code: the migration
    puts that certificate on record for their issuer and fills in every receipt's identity."""
    issued = [ReceiptIssuer(demo_database, signer).issue(cash(f"PT-{i}")) for i in range(3)]
    config = alembic_config(demo_database.engine.url.render_as_string(hide_password=False))
    before = ScriptDirectory.from_config(config).get_revision("0015").down_revision
    with demo_database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, before)
    migrate(demo_database)
    with demo_database.read() as session:
        receipts = session.scalars(select(Receipt).order_by(Receipt.id)).all()
        on_record = session.scalars(select(SigningCertificate)).all()
        assert [r.identity_digest for r in receipts] == [
            receipt_identity(etree.fromstring(r.signed_xml)) for r in receipts
        ]
        assert all(r.identity_digest for r in receipts)
    assert [(c.added_by, c.tax_code_exempt) for c in on_record] == [("migration 0015", True)]
    for receipt in issued:
        report = verify_receipt(receipt.signed_xml, trust, demo_database)
        assert report.passed, report.message


def test_init_puts_each_agencys_configured_certificate_on_record_once(demo_database_url, tmp_path) -> None:
    """As after an upgrade: an older certificate is on record; the agency's own key is added beside it."""
    from ereceipt.app.wiring import Services, ensure_keys
    from ereceipt.config import load_settings

    config = tmp_path / "config.ini"
    config.write_text(f"[database]\nurl = {demo_database_url.url}\n")
    settings = load_settings(config, environ={})
    ensure_keys(settings)
    services = Services(settings)
    try:
        keys = DevelopmentPKI(tmp_path / "var" / "keys")
        ca_key = serialization.load_pem_private_key(keys.ca_key.read_bytes(), None)
        older, _ = issue_certificate(certificate(keys, "ca"), ca_key, "older HN", tax_code="0100000001")
        with services.database.write() as session:
            add_certificate(session, "CTHADS-HN", older, actor="migration 0015", valid_from=datetime.now(UTC))
        assert services.put_signers_on_record("ereceipt init") == []
        assert services.put_signers_on_record("ereceipt init") == []  # nothing twice
        with services.database.read() as session:
            listed = [(row.issuer, row.added_by) for row in list_certificates(session)]
        assert sorted(listed) == [
            ("CCTHADS-BD", "ereceipt init"),
            ("CTHADS-HN", "ereceipt init"),
            ("CTHADS-HN", "migration 0015"),
        ]
        for case in ("THA2501", "THA2503"):
            issued = services.issuer().issue(cash(f"PT-{case}", case))
            report = services.verify_receipt(issued.signed_xml)
            assert report.passed, report.message
    finally:
        services.database.dispose()
