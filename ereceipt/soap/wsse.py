"""WS-Security 1.1 X.509 token profile signatures on SOAP messages (OASIS WSS), checked with xmlsec.

A signed message carries in ``wsse:Security`` a ``wsu:Timestamp``, a ``wsse:BinarySecurityToken``
with the signer's certificate and one ``ds:Signature`` whose references cover the Body, the
Timestamp and every X-Road header. Checking is strict: the certificate must be the client's pinned
one, every wsu:Id unique, and the signed elements exactly the Body we process (the Envelope's
own Body, not a copy moved elsewhere), the Timestamp and the X-Road headers: nothing missing,
nothing else. Only then are the digests of those very elements and the signature value checked
(``dsig_verify``: libxml2's C14N for the digests, xmlsec for the signature value with the pinned
key). Signatures are made by ``dsig_sign``.
"""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from ereceipt.core.xml.namespaces import DS
from ereceipt.soap import dsig_sign, dsig_verify
from ereceipt.soap.faults import SoapFault

WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
X509_TOKEN = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"  # noqa: S105
BASE64 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
WSU_ID = f"{{{WSU}}}Id"
NS = {"wsse": WSSE, "wsu": WSU, "ds": DS}
# Paths are written with {namespace} names, not prefixes: lxml caches a compiled path only when no
# prefix map comes with it.
_WITH_ID = etree.XPath("//*[@wsu:Id]", namespaces=NS)


def _timestamp_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _ensure_id(element: etree._Element, prefix: str) -> str:
    value = element.get(WSU_ID)
    if not value:
        value = f"{prefix}-{os.urandom(10).hex()}"
        element.set(WSU_ID, value)
    return value


@lru_cache(maxsize=8)
def signing_material(key_pem: bytes, certificate_pem: bytes) -> tuple[dsig_sign.PrivateKey, str]:
    """The private key and the token's base64 DER, made once per key and process (cryptography's
    keys are immutable and safe to share between threads)."""
    certificate = x509.load_pem_x509_certificate(certificate_pem)
    key = serialization.load_pem_private_key(key_pem, password=None)
    return key, base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()


@lru_cache(maxsize=64)
def _pinned(certificate: x509.Certificate) -> tuple[bytes, xmlsec.Key]:
    """A pinned certificate's DER and its public key for xmlsec, made once per certificate and
    process. The key alone, without the certificate: a signature context copies the key it is
    given, and copying a certificate with it costs as much as checking the signature."""
    public = certificate.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key = xmlsec.Key.from_memory(public, xmlsec.constants.KeyDataFormatPem)
    return certificate.public_bytes(serialization.Encoding.DER), key


def sign_envelope(
    envelope: etree._Element,
    signed: list[etree._Element],
    key_pem: bytes,
    certificate_pem: bytes,
    *,
    lifetime: timedelta = timedelta(minutes=5),
    now: datetime | None = None,
) -> None:
    """Add a Timestamp, a BinarySecurityToken and a Signature over the Timestamp and ``signed``."""
    soap = etree.QName(envelope).namespace
    header = envelope.find(f"{{{soap}}}Header")
    if header is None:
        header = etree.Element(f"{{{soap}}}Header")
        envelope.insert(0, header)
    security = header.find(f"{{{WSSE}}}Security")
    if security is None:
        security = etree.SubElement(header, f"{{{WSSE}}}Security", nsmap={"wsse": WSSE, "wsu": WSU})
    moment = now or datetime.now(UTC)
    timestamp = etree.SubElement(security, f"{{{WSU}}}Timestamp")
    etree.SubElement(timestamp, f"{{{WSU}}}Created").text = _timestamp_text(moment)
    etree.SubElement(timestamp, f"{{{WSU}}}Expires").text = _timestamp_text(moment + lifetime)
    key, token_text = signing_material(key_pem, certificate_pem)
    token = etree.SubElement(
        security, f"{{{WSSE}}}BinarySecurityToken", ValueType=X509_TOKEN, EncodingType=BASE64
    )
    token.text = token_text
    token_id = _ensure_id(token, "token")
    references = [
        (_ensure_id(element, f"part{index}"), element) for index, element in enumerate([timestamp, *signed])
    ]
    signature = dsig_sign.sign(security, references, key)
    reference = etree.SubElement(
        etree.SubElement(signature.find(f"{{{DS}}}KeyInfo"), f"{{{WSSE}}}SecurityTokenReference"),
        f"{{{WSSE}}}Reference",
    )
    reference.set("URI", "#" + token_id)
    reference.set("ValueType", X509_TOKEN)


