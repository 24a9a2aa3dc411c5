"""Enveloped XAdES signing: what the signature holds, what it covers, and that threads may sign at once."""

from __future__ import annotations

import base64
import copy
import hashlib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from lxml import etree
from xmltree import assert_trees_equal

from ereceipt.core.errors import BadInput, ConfigurationError
from ereceipt.core.signatures.signing_identity import SigningIdentity
from ereceipt.core.signatures.verification import verify_signed_document
from ereceipt.core.signatures.xades import ReceiptSigner, SignaturePolicy

NS = "urn:ereceipt:test"
ROOT = f"{{{NS}}}Receipt"
DSNS = "http://www.w3.org/2000/09/xmldsig#"
DS = f"{{{DSNS}}}"
XADES = "{http://uri.etsi.org/01903/v1.3.2#}"
C14N_1_0 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
POLICY = SignaturePolicy(
    "urn:oid:2.16.704.1.10.1", "Chính sách chữ ký biên lai", base64.b64encode(b"p" * 32).decode()
)


def without_signature(root: etree._Element) -> etree._Element:
    copied = copy.deepcopy(root)
    copied.remove(copied.find(f"{DS}Signature"))
    return copied


def test_signature_is_the_last_child_and_the_rest_is_the_document(rsa_signer, receipt) -> None:
    signed = rsa_signer.sign(receipt)
    assert signed[-1].tag == f"{DS}Signature"
    assert len(signed.findall(f".//{DS}Signature")) == 1
    assert_trees_equal(without_signature(signed), receipt)


def test_the_given_document_is_left_untouched(rsa_signer, receipt) -> None:
    before = copy.deepcopy(receipt)
    signed = rsa_signer.sign(receipt)
    assert signed is not receipt
    assert_trees_equal(receipt, before)


def test_data_reference_covers_the_whole_document_with_sha256(rsa_signer, receipt) -> None:
    signed_info = rsa_signer.sign(receipt).find(f"{DS}Signature/{DS}SignedInfo")
    references = signed_info.findall(f"{DS}Reference")
    assert len(references) == 3
    data = references[0]
    assert data.get("URI") == ""
    transforms = [t.get("Algorithm") for t in data.findall(f"{DS}Transforms/{DS}Transform")]
    assert transforms == [f"{DSNS}enveloped-signature", C14N_1_0]
    digests = {r.find(f"{DS}DigestMethod").get("Algorithm") for r in references}
    assert digests == {"http://www.w3.org/2001/04/xmlenc#sha256"}
    assert signed_info.find(f"{DS}CanonicalizationMethod").get("Algorithm") == C14N_1_0


@pytest.mark.parametrize(
    ("key_type", "method"),
    [
        ("rsa", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"),
        ("ec", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"),
    ],
)
def test_signature_method_follows_the_key_type(make_signer, receipt, key_type: str, method: str) -> None:
    signed = make_signer(key_type=key_type).sign(receipt)
    assert signed.find(f"{DS}Signature/{DS}SignedInfo/{DS}SignatureMethod").get("Algorithm") == method


def test_key_info_carries_the_certificate_then_its_chain_and_no_key_value(rsa_signer, receipt) -> None:
    key_info = rsa_signer.sign(receipt).find(f"{DS}Signature/{DS}KeyInfo")
    carried = [base64.b64decode(c.text) for c in key_info.findall(f"{DS}X509Data/{DS}X509Certificate")]
    identity = rsa_signer.identity
    expected = [c.public_bytes(serialization.Encoding.DER) for c in (identity.certificate, *identity.chain)]
    assert carried == expected and len(carried) == 2
    assert key_info.find(f"{DS}KeyValue") is None


def test_signed_properties_hold_signing_time_and_the_signing_certificate_digest(rsa_signer, receipt) -> None:
    properties = rsa_signer.sign(receipt).find(f".//{XADES}SignedSignatureProperties")
    signing_time = datetime.fromisoformat(properties.findtext(f"{XADES}SigningTime"))
    assert abs(signing_time - datetime.now(UTC)) < timedelta(minutes=1)
    first = properties.find(f"{XADES}SigningCertificateV2/{XADES}Cert/{XADES}CertDigest/{DS}DigestValue")
    der = rsa_signer.identity.certificate.public_bytes(serialization.Encoding.DER)
    assert base64.b64decode(first.text) == hashlib.sha256(der).digest()


def test_bes_signature_names_no_policy(rsa_signer, receipt) -> None:
    assert rsa_signer.sign(receipt).find(f".//{XADES}SignaturePolicyIdentifier") is None


def test_epes_signature_names_its_policy(rsa_signer, receipt) -> None:
    signed = ReceiptSigner(rsa_signer.identity, POLICY).sign(receipt)
    policy = signed.find(f".//{XADES}SignaturePolicyIdentifier/{XADES}SignaturePolicyId")
    assert policy.findtext(f"{XADES}SigPolicyId/{XADES}Identifier") == POLICY.identifier
    assert policy.findtext(f"{XADES}SigPolicyId/{XADES}Description") == POLICY.description
    assert policy.findtext(f"{XADES}SigPolicyHash/{DS}DigestValue") == POLICY.digest_sha256_b64


@pytest.mark.parametrize("digest", ["", "not base64!", base64.b64encode(b"short").decode()])
def test_policy_needs_the_base64_of_a_sha256_digest(digest: str) -> None:
    with pytest.raises(ConfigurationError, match="SHA-256"):
        SignaturePolicy("urn:oid:2.16.704.1.10.1", "x", digest)


def test_sign_bytes_is_utf8_with_a_declaration_and_the_same_tree(rsa_signer, receipt) -> None:
    data = rsa_signer.sign_bytes(receipt)
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert "Nguyễn Văn A".encode() in data
    assert_trees_equal(without_signature(etree.fromstring(data)), receipt)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda root: root.append(etree.Comment("note")), "comments"),
        (lambda root: root.append(etree.ProcessingInstruction("render")), "processing instructions"),
        (lambda root: root.set("Id", "r1"), "Id attribute"),
        (lambda root: [child.set("Id", "same") for child in root], "appears more than once"),
        (lambda root: etree.SubElement(root, f"{DS}Signature"), "already carries"),
    ],
    ids=["comment", "pi", "root-id", "duplicate-id", "signed"],
)
def test_documents_the_verifier_would_refuse_are_not_signed(rsa_signer, receipt, change, reason: str) -> None:
    change(receipt)
    with pytest.raises(BadInput, match=reason):
        rsa_signer.sign(receipt)


