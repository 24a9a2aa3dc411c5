"""WS-Security signing for zeep clients (OASIS WSS X.509 token profile), as X-Road message protocol 4.0 needs.

zeep's ``BinarySignature`` signs the Body and, when present, a Timestamp, with SHA-1 by default;
this subclass adds the Timestamp itself, signs the X-Road headers too, uses SHA-256, and checks
the answer's signature against the pinned certificate of the service it calls.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import xmlsec
from cryptography import x509
from lxml import etree
from zeep.exceptions import SignatureVerificationFailed
from zeep.wsse.signature import BinarySignature

from ereceipt.soap.faults import SoapFault
from ereceipt.soap.wsse import sign_envelope, verify_envelope
from ereceipt.soap.xroad import XROAD


def _parts(envelope: etree._Element) -> tuple[etree._Element, list[etree._Element]]:
    soap = etree.QName(envelope).namespace
    header = envelope.find(f"{{{soap}}}Header")
    xroad = [] if header is None else [e for e in header if etree.QName(e).namespace == XROAD]
    return envelope.find(f"{{{soap}}}Body"), xroad


class XRoadSignature(BinarySignature):
    def __init__(
        self,
        key_file: str | Path,
        certificate_file: str | Path,
        *,
        service_certificate: str | Path | None = None,
        skew: timedelta = timedelta(minutes=5),
    ) -> None:
        super().__init__(
            str(key_file),
            str(certificate_file),
            signature_method=xmlsec.Transform.RSA_SHA256,
            digest_method=xmlsec.Transform.SHA256,
        )
        self.service_certificate = (
            x509.load_pem_x509_certificate(Path(service_certificate).read_bytes())
            if service_certificate
            else None
        )
        self.skew = skew

    def apply(self, envelope, headers):
        body, xroad = _parts(envelope)
        sign_envelope(envelope, [body, *xroad], self.key_data, self.cert_data)
        return envelope, headers

    def verify(self, envelope):
        if self.service_certificate is not None:
            body, xroad = _parts(envelope)
            try:
                verify_envelope(envelope, [body, *xroad], self.service_certificate, skew=self.skew)
            except SoapFault as fault:
                raise SignatureVerificationFailed(f"{fault.code}: {fault.reason}") from None
        return envelope
