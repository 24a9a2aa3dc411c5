"""Strict verification of enveloped XAdES receipts, reported as ETSI EN 319 102-1 indications.

Trust comes only from the anchors a ``TrustStore`` loaded from the configured CA file: never the
system store, never a certificate that the document carries. A document must have the shape that
``ReceiptSigner`` writes: the expected root, one ``ds:Signature`` as its last child, no comments or
processing instructions, no duplicate Ids, three references of which one, ``URI=""``, covers the
whole document. signxml checks digests, the signature value and the chain at the claimed signing
time; the report then carries only what signxml returned as signed, and the signer named by the
chain that was verified. Nothing here raises for a bad document: every outcome is a report.

A receipt at level T (``core.signatures.xades_t``) carries signature time-stamps; each is verified
(``core.signatures.best_signature_time``) against the TSA trust given, over the canonical
SignatureValue. The earliest verified one is the proof of existence: its genTime is the best
signature time, so a signature whose certificate expired or was revoked after that time still
passes (EN 319 102-1 5.6.2.4); a time-stamp that does not verify proves nothing and is reported as
such, leaving the level at B. A certificate revoked at or before the best signature time, or
revoked with no time-stamp at all, is INDETERMINATE / REVOKED_NO_POE. The revocation status comes
from the validation data the receipt embeds at level LT (``core.signatures.xades_lt``), so such a
receipt verifies with no network; else from the revocation source given, if any.
A time-stamp whose TSA certificate has expired by the validation time proves nothing either,
unless the document's evidence record proves it existed before (``core.signatures.proofs_of_existence``;
level LTA).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from cryptography import exceptions as crypto
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree
from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.exceptions import InvalidCertificate, InvalidDigest, SignXMLException
from signxml.xades import XAdESSignatureConfiguration, XAdESVerifier

from ereceipt.core.errors import BadInput, XMLRejected
from ereceipt.core.signatures.best_signature_time import (
    CLOCK_SKEW,
    best_signature_time,
    earlier_than_claimed,
    verified_signature_time_stamps,
    without_revoked_tsa,
)
from ereceipt.core.signatures.identity import receipt_identity
from ereceipt.core.signatures.pki import is_ca
from ereceipt.core.signatures.proofs_of_existence import archive_proof, level_with
from ereceipt.core.signatures.report import (
    FAILING_SUB_INDICATIONS,
    Indication,
    SubIndication,
    VerificationReport,
)
from ereceipt.core.signatures.revocation import RevocationSource
from ereceipt.core.signatures.signing_identity import CURVES, MIN_RSA_BITS
from ereceipt.core.signatures.trust import PinnedVerifier, TrustStore
from ereceipt.core.signatures.xades import C14N, DS, XADES, SignaturePolicy, content_problem
from ereceipt.core.signatures.xades_lt import signer_revocation_status, time_stamp_validation_data
from ereceipt.core.xml.namespaces import ENVELOPED
from ereceipt.core.xml.parser import DEFAULT_MAX_BYTES, hardened_parser, parse_xml

NS = {"ds": DS, "xades": XADES}
PROPERTIES = "ds:Object/xades:QualifyingProperties/xades:SignedProperties/xades:SignedSignatureProperties"
M = SignatureMethod
STRONG_SIGNATURES = frozenset(
    {M.RSA_SHA256, M.RSA_SHA384, M.RSA_SHA512, M.SHA256_RSA_MGF1, M.SHA384_RSA_MGF1}
)
STRONG_SIGNATURES |= {M.SHA512_RSA_MGF1, M.ECDSA_SHA256, M.ECDSA_SHA384, M.ECDSA_SHA512}
SIGNATURE_URIS = {m.value for m in STRONG_SIGNATURES}
D = DigestAlgorithm
DIGESTS = {D.SHA256.value: hashes.SHA256(), D.SHA384.value: hashes.SHA384(), D.SHA512.value: hashes.SHA512()}
CANONICAL = {m.value for m in CanonicalizationMethod if not m.value.endswith("WithComments")}
# What signxml raises on hostile input: its own errors, cryptography's, lxml's, and ValueError
# (bad base64, unknown algorithm names). A TypeError or AttributeError is a defect, never a verdict.
SIGNXML_ERRORS = (
    SignXMLException,
    crypto.InvalidSignature,
    crypto.UnsupportedAlgorithm,
    etree.LxmlError,
    ValueError,
)


class _Refused(Exception):
    """Ends verification early with a report; never leaves this module."""

    def __init__(self, sub: SubIndication, message: str, signer: str | None = None) -> None:
        super().__init__(message)
        indication = Indication.TOTAL_FAILED if sub in FAILING_SUB_INDICATIONS else Indication.INDETERMINATE
        self.report = VerificationReport(indication, sub, " ".join(message.split())[:300], signer)


def _config(at: datetime) -> XAdESSignatureConfiguration:
    return XAdESSignatureConfiguration(
        location="./",
        expect_references=3,
        signature_methods=STRONG_SIGNATURES,
        digest_algorithms=frozenset(D(uri) for uri in DIGESTS),
        verification_time=at,
        default_reference_c14n_method=C14N,
    )


def _signxml(data: bytes, trust: TrustStore, at: datetime) -> tuple[list, x509.Certificate]:
    """signxml's results at validation time ``at`` and the signing certificate it verified; or it raises."""
    verifier = PinnedVerifier(trust.anchors)  # a new one per call: signxml keeps per-call state on it
    config = _config(at)
    results = verifier.verify(
        data, ca_pem_file=str(trust.pem_file), parser=hardened_parser(), expect_config=config
    )
    if verifier.chain is None or verifier.chain.leaf is None:
        raise AssertionError("signxml returned without checking a certificate chain")  # signxml changed
    return results, verifier.chain.leaf