def test_only_a_root_element_is_signed(rsa_signer, receipt) -> None:
    with pytest.raises(BadInput, match="root element"):
        rsa_signer.sign(receipt[0])


def test_a_key_that_cannot_sign_receipts_is_refused_when_the_signer_is_made(rsa_signer) -> None:
    identity = SigningIdentity(ed25519.Ed25519PrivateKey.generate(), rsa_signer.identity.certificate)
    with pytest.raises(ConfigurationError, match="RSA or ECDSA"):
        ReceiptSigner(identity)


def test_eight_threads_signing_at_once_all_make_valid_signatures(rsa_signer, trust_store, receipt) -> None:
    documents = []
    for number in range(64):
        document = copy.deepcopy(receipt)
        document.find(f"{{{NS}}}Amount").text = str(1_000_000 + number)
        documents.append(document)
    with ThreadPoolExecutor(max_workers=8) as pool:
        signed = list(pool.map(rsa_signer.sign_bytes, documents))
    for document, data in zip(documents, signed, strict=True):
        report = verify_signed_document(data, trust_store, expected_root=ROOT)
        assert report.passed, report.message
        assert_trees_equal(report.signed_xml, document)


VARYING = {"Id", "URI", "Target", "ObjectReference"}  # random per signature


def comparable(signature: etree._Element) -> etree._Element:
    """The signature with what differs between any two signatures of one document left out: Ids and
    the references to them, the signing time, and the values that depend on those."""
    copied = copy.deepcopy(signature)
    for element in copied.iter(etree.Element):
        for name in VARYING & set(element.attrib):
            if element.get(name) != "":  # URI="" (the whole document) is the same for both
                element.set(name, "?")
    for path in (f".//{XADES}SigningTime", f"{DS}SignatureValue"):
        copied.find(path).text = "?"
    for reference in copied.findall(f"{DS}SignedInfo/{DS}Reference")[1:]:  # SignedProperties, KeyInfo
        reference.find(f"{DS}DigestValue").text = "?"
    return copied


@pytest.mark.parametrize("key_type", ["rsa", "ec"])
@pytest.mark.parametrize("policy", [None, POLICY])
def test_signature_is_signxmls_own_element_for_element(
    make_signer, trust_store, key_type, policy, receipt
) -> None:
    signer = make_signer(key_type=key_type, policy=policy)
    ours, theirs = signer.sign(receipt), signer.sign_with_signxml(receipt)
    assert_trees_equal(without_signature(ours), without_signature(theirs))
    assert_trees_equal(comparable(ours[-1]), comparable(theirs[-1]))  # the document digest included
    report = verify_signed_document(etree.tostring(ours), trust_store, expected_root=ROOT)
    assert report.passed, report.message


def test_each_signature_has_ids_of_its_own(rsa_signer, receipt) -> None:
    first, second = rsa_signer.sign(receipt)[-1], rsa_signer.sign(receipt)[-1]
    ids = [{e.get("Id") for e in s.iter(etree.Element) if e.get("Id")} for s in (first, second)]
    assert len(ids[0]) == 4 and not ids[0] & ids[1]
