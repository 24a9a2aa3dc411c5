"""Pinned trust anchors for verifying signatures (RFC 5280 path validation, via signxml and cryptography).

A ``TrustStore`` holds the CA certificates of one configured PEM file, read once at start. The
verifier hands them to signxml from memory: signxml would otherwise re-read the file on every
call, and with no file at all it silently trusts certifi's public web CAs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.x509.verification import Criticality, ExtensionPolicy, Store
from signxml.util import X509CertChainVerifier
from signxml.xades import XAdESVerifier

from ereceipt.core.errors import ConfigurationError
from ereceipt.core.signatures.pki import is_ca, issued_by


@dataclass(frozen=True)
class TrustStore:
    """Pinned trust anchors: the CA certificates of one configured PEM file, read once."""

    pem_file: Path
    anchors: tuple[x509.Certificate, ...]

    @classmethod
    def from_pem_file(cls, path: Path) -> TrustStore:
        path = Path(path)
        try:
            anchors = tuple(x509.load_pem_x509_certificates(path.read_bytes()))
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "no readable PEM certificate"
            raise ConfigurationError(f"trust anchors {path}: {reason}", setting=str(path)) from None
        for anchor in anchors:
            if not is_ca(anchor):
                raise ConfigurationError(f"trust anchors {path}: {anchor.subject.rfc4514_string()} is no CA")
        return cls(path, anchors)

    def reaches_anchor(self, certificate: x509.Certificate, carried: list[x509.Certificate]) -> bool:
        """Whether issuer signatures link ``certificate`` to an anchor; only to explain a refusal."""
        path = [certificate]
        while not any(issued_by(path[-1], anchor) for anchor in self.anchors):
            parent = next((c for c in carried if c not in path and issued_by(path[-1], c)), None)
            if parent is None:
                return False
            path.append(parent)
        return True


def _digital_signature(policy: object, certificate: object, usage: x509.KeyUsage | None) -> None:
    if usage is None or not usage.digital_signature:
        raise ValueError("the keyUsage of the signing certificate does not allow digitalSignature")


class PinnedChain(X509CertChainVerifier):
    """signxml's chain check, with the pinned anchors from memory; remembers the leaf it verified."""

    def __init__(self, anchors: tuple[x509.Certificate, ...], at: datetime) -> None:
        leaf_policy = ExtensionPolicy.permit_all().require_present(
            x509.KeyUsage, Criticality.AGNOSTIC, _digital_signature
        )
        # ca_pem_file must not be None: signxml would then trust certifi's public web CAs.
        super().__init__(
            "(pinned)", at, ee_policy=leaf_policy, ca_policy=ExtensionPolicy.webpki_defaults_ca()
        )
        self._store, self.leaf = Store(list(anchors)), None

    @property
    def store(self) -> Store:
        return self._store

    def verify(self, cert_chain: list[x509.Certificate]) -> x509.Certificate:
        self.leaf = super().verify(cert_chain)
        return self.leaf


class PinnedVerifier(XAdESVerifier):
    def __init__(self, anchors: tuple[x509.Certificate, ...]) -> None:
        self.anchors, self.chain = anchors, None

    def get_cert_chain_verifier(
        self, ca_pem_file: object, ee_policy: object, ca_policy: object
    ) -> PinnedChain:
        self.chain = PinnedChain(self.anchors, self._get_cert_verification_time())
        return self.chain
