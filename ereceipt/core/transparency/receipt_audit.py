"""Receipts checked against the transparency log: each one's identity digest among the log's entries
(SHA-256 over its ds:SignedInfo and SignatureValue, W3C XML Signature 1.1), its signature verified.

The two checks are independent: a receipt can be validly signed yet missing from the log (hidden
from the public), or logged yet altered since (its signature fails, or its identity differs). Each
receipt gets one line saying which; the signatures are checked on a pool of workers while the log
is read, and reported apart from the log's own checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future
from dataclasses import dataclass

from ereceipt.core.errors import BadInput, XMLRejected
from ereceipt.core.signatures.identity import receipt_identity
from ereceipt.core.signatures.report import VerificationReport
from ereceipt.core.xml.parser import parse_xml


@dataclass(frozen=True)
class GivenReceipt:
    name: str
    data: bytes
    identity: str | None  # None: not XML the hardened parser accepts, or no signature to name it
    unavailable: str | None = None  # why there is no receipt to check (a code the site does not know)


def unavailable_receipt(name: str, reason: str) -> GivenReceipt:
    return GivenReceipt(name, b"", None, reason)


def given_receipt(name: str, data: bytes) -> GivenReceipt:
    try:
        identity = receipt_identity(parse_xml(data))
    except XMLRejected:
        identity = None
    return GivenReceipt(name, data, identity)


@dataclass(frozen=True)
class ReceiptCheck:
    name: str
    identity: str | None
    leaves: tuple[tuple[int, str], ...]  # (entry index, event) of each entry naming its identity
    signature_valid: bool
    signature_message: str
    unavailable: str | None = None

    @property
    def passed(self) -> bool:
        return self.identity is not None and bool(self.leaves) and self.signature_valid

    def line(self) -> str:
        if self.unavailable:
            return f"FAIL  receipt {self.name}: {self.unavailable}"
        if self.identity is None:
            log = "no identity (not a signed receipt)"
        elif self.leaves:
            log = "in the log: " + ", ".join(f"entry {index} ({event})" for index, event in self.leaves)
        else:
            log = "NOT in the log"
        signature = (
            "signature valid" if self.signature_valid else f"signature INVALID: {self.signature_message}"
        )
        return f"{'ok  ' if self.passed else 'FAIL'}  receipt {self.name}: {log}; {signature}"


SignatureCheck = Callable[[bytes], VerificationReport]


def start_signature_checks(
    receipts: Iterable[GivenReceipt], verify: SignatureCheck, pool: Executor
) -> dict[str, Future]:
    """Each receipt's signature check, started on ``pool``, by receipt name."""
    return {r.name: pool.submit(verify, r.data) for r in receipts if r.unavailable is None}


def receipt_checks(
    receipts: Iterable[GivenReceipt],
    signatures: dict[str, Future],
    found: dict[str, list[tuple[int, str]]],
) -> list[ReceiptCheck]:
    """The receipts' results once the log has been read (``found``: identity → its entries)."""
    checks = []
    for receipt in receipts:
        if receipt.unavailable is not None:
            checks.append(ReceiptCheck(receipt.name, None, (), False, "", receipt.unavailable))
            continue
        try:
            report: VerificationReport = signatures[receipt.name].result()
            valid, message = report.passed, report.message
        except BadInput as exc:  # a receipt the verifier cannot read is one invalid receipt
            valid, message = False, exc.message
        leaves = tuple(found.get(receipt.identity, ())) if receipt.identity else ()
        checks.append(ReceiptCheck(receipt.name, receipt.identity, leaves, valid, message))
    return checks
