"""A signature time-stamp whose TSA certificate has expired at the (frozen) validation time: without
an archive time-stamp it proves nothing, so a signer certificate that expired since is out of
bounds; with an evidence record made while the TSA certificate was valid the receipt passes at LTA."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from conftest import RECEIPT, TEST_ROOT
from lxml import etree
from test_best_signature_time import NOW, _SignerClock  # the signer's clock, stopped at NOW
from test_timestamp import InProcess

from ereceipt.core.signatures import xades
from ereceipt.core.signatures.development_tsa import DevelopmentTSA
from ereceipt.core.signatures.evidence_record import (
    ArchiveStamp,
    data_object_digest,
    evidence_record,
    time_stamp_batch,
)
from ereceipt.core.signatures.pki import TIME_STAMPING, issue_certificate
from ereceipt.core.signatures.report import Indication, SubIndication
from ereceipt.core.signatures.signing_identity import SigningIdentity
from ereceipt.core.signatures.verification import verify_signed_document
from ereceipt.core.signatures.xades import ReceiptSigner
from ereceipt.core.signatures.xades_t import upgrade_to_t
from ereceipt.core.xml.namespaces import XADES

TSA_END = NOW + timedelta(hours=2)  # the signature time-stamp's TSA certificate ends then
LATER = NOW + timedelta(days=400)  # the frozen verification clock


@pytest.fixture(scope="module")
def parts(ca):
    def tsa(name: str, end: datetime):
        return issue_certificate(
            *ca, name, usage=TIME_STAMPING, not_before=NOW - timedelta(hours=1), not_after=end
        )

    signer = issue_certificate(
        *ca,
        "short-lived signer",
        tax_code="0100000001",
        not_before=NOW - timedelta(hours=1),
        not_after=NOW + timedelta(minutes=30),
    )
    return {
        "signer": signer,
        "short": tsa("short-lived TSA", TSA_END),
        "archive": tsa("archive TSA", NOW + timedelta(days=3650)),
    }


def at(parts, moment: datetime) -> InProcess:
    return InProcess(DevelopmentTSA(*parts, clock=lambda: moment))


@pytest.fixture
def stamped(parts, ca, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """A receipt signed at NOW and time-stamped at NOW by the short-lived TSA."""
    monkeypatch.setattr(xades, "datetime", _SignerClock)
    signer = ReceiptSigner(SigningIdentity(parts["signer"][1], parts["signer"][0], (ca[0],)))
    document = upgrade_to_t(signer.sign(etree.fromstring(RECEIPT)), at(parts["short"], NOW))
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8")


def archived(document: bytes, tsa: InProcess, ca) -> bytes:
    others = [data_object_digest(f"<other n='{n}'/>".encode()) for n in range(5)]
    leaf = data_object_digest(document)
    batch = time_stamp_batch([leaf, *others], tsa, [ca[0]])
    return evidence_record([ArchiveStamp(batch.reduced[leaf], batch.stamp.token)])


def test_while_the_tsa_certificate_is_valid_the_time_stamp_counts(stamped, ca, trust) -> None:
    report = verify_signed_document(
        stamped, trust, expected_root=TEST_ROOT, now=NOW + timedelta(hours=1), tsa_trust=[ca[0]]
    )
    assert report.indication is Indication.TOTAL_PASSED, report.message
    assert report.level == "T"


def test_tsa_certificate_expired_without_an_archive_time_stamp_is_out_of_bounds(stamped, ca, trust) -> None:
    report = verify_signed_document(stamped, trust, expected_root=TEST_ROOT, now=LATER, tsa_trust=[ca[0]])
    assert (report.indication, report.sub_indication) == (
        Indication.INDETERMINATE,
        SubIndication.OUT_OF_BOUNDS_NO_POE,
    )
    assert "nothing proves when the signature existed" in report.message
    assert "TSA certificate expired" in report.message


def test_tsa_certificate_expired_with_an_archive_time_stamp_passes_at_lta(stamped, parts, ca, trust) -> None:
    record = archived(stamped, at(parts["archive"], NOW + timedelta(hours=1)), ca)
    report = verify_signed_document(
        stamped, trust, expected_root=TEST_ROOT, now=LATER, tsa_trust=[ca[0]], evidence_record=record
    )
    assert report.indication is Indication.TOTAL_PASSED, report.message
    assert (report.level, report.time_stamp_time, report.best_signature_time) == ("LTA", NOW, NOW)


def test_an_archive_time_stamp_after_the_tsa_certificate_expired_does_not_help(
    stamped, parts, ca, trust
) -> None:
    record = archived(stamped, at(parts["archive"], TSA_END + timedelta(minutes=1)), ca)
    report = verify_signed_document(
        stamped, trust, expected_root=TEST_ROOT, now=LATER, tsa_trust=[ca[0]], evidence_record=record
    )
    assert report.sub_indication is SubIndication.OUT_OF_BOUNDS_NO_POE


def test_a_record_of_other_bytes_proves_nothing_for_this_receipt(stamped, parts, ca, trust) -> None:
    record = archived(stamped, at(parts["archive"], NOW + timedelta(hours=1)), ca)
    document = etree.fromstring(stamped)
    unsigned = next(document.iter(f"{{{XADES}}}UnsignedSignatureProperties"))
    unsigned.text = "\n"  # outside the signature: it still verifies, but these are other bytes
    report = verify_signed_document(
        etree.tostring(document),
        trust,
        expected_root=TEST_ROOT,
        now=NOW + timedelta(hours=1),
        tsa_trust=[ca[0]],
        evidence_record=record,
    )
    assert report.passed, report.message
    assert report.level == "T"
    assert (
        "the evidence record proves nothing: the hash tree of archive time-stamp 1 does not cover"
        in report.message
    )
