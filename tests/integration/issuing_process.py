"""One of the competing processes of test_concurrent_numbering: issues receipts on one series.

Run as a script: URL KEYDIR PROCESS_INDEX COUNT GO_FILE. Every third attempt fails after taking
its number (the signer raises), so that rollbacks happen while the other processes are issuing.
Prints one line per receipt issued: its number.
"""

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.issuing.requests import IssueRequest, PaymentIn
from ereceipt.core.receipts.content import PayerInfo, PaymentMethod
from ereceipt.core.signatures.signing_identity import load_signing_identity
from ereceipt.core.signatures.xades import ReceiptSigner
from ereceipt.core.storage.database import Database


class FlakySigner:
    def __init__(self, signer: ReceiptSigner) -> None:
        self.signer, self.calls = signer, 0

    def sign_bytes(self, root):
        self.calls += 1
        if self.calls % 3 == 0:
            raise RuntimeError("simulated failure after the number was taken")
        return self.signer.sign_bytes(root)


def main(url: str, keys: str, index: int, count: int, go_file: str) -> None:
    directory = Path(keys)
    identity = load_signing_identity(
        directory / "issuer-signing.key.pem",
        directory / "issuer-signing.cert.pem",
        directory / "ca.cert.pem",
        None,
    )
    issuer = ReceiptIssuer(Database.from_url(url), FlakySigner(ReceiptSigner(identity)))
    while not Path(go_file).exists():
        time.sleep(0.005)
    issued = attempt = 0
    while issued < count:
        attempt += 1
        payment = PaymentIn(
            source="counter",
            reference=f"P{index}-{attempt}",
            amount=1_000 + attempt,
            payer=PayerInfo(name=f"Người nộp {index}"),
            paid_at=datetime.now(UTC),
            method=PaymentMethod.CASH,
            purpose="Tạm ứng chi phí cưỡng chế",
        )
        try:
            receipt = issuer.issue(
                IssueRequest(payment=payment, officer=f"officer-{index}", issuer_code="CCTHADS-BD")
            )
        except RuntimeError:
            continue
        issued += 1
        print(receipt.content.number, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
