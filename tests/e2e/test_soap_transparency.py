# ruff: noqa: F811  (pytest fixtures imported from test_soap are parameters here)
"""The transparency-log operations of the portal's SOAP service, called by zeep from the served WSDL."""

from __future__ import annotations

from pathlib import Path

from server_process import ereceipt, http
from test_soap import call, client, home, paid, server, xroad_headers  # noqa: F401  (the module's fixtures)
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


def test_get_receipt_carries_its_log_status_and_a_verified_inclusion_proof(
    home: Path,
    server,
    client: Client,
    paid,
) -> None:
    issued = call(
        client,
        "notifyOnlinePayment",
        TransactionId="DVC-2026-LOG-RECEIPT",
        Amount=7_000,
        Payer={"Name": "Lê Văn Cường"},
        CaseCode="THA2501",
        PaidAt=paid.IssuedAt,
    ).body.Receipt
    before = call(client, "getReceipt", LookupCode=issued.LookupCode).body
    assert before.Status.Code == "OK" and before.Log.InLog is False and not before.Log.Leaf
    integrate(home)
    answer = call(client, "getReceipt", LookupCode=issued.LookupCode).body
    assert answer.Receipt.LookupCode == issued.LookupCode and answer.Log.InLog is True
    signed = open_checkpoint(answer.Log.Checkpoint.SignedNote.encode(), verifier(home)).checkpoint
    assert (signed.size, signed.root) == (answer.Log.Checkpoint.TreeSize, answer.Log.Checkpoint.RootHash)
    (leaf,) = answer.Log.Leaf
    assert (leaf.Event, LogEntry.decode(leaf.Entry).receipt.number) == ("issued", int(issued.Number))
    assert merkle.verify_inclusion(
        leaf.LeafIndex, signed.size, merkle.leaf_hash(leaf.Entry), leaf.ProofHash, signed.root
    )
    proof = call(client, "getInclusionProof", LookupCode=issued.LookupCode).body
    assert (proof.Leaf[0].LeafIndex, proof.Leaf[0].ProofHash) == (leaf.LeafIndex, leaf.ProofHash)
    by_number = call(
        client,
        "getReceipt",
        IssuerCode=issued.IssuerCode,
        SeriesSymbol=issued.SeriesSymbol,
        Number=issued.Number,
    ).body
    assert by_number.Log.InLog is True and by_number.Log.Leaf[0].ProofHash == leaf.ProofHash
    # An unsigned client's answer is written as text (adapters.portal): the same status, read by zeep.
    service = Client(f"{server.base}/soap?wsdl").bind("ReceiptService", "ReceiptSoap11")
    headers = {
        **xroad_headers("getReceipt"),
        "client": {
            **xroad_headers("getReceipt")["client"],
            "memberCode": "000000003",
            "subsystemCode": "SECSERVER",
        },
    }
    as_text = service.getReceipt(LookupCode=issued.LookupCode, _soapheaders=headers).body.Log
    assert (as_text.InLog, as_text.Checkpoint.SignedNote) == (True, answer.Log.Checkpoint.SignedNote)
    assert (as_text.Leaf[0].LeafIndex, as_text.Leaf[0].ProofHash) == (leaf.LeafIndex, leaf.ProofHash)


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


def test_audit_checks_given_receipts_apart_and_a_monitor_reads_only_what_follows_its_checkpoint(
    home: Path, server, client: Client, paid
) -> None:
    integrate(home)
    old = home / "old.checkpoint"
    old.write_bytes(http(f"{server.base}/log/checkpoint")[1])
    later = call(
        client,
        "notifyOnlinePayment",
        TransactionId="DVC-2026-LOG-AUDIT",
        Amount=9_000,
        Payer={"Name": "Phạm Thị Dung"},
        CaseCode="THA2501",
        PaidAt=paid.IssuedAt,
    ).body.Receipt
    receipts = home / "receipts"
    receipts.mkdir()
    (receipts / "paid.xml").write_bytes(paid.SignedXml)
    (receipts / "later.xml").write_bytes(later.SignedXml)  # issued, signed, not in the log yet
    (receipts / "altered.xml").write_bytes(paid.SignedXml.replace(b"1015000", b"1015001", 1))
    vkey = str(home / "var" / "keys" / "transparency-log.vkey")
    state = str(home / "audit-state.json")
    log = f"{server.base}/log"
    done = ereceipt(home, "audit", log, "--vkey", vkey, "--state", state, "--receipts", str(receipts))
    out = done.stdout.decode()
    assert done.returncode == 1, out + done.stderr.decode()
    assert "CONSISTENT:" in out  # the log itself is fine: the receipts are reported apart
    lines = {line.split()[2].rstrip(":"): line for line in out.splitlines() if " receipt " in line}
    assert lines["paid.xml"].startswith("ok") and "signature valid" in lines["paid.xml"]
    assert "NOT in the log" in lines["later.xml"] and "signature valid" in lines["later.xml"]
    assert "in the log: entry" in lines["altered.xml"] and "signature INVALID" in lines["altered.xml"]
    assert "RECEIPTS: 1 of 3" in out

    integrate(home)  # the monitor's next run: only the entries after its checkpoint
    since = ereceipt(home, "audit", log, "--vkey", vkey, "--state", state, "--since", str(old))
    out = since.stdout.decode()
    assert since.returncode == 0, out + since.stderr.decode()
    assert "give the root of the --since checkpoint" in out and "the new tree extends the old" in out
    (receipts / "altered.xml").unlink()
    again = ereceipt(
        home, "audit", log, "--vkey", vkey, "--state", state, "--since", str(old), "--receipts", str(receipts)
    )
    assert again.returncode == 1 and "NOT in the log" in again.stdout.decode()  # paid is before --since
    assert "RECEIPTS: 1 of 2" in again.stdout.decode()
