"""The development CA's revocation service (RFC 5280 CRL, RFC 6960 OCSP): what `ereceipt keys revoke`
records, what the CRL lists and when, and what the OCSP responder answers to requests it cannot
or should not answer."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp

from ereceipt.core.errors import BadInput
from ereceipt.core.signatures.development_ca import DevelopmentCA, revocations, revoke
from ereceipt.core.signatures.pki import DevelopmentPKI, create_development_pki, issue_certificate, make_ca
from ereceipt.core.signatures.revocation import ocsp_request

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def pki(tmp_path) -> DevelopmentPKI:
    return create_development_pki(tmp_path / "keys", revocation_url="http://127.0.0.1:9/")


@pytest.fixture
def authority(pki: DevelopmentPKI):
    return (
        x509.load_pem_x509_certificate(pki.ca_cert.read_bytes()),
        serialization.load_pem_private_key(pki.ca_key.read_bytes(), None),
    )


def certificate(pki: DevelopmentPKI, name: str = "issuer-signing") -> x509.Certificate:
    return x509.load_pem_x509_certificate(pki.cert(name).read_bytes())


def test_certificates_name_the_servers_crl_and_ocsp(pki: DevelopmentPKI) -> None:
    made = certificate(pki)
    points = made.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    access = made.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert [n.value for n in points[0].full_name] == ["http://127.0.0.1:9/ca/crl"]
    assert [(d.access_method, d.access_location.value) for d in access] == [
        (x509.oid.AuthorityInformationAccessOID.OCSP, "http://127.0.0.1:9/ca/ocsp")
    ]


def test_a_revocation_is_recorded_once_and_listed_from_its_time(pki: DevelopmentPKI, authority) -> None:
    revoked = certificate(pki)
    revoke(pki, revoked, NOW + timedelta(minutes=10, microseconds=5), "keyCompromise")
    revoke(pki, revoked, NOW + timedelta(days=1), "superseded")  # the first one stands
    (kept,) = revocations(pki).values()
    assert (kept.serial_number, kept.revoked_at, kept.reason) == (
        revoked.serial_number,
        NOW + timedelta(minutes=10),
        "keyCompromise",
    )
    before = x509.load_der_x509_crl(DevelopmentCA(*authority, pki, clock=lambda: NOW).crl())
    assert before.get_revoked_certificate_by_serial_number(revoked.serial_number) is None
    after = x509.load_der_x509_crl(
        DevelopmentCA(*authority, pki, clock=lambda: NOW + timedelta(hours=1)).crl()
    )
    entry = after.get_revoked_certificate_by_serial_number(revoked.serial_number)
    assert entry.revocation_date_utc == NOW + timedelta(minutes=10)
    assert after.is_signature_valid(authority[0].public_key())
    assert (after.last_update_utc, after.next_update_utc) == (
        NOW + timedelta(hours=1),
        NOW + timedelta(hours=25),
    )


def test_what_cannot_be_revoked_is_refused(pki: DevelopmentPKI) -> None:
    foreign = make_ca("foreign CA")
    stranger, _ = issue_certificate(*foreign, "stranger")
    with pytest.raises(BadInput, match="not issued by the development CA"):
        revoke(pki, stranger, NOW, "unspecified")
    with pytest.raises(BadInput, match="time zone"):
        revoke(pki, certificate(pki), NOW.replace(tzinfo=None), "unspecified")
    with pytest.raises(BadInput, match="is none of"):
        revoke(pki, certificate(pki), NOW, "tired")
    assert revocations(pki) == {}


def test_the_responder_answers_only_for_its_own_certificates(pki: DevelopmentPKI, authority) -> None:
    responder = DevelopmentCA(*authority, pki, clock=lambda: NOW)
    foreign = make_ca("foreign CA")
    stranger, _ = issue_certificate(*foreign, "stranger")
    unauthorised = ocsp.load_der_ocsp_response(responder.ocsp_reply(ocsp_request(stranger, foreign[0])))
    assert unauthorised.response_status is ocsp.OCSPResponseStatus.UNAUTHORIZED
    malformed = ocsp.load_der_ocsp_response(responder.ocsp_reply(b"\x30\x03junk"))
    assert malformed.response_status is ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    good = ocsp.load_der_ocsp_response(responder.ocsp_reply(ocsp_request(certificate(pki), authority[0])))
    assert good.response_status is ocsp.OCSPResponseStatus.SUCCESSFUL
    assert good.certificate_status is ocsp.OCSPCertStatus.GOOD
    assert good.next_update_utc == NOW + timedelta(days=1)


def test_revocations_made_at_once_are_all_kept(pki: DevelopmentPKI, authority) -> None:
    # Each revocation reads the list, adds one and writes it back: without the keys directory's
    # lock two at once would each write the list without the other's.
    revoked = [issue_certificate(*authority, f"signer {n}")[0] for n in range(8)]
    start = threading.Barrier(len(revoked))

    def revoke_one(made: x509.Certificate) -> None:
        start.wait()
        revoke(pki, made, NOW, "keyCompromise")

    threads = [threading.Thread(target=revoke_one, args=(made,)) for made in revoked]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(revocations(pki)) == {made.serial_number for made in revoked}
    assert not list(pki.directory.glob(".ca-revocations.json.*"))  # no temporary file left