def _integrity_refusal(data: bytes, leaf: x509.Certificate) -> _Refused | None:
    """Whether the document is intact and signed by ``leaf``'s key, leaving the chain and the time aside."""
    middle = leaf.not_valid_before_utc + (leaf.not_valid_after_utc - leaf.not_valid_before_utc) / 2
    try:
        XAdESVerifier().verify(data, x509_cert=leaf, parser=hardened_parser(), expect_config=_config(middle))
    except InvalidCertificate:
        return None
    except SIGNXML_ERRORS as exc:
        return _signxml_refusal(exc)
    return None


def _signxml_refusal(exc: Exception) -> _Refused:
    if isinstance(exc, InvalidDigest):
        return _Refused(SubIndication.HASH_FAILURE, str(exc))
    if isinstance(exc, crypto.InvalidSignature):
        return _Refused(SubIndication.SIG_CRYPTO_FAILURE, str(exc) or "the signature value does not match")
    return _Refused(SubIndication.FORMAT_FAILURE, f"the signature is malformed: {exc}")


def _b64(text: str | None) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except ValueError:
        return b""


def _time(text: str | None) -> datetime:
    try:
        moment = datetime.fromisoformat((text or "").strip())
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise _Refused(SubIndication.FORMAT_FAILURE, f"SigningTime {text!r} is no dateTime with a time zone")
    return moment.astimezone(UTC)


def _format(problem: str) -> _Refused:
    return _Refused(SubIndication.FORMAT_FAILURE, problem)


def _signature(root: etree._Element, expected_root: str) -> etree._Element:
    """The one signature, once the document has the shape we sign and names only strong algorithms."""
    if root.tag != expected_root:
        raise _format(f"root element is {root.tag}, expected {expected_root}")
    problem = content_problem(root)
    if problem:
        raise _format(problem)
    signatures = list(root.iter(f"{{{DS}}}Signature"))
    if len(signatures) != 1 or root[-1] is not signatures[0]:
        raise _format("the document must carry exactly one signature, as the last child of its root")
    signature = signatures[0]
    if (
        len(signature.findall(PROPERTIES, NS)) != 1
        or len(list(root.iter(f"{{{XADES}}}SignedProperties"))) != 1
    ):
        raise _format("the signature must carry the one xades:SignedProperties, in its ds:Object")
    if len(signature.findall("ds:SignedInfo/ds:Reference", NS)) != 3:
        raise _format("the signature must have three references: document, SignedProperties, KeyInfo")
    used = [
        (m.get("Algorithm"), SIGNATURE_URIS)
        for m in signature.findall("ds:SignedInfo/ds:SignatureMethod", NS)
    ]
    used += [(d.get("Algorithm"), DIGESTS) for d in signature.iter(f"{{{DS}}}DigestMethod")]
    weak = [uri for uri, allowed in used if uri not in allowed]
    if weak:
        raise _Refused(SubIndication.CRYPTO_CONSTRAINTS_FAILURE, f"algorithm {weak[0]} is not allowed")
    problem = missing_base64(signature)
    if problem:
        raise _format(problem)
    return signature


def missing_base64(signature: etree._Element) -> str | None:
    """Which part of ``signature`` lacks the base64 value signxml assumes is there, or None."""
    for path in _BASE64_PARTS:
        for element in signature.findall(path, NS):
            if not _b64(element.text):
                return f"{etree.QName(element).localname} holds no base64 value"
    return None


_BASE64_PARTS = (
    "ds:SignatureValue",
    "ds:SignedInfo/ds:Reference/ds:DigestValue",
    "ds:KeyInfo/ds:X509Data/ds:X509Certificate",
)


