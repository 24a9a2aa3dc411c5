"""XAdES-LT: the validation data embedded in a receipt's signature (ETSI EN 319 132-1 5.5, baseline LT).

A receipt at level T gains, in xades:UnsignedSignatureProperties after its signature time-stamp:
xades:CertificateValues (the signer's certificate and its chain), xades:RevocationValues (CRLs in
xades:CRLValues, then OCSP responses in xades:OCSPValues, each an Encapsulated...Value in base64
DER) for the signer's certificate, and xades141:TimeStampValidationData holding the same two for
the TSA's certificate, less what the signer's already hold: a CA certificate or CRL common to both
is embedded once (ten million receipts a year would otherwise store it twice each), and the TSA's
data is read together with the signer's. With them the receipt verifies with no network. Like the
time-stamp, these are unsigned properties: the signature value and the receipt's identity digest
do not change. What is embedded is only ever read as candidates: the verifier trusts its pinned
anchors, never these.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from ereceipt.core.errors import BadInput
from ereceipt.core.signatures.revocation import (
    RevocationData,
    RevocationSource,
    RevocationStatus,
    RevocationUnavailable,
    chain_issuers,
    revocation_status,
)
from ereceipt.core.signatures.xades_t import UNSIGNED, SignatureLevel, level_of, signature_of
from ereceipt.core.xml.namespaces import XADES, XADES141


@dataclass(frozen=True)
class ValidationData:
    """The certificates and revocation data that validate one certificate (a signer's or a TSA's)."""

    certificates: tuple[x509.Certificate, ...]
    revocation: RevocationData


def _x(name: str) -> str:
    return f"{{{XADES}}}{name}"


def _encapsulated(parent: etree._Element, tag: str, values: list[bytes]) -> None:
    for value in values:
        etree.SubElement(parent, _x(tag)).text = base64.b64encode(value).decode()


def _values(parent: etree._Element, data: ValidationData) -> None:
    certificates = etree.SubElement(parent, _x("CertificateValues"))
    der = [c.public_bytes(serialization.Encoding.DER) for c in data.certificates]
    _encapsulated(certificates, "EncapsulatedX509Certificate", der)
    revocation = etree.SubElement(parent, _x("RevocationValues"))
    if data.revocation.crls:
        crls = etree.SubElement(revocation, _x("CRLValues"))
        _encapsulated(crls, "EncapsulatedCRLValue", list(data.revocation.crls))
    if data.revocation.ocsp_responses:
        ocsp = etree.SubElement(revocation, _x("OCSPValues"))
        _encapsulated(ocsp, "EncapsulatedOCSPValue", list(data.revocation.ocsp_responses))


def _properties(document: etree._Element) -> etree._Element:
    properties = signature_of(document).find(UNSIGNED)
    if properties is None or properties.find(_x("SignatureTimeStamp")) is None:
        raise BadInput("the receipt has no signature time-stamp: level LT builds on level T")
    return properties


def is_long_term(document: etree._Element) -> bool:
    """Whether the signature carries the validation data of level LT."""
    return level_of(document) is SignatureLevel.LT


def add_validation_data(
    document: etree._Element, signer: ValidationData, tsa: ValidationData
) -> etree._Element:
    """A copy of the level-T ``document`` with the validation data of its signer and of its TSA."""
    if is_long_term(document):
        raise BadInput("the receipt already carries its validation data")
    document = deepcopy(document)
    properties = _properties(document)
    _values(properties, signer)
    stamp = properties.find(_x("SignatureTimeStamp"))
    stamp_data = etree.SubElement(properties, f"{{{XADES141}}}TimeStampValidationData")
    if stamp.get("Id"):
        stamp_data.set("URI", f"#{stamp.get('Id')}")
    _values(stamp_data, _less(tsa, signer))
    return document


def _less(data: ValidationData, present: ValidationData) -> ValidationData:
    """``data`` without the certificates and revocation values ``present`` already holds."""
    revocation = RevocationData(
        tuple(crl for crl in data.revocation.crls if crl not in present.revocation.crls),
        tuple(r for r in data.revocation.ocsp_responses if r not in present.revocation.ocsp_responses),
    )
    certificates = tuple(c for c in data.certificates if c not in present.certificates)
    return ValidationData(certificates, revocation)


def validation_data(
    chain: Sequence[x509.Certificate], source: RevocationSource, stamped: datetime
) -> ValidationData:
    """The chain (a certificate first, then its issuers) and the revocation data for its first
    certificate that ``source`` gives now, once its issuer signed it and it speaks of the time after
    the time-stamp (``stamped``); else it raises ``RevocationUnavailable``: the data is asked again
    later (a CA that publishes CRLs only now and then needs a CRL issued after the time-stamp)."""
    if len(chain) < 2:
        raise BadInput("a chain for validation data needs a certificate and its issuer")
    data = source.revocation_data(chain[0], chain[1])
    status = revocation_status(chain[0], chain[1], data)
    if status.revoked_at is None and not status.fresh(stamped, stamped):
        subject = chain[0].subject.rfc4514_string()
        raise RevocationUnavailable(f"no revocation data on {subject} signed by its issuer after {stamped}")
    return ValidationData(tuple(chain), data)


def upgrade_to_lt(
    document: etree._Element,
    signer_chain: Sequence[x509.Certificate],
    tsa_chain: Sequence[x509.Certificate],
    source: RevocationSource,
    stamped: datetime,
) -> etree._Element:
    """The level-T receipt, time-stamped at ``stamped``, at level LT: the chains given (pinned or
    configured, never read from the receipt) with the revocation data ``source`` gives for the
    signer and for the TSA now. A CA out of reach raises ``RevocationUnavailable``: the receipt
    then stays at level T, unchanged."""
    if level_of(document) is not SignatureLevel.T:
        return document
    signer = validation_data(signer_chain, source, stamped)
    return add_validation_data(document, signer, validation_data(tsa_chain, source, stamped))


def _decoded(parent: etree._Element | None, path: str) -> list[bytes]:
    if parent is None:
        return []
    values = []
    for element in parent.findall(path):
        try:
            values.append(base64.b64decode("".join((element.text or "").split()), validate=True))
        except ValueError:
            raise BadInput(f"{etree.QName(element).localname} holds no base64 value") from None
    return values


def _read(parent: etree._Element | None) -> ValidationData:
    certificates = []
    for der in _decoded(parent, f"{_x('CertificateValues')}/{_x('EncapsulatedX509Certificate')}"):
        try:
            certificates.append(x509.load_der_x509_certificate(der))
        except ValueError:
            raise BadInput("an EncapsulatedX509Certificate holds no certificate") from None
    revocation = _x("RevocationValues")
    crls = _decoded(parent, f"{revocation}/{_x('CRLValues')}/{_x('EncapsulatedCRLValue')}")
    responses = _decoded(parent, f"{revocation}/{_x('OCSPValues')}/{_x('EncapsulatedOCSPValue')}")
    return ValidationData(tuple(certificates), RevocationData(tuple(crls), tuple(responses)))


def signer_validation_data(document: etree._Element) -> ValidationData:
    """The signer's embedded certificates and revocation data (empty below level LT)."""
    return _read(signature_of(document).find(UNSIGNED))


