"""Wiring of what the server serves: the SOAP endpoint (X-Road 4.0 clients of ``[access]``), its message
log, the web pages and counter OCR."""

from __future__ import annotations

from datetime import timedelta

from cryptography import x509

from ereceipt.app.wiring.once import once
from ereceipt.config import ip_networks
from ereceipt.core.errors import ConfigurationError
from ereceipt.settings import ClientAccess, Settings


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


class ServingParts:
    """The serving room of ``Services``: SOAP, pages and counter OCR."""

    @once
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

    @once
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
        from ereceipt.core.transparency.tile_cache import TileCache
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
            tile_cache=TileCache(settings.transparency.tile_cache_bytes),
            development_tsa=self.development_tsa,
            development_ca=self.development_ca,
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

    @once
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

    @once
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
