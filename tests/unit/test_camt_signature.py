"""Bank XML signatures (XMLDSig, enveloped, over a camt Document): only what the pinned key signed is read."""

from __future__ import annotations

import copy

import pytest
from camt_builder import SCHEMAS, Tx, camt054
from cryptography import x509
from lxml import etree
from signxml import XMLVerifier

from ereceipt.adapters import camt_signature
from ereceipt.adapters.bank import BankNotifications
from ereceipt.adapters.camt_schemas import CamtSchemas
from ereceipt.adapters.camt_signature import sign_document
from ereceipt.core.errors import SchemaViolation, VerificationFailed
from ereceipt.core.signatures.pki import DevelopmentPKI
from ereceipt.core.signatures.xades import DS
from ereceipt.queue.consumer import Delivery

BIC, OTHER_BIC = "BFTVVNVX", "ICBVVNVX"
MESSAGE = camt054("S-1", [[Tx("FTS1", "1015000", "THA2501"), Tx("FTS2", "200000", "THA2502")]])


def bank_signed(pki: DevelopmentPKI, party: str = "bank-client", body: bytes = MESSAGE) -> bytes:
    return sign_document(body, pki.key(party).read_bytes(), pki.cert(party).read_bytes())


@pytest.fixture(scope="session")
def pinned(dev_pki: DevelopmentPKI) -> dict[str, x509.Certificate]:
    return {BIC: x509.load_pem_x509_certificate(dev_pki.cert("bank-client").read_bytes())}


def read(pinned, body: bytes, bic: str = BIC, schemas=None):
    delivery = Delivery(body, "m-1", bic, "camt", False, None)
    return BankNotifications(None, certificates=pinned, schemas=schemas).batch(delivery)


def amounts(batch) -> list[int]:
    return [t.amount for t in batch.transfers]


def test_message_signed_by_the_pinned_certificate_is_read(dev_pki, pinned) -> None:
    assert amounts(read(pinned, bank_signed(dev_pki))) == [1_015_000, 200_000]


def test_ecdsa_signature_of_the_pinned_certificate_is_read(ec_pki) -> None:
    pinned = {BIC: x509.load_pem_x509_certificate(ec_pki.cert("bank-client").read_bytes())}
    assert amounts(read(pinned, bank_signed(ec_pki))) == [1_015_000, 200_000]


def test_unsigned_message_of_a_bank_that_must_sign_is_refused(pinned) -> None:
    with pytest.raises(VerificationFailed, match="carries no XML signature"):
        read(pinned, MESSAGE)


def test_message_signed_by_another_certificate_is_refused(dev_pki, pinned) -> None:
    with pytest.raises(VerificationFailed, match="another certificate"):
        read(pinned, bank_signed(dev_pki, "portal-client"))


def test_other_key_without_its_certificate_in_keyinfo_does_not_verify(dev_pki, pinned) -> None:
    root = etree.fromstring(bank_signed(dev_pki, "portal-client"))
    key_info = root.find(f"{{{DS}}}Signature/{{{DS}}}KeyInfo")
    key_info.getparent().remove(key_info)
    with pytest.raises(VerificationFailed, match="does not verify"):
        read(pinned, etree.tostring(root))


def test_tampered_amount_is_refused(dev_pki, pinned) -> None:
    tampered = bank_signed(dev_pki).replace(b">1015000<", b">9015000<")
    assert tampered != bank_signed(dev_pki)
    with pytest.raises(VerificationFailed, match="does not verify"):
        read(pinned, tampered)


def test_wrapping_a_signed_original_inside_a_forged_document_is_refused(dev_pki, pinned) -> None:
    original = etree.fromstring(bank_signed(dev_pki))
    forged = etree.fromstring(MESSAGE.replace(b">1015000<", b">9015000<"))
    ns = etree.QName(forged).namespace
    # The genuine signed document rides along in supplementary data; its signature moves to the forged root.
    extra = etree.SubElement(forged[0], f"{{{ns}}}SplmtryData")
    envelope = etree.SubElement(extra, f"{{{ns}}}Envlp")
    envelope.append(copy.deepcopy(original))
    forged.append(copy.deepcopy(original[-1]))
    with pytest.raises(VerificationFailed, match="exactly one ds:Signature"):
        read(pinned, etree.tostring(forged))
    envelope.remove(envelope[0])  # the copy alone, without its second signature
    envelope.append(copy.deepcopy(original[0]))
    with pytest.raises(VerificationFailed, match="does not verify"):
        read(pinned, etree.tostring(forged))


