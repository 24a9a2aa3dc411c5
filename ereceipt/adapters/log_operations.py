"""The portal's transparency-log operations (receipt-service-1.0.xsd): checkpoint, inclusion and consistency.

What they return is what the log serves over HTTP (C2SP tlog-checkpoint signed notes, RFC 9162
proofs), wrapped in the service's messages, so that the portal can check a receipt's inclusion
without a second channel. A receipt not yet in the log answers OK with no Leaf. getReceipt
carries the same as its Log element (``add_receipt_log``, or ``receipt_log_text`` for its answer
written as text).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from xml.sax.saxutils import escape

from lxml import etree

from ereceipt.core.receipts import lookup
from ereceipt.core.storage import driver_sql
from ereceipt.core.storage.database import Database
from ereceipt.core.transparency.merkle import ProofError
from ereceipt.core.transparency.store import (
    LatestCheckpoint,
    LogStore,
    ReceiptInclusion,
    ReceiptLog,
    StoredCheckpoint,
    receipt_log,
)
from ereceipt.core.xml.values import child_value
from ereceipt.settings import ClientAccess

SERVICE_NS = "urn:ereceipt:thads:service:1.0"
OPERATIONS = ("getLogCheckpoint", "getInclusionProof", "getConsistencyProof")


def _q(name: str) -> str:
    return f"{{{SERVICE_NS}}}{name}"


def _add(parent: etree._Element, name: str, value: object) -> etree._Element:
    child = etree.SubElement(parent, _q(name))
    if value is not None:
        child.text = str(value)
    return child


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _response(operation: str, code: str = "OK", message: str | None = None) -> etree._Element:
    response = etree.Element(_q(f"{operation}Response"), nsmap={None: SERVICE_NS})
    status = _add(response, "Status", None)
    _add(status, "Code", code)
    if message:
        _add(status, "Message", message)
    return response


def _checkpoint(parent: etree._Element, checkpoint: StoredCheckpoint) -> None:
    element = _add(parent, "Checkpoint", None)
    note = checkpoint.note.decode()
    _add(element, "Origin", note.split("\n", 1)[0])
    _add(element, "TreeSize", checkpoint.size)
    _add(element, "RootHash", _b64(checkpoint.root))
    _add(element, "SignedNote", note)


def _leaf(parent: etree._Element, inclusion: ReceiptInclusion) -> None:
    leaf = _add(parent, "Leaf", None)
    _add(leaf, "Event", inclusion.event)
    _add(leaf, "LeafIndex", inclusion.index)
    _add(leaf, "Entry", _b64(inclusion.entry))
    for digest in inclusion.proof:
        _add(leaf, "ProofHash", _b64(digest))


def add_receipt_log(parent: etree._Element, log: ReceiptLog) -> None:
    """getReceipt's Log: whether the receipt is in the log, the latest checkpoint, and each of its
    leaves with the inclusion proof against that checkpoint (as getInclusionProof answers)."""
    element = _add(parent, "Log", None)
    _add(element, "InLog", "true" if log.in_log else "false")
    if log.checkpoint is not None:
        _checkpoint(element, log.checkpoint)
    for inclusion in log.leaves:
        _leaf(element, inclusion)


def receipt_log_text(log: ReceiptLog) -> str:
    """``add_receipt_log``'s element as the text lxml writes for it inside getReceiptResponse."""
    parts = [f"<Log><InLog>{'true' if log.in_log else 'false'}</InLog>"]
    if log.checkpoint is not None:
        note = log.checkpoint.note.decode()
        parts.append(
            f"<Checkpoint><Origin>{escape(note.split(chr(10), 1)[0], _CARRIAGE_RETURN)}</Origin>"
            f"<TreeSize>{log.checkpoint.size}</TreeSize><RootHash>{_b64(log.checkpoint.root)}</RootHash>"
            f"<SignedNote>{escape(note, _CARRIAGE_RETURN)}</SignedNote></Checkpoint>"
        )
    for inclusion in log.leaves:
        proof = "".join(f"<ProofHash>{_b64(digest)}</ProofHash>" for digest in inclusion.proof)
        parts.append(
            f"<Leaf><Event>{inclusion.event}</Event><LeafIndex>{inclusion.index}</LeafIndex>"
            f"<Entry>{_b64(inclusion.entry)}</Entry>{proof}</Leaf>"
        )
    parts.append("</Log>")
    return "".join(parts)