def _only(parent: etree._Element, tag: str, what: str) -> etree._Element:
    found = parent.findall(tag)
    if len(found) != 1:
        raise SoapFault("InvalidSecurityHeader", f"wsse:Security must hold exactly one {what}")
    return found[0]


def _check_timestamp(timestamp: etree._Element, now: datetime, skew: timedelta) -> None:
    try:
        created = datetime.fromisoformat(timestamp.findtext(f"{{{WSU}}}Created", "").replace("Z", "+00:00"))
        expires = datetime.fromisoformat(timestamp.findtext(f"{{{WSU}}}Expires", "").replace("Z", "+00:00"))
    except ValueError:
        raise SoapFault(
            "InvalidSecurityHeader", "wsu:Timestamp needs Created and Expires date-times"
        ) from None
    if created.tzinfo is None or expires.tzinfo is None:
        raise SoapFault("InvalidSecurityHeader", "wsu:Timestamp times must carry a time zone")
    if created > now + skew:
        raise SoapFault("TimestampInFuture", "wsu:Timestamp Created is later than the allowed clock skew")
    if created < now - skew or expires < now - skew:
        raise SoapFault(
            "TimestampExpired", "wsu:Timestamp is older than the allowed clock skew or has expired"
        )


def verify_envelope(
    envelope: etree._Element,
    required: list[etree._Element],
    pinned: x509.Certificate,
    *,
    skew: timedelta,
    now: datetime | None = None,
) -> None:
    """Raise ``SoapFault`` unless signed by ``pinned`` over exactly the Timestamp and ``required``."""
    soap = etree.QName(envelope).namespace
    header = envelope.find(f"{{{soap}}}Header")
    securities = [] if header is None else header.findall(f"{{{WSSE}}}Security")
    if not securities:
        raise SoapFault("MissingSignature", "the message carries no WS-Security signature")
    if len(securities) > 1:
        raise SoapFault("InvalidSecurityHeader", "the message carries more than one wsse:Security header")
    security = securities[0]
    if len(list(envelope.iter(f"{{{DS}}}Signature"))) != 1:
        raise SoapFault("InvalidSecurityHeader", "the message must carry exactly one ds:Signature")
    signature = _only(security, f"{{{DS}}}Signature", "ds:Signature")
    timestamp = _only(security, f"{{{WSU}}}Timestamp", "wsu:Timestamp")
    token = _only(security, f"{{{WSSE}}}BinarySecurityToken", "wsse:BinarySecurityToken")
    pinned_der, pinned_key = _pinned(pinned)
    try:
        carried = base64.b64decode("".join((token.text or "").split()))
    except ValueError:
        carried = b""
    if carried != pinned_der:  # certificates are equal when their DER is: parse only to say why not
        try:
            x509.load_der_x509_certificate(carried)
        except ValueError:
            raise SoapFault(
                "InvalidSecurityHeader", "wsse:BinarySecurityToken is not an X.509 certificate"
            ) from None
        raise SoapFault(
            "WrongCertificate", "the message is not signed with the certificate pinned for this client"
        )
    by_id: dict[str, etree._Element] = {}
    for element in _WITH_ID(envelope):
        value = element.get(WSU_ID)
        if value in by_id:
            raise SoapFault("InvalidSecurityHeader", f"wsu:Id {value!r} appears more than once")
        by_id[value] = element
    info = dsig_verify.read(signature)
    referenced = []
    for reference in info.references:
        uri = reference.uri
        if not uri.startswith("#") or uri[1:] not in by_id:
            raise SoapFault(
                "SignatureCoverage", f"signature reference {uri!r} does not name an element of the message"
            )
        referenced.append(by_id[uri[1:]])
    expected = [timestamp, *required]
    if len(referenced) != len(expected) or {id(e) for e in referenced} != {id(e) for e in expected}:
        raise SoapFault(
            "SignatureCoverage",
            "the signature must cover exactly the SOAP Body, the wsu:Timestamp and the X-Road headers",
        )
    # The digests are taken over these very elements, the ones the endpoint goes on to process.
    dsig_verify.verify(info, referenced, pinned_key)
    _check_timestamp(timestamp, now or datetime.now(UTC), skew)
