"""Wiring: the composition root, the only place that turns settings into the parts of a process.

Nothing here runs at import time; each entry point (CLI command, server, worker) calls the
function it needs once per process.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property, wraps
from pathlib import Path

from cryptography import x509

from ereceipt.config import ip_networks
from ereceipt.core.errors import ConfigurationError
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.signatures.pki import DevelopmentIssuer, ensure_development_pki
from ereceipt.core.signatures.signing_identity import SigningIdentity, load_signing_identity
from ereceipt.core.signatures.trust import TrustStore
from ereceipt.core.signatures.verification import VerificationReport
from ereceipt.core.signatures.xades import IssuerSigners, ReceiptSigner, SignaturePolicy
from ereceipt.core.storage.database import Database
from ereceipt.settings import ClientAccess, Settings

log = logging.getLogger("ereceipt")


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.logging.level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def open_database(settings: Settings) -> Database:
    return Database.from_url(
        settings.database.url, echo=settings.database.echo, pool_size=settings.database.pool_size
    )


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
    if keys.signing_key.exists():
        ensure_development_pki(keys.directory, issuers=development_issuers())  # adds missing issuer keys
        return False
    ensure_development_pki(keys.directory, issuers=development_issuers())
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


def endpoint_settings(settings: Settings, *, soap=None, public_url: str | None = None):
    """The SOAP endpoint's settings from ``[soap]`` and ``[server]``, its key and certificate read now."""
    from ereceipt.soap.endpoint import EndpointSettings

    soap = soap or settings.soap
    return EndpointSettings(
        provider="/".join((soap.xroad_instance, soap.member_class, soap.member_code, soap.subsystem_code)),
        public_url=public_url or settings.server.public_url,
        max_body_bytes=settings.server.max_body_bytes,
        timestamp_skew=timedelta(seconds=soap.timestamp_skew_seconds),
        service_key=soap.service_key.read_bytes(),
        service_certificate=soap.service_certificate.read_bytes(),
        refused_request_log_bytes=soap.refused_request_log_bytes,
        crash_after=soap.test_crash_after,
    )


def _once(build: Callable) -> Callable:
    """A builder of ``Services`` that runs on its first call and then returns what it built: reading
    a key or certificate file is always a call, never the side effect of reading an attribute."""
    key = f"_built_{build.__name__}"

    @wraps(build)
    def built(self):
        if key not in self.__dict__:
            self.__dict__[key] = build(self)
        return self.__dict__[key]

    return built


