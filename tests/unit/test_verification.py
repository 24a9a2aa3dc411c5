"""Strict verification: signed receipts pass; each attack gets exactly the report it must get, none passes."""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import signxml.util
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from signxml import DigestAlgorithm, SignatureMethod
from signxml.xades import XAdESSigner
from xmltree import assert_trees_equal

from ereceipt.core.errors import ConfigurationError
from ereceipt.core.signatures.pki import Usage, issue_certificate, make_ca
from ereceipt.core.signatures.signing_identity import SigningIdentity
from ereceipt.core.signatures.verification import (
    Indication,
    SubIndication,
    TrustStore,
    verify_signed_document,
)
from ereceipt.core.signatures.xades import C14N, ReceiptSigner, SignaturePolicy

NS = "urn:ereceipt:test"
ROOT = f"{{{NS}}}Receipt"
DS = "{http://www.w3.org/2000/09/xmldsig#}"
XADES = "{http://uri.etsi.org/01903/v1.3.2#}"
PASSED, FAILED, UNSURE = Indication.TOTAL_PASSED, Indication.TOTAL_FAILED, Indication.INDETERMINATE
POLICY = SignaturePolicy(
    "urn:oid:2.16.704.1.10.1", "Chính sách chữ ký biên lai", base64.b64encode(b"p" * 32).decode()
)


def verify(data: bytes, trust: TrustStore, **options):
    return verify_signed_document(data, trust, expected_root=ROOT, **options)


def expect(report, indication: Indication, sub: SubIndication | None) -> None:
    assert (report.indication, report.sub_indication) == (indication, sub), report.message
    assert report.passed == (indication is PASSED)
    if not report.passed:
        assert report.signed_xml is None and report.signing_time is None


