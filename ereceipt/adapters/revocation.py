"""Revocation data over HTTP: a CRL fetched by GET (RFC 5280 4.2.1.13) and an OCSP answer asked by
POST (RFC 6960 appendix A.1): the ``RevocationSource`` core needs for level LT.

The URLs are the configured ones (``[signature] crl_url``, ``ocsp_url``) when given, else those the
certificate names in its CRL distribution points and authority information access. Both are asked;
one answer suffices. When neither answers (no URL, no connection, a timeout, another status or
type, too large a body) the result is ``RevocationUnavailable``: receipts wait at level T. The
answers on one certificate may be kept a short while (``keep_seconds``), for verifying pages.
"""

from __future__ import annotations

import threading
import time

import requests
from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID

from ereceipt.adapters.tsa import socket_reason
from ereceipt.core.signatures.development_ca import CRL_TYPE, OCSP_REQUEST_TYPE, OCSP_RESPONSE_TYPE
from ereceipt.core.signatures.revocation import RevocationData, RevocationUnavailable, ocsp_request

MAX_REPLY_BYTES = 4 * 1024 * 1024  # a CRL of a large CA is megabytes; an OCSP answer a few kilobytes


def _crl_urls(certificate: x509.Certificate) -> list[str]:
    try:
        points = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return []
    names = [name for point in points for name in point.full_name or ()]
    return [n.value for n in names if isinstance(n, x509.UniformResourceIdentifier)]


def _ocsp_urls(certificate: x509.Certificate) -> list[str]:
    try:
        access = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return []
    return [
        d.access_location.value
        for d in access
        if d.access_method == AuthorityInformationAccessOID.OCSP
        and isinstance(d.access_location, x509.UniformResourceIdentifier)
    ]


class HttpRevocationSource:
    def __init__(
        self,
        *,
        crl_url: str = "",
        ocsp_url: str = "",
        timeout_seconds: float = 10,
        keep_seconds: float = 0,
        session: requests.Session | None = None,
    ) -> None:
        self.crl_url, self.ocsp_url, self.timeout = crl_url, ocsp_url, timeout_seconds
        self.session = session or requests.Session()
        self.round_trips = 0
        self._counting = threading.Lock()
        self.keep_seconds = keep_seconds  # answers reused this long: verifying pages ask the CA less
        self._kept: dict[tuple, tuple[float, RevocationData | RevocationUnavailable]] = {}

    def _ask(self, method: str, url: str, kind: str, body: bytes | None = None) -> bytes:
        with self._counting:
            self.round_trips += 1
        headers = {"Content-Type": OCSP_REQUEST_TYPE} if body is not None else {}
        try:
            response = self.session.request(
                method, url, data=body, headers=headers, timeout=self.timeout, stream=True
            )
            data = response.raw.read(MAX_REPLY_BYTES + 1, decode_content=True)
        except (requests.RequestException, OSError) as exc:
            raise RevocationUnavailable(f"{url}: {socket_reason(exc)}") from None
        answered = response.headers.get("Content-Type", "").split(";")[0].strip()
        if response.status_code != 200 or answered != kind:
            raise RevocationUnavailable(f"{url} answered HTTP {response.status_code} {answered or 'untyped'}")
        if len(data) > MAX_REPLY_BYTES:
            raise RevocationUnavailable(f"{url} answered more than {MAX_REPLY_BYTES} bytes")
        return data

    def revocation_data(self, certificate: x509.Certificate, issuer: x509.Certificate) -> RevocationData:
        key = (certificate.serial_number, certificate.issuer.rfc4514_string())
        kept = self._kept.get(key)
        if kept is None or time.monotonic() - kept[0] >= self.keep_seconds:
            try:
                kept = (time.monotonic(), self._ask_now(certificate, issuer))
            except RevocationUnavailable as exc:
                kept = (time.monotonic(), exc)  # an outage is kept too: pages do not wait on each view
            if self.keep_seconds:
                self._kept[key] = kept
        if isinstance(kept[1], RevocationUnavailable):
            raise kept[1]
        return kept[1]

    def _ask_now(self, certificate: x509.Certificate, issuer: x509.Certificate) -> RevocationData:
        crls, responses, problems = [], [], []
        for url in [self.crl_url] if self.crl_url else _crl_urls(certificate)[:1]:
            try:
                crls.append(self._ask("GET", url, CRL_TYPE))
            except RevocationUnavailable as exc:
                problems.append(exc.message)
        for url in [self.ocsp_url] if self.ocsp_url else _ocsp_urls(certificate)[:1]:
            try:
                responses.append(
                    self._ask("POST", url, OCSP_RESPONSE_TYPE, ocsp_request(certificate, issuer))
                )
            except RevocationUnavailable as exc:
                problems.append(exc.message)
        if not crls and not responses:
            subject = certificate.subject.rfc4514_string()
            raise RevocationUnavailable(
                f"no revocation data for {subject}: {'; '.join(problems) or 'no URL'}"
            )
        return RevocationData(tuple(crls), tuple(responses))
