"""`ereceipt notices send-due` as a real process: the example payment's e-mail and SMS reach real servers."""

from __future__ import annotations

import email
import email.policy
import shutil
from pathlib import Path

import pytest
from delivery_servers import sms_gateway, smtp_server
from server_process import ereceipt

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "payment.json"


CONFIG = "[database]\nurl = sqlite:///var/e.sqlite3\n[keys]\ndirectory = var/keys\n"


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home where `ereceipt init --demo` and `ereceipt issue` of the example payment ran, once for
    the module (the notices are written when the receipt is issued, whatever the delivery settings)."""
    home = tmp_path_factory.mktemp("issued")
    (home / "config.ini").write_text(CONFIG, encoding="utf-8")
    for command in (("init", "--demo"), ("issue", str(EXAMPLE))):
        result = ereceipt(home, *command)
        assert result.returncode == 0, result.stderr
    return home


def home_with(issued: Path, tmp_path: Path, delivery: str = "") -> Path:
    """A copy of the ``issued`` home in ``tmp_path``, with ``delivery`` settings."""
    shutil.copytree(issued / "var", tmp_path / "var")
    (tmp_path / "config.ini").write_text(CONFIG + delivery, encoding="utf-8")
    return tmp_path


def test_send_due_delivers_the_example_payment_by_email_and_sms(issued: Path, tmp_path: Path) -> None:
    with smtp_server() as (mailbox, port), sms_gateway() as (gateway, url):
        home = home_with(
            issued,
            tmp_path,
            f"[email]\nhost = 127.0.0.1\nport = {port}\nsecurity = none\n"
            f"[sms]\nurl = {url}\nusername = thads\n",
        )
        result = ereceipt(home, "notices", "send-due")
        assert result.returncode == 0, result.stderr
        assert result.stdout.decode() == "sent 2, to retry later 0, failed for good 0\n"
        again = ereceipt(home, "notices", "send-due")
    assert again.stdout.decode() == "sent 0, to retry later 0, failed for good 0\n"
    ((_, recipients, raw),) = mailbox.messages
    assert recipients == ["nguyen.van.an@example.invalid"]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"].startswith("Biên lai thu tiền số 0000001")
    ((request),) = gateway.requests
    assert request["json"]["to"] == "+84912345678"
    assert request["json"]["text"].startswith("THADS: bien lai")


def test_without_delivery_settings_notices_stay_pending_visibly(issued: Path, tmp_path: Path) -> None:
    home = home_with(issued, tmp_path)
    result = ereceipt(home, "notices", "send-due")
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().splitlines() == [
        "sent 0, to retry later 0, failed for good 0",
        "email delivery is not configured: 1 notice(s) pending",
        "sms delivery is not configured: 1 notice(s) pending",
    ]


def test_a_permanent_failure_makes_the_command_fail(issued: Path, tmp_path: Path) -> None:
    with sms_gateway() as (gateway, url):
        gateway.answers.append((400, {"error": "invalid destination number"}))
        home = home_with(issued, tmp_path, f"[sms]\nurl = {url}\n")
        result = ereceipt(home, "notices", "send-due")
    assert result.returncode == 1
    assert result.stdout.decode().startswith("sent 0, to retry later 0, failed for good 1\n")
