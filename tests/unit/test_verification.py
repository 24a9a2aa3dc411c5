"""Strict verification: a corpus of signed documents and attacks, each with the exact report it must get."""

from __future__ import annotations

import base64
import copy
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree
from xmltree import assert_trees_equal

from ereceipt.core.pki import SIGNING, Usage, issue_certificate, make_ca, new_key
from ereceipt.core.signing_identity import SigningIdentity
from ereceipt.core.verification import Indication, SubIndication, TrustStore, verify_signed_document
from ereceipt.core.xades import ReceiptSigner, SignaturePolicy

NS = "urn:ereceipt:test"
ROOT = f"{{{NS}}}Receipt"
DS = "{http://www.w3.org/2000/09/xmldsig#}"
DOCUMENT = f'<Receipt xmlns="{NS}"><Amount>1015000</Amount><Payer>Nguyễn Văn A</Payer></Receipt>'.encode()
FAILED, UNSURE = Indication.TOTAL_FAILED, Indication.INDETERMINATE


@pytest.fixture(scope="module")
def ca():
    return make_ca()


@pytest.fixture(scope="module")
def trust(ca, tmp_path_factory) -> TrustStore:
    path = tmp_path_factory.mktemp("trust") / "ca.pem"
    path.write_bytes(ca[0].public_bytes(serialization.Encoding.PEM))
    return TrustStore.from_pem_file(path)


def signer_for(ca, *, key_type="rsa", usage: Usage = SIGNING, policy=None, **times) -> ReceiptSigner:
    certificate, key = issue_certificate(ca[0], ca[1], "Signer", usage=usage, key=new_key(key_type), **times)
    return ReceiptSigner(SigningIdentity(key, certificate, (ca[0],)), policy)


@pytest.fixture(scope="module")
def signer(ca) -> ReceiptSigner:
    return signer_for(ca)


@pytest.fixture(scope="module")
def signed(signer) -> bytes:
    return signer.sign_bytes(etree.fromstring(DOCUMENT))


def verify(data: bytes, trust: TrustStore, **options):
    return verify_signed_document(data, trust, expected_root=ROOT, **options)


def expect(report, indication: Indication, sub: SubIndication | None) -> None:
    assert (report.indication, report.sub_indication) == (indication, sub), report.message
    assert report.signed_xml is None or report.passed