def test_signature_referencing_part_of_the_document_is_refused(dev_pki, pinned) -> None:
    signed = bank_signed(dev_pki).replace(b'URI=""', b'URI="#part"')
    with pytest.raises(VerificationFailed, match='one reference, URI=""'):
        read(pinned, signed)


def test_key_value_in_keyinfo_is_refused(dev_pki, pinned) -> None:
    root = etree.fromstring(bank_signed(dev_pki))
    etree.SubElement(root.find(f"{{{DS}}}Signature/{{{DS}}}KeyInfo"), f"{{{DS}}}KeyValue")
    with pytest.raises(VerificationFailed, match="KeyValue"):
        read(pinned, etree.tostring(root))


def test_unsigned_message_of_a_bank_without_a_pinned_certificate_is_read(pinned) -> None:
    assert amounts(read(pinned, MESSAGE, bic=OTHER_BIC)) == [1_015_000, 200_000]


def test_signed_message_is_schema_valid_once_verified(dev_pki, pinned) -> None:
    if not (SCHEMAS / "camt.054.001.08.xsd").is_file():
        pytest.skip(f"official ISO 20022 schemas are absent from {SCHEMAS} (see its README)")
    schemas = CamtSchemas(SCHEMAS)
    assert amounts(read(pinned, bank_signed(dev_pki), schemas=schemas)) == [1_015_000, 200_000]
    assert amounts(read(pinned, bank_signed(dev_pki), bic=OTHER_BIC, schemas=schemas)) == [1_015_000, 200_000]
    invalid = MESSAGE.replace(b"<CdtDbtInd>CRDT</CdtDbtInd><Sts>", b"<CdtDbtInd>CREDIT</CdtDbtInd><Sts>")
    with pytest.raises(SchemaViolation, match=r"camt\.054\.001\.08 line"):
        read(pinned, invalid, bic=OTHER_BIC, schemas=schemas)


def test_a_weak_pinned_bank_certificate_is_refused_at_start(ca) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    from ereceipt.adapters.camt_signature import check_pinned_certificate
    from ereceipt.core.errors import ConfigurationError
    from ereceipt.core.signatures.pki import CLIENT, issue_certificate

    weak_keys = [
        rsa.generate_private_key(public_exponent=65537, key_size=1024),  # noqa: S505 (weak on purpose)
        ec.generate_private_key(ec.SECP192R1()),
    ]
    for key in weak_keys:
        certificate, _ = issue_certificate(ca[0], ca[1], "Weak bank", usage=CLIENT, key=key)
        with pytest.raises(ConfigurationError, match=r"\[banks\] BFTVVNVX"):
            check_pinned_certificate(certificate, "[banks] BFTVVNVX")


def test_comment_inside_a_signed_amount_is_refused_though_the_signature_still_holds(dev_pki, pinned) -> None:
    """C14N leaves comments out, so the digest still matches; the message is refused for the comment."""
    forged = bank_signed(dev_pki).replace(b">1015000<", b">1015<!---->000<")
    assert forged != bank_signed(dev_pki)
    XMLVerifier().verify(forged, x509_cert=pinned[BIC], expect_config=camt_signature._CONFIG)  # still valid
    with pytest.raises(VerificationFailed, match="comments"):
        read(pinned, forged)


@pytest.mark.parametrize("part", ["SignatureValue", "DigestValue", "X509Certificate"])
def test_an_emptied_signature_part_is_refused_as_malformed(dev_pki, pinned, part: str) -> None:
    root = etree.fromstring(bank_signed(dev_pki))
    next(root.iter(f"{{{DS}}}{part}")).text = None
    with pytest.raises(VerificationFailed, match="malformed"):
        read(pinned, etree.tostring(root))
