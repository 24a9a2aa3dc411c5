"""Validation with revocation at the best signature time (ETSI EN 319 102-1 5.6.2.4), with a frozen
verification clock, a short-lived signing certificate and a development CA of this module's own:
a certificate revoked after the signature time-stamp keeps the receipt valid; revoked before it, or
with no time-stamp at all, nothing proves the signature existed while the certificate was good."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from conftest import RECEIPT, TEST_ROOT
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from ereceipt.core.signatures import xades
from ereceipt.core.signatures.development_ca import DevelopmentCA, revoke
from ereceipt.core.signatures.development_tsa import DevelopmentTSA
from ereceipt.core.signatures.pki import DevelopmentPKI, create_development_pki, issue_certificate, make_ca
from ereceipt.core.signatures.report import Indication, SubIndication
from ereceipt.core.signatures.revocation import RevocationData, RevocationUnavailable
from ereceipt.core.signatures.signing_identity import SigningIdentity
from ereceipt.core.signatures.timestamp import request, token_from_reply
from ereceipt.core.signatures.trust import TrustStore
from ereceipt.core.signatures.verification import verify_signed_document
from ereceipt.core.signatures.xades import ReceiptSigner
from ereceipt.core.signatures.xades_lt import ValidationData, add_validation_data, upgrade_to_lt
from ereceipt.core.signatures.xades_t import add_signature_time_stamp, signature_value_digest

NOW = datetime.now(UTC).replace(microsecond=0)
REVOKED = NOW + timedelta(minutes=10)  # when the signing certificate is revoked
EXPIRY = NOW + timedelta(minutes=30)  # the signing certificate's end
LATER = NOW + timedelta(days=400)  # the frozen verification clock, long after both


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DevelopmentPKI:
    return create_development_pki(tmp_path_factory.mktemp("revoking-ca"))


@pytest.fixture(scope="module")
def authority(pki: DevelopmentPKI):
    certificate = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())
    return certificate, serialization.load_pem_private_key(pki.ca_key.read_bytes(), None)


@pytest.fixture(scope="module")
def trust(pki: DevelopmentPKI) -> TrustStore:
    return TrustStore.from_pem_file(pki.ca_cert)


@pytest.fixture(scope="module")
def tsa_parts(pki: DevelopmentPKI):
    certificate = x509.load_pem_x509_certificate(pki.cert("tsa").read_bytes())
    return certificate, serialization.load_pem_private_key(pki.key("tsa").read_bytes(), None)


@pytest.fixture(scope="module")
def short_lived(authority, pki: DevelopmentPKI) -> ReceiptSigner:
    certificate, key = issue_certificate(
        *authority,
        "revocable signer",
        tax_code="0100000001",
        not_before=NOW - timedelta(hours=1),
        not_after=EXPIRY,
    )
    revoke(pki, certificate, REVOKED, "keyCompromise")
    return ReceiptSigner(SigningIdentity(key, certificate, (authority[0],)))


class _SignerClock(datetime):
    @classmethod
    def now(cls, tz=None) -> datetime:
        return NOW.astimezone(tz) if tz else NOW.replace(tzinfo=None)


@pytest.fixture
def signed(short_lived: ReceiptSigner, monkeypatch: pytest.MonkeyPatch) -> etree._Element:
    monkeypatch.setattr(xades, "datetime", _SignerClock)
    return short_lived.sign(etree.fromstring(RECEIPT))


def ca_at(pki: DevelopmentPKI, authority, at: datetime) -> DevelopmentCA:
    return DevelopmentCA(*authority, pki, clock=lambda: at)


def stamped(document: etree._Element, tsa_parts, at: datetime) -> etree._Element:
    digest = signature_value_digest(document)
    query, nonce = request(digest)
    token = token_from_reply(DevelopmentTSA(*tsa_parts, clock=lambda: at).reply(query), digest, nonce)
    return add_signature_time_stamp(document, token)


def long_term(document, short_lived, tsa_parts, authority, source, at: datetime) -> bytes:
    signer_chain = (short_lived.identity.certificate, authority[0])
    return etree.tostring(upgrade_to_lt(document, signer_chain, (tsa_parts[0], authority[0]), source, at))


def verify(data: bytes, trust, tsa_parts, *, now: datetime = LATER, source=None):
    return verify_signed_document(
        data, trust, expected_root=TEST_ROOT, now=now, tsa_trust=[tsa_parts[0]], revocation=source
    )


def verdict(report) -> tuple:
    return report.indication, report.sub_indication


def test_revoked_after_the_time_stamp_passes_at_level_lt_offline(
    signed, short_lived, trust, tsa_parts, authority, pki
) -> None:
    source = ca_at(pki, authority, EXPIRY)
    data = long_term(stamped(signed, tsa_parts, NOW), short_lived, tsa_parts, authority, source, NOW)
    report = verify(data, trust, tsa_parts)  # no revocation source: only what the receipt carries
    assert verdict(report) == (Indication.TOTAL_PASSED, None), report.message
    assert (report.level, report.time_stamp_time) == ("LT", NOW)


def test_a_time_stamp_after_the_revocation_is_revoked_no_poe(
    signed, short_lived, trust, tsa_parts, authority, pki
) -> None:
    late = stamped(signed, tsa_parts, REVOKED + timedelta(minutes=5))
    data = long_term(late, short_lived, tsa_parts, authority, ca_at(pki, authority, EXPIRY), REVOKED)
    report = verify(data, trust, tsa_parts)
    assert verdict(report) == (Indication.INDETERMINATE, SubIndication.REVOKED_NO_POE)
    assert "not after the earliest time-stamp" in report.message


def test_level_b_revoked_is_revoked_no_poe(signed, trust, tsa_parts, authority, pki) -> None:
    source = ca_at(pki, authority, REVOKED + timedelta(minutes=1))
    report = verify(
        etree.tostring(signed), trust, tsa_parts, now=REVOKED + timedelta(minutes=1), source=source
    )
    assert verdict(report) == (Indication.INDETERMINATE, SubIndication.REVOKED_NO_POE)
    assert "with no time-stamp" in report.message


def test_level_t_revoked_after_its_time_stamp_passes_with_revocation_data_asked(
    signed, trust, tsa_parts, authority, pki
) -> None:
    source = ca_at(pki, authority, EXPIRY)
    report = verify(etree.tostring(stamped(signed, tsa_parts, NOW)), trust, tsa_parts, source=source)
    assert verdict(report) == (Indication.TOTAL_PASSED, None), report.message
    assert report.level == "T"


def test_ocsp_alone_gives_the_same_verdicts(signed, short_lived, trust, tsa_parts, authority, pki) -> None:
    answers = ca_at(pki, authority, EXPIRY).revocation_data(short_lived.identity.certificate, authority[0])
    tsa = ca_at(pki, authority, EXPIRY).revocation_data(tsa_parts[0], authority[0])
    only_ocsp = RevocationData((), answers.ocsp_responses)
    signer_data = ValidationData((short_lived.identity.certificate, authority[0]), only_ocsp)
    tsa_data = ValidationData((tsa_parts[0], authority[0]), tsa)
    early = add_validation_data(stamped(signed, tsa_parts, NOW), signer_data, tsa_data)
    assert verdict(verify(etree.tostring(early), trust, tsa_parts)) == (Indication.TOTAL_PASSED, None)
    late = add_validation_data(stamped(signed, tsa_parts, REVOKED), signer_data, tsa_data)
    assert verdict(verify(etree.tostring(late), trust, tsa_parts)) == (
        Indication.INDETERMINATE,
        SubIndication.REVOKED_NO_POE,
    )


def test_revocation_data_from_another_ca_proves_nothing(
    signed, short_lived, trust, tsa_parts, authority, pki
) -> None:
    foreign = make_ca("foreign CA")
    forged = DevelopmentCA(*foreign, pki, clock=lambda: EXPIRY).crl()
    signer_data = ValidationData((short_lived.identity.certificate, foreign[0]), RevocationData((forged,)))
    tsa_data = ValidationData((tsa_parts[0], authority[0]), RevocationData())
    data = add_validation_data(
        stamped(signed, tsa_parts, REVOKED + timedelta(minutes=1)), signer_data, tsa_data
    )
    report = verify(etree.tostring(data), trust, tsa_parts, now=REVOKED + timedelta(minutes=2))
    # The forged CRL lists the serial too, but only the issuer's word counts: nothing is known.
    assert verdict(report) == (Indication.TOTAL_PASSED, None), report.message
    assert report.level == "T"


def test_a_time_stamp_by_a_tsa_revoked_before_it_proves_nothing(
    signed, short_lived, trust, tsa_parts, authority, pki, tmp_path
) -> None:
    own = create_development_pki(tmp_path / "keys")
    own_authority = (
        x509.load_pem_x509_certificate(own.ca_cert.read_bytes()),
        serialization.load_pem_private_key(own.ca_key.read_bytes(), None),
    )
    tsa = x509.load_pem_x509_certificate(own.cert("tsa").read_bytes())
    own_tsa = (tsa, serialization.load_pem_private_key(own.key("tsa").read_bytes(), None))
    revoke(own, tsa, NOW - timedelta(minutes=1), "keyCompromise")
    document = stamped(signed, own_tsa, NOW)
    signer_data = ValidationData((short_lived.identity.certificate, authority[0]), RevocationData())
    tsa_data = ca_at(own, own_authority, NOW).revocation_data(tsa, own_authority[0])
    data = add_validation_data(document, signer_data, ValidationData((tsa, own_authority[0]), tsa_data))
    report = verify(etree.tostring(data), trust, own_tsa, now=NOW + timedelta(minutes=1))
    assert (report.indication, report.level) == (Indication.TOTAL_PASSED, "B")
    assert "revoked" in report.message and "before its genTime" in report.message


def test_data_older_than_the_time_stamp_cannot_say_not_revoked(
    signed, short_lived, trust, tsa_parts, authority, pki
) -> None:
    # A genuine CRL from before the revocation, embedded in a receipt time-stamped after it.
    chain = (short_lived.identity.certificate, authority[0])
    stale = ca_at(pki, authority, NOW).revocation_data(*chain)
    tsa_data = ValidationData((tsa_parts[0], authority[0]), RevocationData())
    late = stamped(signed, tsa_parts, REVOKED + timedelta(minutes=5))
    data = etree.tostring(add_validation_data(late, ValidationData(chain, stale), tsa_data))
    offline = verify(data, trust, tsa_parts, now=EXPIRY)
    assert (offline.indication, offline.level) == (Indication.TOTAL_PASSED, "T")  # nothing known: not LT
    asked = verify(data, trust, tsa_parts, now=EXPIRY, source=ca_at(pki, authority, EXPIRY))
    assert verdict(asked) == (Indication.INDETERMINATE, SubIndication.REVOKED_NO_POE)


def test_the_upgrade_waits_for_data_issued_after_the_time_stamp(
    signed, short_lived, tsa_parts, authority, pki
) -> None:
    document = stamped(signed, tsa_parts, NOW)
    chain = (short_lived.identity.certificate, authority[0])
    older = ca_at(pki, authority, NOW - timedelta(minutes=1))
    with pytest.raises(RevocationUnavailable, match="after"):
        upgrade_to_lt(document, chain, (tsa_parts[0], authority[0]), older, NOW)
