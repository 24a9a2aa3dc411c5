"""The audit trail: an append-only record of who did what and when, written in the same transaction."""

import json
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from ereceipt.core.tables import AuditEvent


def record(
    session: Session, actor: str, action: str, entity: str, entity_id: object, **details: object
) -> None:
    """Add one audit event; it commits or rolls back with the change it describes."""
    session.add(
        AuditEvent(
            at=datetime.now(UTC),
            actor=actor,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            details=json.dumps(details, ensure_ascii=False, sort_keys=True, default=str),
        )
    )