def _certificate_refusal(
    data: bytes, signature: etree._Element, trust: TrustStore, claimed: datetime, detail: str
) -> _Refused:
    """Why signxml refused the certificate, found out from the certificates; strictest reason first."""
    carried = []
    for element in signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS):
        try:
            carried.append(x509.load_der_x509_certificate(_b64(element.text)))
        except ValueError:
            continue
    leaf = next((c for c in carried if not is_ca(c) and trust.reaches_anchor(c, carried)), None)
    if leaf is None:
        return _Refused(SubIndication.NO_CERTIFICATE_CHAIN_FOUND, "no chain from the signer to a trusted CA")
    signer, begin, end = leaf.subject.rfc4514_string(), leaf.not_valid_before_utc, leaf.not_valid_after_utc
    if not begin <= claimed <= end:
        # A verdict on the signing time needs a signed signing time: a forged one is a hash failure.
        broken = _integrity_refusal(data, leaf)
        sub = SubIndication.EXPIRED if claimed > end else SubIndication.NOT_YET_VALID
        message = f"signed at {claimed}, outside the certificate's validity from {begin} to {end}"
        return broken or _Refused(sub, message, signer)
    try:
        signs = leaf.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    except x509.ExtensionNotFound:
        signs = False
    if not signs:
        return _Refused(SubIndication.CHAIN_CONSTRAINTS_FAILURE, "keyUsage lacks digitalSignature", signer)
    return _Refused(SubIndication.CHAIN_CONSTRAINTS_FAILURE, f"the chain is not acceptable: {detail}", signer)


def _whole_document(results: list, expected_root: str) -> etree._Element:
    """The verified payload of the one URI="" reference, the only XML a caller may act on."""
    references = results[0].signature_xml.findall("ds:SignedInfo/ds:Reference", NS)
    whole = [(ref, result) for ref, result in zip(references, results, strict=True) if ref.get("URI") == ""]
    if len(whole) != 1:
        raise _Refused(SubIndication.SIGNED_DATA_NOT_FOUND, "no signed reference covers the whole document")
    reference, result = whole[0]
    transforms = [t.get("Algorithm") for t in reference.findall("ds:Transforms/ds:Transform", NS)]
    if transforms[:1] != [ENVELOPED] or len(transforms) > 2 or not CANONICAL.issuperset(transforms[1:]):
        raise _format(f"the document reference has transforms {transforms}")
    if result.signed_xml is None or result.signed_xml.tag != expected_root:
        raise _format("the signed document is not the expected root element")
    return result.signed_xml


def _check_key(leaf: x509.Certificate, signer: str) -> None:
    # cryptography's chain policy judges the keys that sign certificates, not the signing key itself.
    key = leaf.public_key()
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        raise _Refused(
            SubIndication.CRYPTO_CONSTRAINTS_FAILURE, f"the signing key is RSA-{key.key_size}", signer
        )
    if isinstance(key, ec.EllipticCurvePublicKey) and not isinstance(key.curve, CURVES):
        raise _Refused(
            SubIndication.CRYPTO_CONSTRAINTS_FAILURE, f"the signing key is on {key.curve.name}", signer
        )


def _check_signed_properties(
    properties: etree._Element, leaf: x509.Certificate, policy: SignaturePolicy | None, signer: str
) -> None:
    # signxml 5.2 checks SigningCertificateV2 against the first carried certificate with the signing
    # key, which need not be the one it verified: anyone can wrap a key in a self-signed look-alike.
    cert = properties.find("xades:SigningCertificateV2/xades:Cert/xades:CertDigest", NS)
    if cert is None:
        cert = properties.find("xades:SigningCertificate/xades:Cert/xades:CertDigest", NS)
    algorithm = DIGESTS.get(_method(cert)) if cert is not None else None
    if algorithm is None or _digest_of(cert) != leaf.fingerprint(algorithm):
        message = "the signed reference to the signing certificate does not name the verified one"
        raise _Refused(SubIndication.NO_SIGNING_CERTIFICATE_FOUND, message, signer)
    # signxml 5.2 accepts a signature without any policy even when one is expected.
    if policy is not None:
        found = properties.find("xades:SignaturePolicyIdentifier/xades:SignaturePolicyId", NS)
        hashed = found.find("xades:SigPolicyHash", NS) if found is not None else None
        if (
            found is None
            or found.findtext("xades:SigPolicyId/xades:Identifier", None, NS) != policy.identifier
            or hashed is None
            or _method(hashed) != D.SHA256.value
            or _digest_of(hashed) != _b64(policy.digest_sha256_b64)
        ):
            message = f"the signature is not made under policy {policy.identifier}"
            raise _Refused(SubIndication.SIG_CONSTRAINTS_FAILURE, message, signer)


def _method(parent: etree._Element) -> str | None:
    method = parent.find("ds:DigestMethod", NS)
    return method.get("Algorithm") if method is not None else None


def _digest_of(parent: etree._Element) -> bytes:
    return _b64(parent.findtext("ds:DigestValue", None, NS))


