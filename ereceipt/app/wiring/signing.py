"""Wiring of signing and verification: the issuers' signers, the pinned trust, time-stamping (RFC 3161)
and the signer record."""

from __future__ import annotations

from functools import cached_property

from cryptography import x509

from ereceipt.app.wiring.keys import issuer_key_files, load_identity, signature_policy
from ereceipt.app.wiring.once import once
from ereceipt.core.errors import ConfigurationError
from ereceipt.core.signatures.trust import TrustStore
from ereceipt.core.signatures.verification import VerificationReport
from ereceipt.core.signatures.xades import IssuerSigners, ReceiptSigner, SignaturePolicy

REVOCATION_KEPT_SECONDS = 60  # a page verifying receipts of one signer asks its CA once a minute


class SigningParts:
    """The signing room of ``Services``."""

    @once
    def signer(self) -> ReceiptSigner:
        return ReceiptSigner(load_identity(self.settings), signature_policy(self.settings))

    @once
    def signers(self) -> IssuerSigners:
        """The signer of each issuer (``[signing_keys]``), each key read when its issuer first signs."""
        settings, policy = self.settings, signature_policy(self.settings)

        def find(code: str) -> ReceiptSigner | None:
            files = issuer_key_files(settings, code)
            return ReceiptSigner(load_identity(settings, *files), policy) if files else None

        configured = {code: find(code) for code, _key, _certificate in settings.signing_keys}
        default = self.signer() if settings.keys.signing_key.exists() or not configured else None
        return IssuerSigners(default, configured, find)

    @once
    def trust(self) -> TrustStore:
        return TrustStore.from_pem_file(self.settings.keys.trust_anchors)

    @cached_property
    def expected_policy(self) -> SignaturePolicy | None:
        return signature_policy(self.settings)

    def verify_receipt(self, data: bytes) -> VerificationReport:
        """Verify a signed receipt against the pinned trust anchors and the configured signature
        policy, then its signer against the record of the issuer named in it."""
        from ereceipt.core.signers.receipt_check import verify_receipt

        return verify_receipt(
            data,
            self.trust(),
            self.database,
            expected_policy=self.expected_policy,
            certificate_policy=self.settings.signature.certificate_policy or None,
            tsa_trust=self.tsa_trust(),
            revocation=self.kept_revocation_source(),
        )

    @once
    def tsa_trust(self) -> list[x509.Certificate]:
        """The TSA certificates trusted for time-stamps (``[signature] tsa_trust``), none if absent."""
        path = self.settings.signature.tsa_trust
        return x509.load_pem_x509_certificates(path.read_bytes()) if path.exists() else []

    @once
    def kept_revocation_source(self):
        """The revocation source of verification: answers kept a minute."""
        return self.revocation_source(keep_seconds=REVOCATION_KEPT_SECONDS)

    def revocation_source(self, keep_seconds: float = 0):
        """CRLs and OCSP answers over HTTP (``[signature] crl_url``, ``ocsp_url``, else the URLs each
        certificate names), each answer kept ``keep_seconds``."""
        from ereceipt.adapters.revocation import HttpRevocationSource

        signature = self.settings.signature
        return HttpRevocationSource(
            crl_url=signature.crl_url,
            ocsp_url=signature.ocsp_url,
            timeout_seconds=signature.revocation_timeout_seconds,
            keep_seconds=keep_seconds,
        )

    @once
    def development_ca(self):
        """The development CA's CRL and OCSP service, served at /ca/crl and /ca/ocsp: only when its
        key is in the keys directory (``ereceipt keys init``)."""
        from ereceipt.core.signatures.development_ca import DevelopmentCA
        from ereceipt.core.signatures.pki import DevelopmentPKI

        pki = DevelopmentPKI(self.settings.keys.directory)
        return DevelopmentCA.load(pki) if pki.ca_key.exists() and pki.ca_cert.exists() else None

    def time_stamp_authority(self):
        """The TSA of ``[signature] tsa_url`` (RFC 3161 over HTTP), or None when none is configured."""
        from ereceipt.adapters.tsa import HttpTimeStampAuthority

        signature = self.settings.signature
        if not signature.tsa_url:
            return None
        return HttpTimeStampAuthority(signature.tsa_url, timeout_seconds=signature.tsa_timeout_seconds)

    @once
    def development_tsa(self):
        """The development TSA served at /tsa: only when ``tsa_url`` is this server's own /tsa and
        its key exists (``ereceipt keys init``)."""
        from cryptography.hazmat.primitives import serialization

        from ereceipt.core.signatures.development_tsa import DevelopmentTSA

        signature, server = self.settings.signature, self.settings.server
        own = server.public_url.rstrip("/") + "/tsa"
        key, certificate = signature.development_tsa_key, signature.development_tsa_certificate
        if signature.tsa_url != own or not key.exists() or not certificate.exists():
            return None
        return DevelopmentTSA(
            x509.load_pem_x509_certificate(certificate.read_bytes()),
            serialization.load_pem_private_key(key.read_bytes(), None),
        )

    def put_signers_on_record(self, actor: str) -> list[str]:
        """Put on record, for every issuer, the certificate its configured key signs with when it is
        not on record for it yet (in use from the certificate's start; a retired one stays retired);
        what could not be, in words."""
        from sqlalchemy import select

        from ereceipt.core.errors import BadInput
        from ereceipt.core.receipts.tables import Issuer
        from ereceipt.core.signers.record import add_certificate, is_on_record

        problems = []
        with self.database.write() as session:
            for issuer in session.scalars(select(Issuer).order_by(Issuer.id)).all():
                try:
                    certificate = self.signers().for_issuer(issuer.code).identity.certificate
                    if is_on_record(session, issuer.id, certificate):
                        continue
                    start = certificate.not_valid_before_utc
                    with session.begin_nested():
                        add_certificate(session, issuer.code, certificate, actor=actor, valid_from=start)
                except (BadInput, ConfigurationError) as exc:
                    problems.append(f"issuer {issuer.code}: {exc}")
        return problems
