"""What the web pages use, handed over by the wiring: the only way a page reaches the receipt engine.

``create_app`` stores one ``WebParts`` in the Flask application; a view reads it with ``parts()``.
Nothing else is reachable from a page: no settings object, no broker, no SOAP endpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path

from flask import current_app

from ereceipt.core.counter.documents import CounterDocuments
from ereceipt.core.intake.dead_letters import DeadLetterQueue
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.signatures.development_ca import DevelopmentCA
from ereceipt.core.signatures.development_tsa import DevelopmentTSA
from ereceipt.core.signatures.verification import VerificationReport
from ereceipt.core.signatures.xades import ReceiptSigner
from ereceipt.core.storage.database import Database
from ereceipt.core.transparency.cosignature import CosignatureVerifier
from ereceipt.core.transparency.signed_note import NoteError, Verifier
from ereceipt.core.transparency.tile_cache import TileCache

IPNetwork = IPv4Network | IPv6Network


@dataclass(frozen=True)
class WebSettings:
    public_url: str  # links in pages and e-mails, the session cookie's Secure flag
    max_body_bytes: int
    session_secret_file: Path
    ocr_max_bytes: int  # the largest counter scan an officer may upload
    treasury_failing_after: int  # tries after which an unsent treasury report is shown as failing
    failed_lookups_per_minute: int  # failed public look-ups a client address may make per minute
    trusted_proxies: tuple[IPNetwork, ...] = ()  # X-Forwarded-For is read only from these peers
    login_trusted_networks: tuple[IPNetwork, ...] = ()  # a name's lock-out does not apply from these
    metrics_allow: tuple[IPNetwork, ...] = ()  # the addresses that may read /metrics


@dataclass(frozen=True)
class WebParts:
    settings: WebSettings
    database: Database
    issuer: ReceiptIssuer
    signer: Callable[[], ReceiptSigner]  # loaded when a page first signs (reconciliation reports)
    verify_receipt: Callable[[bytes], VerificationReport]
    counter_documents: Callable[[], CounterDocuments]  # the OCR reader, started by the wiring on first use
    dead_letters: Callable[[], DeadLetterQueue]  # a connection of its own for each use
    broker_status: Callable[[], str]  # "ok" or why not, for /readyz
    log_vkey: Callable[[], str | None] = lambda: None  # the transparency log's verifier key, if published
    witness_vkey: Callable[[], str | None] = lambda: None  # the witness's verifier key, if one is configured
    development_tsa: Callable[[], DevelopmentTSA | None] = lambda: None  # served at /tsa when given
    development_ca: Callable[[], DevelopmentCA | None] = lambda: None  # /ca/crl and /ca/ocsp when given
    tile_cache: TileCache = field(default_factory=lambda: TileCache(0))  # full log tiles served from memory


def parts() -> WebParts:
    """The parts of the application handling the current request."""
    return current_app.extensions["ereceipt"]


def log_verifier(web: WebParts) -> Verifier | None:
    """The transparency log's published verifier key, or None when there is none or it is unreadable."""
    text = web.log_vkey()
    try:
        return Verifier.parse(text) if text else None
    except NoteError:
        return None


def witness_verifier(web: WebParts) -> CosignatureVerifier | None:
    """The configured witness's verifier key, or None when there is none or it is unreadable."""
    text = web.witness_vkey()
    try:
        return CosignatureVerifier.parse(text) if text else None
    except NoteError:
        return None
