"""Strict verification of XAdES-signed documents, reported as ETSI EN 319 102-1 indications.

Trust comes only from the pinned CA file of a ``TrustStore``: never the system store, never a
certificate that a document carries. The document must be exactly what we sign: the expected root,
one enveloped signature as its last child, no comments or processing instructions (c14n drops
them, so they could make a reader see what was not signed), no duplicate Ids. The content is
then read only from the XML signxml returns as signed. Nothing here raises for a bad document:
every outcome is a ``VerificationReport``.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import cryptography.exceptions
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from signxml import DigestAlgorithm, SignatureMethod
from signxml.exceptions import (
    InvalidCertificate,
    InvalidDigest,
    InvalidInput,
    InvalidSignature,
    SignXMLException,
)
from signxml.xades import XAdESSignatureConfiguration, XAdESVerifier

from ereceipt.core.errors import ConfigurationError, XMLRejected
from ereceipt.core.xades import SignaturePolicy
from ereceipt.core.xmlparse import DEFAULT_MAX_BYTES, hardened_parser, parse_xml

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
NS = {"ds": DS, "xades": XADES}
SIGNING_TIME = "/".join(
    [
        "ds:Object",
        "xades:QualifyingProperties",
        "xades:SignedProperties",
        "xades:SignedSignatureProperties",
        "xades:SigningTime",
    ]
)
# Public-key signatures without SHA-1; HMAC (a shared secret) and DSA have no place in receipts.
STRONG_SIGNATURES = frozenset(
    m for m in SignatureMethod if "SHA1" not in m.name and not m.name.startswith(("HMAC", "DSA"))
)
STRONG_DIGESTS = frozenset(d for d in DigestAlgorithm if d.name in {"SHA256", "SHA384", "SHA512"})


class Indication(StrEnum):
    TOTAL_PASSED = "TOTAL_PASSED"
    TOTAL_FAILED = "TOTAL_FAILED"
    INDETERMINATE = "INDETERMINATE"


class SubIndication(StrEnum):
    FORMAT_FAILURE = "FORMAT_FAILURE"
    HASH_FAILURE = "HASH_FAILURE"
    SIG_CRYPTO_FAILURE = "SIG_CRYPTO_FAILURE"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    NO_CERTIFICATE_CHAIN_FOUND = "NO_CERTIFICATE_CHAIN_FOUND"
    CHAIN_CONSTRAINTS_FAILURE = "CHAIN_CONSTRAINTS_FAILURE"
    CRYPTO_CONSTRAINTS_FAILURE = "CRYPTO_CONSTRAINTS_FAILURE"
    OUT_OF_BOUNDS_NO_POE = "OUT_OF_BOUNDS_NO_POE"
    SIGNED_DATA_NOT_FOUND = "SIGNED_DATA_NOT_FOUND"


_FAILED = {
    SubIndication.FORMAT_FAILURE,
    SubIndication.HASH_FAILURE,
    SubIndication.SIG_CRYPTO_FAILURE,
    SubIndication.EXPIRED,
    SubIndication.NOT_YET_VALID,
}


@dataclass(frozen=True)
class VerificationReport:
    indication: Indication
    sub_indication: SubIndication | None
    message: str
    signer: str | None = None
    signing_time: datetime | None = None
    signed_xml: etree._Element | None = None

    @property
    def passed(self) -> bool:
        return self.indication is Indication.TOTAL_PASSED

    def as_dict(self) -> dict:
        return {
            "indication": self.indication.value,
            "sub_indication": self.sub_indication.value if self.sub_indication else None,
            "message": self.message,
            "signer": self.signer,
            "signing_time": self.signing_time.isoformat() if self.signing_time else None,
        }


def _fail(sub: SubIndication, message: str, signer: str | None = None) -> VerificationReport:
    indication = Indication.TOTAL_FAILED if sub in _FAILED else Indication.INDETERMINATE
    return VerificationReport(indication, sub, message, signer)


@dataclass(frozen=True)
class TrustStore:
    """The pinned trust anchors: a PEM file of CA certificates chosen by configuration."""

    pem_file: Path
    anchors: tuple[x509.Certificate, ...]

    @classmethod
    def from_pem_file(cls, path: Path) -> TrustStore:
        try:
            anchors = tuple(x509.load_pem_x509_certificates(Path(path).read_bytes()))
        except (OSError, ValueError) as exc:
            raise ConfigurationError(
                f"trust anchors {path} cannot be read: {exc}", setting=str(path)
            ) from None
        return cls(Path(path), anchors)

    def chains_to_anchor(self, leaf: x509.Certificate, carried: list[x509.Certificate]) -> bool:
        """Whether ``leaf`` chains to a pinned anchor through the certificates the document carries."""
        current = leaf
        for _ in range(8):
            for anchor in self.anchors:
                if _issued_by(current, anchor):
                    return True
            parent = next((c for c in carried if c != current and _issued_by(current, c)), None)
            if parent is None:
                return False
            current = parent
        return False


def _issued_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(issuer)
        return True
    except (ValueError, TypeError, cryptography.exceptions.InvalidSignature):
        return False


def _carried_certificates(signature: etree._Element) -> list[x509.Certificate]:
    certificates = []
    for element in signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS):
        try:
            certificates.append(x509.load_der_x509_certificate(_b64(element.text or "")))
        except ValueError:
            continue
    return certificates


def _b64(text: str) -> bytes:
    return base64.b64decode("".join(text.split()))


def _signing_time(text: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat((text or "").strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _structure_problem(root: etree._Element, expected_root: str) -> str | None:
    if root.tag != expected_root:
        return f"root element is {root.tag}, expected {expected_root}"
    if root.xpath("//comment() | //processing-instruction()"):
        return "the document contains comments or processing instructions"
    signatures = list(root.iter(f"{{{DS}}}Signature"))
    if len(signatures) != 1 or signatures[0].getparent() is not root or root[-1] is not signatures[0]:
        return "the document must carry exactly one signature, as the last child of its root"
    ids = Counter(
        value
        for element in root.iter()
        for name, value in element.attrib.items()
        if name in {"Id", "ID", "id"}
    )
    duplicated = [value for value, count in ids.items() if count > 1]
    if duplicated:
        return f"Id {duplicated[0]!r} appears more than once"
    return None


def _certificate_problem(
    trust: TrustStore,
    carried: list[x509.Certificate],
    claimed: datetime,
    detail: str,
    integrity: Callable[[datetime], VerificationReport | None],
) -> VerificationReport:
    """Tell apart why signxml refused the certificate, strictest explanation first."""
    leaf = carried[0] if carried else None
    if leaf is None or not trust.chains_to_anchor(leaf, carried):
        return _fail(
            SubIndication.NO_CERTIFICATE_CHAIN_FOUND, "the signing certificate does not chain to a trusted CA"
        )
    signer = leaf.subject.rfc4514_string()
    if not leaf.not_valid_before_utc <= claimed <= leaf.not_valid_after_utc:
        # A verdict on the signing time needs a signing time that is signed: check integrity at a
        # moment the certificate was valid, so that a forged SigningTime shows as a hash failure.
        broken = integrity(
            leaf.not_valid_before_utc + (leaf.not_valid_after_utc - leaf.not_valid_before_utc) / 2
        )
        if broken is not None:
            return broken
    if claimed > leaf.not_valid_after_utc:
        return _fail(
            SubIndication.EXPIRED, f"signed at {claimed.isoformat()}, after the certificate expired", signer
        )
    if claimed < leaf.not_valid_before_utc:
        return _fail(
            SubIndication.NOT_YET_VALID,
            f"signed at {claimed.isoformat()}, before the certificate was valid",
            signer,
        )
    try:
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
        allows_signing = usage.digital_signature
    except x509.ExtensionNotFound:
        allows_signing = False
    if not allows_signing:
        return _fail(
            SubIndication.CHAIN_CONSTRAINTS_FAILURE,
            "the certificate's key usage does not allow signing",
            signer,
        )
    return _fail(
        SubIndication.CHAIN_CONSTRAINTS_FAILURE, f"the certificate chain is not acceptable: {detail}", signer
    )


def verify_signed_document(
    data: bytes,
    trust: TrustStore,
    *,
    expected_root: str,
    now: datetime | None = None,
    expected_policy: SignaturePolicy | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> VerificationReport:
    try:
        root = parse_xml(data, max_bytes=max_bytes)
    except XMLRejected as exc:
        return _fail(SubIndication.FORMAT_FAILURE, exc.message)
    problem = _structure_problem(root, expected_root)
    if problem:
        return _fail(SubIndication.FORMAT_FAILURE, problem)
    signature = root[-1]
    carried = _carried_certificates(signature)
    # Read from the unverified document only to choose the validation time; checked against the signed one.
    claimed = _signing_time(signature.findtext(SIGNING_TIME, namespaces=NS))
    if claimed is None:
        return _fail(SubIndication.FORMAT_FAILURE, "the signature has no valid xades:SigningTime")

    def run_signxml(at: datetime) -> list:
        config = XAdESSignatureConfiguration(
            expect_references=3,
            location="./",
            signature_methods=STRONG_SIGNATURES,
            digest_algorithms=STRONG_DIGESTS,
            verification_time=at,
        )
        return XAdESVerifier().verify(
            data,
            ca_pem_file=str(trust.pem_file),
            parser=hardened_parser(),
            expect_config=config,
            expect_signature_policy=expected_policy.as_xades() if expected_policy else None,
        )

    def integrity(at: datetime) -> VerificationReport | None:
        try:
            run_signxml(at)
        except InvalidCertificate:
            return None
        except SIGNXML_REFUSALS as exc:
            return _signxml_failure(exc)
        return None

    try:
        results = run_signxml(claimed)
    except InvalidCertificate as exc:
        return _certificate_problem(trust, carried, claimed, str(exc), integrity)
    except SIGNXML_REFUSALS as exc:
        return _signxml_failure(exc)
    return _report(results, carried, claimed, expected_root, now or datetime.now(UTC))


SIGNXML_REFUSALS = (SignXMLException, etree.LxmlError, ValueError, KeyError)


def _signxml_failure(exc: Exception) -> VerificationReport:
    """The report for a refusal by signxml other than of the certificate."""
    if isinstance(exc, InvalidDigest):
        return _fail(SubIndication.HASH_FAILURE, str(exc))
    if isinstance(exc, InvalidInput):
        if "forbidden by configuration" in str(exc):
            return _fail(SubIndication.CRYPTO_CONSTRAINTS_FAILURE, str(exc))
        return _fail(SubIndication.FORMAT_FAILURE, str(exc))
    if isinstance(exc, InvalidSignature):
        if "Expected to find" in str(exc):
            return _fail(SubIndication.FORMAT_FAILURE, str(exc))
        return _fail(SubIndication.SIG_CRYPTO_FAILURE, str(exc) or "the signature value does not match")
    return _fail(SubIndication.FORMAT_FAILURE, f"the signature is malformed: {exc}")


def _report(
    results: list, carried: list[x509.Certificate], claimed: datetime, expected_root: str, now: datetime
) -> VerificationReport:
    references = results[0].signature_xml.findall("ds:SignedInfo/ds:Reference", NS)
    whole = [
        result for reference, result in zip(references, results, strict=True) if reference.get("URI") == ""
    ]
    if len(whole) != 1 or whole[0].signed_xml is None or whole[0].signed_xml.tag != expected_root:
        return _fail(SubIndication.SIGNED_DATA_NOT_FOUND, "no signed reference covers the whole document")
    properties = next(r.signed_properties for r in results if hasattr(r, "signed_properties"))
    signed_time = _signing_time(properties.findtext("xades:SigningTime", namespaces=NS))
    if signed_time != claimed:
        return _fail(
            SubIndication.FORMAT_FAILURE, "the signing time read before verification is not the signed one"
        )
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    leaf = next(
        c
        for c in carried
        if c.public_key().public_bytes(serialization.Encoding.PEM, public) == whole[0].signature_key
    )
    signer = leaf.subject.rfc4514_string()
    if now > leaf.not_valid_after_utc:
        return _fail(
            SubIndication.OUT_OF_BOUNDS_NO_POE,
            "the certificate has expired since signing and there is no proof of when the signature existed",
            signer,
        )
    return VerificationReport(
        Indication.TOTAL_PASSED, None, "the signature is valid", signer, signed_time, whole[0].signed_xml
    )