def time_stamp_validation_data(document: etree._Element) -> ValidationData:
    """The TSA's embedded certificates and revocation data (empty below level LT): those of its
    xades141:TimeStampValidationData, then the signer's, which hold what both need only once."""
    properties = signature_of(document).find(UNSIGNED)
    found = properties.find(f"{{{XADES141}}}TimeStampValidationData") if properties is not None else None
    own, signer = _read(found), _read(properties)
    return ValidationData(
        own.certificates + signer.certificates,
        RevocationData(
            own.revocation.crls + signer.revocation.crls,
            own.revocation.ocsp_responses + signer.revocation.ocsp_responses,
        ),
    )


def signer_revocation_status(
    document: etree._Element,
    leaf: x509.Certificate,
    anchors: Sequence[x509.Certificate],
    source: RevocationSource | None,
    best: datetime | None,
    now: datetime,
) -> tuple[RevocationStatus, bool]:
    """The status of the verified signing certificate ``leaf`` by the revocation data ``document``
    embeds, else (none, or none that can say "not revoked" of a signature proved to exist at
    ``best``) by ``source``; and whether the embedded data alone established it (level LT)."""
    embedded = signer_validation_data(document)
    issuers = chain_issuers(leaf, anchors, embedded.certificates)
    if not issuers:
        return RevocationStatus(False, problems=("no issuer of the signing certificate is pinned",)), False
    status = revocation_status(leaf, issuers[0], embedded.revocation)
    if status.revoked_at is not None or status.fresh(best, now):
        return status, True
    if source is None:
        return RevocationStatus(False, problems=status.problems), False
    try:
        status = revocation_status(leaf, issuers[0], source.revocation_data(leaf, issuers[0]))
    except RevocationUnavailable as exc:
        return RevocationStatus(False, problems=(exc.message,)), False
    known = status.revoked_at is not None or status.fresh(best, now)
    return status if known else RevocationStatus(False, problems=status.problems), False