def edited(data: bytes, change) -> bytes:
    root = etree.fromstring(data)
    change(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def without_signature(root: etree._Element) -> etree._Element:
    copied = copy.deepcopy(root)
    copied.remove(copied.find(f"{DS}Signature"))
    return copied


# Documents that pass


@pytest.mark.parametrize("key_type", ["rsa", "ec"])
def test_signed_receipt_passes_and_yields_the_document_without_its_signature(
    make_signer, trust_store, receipt, key_type: str
) -> None:
    data = make_signer(key_type=key_type).sign_bytes(receipt)
    report = verify(data, trust_store)
    expect(report, PASSED, None)
    assert_trees_equal(report.signed_xml, receipt)
    assert "CN=Test signer" in report.signer
    assert abs(report.signing_time - datetime.now(UTC)) < timedelta(minutes=1)


def test_a_chain_through_an_intermediate_ca_passes(ca, trust_store, receipt) -> None:
    intermediate = make_ca("E-receipt DEVELOPMENT Issuing CA", issuer=ca)
    leaf, key = issue_certificate(*intermediate, "Chi cục THADS quận 1")
    data = ReceiptSigner(SigningIdentity(key, leaf, (intermediate[0], ca[0]))).sign_bytes(receipt)
    expect(verify(data, trust_store), PASSED, None)


def test_report_as_dict_is_json_without_the_signed_xml(signed, trust_store) -> None:
    report = verify(signed, trust_store).as_dict()
    assert json.loads(json.dumps(report))["indication"] == "TOTAL_PASSED"
    assert set(report) == {
        "indication",
        "sub_indication",
        "message",
        "signer",
        "signing_time",
        "signing_time_basis",
        "level",
        "time_stamp_time",
        "best_signature_time",
    }


def test_expected_epes_policy_passes(make_signer, trust_store, receipt) -> None:
    data = make_signer(policy=POLICY).sign_bytes(receipt)
    expect(verify(data, trust_store, expected_policy=POLICY), PASSED, None)


def test_other_policy_than_the_expected_one_breaks_signature_constraints(
    make_signer, trust_store, receipt
) -> None:
    data = make_signer(policy=POLICY).sign_bytes(receipt)
    other = SignaturePolicy("urn:oid:2.16.704.1.10.2", "khác", POLICY.digest_sha256_b64)
    expect(verify(data, trust_store, expected_policy=other), UNSURE, SubIndication.SIG_CONSTRAINTS_FAILURE)


def test_signature_without_the_expected_policy_breaks_signature_constraints(signed, trust_store) -> None:
    expect(verify(signed, trust_store, expected_policy=POLICY), UNSURE, SubIndication.SIG_CONSTRAINTS_FAILURE)


# Trust


def test_certificate_of_an_untrusted_ca_finds_no_chain_though_the_document_carries_that_ca(
    make_signer, trust_store, receipt
) -> None:
    stranger = make_ca("Someone else's CA")
    data = make_signer(authority=stranger).sign_bytes(receipt)
    carried = etree.fromstring(data).findall(f".//{DS}X509Certificate")
    assert base64.b64decode(carried[-1].text) == stranger[0].public_bytes(serialization.Encoding.DER)
    report = verify(data, trust_store)
    expect(report, UNSURE, SubIndication.NO_CERTIFICATE_CHAIN_FOUND)
    assert report.signer is None


def test_missing_intermediate_ca_finds_no_chain(ca, trust_store, receipt) -> None:
    intermediate = make_ca("E-receipt DEVELOPMENT Issuing CA", issuer=ca)
    leaf, key = issue_certificate(*intermediate, "Signer")
    data = ReceiptSigner(SigningIdentity(key, leaf, ())).sign_bytes(receipt)
    expect(verify(data, trust_store), UNSURE, SubIndication.NO_CERTIFICATE_CHAIN_FOUND)


def test_system_ca_store_is_never_consulted(signed, trust_store, monkeypatch) -> None:
    def forbidden() -> str:
        raise AssertionError("certifi's CA store was consulted")

    monkeypatch.setattr(signxml.util.certifi, "where", forbidden)
    expect(verify(signed, trust_store), PASSED, None)


def test_anchors_are_the_ones_loaded_at_start_not_the_file_as_it_is_now(
    ca, make_signer, receipt, tmp_path
) -> None:
    path = tmp_path / "anchors.pem"
    path.write_bytes(ca[0].public_bytes(serialization.Encoding.PEM))
    trust = TrustStore.from_pem_file(path)
    stranger = make_ca("Someone else's CA")
    path.write_bytes(stranger[0].public_bytes(serialization.Encoding.PEM))
    expect(verify(make_signer().sign_bytes(receipt), trust), PASSED, None)
    expect(
        verify(make_signer(authority=stranger).sign_bytes(receipt), trust),
        UNSURE,
        SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
    )


def test_look_alike_certificate_over_the_signers_key_cannot_claim_the_signature(
    ca, trust_store, receipt
) -> None:
    leaf, key = issue_certificate(*ca, "Chi cục THADS huyện nhỏ")
    look_alike, _ = make_ca("Bộ Tư pháp", key=key)  # self-signed, over the signer's own key
    data = ReceiptSigner(SigningIdentity(key, look_alike, (ca[0], leaf))).sign_bytes(receipt)
    report = verify(data, trust_store)
    expect(report, UNSURE, SubIndication.NO_SIGNING_CERTIFICATE_FOUND)
    assert "Bộ Tư pháp" not in (report.signer or "")


@pytest.mark.parametrize(
    ("content", "reason"),
    [(None, "No such file"), (b"not a certificate", "no readable PEM"), ("leaf", "is no CA")],
)
def test_trust_store_refuses_a_file_without_ca_certificates(rsa_pki, tmp_path: Path, content, reason) -> None:
    path = tmp_path / "anchors.pem"
    if content == "leaf":
        path.write_bytes(rsa_pki.issuer_signing_cert.read_bytes())
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(ConfigurationError, match=reason):
        TrustStore.from_pem_file(path)


# Certificates and time


def test_certificate_expired_before_signing_is_expired(make_signer, trust_store, receipt) -> None:
    now = datetime.now(UTC)
    old = make_signer(not_before=now - timedelta(days=400), not_after=now - timedelta(days=1))
    expect(verify(old.sign_bytes(receipt), trust_store), FAILED, SubIndication.EXPIRED)


def test_certificate_not_yet_valid_at_signing_is_not_yet_valid(make_signer, trust_store, receipt) -> None:
    now = datetime.now(UTC)
    early = make_signer(not_before=now + timedelta(days=1), not_after=now + timedelta(days=400))
    expect(verify(early.sign_bytes(receipt), trust_store), FAILED, SubIndication.NOT_YET_VALID)


def test_tampering_outweighs_an_expired_certificate(make_signer, trust_store, receipt) -> None:
    now = datetime.now(UTC)
    old = make_signer(not_before=now - timedelta(days=400), not_after=now - timedelta(days=1))
    data = old.sign_bytes(receipt).replace(b">1015000<", b">9015000<")
    expect(verify(data, trust_store), FAILED, SubIndication.HASH_FAILURE)


def test_backdated_signing_time_is_a_hash_failure(signed, trust_store) -> None:
    def backdate(root):
        root.find(f".//{XADES}SigningTime").text = "2020-01-01T00:00:00+00:00"

    expect(verify(edited(signed, backdate), trust_store), FAILED, SubIndication.HASH_FAILURE)


def test_certificate_expired_since_signing_has_no_proof_of_existence(signed, trust_store) -> None:
    report = verify(signed, trust_store, now=datetime.now(UTC) + timedelta(days=3650))
    expect(report, UNSURE, SubIndication.OUT_OF_BOUNDS_NO_POE)
    assert report.signer is not None


def test_signing_time_later_than_the_validation_time_breaks_signature_constraints(
    signed, trust_store
) -> None:
    report = verify(signed, trust_store, now=datetime.now(UTC) - timedelta(minutes=30))
    expect(report, UNSURE, SubIndication.SIG_CONSTRAINTS_FAILURE)


def test_certificate_without_digital_signature_usage_breaks_chain_constraints(
    make_signer, trust_store, receipt
) -> None:
    wrong = make_signer(usage=Usage(digital_signature=False, key_encipherment=True))
    expect(verify(wrong.sign_bytes(receipt), trust_store), UNSURE, SubIndication.CHAIN_CONSTRAINTS_FAILURE)


def test_short_rsa_key_is_a_crypto_constraints_failure(make_signer, trust_store, receipt) -> None:
    short = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 (the point of the test)
    weak = make_signer(key=short)
    expect(verify(weak.sign_bytes(receipt), trust_store), UNSURE, SubIndication.CRYPTO_CONSTRAINTS_FAILURE)


class _Sha1Signer(XAdESSigner):
    def check_deprecated_methods(self) -> None:
        """Made for this test only: signxml refuses to sign with SHA-1."""


def test_sha1_signature_is_a_crypto_constraints_failure(rsa_signer, trust_store, receipt) -> None:
    identity = rsa_signer.identity
    signer = _Sha1Signer(
        signature_algorithm=SignatureMethod.RSA_SHA1,
        digest_algorithm=DigestAlgorithm.SHA1,
        c14n_algorithm=C14N,
    )
    signed = signer.sign(receipt, key=identity.private_key, cert=[identity.certificate, *identity.chain])
    data = etree.tostring(signed)
    expect(verify(data, trust_store), UNSURE, SubIndication.CRYPTO_CONSTRAINTS_FAILURE)


# Integrity


def test_tampered_amount_is_a_hash_failure(signed, trust_store) -> None:
    expect(
        verify(signed.replace(b">1015000<", b">9015000<"), trust_store), FAILED, SubIndication.HASH_FAILURE
    )


def test_tampered_signature_value_is_a_crypto_failure(signed, trust_store) -> None:
    def flip(root):
        value = root.find(f"{DS}Signature/{DS}SignatureValue")
        raw = bytearray(base64.b64decode(value.text))
        raw[10] ^= 0xFF
        value.text = base64.b64encode(bytes(raw)).decode()

    expect(verify(edited(signed, flip), trust_store), FAILED, SubIndication.SIG_CRYPTO_FAILURE)


def test_signature_over_part_of_the_document_finds_no_signed_data(rsa_signer, trust_store, receipt) -> None:
    receipt.find(f"{{{NS}}}Amount").set("Id", "amount")
    identity = rsa_signer.identity
    signed = XAdESSigner(c14n_algorithm=C14N).sign(
        receipt,
        key=identity.private_key,
        cert=[identity.certificate, *identity.chain],
        reference_uri="#amount",
    )
    expect(verify(etree.tostring(signed), trust_store), UNSURE, SubIndication.SIGNED_DATA_NOT_FOUND)


# Shape and hostile XML


def test_comment_inside_a_signed_value_is_refused(signed, trust_store) -> None:
    data = signed.replace(b">1015000<", b">1015<!---->000<")
    expect(verify(data, trust_store), FAILED, SubIndication.FORMAT_FAILURE)


@pytest.mark.parametrize("insert", [b"<!-- note -->", b"<?render amount?>"], ids=["comment", "pi"])
def test_comment_or_processing_instruction_outside_the_root_is_refused(
    signed, trust_store, insert: bytes
) -> None:
    declaration, _, rest = signed.partition(b"?>")
    expect(
        verify(declaration + b"?>" + insert + rest + insert, trust_store),
        FAILED,
        SubIndication.FORMAT_FAILURE,
    )


def test_signed_original_in_an_object_with_forged_content_in_its_place_is_a_hash_failure(
    signed, trust_store
) -> None:
    def wrap(root):
        hidden = etree.SubElement(root.find(f"{DS}Signature"), f"{DS}Object")
        hidden.append(without_signature(root))
        root.find(f"{{{NS}}}Amount").text = "1"

    expect(verify(edited(signed, wrap), trust_store), FAILED, SubIndication.HASH_FAILURE)


def test_signed_original_inside_a_wrapper_element_is_refused(signed, trust_store) -> None:
    wrapper = etree.Element(f"{{{NS}}}Wrapper")
    wrapper.append(etree.fromstring(signed))
    expect(verify(etree.tostring(wrapper), trust_store), FAILED, SubIndication.FORMAT_FAILURE)


def test_forged_root_with_the_signed_original_moved_under_it_is_refused(signed, trust_store, receipt) -> None:
    receipt.find(f"{{{NS}}}Amount").text = "1"
    receipt.append(etree.fromstring(signed))
    expect(verify(etree.tostring(receipt), trust_store), FAILED, SubIndication.FORMAT_FAILURE)


def test_signature_moved_below_the_root_is_refused(signed, trust_store) -> None:
    def move(root):
        root.find(f"{{{NS}}}Payer").append(root.find(f"{DS}Signature"))

    expect(verify(edited(signed, move), trust_store), FAILED, SubIndication.FORMAT_FAILURE)


def test_duplicate_ids_are_refused(signed, trust_store) -> None:
    def duplicate(root):
        root.find(f"{{{NS}}}Payer").set("Id", root.find(f"{DS}Signature").get("Id"))

    expect(verify(edited(signed, duplicate), trust_store), FAILED, SubIndication.FORMAT_FAILURE)


def test_two_signatures_are_refused(signed, trust_store) -> None:
    def second(root):
        root.append(copy.deepcopy(root.find(f"{DS}Signature")))

    expect(verify(edited(signed, second), trust_store), FAILED, SubIndication.FORMAT_FAILURE)


def test_wrong_root_element_is_refused(signed, trust_store) -> None:
    report = verify_signed_document(signed, trust_store, expected_root=f"{{{NS}}}Invoice")
    expect(report, FAILED, SubIndication.FORMAT_FAILURE)


def test_unsigned_document_is_refused(trust_store, receipt) -> None:
    expect(verify(etree.tostring(receipt), trust_store), FAILED, SubIndication.FORMAT_FAILURE)


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Receipt [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Receipt xmlns="urn:ereceipt:test">&x;</Receipt>"""
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE Receipt [<!ENTITY l0 "lol">'
    + b"".join(b'<!ENTITY l%d "%s">' % (i, b"&l%d;" % (i - 1) * 10) for i in range(1, 10))
    + b']><Receipt xmlns="urn:ereceipt:test">&l9;</Receipt>'
)
DTD_ONLY = b'<?xml version="1.0"?><!DOCTYPE Receipt SYSTEM "receipt.dtd"><Receipt xmlns="urn:ereceipt:test"/>'


@pytest.mark.parametrize(
    "data",
    [XXE, LAUGHS, DTD_ONLY, b"<Receipt", b"", b"<r/>" + b" " * (3 * 1024 * 1024), "<r/>"],
    ids=["xxe", "billion-laughs", "dtd", "malformed", "empty", "oversize", "text"],
)
def test_hostile_or_broken_xml_is_a_format_failure(trust_store, data) -> None:
    report = verify(data, trust_store)
    expect(report, FAILED, SubIndication.FORMAT_FAILURE)
    assert "root:" not in report.message


MUTATIONS = st.sampled_from(["text", "delete", "duplicate", "attribute", "hoist"])


@settings(max_examples=150, deadline=None, database=None)
@given(mutation=MUTATIONS, index=st.integers(min_value=0, max_value=10_000), text=st.text(max_size=8))
def test_no_edit_of_a_signed_receipt_raises_or_passes_as_other_content(
    signed, trust_store, mutation, index, text
) -> None:
    root = etree.fromstring(signed)
    elements = list(root.iter(etree.Element))
    target = elements[index % len(elements)]
    parent = target.getparent()
    if mutation == "text":
        target.text = "".join(c for c in text if c.isprintable()) or "x"
    elif mutation == "delete" and parent is not None:
        parent.remove(target)
    elif mutation == "duplicate" and parent is not None:
        parent.insert(parent.index(target), copy.deepcopy(target))
    elif mutation == "attribute":
        target.set("Id" if index % 2 else "URI", "#x")
    elif mutation == "hoist" and parent is not None:
        root.insert(0, target)
    report = verify(etree.tostring(root), trust_store)
    if report.passed:
        assert_trees_equal(report.signed_xml, without_signature(etree.fromstring(signed)))


EMPTIED = [
    "SignedInfo/{ds}Reference/{ds}DigestValue",
    "SignatureValue",
    "KeyInfo/{ds}X509Data/{ds}X509Certificate",
    "SignedInfo/{ds}SignatureMethod",
    "Object/{xades}QualifyingProperties/{xades}SignedProperties/{xades}SignedSignatureProperties/{xades}SigningTime",
]


@pytest.mark.parametrize("path", EMPTIED)
@pytest.mark.parametrize("how", ["emptied", "removed"])
def test_a_signature_part_emptied_or_removed_gives_a_report_never_an_exception(
    signed, trust_store, path: str, how: str
) -> None:
    """Hostile shapes are verdicts; only a defect in the code may raise (TypeError is not caught)."""

    def change(root: etree._Element) -> None:
        element = root.find(f"{DS}Signature/{DS}{path.format(ds=DS, xades=XADES)}")
        assert element is not None, path
        if how == "emptied":
            element.text = None
            for attribute in list(element.attrib):
                del element.attrib[attribute]
        else:
            element.getparent().remove(element)

    report = verify(edited(signed, change), trust_store)
    assert not report.passed
    assert report.sub_indication is not None, report.message
