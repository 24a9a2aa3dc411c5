"""RFC 3161 time-stamps: the request core sends, the token it reads back, and the token's verification.

Core needs one thing from a time-stamping authority (``TimeStampAuthority``): a time-stamp token
over a digest, SHA-256 by default and SHA-384 or SHA-512 for archive time-stamps under a stronger
hash (RFC 6283 hash-tree renewal). An adapter carries the request over HTTP (RFC 3161 section 3.4); the
development TSA (``core.signatures.development_tsa``) answers it. A token is a CMS SignedData
(RFC 5652) whose content is a TSTInfo; it is accepted only when its messageImprint is the digest
asked for, its signature verifies with the TSA certificate it names, that certificate is
for time-stamping alone (extendedKeyUsage id-kp-timeStamping, critical: RFC 3161 section 2.3) and
chains to the configured TSA trust, and the genTime lies within that certificate's validity.
ASN.1 is read and written by asn1crypto; signatures are checked by cryptography.
"""

from __future__ import annotations

import hashlib
import secrets
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from asn1crypto import algos, cms, core, tsp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from ereceipt.core.errors import TransientOutage, VerificationFailed
from ereceipt.core.signatures.pki import issued_by

IMPRINT_HASHES = ("sha256", "sha384", "sha512")  # what a message imprint may be made with
REQUEST_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
# What asn1crypto raises on bytes that are not the structure asked for.
ASN1_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError)


class TimeStampReply(core.Sequence):
    """TimeStampResp (RFC 3161 2.4.2) with its token optional, as the RFC has it (asn1crypto's is not)."""

    _fields: ClassVar = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


class TimeStampUnavailable(TransientOutage):
    """The TSA could not be reached or refused the request for now; the time-stamp is to be asked again."""

    code = "TSA_UNAVAILABLE"


class TimeStampAuthority(ABC):
    """What core needs from a TSA: a token (DER ContentInfo) over ``digest`` made with ``algorithm``
    (one of ``IMPRINT_HASHES``)."""

    @abstractmethod
    def time_stamp(self, digest: bytes, algorithm: str = "sha256") -> bytes:
        """Raises ``TimeStampUnavailable`` when the TSA is out of reach or refuses."""


@dataclass(frozen=True)
class TimeStamp:
    """A verified token: when it says the digest existed, and the TSA certificate that says so."""

    gen_time: datetime
    tsa_certificate: x509.Certificate
    token: bytes


def request(digest: bytes, nonce: int | None = None, algorithm: str = "sha256") -> tuple[bytes, int]:
    """A DER TimeStampReq over ``digest`` (made with ``algorithm``) asking for the TSA's certificate,
    and its nonce."""
    nonce = nonce if nonce is not None else secrets.randbits(63)
    message = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {"hash_algorithm": {"algorithm": algorithm}, "hashed_message": digest},
            "nonce": nonce,
            "cert_req": True,
        }
    )
    return message.dump(), nonce


def token_from_reply(reply: bytes, digest: bytes, nonce: int) -> bytes:
    """The token of a TimeStampResp answering ``request(digest, nonce)``; raises TimeStampUnavailable."""
    try:
        response = TimeStampReply.load(reply)
        status = response["status"]["status"].native
        if status not in ("granted", "granted_with_mods"):
            text = response["status"]["status_string"].native or []
            raise TimeStampUnavailable(f"the TSA refused the request: {status} {' '.join(text)}".strip())
        token = response["time_stamp_token"]
        info = token["content"]["encap_content_info"]["content"].parsed
        imprint = info["message_imprint"]["hashed_message"].native
        answered = info["nonce"].native
        data = token.dump()
    except ASN1_ERRORS as exc:
        raise TimeStampUnavailable(f"the TSA's reply is not a TimeStampResp: {exc}") from None
    if imprint != digest or answered != nonce:
        raise TimeStampUnavailable("the TSA's reply answers another request (imprint or nonce differ)")
    return data


def _is_time_stamping(certificate: x509.Certificate) -> bool:
    try:
        extension = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        return False
    return extension.critical and list(extension.value) == [ExtendedKeyUsageOID.TIME_STAMPING]


