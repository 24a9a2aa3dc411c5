"""Bank notifications off the queue into the engine (ISO 20022 camt.054/053 over AMQP 0-9-1).

The AMQP ``message_id`` and ``app_id`` (the bank's BIC, ISO 9362) are required: the BIC is the
source of every payment of the message. When ``[banks]`` pins a certificate for that BIC, the
document must carry an enveloped XML signature by it, and only what the verifier returns as signed
is read. When ``[queue] camt_schema_directory`` is set, the document must follow the official XSD
of its namespace. A missing property, unreadable XML, a bad signature or a document that is not
camt.053/054 raises ``BadInput`` or ``VerificationFailed``, which the consumer dead-letters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from cryptography import x509

from ereceipt.adapters.camt import read_camt
from ereceipt.adapters.camt_schemas import CamtSchemas
from ereceipt.adapters.camt_signature import verified_document, without_signature
from ereceipt.core.errors import BadInput, VerificationFailed
from ereceipt.core.intake.bank import BankIntake
from ereceipt.core.intake.transfers import BankBatch, IntakeResult
from ereceipt.core.xml.parser import parse_xml
from ereceipt.queue.consumer import Delivery

BIC = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")


class BankNotifications:
    """The consumer's handler: one delivery in, its payments and receipts committed, or an error."""

    def __init__(
        self,
        intake: BankIntake,
        *,
        certificates: Mapping[str, x509.Certificate] | None = None,
        schemas: CamtSchemas | None = None,
    ) -> None:
        self.intake, self.certificates, self.schemas = intake, dict(certificates or {}), schemas

    def pin(self, certificates: Mapping[str, x509.Certificate]) -> None:
        """Trust these certificates from now on, in place of the ones before (a reload of ``[banks]``).

        One assignment: a delivery being read keeps the set it started with."""
        self.certificates = dict(certificates)

    def batch(self, delivery: Delivery) -> BankBatch:
        """What the delivery carries, checked and read; raises the permanent errors."""
        if not delivery.message_id:
            raise BadInput("the AMQP property message_id is required")
        if not delivery.app_id or not BIC.match(delivery.app_id):
            raise BadInput(f"the AMQP property app_id must be the bank's BIC, not {delivery.app_id!r}")
        root = parse_xml(delivery.body)
        pinned = self.certificates.get(delivery.app_id)
        root = verified_document(delivery.body, root, pinned) if pinned else without_signature(root)
        if self.schemas is not None:
            self.schemas.validate(root)
        document = read_camt(root)
        return BankBatch(
            bic=delivery.app_id,
            message_id=delivery.message_id[:100],
            kind=document.kind,
            document_id=document.message_id,
            transfers=document.transfers,
            refused=document.refused,
            body=delivery.body,
        )

    def __call__(self, delivery: Delivery) -> IntakeResult:
        return self.intake.record(self.batch(delivery))

    def handle_many(self, deliveries: list[Delivery]) -> list[Exception | None]:
        """Record the readable deliveries in one transaction; the refused ones get their permanent error.

        Raises ``TransientOutage`` (all come back later) or any other error (the consumer then
        handles them one by one, so that one bad message cannot hold up the others).
        """
        errors: list[Exception | None] = [None] * len(deliveries)
        batches = []
        for number, delivery in enumerate(deliveries):
            try:
                batches.append(self.batch(delivery))
            except (BadInput, VerificationFailed) as exc:
                errors[number] = exc
        if batches:
            self.intake.record_many(batches)
        return errors