def _read(read: Callable, *args: object) -> Any:
    """``read(*args)``, a malformed part of the document being a FORMAT_FAILURE."""
    try:
        return read(*args)
    except BadInput as exc:
        raise _format(exc.message) from None


def _verify(
    data: bytes,
    trust: TrustStore,
    root_tag: str,
    now: datetime,
    policy: SignaturePolicy | None,
    limit: int,
    tsa_trust: Sequence[x509.Certificate] = (),
    revocation: RevocationSource | None = None,
    evidence_record: bytes | None = None,
) -> VerificationReport:
    try:
        root = parse_xml(data, max_bytes=limit)
    except XMLRejected as exc:
        raise _format(exc.message) from None
    signature = _signature(root, root_tag)
    claims = signature.findall(f"{PROPERTIES}/xades:SigningTime", NS)
    if len(claims) != 1:
        raise _format("the signature must carry exactly one xades:SigningTime")
    # Read from the unverified document only to choose the validation time; compared with the signed one.
    claimed = _time(claims[0].text)
    try:
        results, leaf = _signxml(data, trust, claimed)
    except InvalidCertificate as exc:
        raise _certificate_refusal(data, signature, trust, claimed, str(exc)) from None
    except SIGNXML_ERRORS as exc:
        raise _signxml_refusal(exc) from None
    signed_xml = _whole_document(results, root_tag)
    properties = next(r.signed_properties for r in results if hasattr(r, "signed_properties"))
    signing_time = _time(properties.findtext("xades:SigningTime", None, NS))
    signer = leaf.subject.rfc4514_string()
    if signing_time != claimed:
        raise _format("the SigningTime read before verification is not the signed one")
    _check_key(leaf, signer)
    _check_signed_properties(properties, leaf, policy, signer)
    if signing_time > now + CLOCK_SKEW:
        raise _Refused(
            SubIndication.SIG_CONSTRAINTS_FAILURE, f"signed at {signing_time}, after {now}", signer
        )
    archived, unarchived = archive_proof(data, evidence_record, tsa_trust, now)
    stamps = _read(verified_signature_time_stamps, root, tsa_trust, now, archived)
    stamps = without_revoked_tsa(stamps, _read(time_stamp_validation_data, root), tsa_trust)
    stamped = best_signature_time(stamps.times)
    if earlier_than_claimed(stamped, signing_time):
        message = f"the signature time-stamp ({stamped}) is earlier than the claimed signing time"
        raise _Refused(SubIndication.SIG_CONSTRAINTS_FAILURE, message, signer)
    unproved = f"; a signature time-stamp proves nothing: {stamps.problems[0]}" if stamps.problems else ""
    unproved += unarchived
    status, long_term = _read(signer_revocation_status, root, leaf, trust.anchors, revocation, stamped, now)
    if status.revoked_at is not None and (stamped is None or stamped >= status.revoked_at):
        when = f"not after the earliest time-stamp ({stamped})" if stamped else "with no time-stamp"
        message = f"the certificate was revoked ({status.reason}) at {status.revoked_at}, {when}"
        raise _Refused(SubIndication.REVOKED_NO_POE, message, signer)
    if now > leaf.not_valid_after_utc and (stamped is None or stamped > leaf.not_valid_after_utc):
        message = "the certificate has expired since signing, and nothing proves when the signature existed"
        if stamped is not None:
            message = f"the certificate expired before the earliest signature time-stamp ({stamped})"
        raise _Refused(SubIndication.OUT_OF_BOUNDS_NO_POE, message + unproved, signer)
    return VerificationReport(
        Indication.TOTAL_PASSED,
        None,
        f"the signature is valid{unproved}",
        signer,
        signing_time,
        signed_xml,
        leaf,
        receipt_identity(results[0].signature_xml),
        level=level_with(("LT" if long_term else "T") if stamped else "B", archived),
        time_stamp_time=stamped,
    )


def verify_signed_document(
    data: bytes,
    trust: TrustStore,
    *,
    expected_root: str,
    now: datetime | None = None,
    expected_policy: SignaturePolicy | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    tsa_trust: Sequence[x509.Certificate] = (),
    revocation: RevocationSource | None = None,
    evidence_record: bytes | None = None,
) -> VerificationReport:
    """Verify one signed document; ``expected_root`` is a Clark-notation tag such as ``{urn:x}Receipt``;
    ``tsa_trust``: the TSA certificates (pinned, or their CAs) its time-stamps may chain to;
    ``revocation``: where to ask for the signer's revocation status when the document embeds none;
    ``evidence_record``: the RFC 6283 record archived for this document, if any."""
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must carry a time zone")
    try:
        extended = (tsa_trust, revocation, evidence_record)
        return _verify(data, trust, expected_root, now, expected_policy, max_bytes, *extended)
    except _Refused as refused:
        return refused.report