def edited(data: bytes, change) -> bytes:
    root = etree.fromstring(data)
    change(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize("key_type", ["rsa", "ec"])
def test_signed_document_passes_and_returns_what_was_signed(ca, trust, key_type: str) -> None:
    data = signer_for(ca, key_type=key_type).sign_bytes(etree.fromstring(DOCUMENT))
    report = verify(data, trust)
    expect(report, Indication.TOTAL_PASSED, None)
    assert_trees_equal(report.signed_xml, etree.fromstring(DOCUMENT))
    assert "CN=Signer" in report.signer
    assert abs(report.signing_time - datetime.now(UTC)) < timedelta(minutes=1)


def test_key_info_carries_the_certificate_and_its_chain(ca, signed: bytes) -> None:
    certificates = etree.fromstring(signed).findall(f".//{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate")
    ca_der = ca[0].public_bytes(serialization.Encoding.DER)
    assert len(certificates) == 2
    assert base64.b64decode(certificates[1].text) == ca_der


def test_epes_policy_is_signed_and_checked(ca, trust) -> None:
    policy = SignaturePolicy(
        "urn:oid:2.16.704.1.1", "Chính sách chữ ký biên lai", base64.b64encode(b"p" * 32).decode()
    )
    data = signer_for(ca, policy=policy).sign_bytes(etree.fromstring(DOCUMENT))
    assert b"SignaturePolicyIdentifier" in data
    expect(verify(data, trust, expected_policy=policy), Indication.TOTAL_PASSED, None)
    other = SignaturePolicy("urn:oid:2.16.704.1.2", "khác", policy.digest_sha256_b64)
    expect(verify(data, trust, expected_policy=other), FAILED, SubIndication.FORMAT_FAILURE)


def test_signing_from_eight_threads_at_once_gives_valid_signatures(signer, trust) -> None:
    results: list[bytes] = []
    threads = [
        threading.Thread(
            target=lambda: results.extend(signer.sign_bytes(etree.fromstring(DOCUMENT)) for _ in range(5))
        )
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 40
    assert all(verify(data, trust).passed for data in results)


def test_tampered_amount_is_a_hash_failure(signed, trust) -> None:
    data = edited(signed, lambda root: setattr(root.find(f"{{{NS}}}Amount"), "text", "9015000"))
    expect(verify(data, trust), FAILED, SubIndication.HASH_FAILURE)


def test_tampered_signature_value_is_a_crypto_failure(signed, trust) -> None:
    def flip(root):
        value = root.find(f"{DS}Signature/{DS}SignatureValue")
        raw = bytearray(base64.b64decode(value.text))
        raw[10] ^= 0xFF
        value.text = base64.b64encode(bytes(raw)).decode()

    expect(verify(edited(signed, flip), trust), FAILED, SubIndication.SIG_CRYPTO_FAILURE)


def test_tampered_signing_time_is_a_hash_failure(signed, trust) -> None:
    def backdate(root):
        time = root.find(".//{http://uri.etsi.org/01903/v1.3.2#}SigningTime")
        time.text = "2020-01-01T00:00:00+00:00"

    expect(verify(edited(signed, backdate), trust), FAILED, SubIndication.HASH_FAILURE)


def test_comment_inside_a_signed_value_is_refused(signed, trust) -> None:
    data = signed.replace(b"<Amount>1015000</Amount>", b"<Amount>1<!-- -->015000</Amount>")
    expect(verify(data, trust), FAILED, SubIndication.FORMAT_FAILURE)


def test_processing_instruction_is_refused(signed, trust) -> None:
    data = signed.replace(b"<Amount>", b"<?evil x?><Amount>")
    expect(verify(data, trust), FAILED, SubIndication.FORMAT_FAILURE)


def test_wrapping_signed_original_under_a_forged_root_is_refused(signed, trust) -> None:
    original = etree.fromstring(signed)
    forged = etree.fromstring(DOCUMENT.replace(b"1015000", b"1"))
    forged.append(original)
    expect(verify(etree.tostring(forged), trust), FAILED, SubIndication.FORMAT_FAILURE)


def test_wrapping_original_into_the_signature_with_forged_content_is_refused(signed, trust) -> None:
    def wrap(root):
        signature = root.find(f"{DS}Signature")
        hidden = etree.SubElement(signature, f"{DS}Object")
        amount = root.find(f"{{{NS}}}Amount")
        hidden.append(copy.deepcopy(amount))
        amount.text = "1"

    expect(verify(edited(signed, wrap), trust), FAILED, SubIndication.HASH_FAILURE)


def test_signature_moved_away_from_the_root_is_refused(signed, trust) -> None:
    def move(root):
        signature = root.find(f"{DS}Signature")
        root.find(f"{{{NS}}}Payer").append(signature)

    expect(verify(edited(signed, move), trust), FAILED, SubIndication.FORMAT_FAILURE)


def test_duplicate_ids_are_refused(signed, trust) -> None:
    def duplicate(root):
        signature_id = root.find(f"{DS}Signature").get("Id")
        root.find(f"{{{NS}}}Payer").set("Id", signature_id)

    expect(verify(edited(signed, duplicate), trust), FAILED, SubIndication.FORMAT_FAILURE)


def test_two_signatures_are_refused(signed, trust) -> None:
    def second(root):
        root.append(copy.deepcopy(root.find(f"{DS}Signature")))

    expect(verify(edited(signed, second), trust), FAILED, SubIndication.FORMAT_FAILURE)


def test_wrong_root_element_is_refused(signed, trust) -> None:
    report = verify_signed_document(signed, trust, expected_root="{urn:ereceipt:test}Invoice")
    expect(report, FAILED, SubIndication.FORMAT_FAILURE)


def test_unsigned_document_is_refused(trust) -> None:
    expect(verify(DOCUMENT, trust), FAILED, SubIndication.FORMAT_FAILURE)


def test_sha1_signature_method_is_a_crypto_constraints_failure(signed, trust) -> None:
    def weaken(root):
        method = root.find(f"{DS}Signature/{DS}SignedInfo/{DS}SignatureMethod")
        method.set("Algorithm", "http://www.w3.org/2000/09/xmldsig#rsa-sha1")

    expect(verify(edited(signed, weaken), trust), UNSURE, SubIndication.CRYPTO_CONSTRAINTS_FAILURE)


def test_certificate_from_an_untrusted_ca_finds_no_chain(trust) -> None:
    stranger = make_ca("Someone else's CA")
    data = signer_for(stranger).sign_bytes(etree.fromstring(DOCUMENT))
    assert base64.b64encode(stranger[0].public_bytes(serialization.Encoding.DER))[:40] in data.replace(
        b"\n", b""
    )
    expect(verify(data, trust), UNSURE, SubIndication.NO_CERTIFICATE_CHAIN_FOUND)


def test_certificate_expired_before_signing_is_expired(ca, trust) -> None:
    now = datetime.now(UTC)
    old = signer_for(ca, not_before=now - timedelta(days=400), not_after=now - timedelta(days=1))
    expect(verify(old.sign_bytes(etree.fromstring(DOCUMENT)), trust), FAILED, SubIndication.EXPIRED)


def test_certificate_not_yet_valid_at_signing_is_not_yet_valid(ca, trust) -> None:
    now = datetime.now(UTC)
    early = signer_for(ca, not_before=now + timedelta(days=1), not_after=now + timedelta(days=400))
    expect(verify(early.sign_bytes(etree.fromstring(DOCUMENT)), trust), FAILED, SubIndication.NOT_YET_VALID)


def test_certificate_without_digital_signature_usage_breaks_chain_constraints(ca, trust) -> None:
    wrong = signer_for(ca, usage=Usage(digital_signature=False, key_encipherment=True))
    report = verify(wrong.sign_bytes(etree.fromstring(DOCUMENT)), trust)
    expect(report, UNSURE, SubIndication.CHAIN_CONSTRAINTS_FAILURE)


def test_certificate_expired_since_signing_has_no_proof_of_existence(signed, trust) -> None:
    report = verify(signed, trust, now=datetime.now(UTC) + timedelta(days=3650))
    expect(report, UNSURE, SubIndication.OUT_OF_BOUNDS_NO_POE)


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><Receipt xmlns="urn:ereceipt:test">&x;</Receipt>"""
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b']><Receipt xmlns="urn:ereceipt:test">&lol9;</Receipt>'
)
DTD_ONLY = b'<?xml version="1.0"?><!DOCTYPE Receipt SYSTEM "receipt.dtd"><Receipt xmlns="urn:ereceipt:test"/>'


@pytest.mark.parametrize("data", [XXE, LAUGHS, DTD_ONLY, b"<Receipt", b"", b"x" * (3 * 1024 * 1024)])
def test_hostile_or_broken_xml_is_a_format_failure(data: bytes, trust) -> None:
    expect(verify(data, trust), FAILED, SubIndication.FORMAT_FAILURE)


def test_trust_store_needs_a_readable_pem_file(tmp_path: Path) -> None:
    from ereceipt.core.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="trust anchors"):
        TrustStore.from_pem_file(tmp_path / "missing.pem")