_CARRIAGE_RETURN = {"\r": "&#13;"}


class LogOperations:
    """The three read-only operations over the stored log; each call reads in a transaction of its own,
    or (getInclusionProof) in statements on the driver's connection against ``latest``."""

    def __init__(self, database: Database, latest: LatestCheckpoint | None = None) -> None:
        self.database = database
        self.latest = latest or LatestCheckpoint()
        self.handlers: dict[str, Callable[[etree._Element, ClientAccess], etree._Element]] = {
            "getLogCheckpoint": self.get_log_checkpoint,
            "getInclusionProof": self.get_inclusion_proof,
            "getConsistencyProof": self.get_consistency_proof,
        }

    def get_log_checkpoint(self, request: etree._Element, client: ClientAccess) -> etree._Element:
        with self.database.read() as session:
            latest = LogStore(session).latest_checkpoint()
        if latest is None:
            return _response("getLogCheckpoint", "NOT_FOUND", "the log has no checkpoint yet")
        response = _response("getLogCheckpoint")
        _checkpoint(response, latest)
        return response

    def get_inclusion_proof(self, request: etree._Element, client: ClientAccess) -> etree._Element:
        """The receipt's leaves with their proofs, as getReceipt's Log reads them: its key, its
        leaves and the proofs' stored nodes on the driver's connection, the checkpoint cached."""

        def text(name: str) -> str | None:
            return child_value(request, _q(name))

        if text("LookupCode"):
            with driver_sql.glance(self.database) as connection:
                found = [r for r in [lookup.receipt_id_by_lookup_code(connection, text("LookupCode"))] if r]
                log = receipt_log(connection, found[0], self.latest) if len(found) == 1 else None
        else:
            with self.database.glance_connection() as connection:
                found = lookup.receipt_ids_by_number(
                    connection,
                    int(text("Number")),
                    issuer_code=text("IssuerCode"),
                    series_symbol=text("SeriesSymbol"),
                    template_number=text("TemplateNumber"),
                )
            if len(found) == 1:
                with driver_sql.glance(self.database) as connection:
                    log = receipt_log(connection, found[0], self.latest)
        if len(found) != 1:
            return _response("getInclusionProof", "NOT_FOUND", "no such receipt")
        response = _response("getInclusionProof")
        if log.checkpoint is None:
            return response
        _checkpoint(response, log.checkpoint)
        for inclusion in log.leaves:
            _leaf(response, inclusion)
        return response

    def get_consistency_proof(self, request: etree._Element, client: ClientAccess) -> etree._Element:
        first = int(child_value(request, _q("FirstSize")))
        second_text = child_value(request, _q("SecondSize"))
        with self.database.read() as session:
            store = LogStore(session)
            latest = store.latest_checkpoint()
            second = int(second_text) if second_text else (latest.size if latest else 0)
            if latest is None or second > latest.size:
                missing = f"the log has no tree of {second} leaves"
                return _response("getConsistencyProof", "NOT_FOUND", missing)
            try:
                proof = store.consistency_proof(first, second)
            except ProofError as exc:
                return _response("getConsistencyProof", "REJECTED", str(exc))
        response = _response("getConsistencyProof")
        _add(response, "FirstSize", first)
        _add(response, "SecondSize", second)
        for digest in proof:
            _add(response, "ProofHash", _b64(digest))
        return response
