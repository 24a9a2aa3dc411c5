"""Wiring of keys: the development PKI and log key made when missing, and the signing identities the
settings name (``[keys]``, ``[signing_keys]``, ``[signature]``)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from ereceipt.core.signatures.pki import DevelopmentIssuer, ensure_development_pki
from ereceipt.core.signatures.signing_identity import SigningIdentity, load_signing_identity
from ereceipt.core.signatures.xades import SignaturePolicy
from ereceipt.settings import Settings

log = logging.getLogger("ereceipt")


def development_issuers() -> tuple[DevelopmentIssuer, ...]:
    """The demo agencies, each of which gets a signing key of its own in the development PKI."""
    from ereceipt.app.demo import ISSUERS

    return tuple(DevelopmentIssuer(code, name, tax_code) for code, name, tax_code, _address in ISSUERS)


def ensure_log_key(settings: Settings) -> bool:
    """Create a development transparency-log key (and its ``.vkey``) when it is missing and belongs
    in the keys directory."""
    from ereceipt.core.transparency.log_key import make_log_key

    log = settings.transparency
    if log.log_key.exists() or log.log_key.parent.resolve() != settings.keys.directory.resolve():
        return False
    make_log_key(log.log_key, log.origin)
    return True


def ensure_keys(settings: Settings) -> bool:
    """Create the development PKI when the configured key is missing and lives in the keys directory."""
    ensure_log_key(settings)
    keys = settings.keys
    if keys.signing_key.parent.resolve() != keys.directory.resolve():
        return False
    url = settings.server.public_url  # where `ereceipt serve` publishes the development CA's CRL and OCSP
    if keys.signing_key.exists():
        # adds missing issuer keys
        ensure_development_pki(keys.directory, issuers=development_issuers(), revocation_url=url)
        return False
    ensure_development_pki(keys.directory, issuers=development_issuers(), revocation_url=url)
    return True


def load_identity(
    settings: Settings, key: Path | None = None, certificate: Path | None = None
) -> SigningIdentity:
    """The ``[keys]`` signing identity, or the one of ``key`` and ``certificate`` (``[signing_keys]``)."""
    keys = settings.keys
    key = key or keys.signing_key
    password = os.environ.get(keys.key_password_env)
    is_bundle = key.suffix.lower() in {".p12", ".pfx"}
    identity = load_signing_identity(
        key,
        None if is_bundle else (certificate or keys.signing_certificate),
        None if is_bundle else keys.certificate_chain,
        password.encode() if password else None,
    )
    if identity.is_development:
        log.warning("DEVELOPMENT signing keys are in use (%s); never issue real receipts with them", key)
    return identity


def issuer_key_files(settings: Settings, code: str) -> tuple[Path, Path | None] | None:
    """Issuer ``code``'s key and certificate: its ``[signing_keys]`` line, else
    ``issuer-<code>.key.pem`` in ``[keys] directory`` when it exists, else None (the ``[keys]`` key)."""
    for issuer, key, certificate in settings.signing_keys:
        if issuer == code:
            return key, certificate
    key = settings.keys.directory / f"issuer-{code}.key.pem"
    return (key, key.with_name(f"issuer-{code}.cert.pem")) if key.exists() else None


def signature_policy(settings: Settings) -> SignaturePolicy | None:
    policy = settings.signature
    if not policy.policy_identifier:
        return None
    return SignaturePolicy(policy.policy_identifier, policy.policy_description, policy.policy_digest_sha256)
