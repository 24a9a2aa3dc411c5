"""Validation at the best signature time (ETSI EN 319 102-1 5.6.2.4) with a frozen verification clock
and a short-lived signing certificate: a signature time-stamp made while the certificate was valid
keeps the receipt valid after it expires; at level B nothing does."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from conftest import RECEIPT, TEST_ROOT
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from ereceipt.core.signatures import xades
from ereceipt.core.signatures.binding import RecordedCertificate, SignerRecord, bind_signer, fingerprint
from ereceipt.core.signatures.development_tsa import DevelopmentTSA
from ereceipt.core.signatures.pki import DevelopmentPKI, issue_certificate, make_ca
from ereceipt.core.signatures.report import TIME_STAMP_BASIS, Indication, SubIndication
from ereceipt.core.signatures.signing_identity import SigningIdentity
from ereceipt.core.signatures.timestamp import request, token_from_reply
from ereceipt.core.signatures.verification import verify_signed_document
from ereceipt.core.signatures.xades import ReceiptSigner
from ereceipt.core.signatures.xades_t import add_signature_time_stamp, signature_value_digest

NOW = datetime.now(UTC).replace(microsecond=0)
EXPIRY = NOW + timedelta(minutes=30)  # the signing certificate's end
LATER = NOW + timedelta(days=400)  # the frozen verification clock: long after the expiry


@pytest.fixture(scope="module")
def short_lived(ca) -> ReceiptSigner:
    certificate, key = issue_certificate(
        *ca,
        "short-lived signer",
        tax_code="0100000001",
        not_before=NOW - timedelta(hours=1),
        not_after=EXPIRY,
    )
    return ReceiptSigner(SigningIdentity(key, certificate, (ca[0],)))


@pytest.fixture(scope="module")
def tsa_parts(dev_pki: DevelopmentPKI):
    certificate = x509.load_pem_x509_certificate(dev_pki.cert("tsa").read_bytes())
    return certificate, serialization.load_pem_private_key(dev_pki.key("tsa").read_bytes(), None)


def stamped(document: etree._Element, tsa_parts, at: datetime) -> bytes:
    """``document`` with a signature time-stamp whose genTime is ``at``."""
    digest = signature_value_digest(document)
    query, nonce = request(digest)
    token = token_from_reply(DevelopmentTSA(*tsa_parts, clock=lambda: at).reply(query), digest, nonce)
    return etree.tostring(add_signature_time_stamp(document, token))


def verify(data: bytes, trust, tsa_parts, *, now: datetime = LATER):
    return verify_signed_document(data, trust, expected_root=TEST_ROOT, now=now, tsa_trust=[tsa_parts[0]])


class _SignerClock(datetime):
    """The signer's clock stopped at NOW, however long the suite ran before this module."""

    @classmethod
    def now(cls, tz=None) -> datetime:
        return NOW.astimezone(tz) if tz else NOW.replace(tzinfo=None)


@pytest.fixture
def signed(short_lived: ReceiptSigner, monkeypatch: pytest.MonkeyPatch) -> etree._Element:
    monkeypatch.setattr(xades, "datetime", _SignerClock)
    return short_lived.sign(etree.fromstring(RECEIPT))


def test_level_b_after_the_certificate_expired_is_out_of_bounds(signed, trust, tsa_parts) -> None:
    report = verify(etree.tostring(signed), trust, tsa_parts)
    assert (report.indication, report.sub_indication) == (
        Indication.INDETERMINATE,
        SubIndication.OUT_OF_BOUNDS_NO_POE,
    )


def test_level_t_time_stamped_before_expiry_passes_after_it(signed, trust, tsa_parts) -> None:
    report = verify(stamped(signed, tsa_parts, NOW), trust, tsa_parts)
    assert report.indication is Indication.TOTAL_PASSED, report.message
    assert (report.level, report.time_stamp_time, report.best_signature_time) == ("T", NOW, NOW)
    assert report.as_dict()["signing_time_basis"] == TIME_STAMP_BASIS


def test_a_time_stamp_after_the_expiry_proves_nothing_in_time(signed, trust, tsa_parts) -> None:
    report = verify(stamped(signed, tsa_parts, EXPIRY + timedelta(minutes=1)), trust, tsa_parts)
    assert report.sub_indication is SubIndication.OUT_OF_BOUNDS_NO_POE
    assert "expired before the earliest signature time-stamp" in report.message


def test_a_time_stamp_from_an_untrusted_tsa_leaves_level_b(signed, trust, tsa_parts, ca) -> None:
    foreign = make_ca("foreign TSA CA")[0]
    data = stamped(signed, tsa_parts, NOW)
    valid_now = verify_signed_document(data, trust, expected_root=TEST_ROOT, now=NOW, tsa_trust=[foreign])
    assert (valid_now.indication, valid_now.level) == (Indication.TOTAL_PASSED, "B")
    assert "proves nothing" in valid_now.message
    expired = verify_signed_document(data, trust, expected_root=TEST_ROOT, now=LATER, tsa_trust=[foreign])
    assert expired.sub_indication is SubIndication.OUT_OF_BOUNDS_NO_POE


def test_a_time_stamp_before_the_claimed_signing_time_is_refused(signed, trust, tsa_parts) -> None:
    report = verify(stamped(signed, tsa_parts, NOW - timedelta(minutes=10)), trust, tsa_parts, now=NOW)
    assert report.sub_indication is SubIndication.SIG_CONSTRAINTS_FAILURE
    assert "earlier than the claimed signing time" in report.message


def test_retirement_is_judged_at_the_time_stamp_not_at_the_signers_claim(signed, trust, tsa_parts) -> None:
    report = verify(stamped(signed, tsa_parts, NOW), trust, tsa_parts, now=NOW)
    assert report.passed
    entry = RecordedCertificate(
        "CTHADS-HN", "0100000001", fingerprint(report.certificate), NOW - timedelta(days=9)
    )
    record = SignerRecord("CTHADS-HN", "0100000001", (replace(entry, retired_at=NOW - timedelta(days=1)),))
    # A signer who backdates its claim before the retirement is still caught by the time-stamp.
    backdated = replace(report, signing_time=NOW - timedelta(days=2))
    bound = bind_signer(backdated, record)
    assert (bound.indication, bound.sub_indication) == (
        Indication.INDETERMINATE,
        SubIndication.REVOKED_NO_POE,
    )
    assert "by the signature time-stamp" in bound.message
    at_b = bind_signer(replace(backdated, time_stamp_time=None, level="B"), record)
    assert at_b.passed  # at level B only the claim dates the signature
