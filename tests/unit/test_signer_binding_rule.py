"""The signer rule: a receipt's signing certificate must be on record for its issuer, in use at the
signing time, with non-repudiation, the configured certificate policy and the agency's tax code."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from ereceipt.core.signatures.binding import RecordedCertificate, SignerRecord, bind_signer, fingerprint
from ereceipt.core.signatures.pki import CLIENT, SERVER, TIME_STAMPING, Usage, issue_certificate
from ereceipt.core.signatures.report import SIGNING_TIME_BASIS, Indication, SubIndication, VerificationReport
from ereceipt.core.signers.receipt_check import as_stored

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
TAX = "0100000001"
POLICY = "1.3.6.1.4.1.99999.1.1"


@pytest.fixture(scope="module")
def certificates(ca) -> dict:
    def make(name: str, **options):
        return issue_certificate(*ca, name, **options)[0]

    return {
        "issuer": make("issuer", tax_code=TAX),
        "other": make("other agency", tax_code="0100000002"),
        "no_tax_code": make("no tax code"),
        "wrong_tax_code": make("wrong tax code", tax_code="0999999999"),
        "no_non_repudiation": make("no nonRepudiation", usage=Usage(), tax_code=TAX),
        "client": make("portal client", usage=CLIENT, tax_code=TAX),
        "server": make("tls server", usage=SERVER, tax_code=TAX),
        "policy": make("with policy", tax_code=TAX, policies=(POLICY,)),
        "tsa": make("time-stamping authority", usage=TIME_STAMPING, tax_code=TAX),
    }


def passed(certificate, at: datetime = NOW) -> VerificationReport:
    return VerificationReport(
        Indication.TOTAL_PASSED, None, "the signature is valid", "CN=x", at, etree.Element("r"), certificate
    )


def entry(certificate, **changes) -> RecordedCertificate:
    base = RecordedCertificate("CTHADS-HN", TAX, fingerprint(certificate), NOW - timedelta(days=30))
    return replace(base, **changes)


def record(*entries: RecordedCertificate, elsewhere: tuple[str, ...] = ()) -> SignerRecord:
    return SignerRecord("CTHADS-HN", TAX, entries, elsewhere)


def test_a_certificate_on_record_for_the_issuer_passes_and_says_so(certificates) -> None:
    certificate = certificates["issuer"]
    report = bind_signer(passed(certificate), record(entry(certificate)))
    assert report.indication is Indication.TOTAL_PASSED
    assert "signer on record for CTHADS-HN" in report.message
    assert report.as_dict()["signing_time_basis"] == SIGNING_TIME_BASIS


@pytest.mark.parametrize("name", ["other", "client", "server", "no_tax_code"])
def test_a_certificate_not_on_record_for_the_issuer_fails(certificates, name: str) -> None:
    genuine = certificates["issuer"]
    report = bind_signer(passed(certificates[name]), record(entry(genuine), elsewhere=("CCTHADS-BD",)))
    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is SubIndication.CHAIN_CONSTRAINTS_FAILURE
    assert report.signed_xml is None
    if name in ("other", "no_tax_code"):
        assert report.message.startswith("the signer is not on record for issuer CTHADS-HN")
        assert "on record for CCTHADS-BD" in report.message


def test_key_usage_without_non_repudiation_fails_even_on_record(certificates) -> None:
    certificate = certificates["no_non_repudiation"]
    report = bind_signer(passed(certificate), record(entry(certificate)))
    assert report.sub_indication is SubIndication.CHAIN_CONSTRAINTS_FAILURE
    assert "non-repudiation" in report.message


def test_a_tax_code_mismatch_fails_even_on_record(certificates) -> None:
    certificate = certificates["wrong_tax_code"]
    report = bind_signer(passed(certificate), record(entry(certificate)))
    assert report.sub_indication is SubIndication.CHAIN_CONSTRAINTS_FAILURE
    assert report.message.startswith("tax code mismatch: the certificate's subject carries MST:0999999999")


def test_a_missing_tax_code_fails_unless_the_record_exempts_it(certificates) -> None:
    certificate = certificates["no_tax_code"]
    refused = bind_signer(passed(certificate), record(entry(certificate)))
    assert refused.sub_indication is SubIndication.CHAIN_CONSTRAINTS_FAILURE
    assert "no tax code" in refused.message
    assert bind_signer(passed(certificate), record(entry(certificate, tax_code_exempt=True))).passed


def test_the_tax_code_alone_never_lets_a_certificate_in(certificates) -> None:
    """The portal client carries the issuer's tax code but is on record for nobody."""
    report = bind_signer(passed(certificates["client"]), record(entry(certificates["issuer"])))
    assert not report.passed


