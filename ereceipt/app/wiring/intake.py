"""Wiring of intake and delivery: the receipt issuer, bank notifications (ISO 20022 camt over RabbitMQ),
the outbox relay, the treasury client and payer notices."""

from __future__ import annotations

from cryptography import x509

from ereceipt.app.wiring.once import once
from ereceipt.core.errors import ConfigurationError
from ereceipt.core.issuing.issuer import ReceiptIssuer


class IntakeParts:
    """The intake and delivery room of ``Services``."""

    @once
    def issuer(self) -> ReceiptIssuer:
        from ereceipt.core.delivery.outbox import write_receipt_events
        from ereceipt.soap.log_pending import write_pending

        def on_issued(session, issued) -> None:
            write_receipt_events(session, issued)
            write_pending(session)  # the SOAP exchange that asked for them, if any (same transaction)

        return ReceiptIssuer(self.database, self.signers(), on_issued=on_issued)

    @once
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

    @once
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

    @once
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
