"""Bank notifications off the queue into the engine (ISO 20022 camt.054/053 over AMQP 0-9-1).

The AMQP ``message_id`` and ``app_id`` (the bank's BIC, ISO 9362) are required: the BIC is the
source of every payment of the message. A missing property, unreadable XML or a document that is
not camt.053/054 raises ``BadInput``, which the consumer turns into a dead letter.
"""

from __future__ import annotations

import re

from ereceipt.adapters.camt import parse_camt
from ereceipt.core.bank_intake import BankBatch, BankIntake, IntakeResult
from ereceipt.core.errors import BadInput
from ereceipt.queue.consumer import Delivery

BIC = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")


class BankNotifications:
    """The consumer's handler: one delivery in, its payments and receipts committed, or an error."""

    def __init__(self, intake: BankIntake) -> None:
        self.intake = intake

    def __call__(self, delivery: Delivery) -> IntakeResult:
        if not delivery.message_id:
            raise BadInput("the AMQP property message_id is required")
        if not delivery.app_id or not BIC.match(delivery.app_id):
            raise BadInput(f"the AMQP property app_id must be the bank's BIC, not {delivery.app_id!r}")
        document = parse_camt(delivery.body)
        batch = BankBatch(
            bic=delivery.app_id,
            message_id=delivery.message_id[:100],
            kind=document.kind,
            document_id=document.message_id,
            transfers=document.transfers,
            refused=document.refused,
            body=delivery.body,
        )
        return self.intake.record(batch)