def test_signed_before_the_period_on_record_is_not_yet_valid(certificates) -> None:
    certificate = certificates["issuer"]
    report = bind_signer(passed(certificate), record(entry(certificate, valid_from=NOW + timedelta(hours=1))))
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.NOT_YET_VALID


def test_rotation_the_old_certificate_verifies_before_its_retirement_only(certificates) -> None:
    old, new = certificates["issuer"], certificates["policy"]
    retired = NOW - timedelta(days=1)
    on_record = record(entry(old, retired_at=retired), entry(new, valid_from=retired))
    assert bind_signer(passed(old, retired - timedelta(minutes=1)), on_record).passed
    assert bind_signer(passed(new, NOW), on_record).passed
    late = bind_signer(passed(old, retired + timedelta(minutes=1)), on_record)
    assert late.indication is Indication.INDETERMINATE
    assert late.sub_indication is SubIndication.REVOKED_NO_POE
    assert "retired for CTHADS-HN on" in late.message and "own claim" in late.message


def test_delegation_lets_the_agency_sign_in_its_period_only(certificates) -> None:
    agency = certificates["other"]
    delegated = RecordedCertificate(
        "CCTHADS-BD",
        "0100000002",
        fingerprint(agency),
        NOW - timedelta(days=90),
        delegated=(NOW - timedelta(days=10), NOW + timedelta(days=10)),
    )
    assert bind_signer(passed(agency), record(delegated)).passed
    assert "by delegation from CTHADS-HN" in bind_signer(passed(agency), record(delegated)).message
    outside = bind_signer(passed(agency, NOW - timedelta(days=11)), record(delegated))
    assert outside.sub_indication is SubIndication.CHAIN_CONSTRAINTS_FAILURE
    assert "signs for issuer CTHADS-HN only from" in outside.message


def test_the_configured_certificate_policy_is_required(certificates) -> None:
    plain, with_policy = certificates["issuer"], certificates["policy"]
    on_record = record(entry(plain), entry(with_policy))
    assert bind_signer(passed(with_policy), on_record, policy_oid=POLICY).passed
    refused = bind_signer(passed(plain), on_record, policy_oid=POLICY)
    assert refused.sub_indication is SubIndication.CHAIN_CONSTRAINTS_FAILURE
    assert POLICY in refused.message


def test_an_unknown_issuer_fails(certificates) -> None:
    report = bind_signer(passed(certificates["issuer"]), None)
    assert report.sub_indication is SubIndication.CHAIN_CONSTRAINTS_FAILURE
    assert "not known" in report.message


def test_a_report_that_did_not_pass_is_left_as_it_is() -> None:
    failed = VerificationReport(Indication.TOTAL_FAILED, SubIndication.HASH_FAILURE, "digest")
    assert bind_signer(failed, None) is failed


def test_a_stored_receipt_must_be_the_very_signature_it_was_issued_with(certificates) -> None:
    report = replace(passed(certificates["issuer"]), identity="a" * 64)
    assert as_stored(report, "a" * 64) is report
    assert as_stored(report, None) is report  # stored before identities existed and not backfilled
    other = as_stored(report, "b" * 64)
    assert (other.indication, other.sub_indication) == (
        Indication.INDETERMINATE,
        SubIndication.SIG_CONSTRAINTS_FAILURE,
    )
    assert "identity digest differs" in other.message and other.signed_xml is None


def test_the_time_stamping_authority_cannot_sign_a_receipt_even_if_put_on_record(certificates) -> None:
    certificate = certificates["tsa"]
    report = bind_signer(passed(certificate), record(entry(certificate)))
    assert (report.indication, report.sub_indication) == (
        Indication.INDETERMINATE,
        SubIndication.CHAIN_CONSTRAINTS_FAILURE,
    )
    assert "non-repudiation" in report.message