@dataclass
class Services:
    """The composition root of one process: builds each part from the settings on first use and
    keeps it for the life of the process. Only entry points (``app/``) and tests hold it; the parts
    it builds get their own narrow arguments, never this object."""

    settings: Settings

    @cached_property
    def database(self) -> Database:
        return open_database(self.settings)

    @_once
    def signer(self) -> ReceiptSigner:
        return ReceiptSigner(load_identity(self.settings), signature_policy(self.settings))

    @_once
    def signers(self) -> IssuerSigners:
        """The signer of each issuer (``[signing_keys]``), each key read when its issuer first signs."""
        settings, policy = self.settings, signature_policy(self.settings)

        def find(code: str) -> ReceiptSigner | None:
            files = issuer_key_files(settings, code)
            return ReceiptSigner(load_identity(settings, *files), policy) if files else None

        configured = {code: find(code) for code, _key, _certificate in settings.signing_keys}
        default = self.signer() if settings.keys.signing_key.exists() or not configured else None
        return IssuerSigners(default, configured, find)

    @_once
    def log_signer(self):
        """The transparency log's key (``[transparency] log_key``), named by its origin."""
        from ereceipt.core.transparency.log_key import load_log_key

        log = self.settings.transparency
        return load_log_key(log.log_key, log.origin)

    def log_vkey(self) -> str | None:
        """The published verifier key of the log (the ``.vkey`` beside its key), or None if absent."""
        from ereceipt.core.transparency.log_key import vkey_path

        path = vkey_path(self.settings.transparency.log_key)
        return path.read_text().strip() + "\n" if path.exists() else None

    def witness_vkey(self) -> str | None:
        """The configured witness's verifier key (C2SP tlog-cosignature), or None when none is configured."""
        log = self.settings.transparency
        if not log.witness_url or not log.witness_vkey.exists():
            return None
        return log.witness_vkey.read_text().strip() + "\n"

    @_once
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
        )

    @_once
    def tsa_trust(self) -> list[x509.Certificate]:
        """The TSA certificates trusted for time-stamps (``[signature] tsa_trust``), none if absent."""
        path = self.settings.signature.tsa_trust
        return x509.load_pem_x509_certificates(path.read_bytes()) if path.exists() else []

    def time_stamp_authority(self):
        """The TSA of ``[signature] tsa_url`` (RFC 3161 over HTTP), or None when none is configured."""
        from ereceipt.adapters.tsa import HttpTimeStampAuthority

        signature = self.settings.signature
        if not signature.tsa_url:
            return None
        return HttpTimeStampAuthority(signature.tsa_url, timeout_seconds=signature.tsa_timeout_seconds)

    @_once
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

    @_once
    def issuer(self) -> ReceiptIssuer:
        from ereceipt.core.delivery.outbox import write_receipt_events
        from ereceipt.soap.log_pending import write_pending

        def on_issued(session, issued) -> None:
            write_receipt_events(session, issued)
            write_pending(session)  # the SOAP exchange that asked for them, if any (same transaction)

        return ReceiptIssuer(self.database, self.signers(), on_issued=on_issued)

    @_once
    def bank_intake(self):
        from ereceipt.core.intake.bank import BankIntake

        return BankIntake(self.database, self.issuer())

    def payment_consumer(self):
        """The bank notification consumer; connects only when run."""
        from ereceipt.adapters.bank import BankNotifications
        from ereceipt.queue.consumer import Consumer
        from ereceipt.queue.topology import Topology, connection_parameters

        queue = self.settings.queue
        handler = BankNotifications(
            self.bank_intake(), certificates=self.bank_certificates(), schemas=self.camt_schemas()
        )
        return Consumer(
            connection_parameters(queue, "consumer"),
            Topology.of(queue),
            handler,
            prefetch=queue.prefetch,
            reconnect_max_seconds=queue.reconnect_max_seconds,
            handle_many=handler.handle_many,
            batch=queue.batch_messages,
        )

    @_once
    def bank_certificates(self) -> dict[str, x509.Certificate]:
        """The pinned certificates of ``[banks]``, by BIC, read and checked once."""
        from ereceipt.adapters.camt_signature import check_pinned_certificate

        pinned = {}
        for bic, path in self.settings.banks:
            origin = f"[banks] {bic}"
            try:
                certificate = x509.load_pem_x509_certificate(path.read_bytes())
            except (OSError, ValueError) as exc:
                raise ConfigurationError(
                    f"pinned certificate {path} of bank {bic}: {exc}", setting=origin
                ) from None
            pinned[bic] = check_pinned_certificate(certificate, origin)
        return pinned

    @_once
    def camt_schemas(self):
        """The ISO 20022 XSDs of ``[queue] camt_schema_directory``, or None for structural checks only."""
        from pathlib import Path

        from ereceipt.adapters.camt_schemas import CamtSchemas

        directory = self.settings.queue.camt_schema_directory
        return CamtSchemas(Path(directory)) if directory else None

    def dead_letter_queue(self):
        """The bank dead-letter queue for the admin page; connects only when used."""
        from ereceipt.queue.dead_letters import DeadLetterQueue
        from ereceipt.queue.topology import Topology, connection_parameters

        queue = self.settings.queue
        return DeadLetterQueue(connection_parameters(queue, "admin"), Topology.of(queue))

    def outbox_relay(self):
        """Publishes outbox events to ``[queue] events_exchange`` with confirms; connects only when run."""
        from ereceipt.queue.relay import OutboxRelay
        from ereceipt.queue.topology import connection_parameters

        queue = self.settings.queue
        return OutboxRelay(self.database, connection_parameters(queue, "relay"), queue.events_exchange)

    def treasury_client(self):
        """The state treasury's SOAP client; connects only when called."""
        from ereceipt.adapters.treasury import client_from_settings

        return client_from_settings(self.settings)

    def notice_dispatcher(self):
        """Payer notices by e-mail and SMS; a channel not configured leaves its notices pending."""
        from ereceipt.core.delivery.notices import NoticeDispatcher, RetryPolicy
        from ereceipt.core.delivery.outbox import EMAIL, SMS
        from ereceipt.core.receipts.receipt_pdf import lookup_url
        from ereceipt.core.receipts.receipt_xml import read_receipt

        settings, channels = self.settings, {}
        if settings.email.host:
            from ereceipt.adapters.email import EmailChannel

            channels[EMAIL] = EmailChannel(settings.email, settings.server.public_url)
        if settings.sms.url:
            from ereceipt.adapters.sms import SmsChannel

            channels[SMS] = SmsChannel(settings.sms)

        def read_signed(signed_xml: bytes):
            report = self.verify_receipt(signed_xml)
            return read_receipt(report.signed_xml) if report.passed else None

        notices = settings.notices
        return NoticeDispatcher(
            self.database,
            channels,
            read_signed,
            lambda code: lookup_url(settings.server.public_url, code),
            RetryPolicy(notices.retry_base_seconds, notices.retry_cap_seconds, notices.max_attempts),
            batch=notices.batch,
            idle_seconds=notices.idle_seconds,
            lease_seconds=notices.lease_seconds,
        )

    @_once
    def soap_clients(self) -> dict[str, tuple[ClientAccess, x509.Certificate | None]]:
        """The X-Road clients of ``[access]`` with their pinned certificates, read once."""
        clients = {}
        for client in self.settings.access:
            certificate = None
            if client.certificate is not None:
                try:
                    certificate = x509.load_pem_x509_certificate(client.certificate.read_bytes())
                except (OSError, ValueError) as exc:
                    raise ConfigurationError(
                        f"pinned certificate {client.certificate} of client {client.client}: {exc}",
                        setting=f"[access] {client.client}",
                    ) from None
            clients[client.client] = (client, certificate)
        return clients

    @_once
    def soap_endpoint(self):
        """The portal's SOAP service: our contract, the portal operations, the clients of ``[access]``."""
        from ereceipt.adapters.portal import READ_ONLY, PortalOperations
        from ereceipt.soap.contract import RECEIPT_SERVICE
        from ereceipt.soap.endpoint import SoapEndpoint
        from ereceipt.soap.message_log import MessageLog

        operations = PortalOperations(self.database, self.issuer(), self.verify_receipt)
        return SoapEndpoint(
            RECEIPT_SERVICE,
            endpoint_settings(self.settings),
            MessageLog(self.database),
            operations.handlers,
            self.soap_clients(),
            read_only=READ_ONLY,
            journal=self.log_journal(),
        )

    def log_journal(self):
        """The message log's outage journal of ``[soap] journal``."""
        from ereceipt.soap.log_journal import OutageJournal

        return OutageJournal(self.settings.soap.journal)

    def log_chainer(self):
        """Chains the exchanges stored but not chained (``[soap] chain_*``); runs when started."""
        from ereceipt.soap.log_chainer import LogChainer

        soap = self.settings.soap
        return LogChainer(
            self.database,
            self.log_journal(),
            pending_after=timedelta(seconds=soap.chain_pending_after_seconds),
            interval_seconds=soap.chain_interval_seconds,
        )

    def web_parts(self):
        """What the web pages use, and nothing else."""
        from ereceipt.queue.topology import broker_status
        from ereceipt.web.parts import WebParts, WebSettings

        settings = self.settings
        return WebParts(
            settings=WebSettings(
                public_url=settings.server.public_url,
                max_body_bytes=settings.server.max_body_bytes,
                session_secret_file=settings.server.session_secret_file,
                ocr_max_bytes=settings.ocr.max_bytes,
                treasury_failing_after=settings.treasury.failing_after_attempts,
                failed_lookups_per_minute=settings.lookup.failed_lookups_per_minute,
                trusted_proxies=ip_networks(settings.server.trusted_proxies),
                login_trusted_networks=ip_networks(settings.server.login_trusted_networks),
                metrics_allow=ip_networks(settings.server.metrics_allow),
            ),
            database=self.database,
            issuer=self.issuer(),
            signer=self.signer,
            verify_receipt=self.verify_receipt,
            counter_documents=self.counter_reader,
            dead_letters=self.dead_letter_queue,
            broker_status=lambda: broker_status(settings.queue),
            log_vkey=self.log_vkey,
            witness_vkey=self.witness_vkey,
            development_tsa=self.development_tsa,
        )

    def web_application(self):
        """The one WSGI application: the pages, the SOAP endpoint at /soap, the database gauges."""
        from ereceipt.app.gauges import register_database_gauges
        from ereceipt.app.soap_routes import mount_soap
        from ereceipt.web.app import create_app

        register_database_gauges(
            self.database, treasury_failing_after=self.settings.treasury.failing_after_attempts
        )
        return mount_soap(create_app(self.web_parts()), lambda: self.soap_endpoint())

    @_once
    def ocr_engine(self):
        """Counter OCR: Tesseract with the ``[ocr]`` settings, checked for on first use."""
        from ereceipt.core.ocr.documents import DocumentLimits
        from ereceipt.core.ocr.preprocess import Preprocessing
        from ereceipt.core.ocr.tesseract import TesseractEngine

        ocr = self.settings.ocr
        return TesseractEngine(
            command=ocr.tesseract_command,
            language=ocr.language,
            limits=DocumentLimits(max_bytes=ocr.max_bytes, max_pages=ocr.max_pages, dpi=ocr.dpi),
            preprocessing=Preprocessing(
                grayscale=ocr.grayscale,
                deskew=ocr.deskew,
                binarise=ocr.binarise,
                rescale=ocr.rescale,
                denoise=ocr.denoise,
                target_dpi=ocr.dpi,
            ),
            page_segmentation_mode=ocr.page_segmentation_mode,
            threads=ocr.tesseract_threads,
            timeout_seconds=ocr.timeout_seconds,
        )

    @_once
    def counter_reader(self):
        """The process's reader of counter uploads (OCR on ``[ocr] workers`` background threads),
        started by the first call: what a stopped server left unread is read again then.

        The hook that turns a reading into a draft receipt is given here as ``on_read``.
        """
        from ereceipt.core.counter.documents import CounterDocuments
        from ereceipt.core.counter.proposals import draft_from_reading

        ocr = self.settings.ocr
        documents = CounterDocuments(
            self.database,
            self.ocr_engine(),
            limits=self.ocr_engine().limits,
            on_read=draft_from_reading,
            workers=ocr.workers,
        )
        # A reading longer than every page's time limit twice over has lost its reader.
        documents.resume_unfinished(stale_after=timedelta(seconds=2 * ocr.timeout_seconds * ocr.max_pages))
        return documents