def _check_signature(certificate: x509.Certificate, signer: cms.SignerInfo, signed: bytes) -> None:
    key = certificate.public_key()
    digest = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}.get(
        signer["digest_algorithm"]["algorithm"].native
    )
    if digest is None:
        raise VerificationFailed("the time-stamp's digest algorithm is not allowed")
    value = signer["signature"].native
    if isinstance(key, rsa.RSAPublicKey):
        key.verify(value, signed, padding.PKCS1v15(), digest)
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(value, signed, ec.ECDSA(digest))
    else:
        raise VerificationFailed("the TSA's key is neither RSA nor EC")


def verify_token(
    token: bytes, digest: bytes, anchors: list[x509.Certificate], algorithm: str = "sha256"
) -> TimeStamp:
    """The token over ``digest`` (made with ``algorithm``, one of ``IMPRINT_HASHES``), verified against
    the TSA ``anchors`` (pinned TSA certificates or the CAs that issue them); raises
    VerificationFailed naming what does not hold."""
    if algorithm not in IMPRINT_HASHES or len(digest) != hashlib.new(algorithm).digest_size:
        raise VerificationFailed(f"a time-stamp over a {algorithm} digest is not accepted")
    try:
        content = cms.ContentInfo.load(token)
        signed_data = content["content"]
        encapsulated = signed_data["encap_content_info"]
        if (
            content["content_type"].native != "signed_data"
            or encapsulated["content_type"].native != "tst_info"
        ):
            raise VerificationFailed("the token is not a SignedData over a TSTInfo")
        info_der = encapsulated["content"].contents
        info = tsp.TSTInfo.load(info_der)
        (signer,) = signed_data["signer_infos"]
        carried = [x509.load_der_x509_certificate(c.chosen.dump()) for c in signed_data["certificates"] or []]
        attributes = {a["type"].native: a["values"][0] for a in signer["signed_attrs"]}
        signed_attributes = signer["signed_attrs"].untag().dump()
        serial = signer["sid"].chosen["serial_number"].native
        imprint = info["message_imprint"]
        gen_time = info["gen_time"].native
    except ASN1_ERRORS as exc:
        raise VerificationFailed(f"the time-stamp token is malformed: {exc}") from None
    if (
        imprint["hash_algorithm"]["algorithm"].native != algorithm
        or imprint["hashed_message"].native != digest
    ):
        raise VerificationFailed("the time-stamp's message imprint is not the digest of what it should cover")
    if attributes.get("content_type") is None or attributes["content_type"].native != "tst_info":
        raise VerificationFailed("the time-stamp's signed attributes lack the TSTInfo content type")
    message_digest = attributes.get("message_digest")
    if message_digest is None or message_digest.native != _digest(signer["digest_algorithm"], info_der):
        raise VerificationFailed("the time-stamp's signed digest is not that of its TSTInfo")
    certificate = next((c for c in carried if c.serial_number == serial), None)
    if certificate is None:
        raise VerificationFailed("the time-stamp does not carry its TSA certificate")
    try:
        _check_signature(certificate, signer, signed_attributes)
    except InvalidSignature:
        raise VerificationFailed("the time-stamp's signature does not verify") from None
    if not _is_time_stamping(certificate):
        raise VerificationFailed("the TSA certificate is not for time-stamping only (critical EKU)")
    if not any(certificate == a or issued_by(certificate, a) for a in anchors):
        raise VerificationFailed("the TSA certificate is neither pinned nor issued by the TSA trust")
    if not certificate.not_valid_before_utc <= gen_time <= certificate.not_valid_after_utc:
        raise VerificationFailed("the time-stamp's genTime is outside its TSA certificate's validity")
    return TimeStamp(gen_time, certificate, token)


def _digest(algorithm: algos.DigestAlgorithm, data: bytes) -> bytes:
    name = algorithm["algorithm"].native
    if name not in ("sha256", "sha384", "sha512"):
        raise VerificationFailed(f"digest algorithm {name} is not allowed in a time-stamp")
    return hashlib.new(name, data).digest()
