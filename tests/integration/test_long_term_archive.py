"""From level B to LTA at the default settings, on SQLite and PostgreSQL: receipts go B -> T by the
development TSA and T -> LT by the development CA's CRL and OCSP answers, then the archive run with
the default ``[scheduler]`` settings takes the LT receipts to LTA and leaves a receipt still at T
alone; with the TSA and the CA stopped, the archived receipt verifies TOTAL_PASSED at level LTA from
what it carries and its evidence record alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from test_issuing import cash
from test_long_term import CaServer, ca_server, levels  # noqa: F401 (a fixture)
from test_time_stamping import TsaServer, stored, tsa_server  # noqa: F401 (a fixture)

from ereceipt.adapters.revocation import HttpRevocationSource
from ereceipt.adapters.tsa import HttpTimeStampAuthority
from ereceipt.core.archiving.archiving import LONG_TERM, archive_receipts, archive_status, archived_from
from ereceipt.core.archiving.records import evidence_record_for
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.receipts.long_term import add_validation_data_to_receipts
from ereceipt.core.receipts.time_stamping import time_stamp_receipts
from ereceipt.core.signatures.pki import DevelopmentPKI
from ereceipt.core.signatures.report import Indication
from ereceipt.core.signers.receipt_check import verify_receipt
from ereceipt.core.signers.record import add_certificate
from ereceipt.core.storage.database import Database
from ereceipt.settings import SchedulerSettings


def test_lt_receipts_reach_lta_at_the_default_settings_and_verify_offline(
    issuer: ReceiptIssuer,
    demo_database: Database,
    tsa_server: TsaServer,  # noqa: F811
    ca_server: CaServer,  # noqa: F811
    dev_pki: DevelopmentPKI,
    trust,
) -> None:
    tsa_trust = [x509.load_pem_x509_certificate(dev_pki.ca_cert.read_bytes())]
    base = f"http://127.0.0.1:{ca_server.port}/ca"
    source = HttpRevocationSource(crl_url=f"{base}/crl", ocsp_url=f"{base}/ocsp", timeout_seconds=2)
    tsa = HttpTimeStampAuthority(f"http://127.0.0.1:{tsa_server.port}/tsa", timeout_seconds=2)
    for index in range(3):
        issuer.issue(cash(f"PT-LTA-END-{index}", amount=1_000))
    assert levels(demo_database) == ["B", "B", "B"]
    tsa_server.start()
    ca_server.start()
    assert time_stamp_receipts(demo_database, tsa, limit=10).upgraded == 3
    assert add_validation_data_to_receipts(demo_database, trust, tsa_trust, source, limit=2).upgraded == 2
    assert levels(demo_database) == ["LT", "LT", "T"]

    defaults = SchedulerSettings()
    archived = archived_from(defaults.validation_data_per_run > 0)
    assert archived == LONG_TERM  # T receipts are not archived by default: LT rewrites them later
    run = archive_receipts(
        demo_database,
        tsa,
        tsa_trust,
        batch_size=defaults.archive_batch_size,
        batches=defaults.archive_batches_per_run,
        renew_before=timedelta(days=defaults.archive_renew_before_days),
        clock=lambda: datetime.now(UTC),
        levels=archived,
        algorithm=defaults.archive_hash_algorithm,
    )
    assert (run.archived, run.tsa_calls, run.waiting, run.outage) == (2, 1, 0, None)
    assert levels(demo_database) == ["LTA", "LTA", "T"]
    status = archive_status(
        demo_database, timedelta(days=defaults.archive_renew_before_days), datetime.now(UTC)
    )
    assert (status.archived, status.waiting, status.rehash_due) == (2, 0, 0)

    tsa_server.stop()  # the network off: no TSA, no CRL, no OCSP, and no revocation source given
    ca_server.stop()
    signing = x509.load_pem_x509_certificate(dev_pki.issuer_signing_cert.read_bytes())
    with demo_database.write() as session:
        since = signing.not_valid_before_utc
        add_certificate(
            session, "CCTHADS-BD", signing, actor="tester", valid_from=since, tax_code_exempt=True
        )
    expected = ["LTA", "LTA", "T"]
    for (level, signed_xml, _), proved in zip(stored(demo_database), expected, strict=True):
        assert level == proved
        assert (evidence_record_for(demo_database, signed_xml) is not None) == (proved == "LTA")
        report = verify_receipt(signed_xml, trust, demo_database, tsa_trust=tsa_trust)
        assert (report.indication, report.sub_indication, report.level) == (
            Indication.TOTAL_PASSED,
            None,
            proved,
        )
        assert report.message and report.time_stamp_time is not None
