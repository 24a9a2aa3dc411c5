"""The `ereceipt` command line, run as a real process against a real SQLite file and development keys."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree
from server_process import ereceipt

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "payment.json"
SCRIPT = Path(sys.executable).parent / "ereceipt"


run = ereceipt


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("home")
    (home / "config.ini").write_text(
        "[database]\nurl = sqlite:///var/e.sqlite3\n[keys]\ndirectory = var/keys\n"
    )
    result = run(home, "init", "--demo")
    assert result.returncode == 0, result.stderr
    return home


@pytest.fixture(scope="module")
def issued(home: Path) -> dict:
    result = run(home, "issue", str(EXAMPLE), "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_init_creates_database_and_development_keys(home: Path) -> None:
    assert (home / "var" / "e.sqlite3").is_file()
    assert (home / "var" / "keys" / "issuer-signing.key.pem").is_file()
    again = run(home, "init")
    assert again.returncode == 0, again.stderr
    assert b"development keys created" not in again.stdout


def test_issue_prints_number_and_lookup_code(issued: dict) -> None:
    assert issued["number"].endswith("0000001")
    assert len(issued["lookup_code"]) == 19
    assert issued["created"] is True


def test_issuing_the_same_payment_again_says_so(home: Path, issued: dict) -> None:
    result = run(home, "issue", "-", stdin=EXAMPLE.read_bytes())
    assert result.returncode == 0, result.stderr
    assert b"issued before" in result.stdout
    assert issued["number"].encode() in result.stdout


def test_export_then_verify_is_valid(home: Path, issued: dict, tmp_path: Path) -> None:
    exported = tmp_path / "receipt.xml"
    result = run(home, "export", "1", "--issuer", "CCTHADS-BD", "-o", str(exported))
    assert result.returncode == 0, result.stderr
    by_code = run(home, "export", issued["lookup_code"].lower())
    assert by_code.stdout == exported.read_bytes()
    verified = run(home, "verify", str(exported), "--json")
    assert verified.returncode == 0, verified.stderr
    report = json.loads(verified.stdout)
    assert report["indication"] == "TOTAL_PASSED"
    assert report["receipt"]["amount"] == 1_015_000


def test_verify_prints_a_report_a_person_reads(home: Path, issued: dict, tmp_path: Path) -> None:
    exported = tmp_path / "receipt.xml"
    exported.write_bytes(run(home, "export", issued["lookup_code"]).stdout)
    result = run(home, "verify", str(exported))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert lines[0].startswith("valid: the signature is valid; signer on record for CCTHADS-BD")
    assert lines[0].endswith("(TOTAL_PASSED)")
    assert lines[1:4] == [
        f"  receipt     {issued['number']}",
        "  amount      1.015.000 đồng",
        "  payer       Nguyễn Văn An",
    ]
    assert lines[4].startswith("  signed by   UID=MST:") and "CCTHADS-BD DEVELOPMENT signing" in lines[4]
    assert lines[5] == "  level       B"  # issued at B; the time-stamping job makes it T later
    assert lines[6].startswith("  signed at   20") and lines[6].endswith("(claimed by the signer)")
    assert lines[7].startswith("  best time   20")
    assert lines[8].strip() == "claimed by the signer (xades:SigningTime); no time-stamp proves it"
    assert not any(mark in result.stdout.decode() for mark in ("{", "None", "'"))


def test_verify_of_a_tampered_receipt_exits_1(home: Path, issued: dict, tmp_path: Path) -> None:
    root = etree.fromstring(run(home, "export", issued["lookup_code"]).stdout)
    root.find("{urn:ereceipt:thads:receipt:1.0}Amount").text = "9015000"
    tampered = tmp_path / "tampered.xml"
    tampered.write_bytes(etree.tostring(root))
    result = run(home, "verify", str(tampered))
    assert result.returncode == 1
    assert result.stdout.decode().startswith("invalid: ")
    assert result.stdout.decode().splitlines()[0].endswith("(TOTAL_FAILED, HASH_FAILURE)")


def test_verify_of_an_unreadable_file_exits_2(home: Path, tmp_path: Path) -> None:
    assert run(home, "verify", str(tmp_path / "missing.xml")).returncode == 2
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<Receipt><unclosed></Receipt>")
    result = run(home, "verify", str(broken))
    assert result.returncode == 2
    assert b"malformed" in result.stderr


def test_errors_are_one_line_without_traceback(home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"amount": 1.5}')
    for args in (("issue", str(bad)), ("export", "9999999"), ("issue", str(tmp_path / "none.json"))):
        result = run(home, *args)
        assert result.returncode != 0
        assert b"Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_issue_of_an_amount_written_as_text_fails_in_one_line_naming_the_field_and_issues_nothing(
    home: Path, tmp_path: Path
) -> None:
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    document.update(amount="1.000", reference="PT-AMOUNT-AS-TEXT")
    payment = tmp_path / "amount-as-text.json"
    payment.write_text(json.dumps(document), encoding="utf-8")

    def stored() -> tuple[int, int]:
        database = sqlite3.connect(home / "var" / "e.sqlite3")
        try:
            return database.execute(
                "SELECT (SELECT count(*) FROM payment), (SELECT count(*) FROM receipt)"
            ).fetchone()
        finally:
            database.close()

    before = stored()
    result = run(home, "issue", str(payment))
    assert result.returncode != 0
    assert result.stderr.decode().strip().splitlines() == [
        "ereceipt: field 'amount': \"1.000\" is not a JSON integer of đồng"
    ]
    assert stored() == before


def test_wrong_setting_fails_at_start_naming_it(home: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.ini"
    config.write_text("[server]\nport = eighty\n")
    env = {**os.environ, "ERECEIPT_CONFIG": str(config)}
    result = subprocess.run(
        [sys.executable, "-m", "ereceipt", "init"], env=env, capture_output=True, timeout=60
    )
    assert result.returncode == 3  # a configuration error
    assert b"[server] port" in result.stderr
    assert b"Traceback" not in result.stderr


@pytest.mark.parametrize(
    "command", [[], ["init"], ["keys", "init"], ["issue"], ["export"], ["verify"], ["serve"]]
)
def test_every_command_has_help(command: list[str]) -> None:
    result = subprocess.run([str(SCRIPT), *command, "--help"], capture_output=True, timeout=60)
    assert result.returncode == 0
    assert b"usage: ereceipt" in result.stdout
