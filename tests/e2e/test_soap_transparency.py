# ruff: noqa: F811  (pytest fixtures imported from test_soap are parameters here)
"""The transparency-log operations of the portal's SOAP service, called by zeep from the served WSDL."""

from __future__ import annotations

from pathlib import Path

from test_soap import call, client, home, paid, server  # noqa: F401  (the module's fixtures)
from zeep import Client

from ereceipt.app.jobs import transparency_log
from ereceipt.app.wiring import Services
from ereceipt.config import load_settings
from ereceipt.core.transparency import merkle
from ereceipt.core.transparency.checkpoint import open_checkpoint
from ereceipt.core.transparency.entries import LogEntry
from ereceipt.core.transparency.log_key import vkey_path
from ereceipt.core.transparency.signed_note import Verifier


def integrate(site: Path) -> None:
    services = Services(load_settings(site / "config.ini", environ={}))
    try:
        transparency_log(services)
    finally:
        services.database.dispose()


def verifier(site: Path) -> Verifier:
    return Verifier.parse(vkey_path(site / "var" / "keys" / "transparency-log.key.pem").read_text())


def test_inclusion_proof_of_a_receipt_verifies_against_the_signed_checkpoint(
    home: Path,
    client: Client,
    paid,
) -> None:
    before = call(client, "getInclusionProof", LookupCode=paid.LookupCode).body
    assert before.Status.Code == "OK" and not before.Leaf  # not in the log yet
    integrate(home)
    answer = call(client, "getInclusionProof", LookupCode=paid.LookupCode).body
    assert answer.Status.Code == "OK"
    signed = open_checkpoint(answer.Checkpoint.SignedNote.encode(), verifier(home)).checkpoint
    assert (signed.size, signed.root) == (answer.Checkpoint.TreeSize, answer.Checkpoint.RootHash)
    (leaf,) = answer.Leaf
    entry = LogEntry.decode(leaf.Entry)
    assert (leaf.Event, entry.receipt.number, entry.amount) == ("issued", int(paid.Number), int(paid.Amount))
    assert merkle.verify_inclusion(
        leaf.LeafIndex, signed.size, merkle.leaf_hash(leaf.Entry), leaf.ProofHash, signed.root
    )
    by_number = call(
        client,
        "getInclusionProof",
        IssuerCode=paid.IssuerCode,
        SeriesSymbol=paid.SeriesSymbol,
        Number=paid.Number,
    ).body
    assert by_number.Leaf[0].LeafIndex == leaf.LeafIndex


def test_checkpoint_and_consistency_proof_between_two_sizes(
    home: Path,
    client: Client,
    paid,
) -> None:
    integrate(home)
    first = call(client, "getLogCheckpoint").body.Checkpoint
    call(
        client,
        "notifyOnlinePayment",
        TransactionId="DVC-2026-LOG-2",
        Amount=5_000,
        Payer={"Name": "Trần Thị Bình"},
        CaseCode="THA2501",
        PaidAt=paid.IssuedAt,
    )
    integrate(home)
    second = call(client, "getLogCheckpoint").body.Checkpoint
    assert second.TreeSize == first.TreeSize + 1
    for checkpoint in (first, second):
        assert (
            open_checkpoint(checkpoint.SignedNote.encode(), verifier(home)).checkpoint.root
            == checkpoint.RootHash
        )
    answer = call(client, "getConsistencyProof", FirstSize=first.TreeSize).body
    assert (answer.Status.Code, answer.SecondSize) == ("OK", second.TreeSize)
    assert merkle.verify_consistency(
        first.TreeSize, second.TreeSize, first.RootHash, second.RootHash, answer.ProofHash
    )
    beyond = call(client, "getConsistencyProof", FirstSize=1, SecondSize=second.TreeSize + 5).body
    assert beyond.Status.Code == "NOT_FOUND"
    backwards = call(client, "getConsistencyProof", FirstSize=second.TreeSize, SecondSize=1).body
    assert backwards.Status.Code == "REJECTED"


def test_an_unknown_receipt_has_no_inclusion_proof(client: Client) -> None:
    answer = call(client, "getInclusionProof", LookupCode="AAAABBBBCCCCDDDD").body
    assert answer.Status.Code == "NOT_FOUND"
