"""A witness (`ereceipt witness`, C2SP tlog-witness) cosigns the checkpoints of a running log; the
cosignature is checked from C2SP tlog-cosignature alone, and the lookup page shows it."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from server_process import Server, ereceipt, free_port, http
from waiting import wait_for

REPO = Path(__file__).resolve().parents[2]
JOBS_OFF = "daily_reports =\nstatement_fetch =\nreconciliation =\nreport_retries =\nmessage_log_archive =\n"
CONFIG = "[database]\nurl = sqlite:///var/e.sqlite3\n"


def cosignature_time(note: bytes, vkey: str) -> int | None:
    """The time of a valid cosignature of the witness ``vkey`` on ``note``, from the specs alone."""
    name, key_hash, key = vkey.strip().split("+", 2)
    raw = base64.b64decode(key)
    assert raw[0] == 0x04 and hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex() == key_hash
    text, _, lines = note.decode().rpartition("\n\n")
    for line in lines.splitlines():
        dash, signer, blob = line.split(" ")
        signature = base64.b64decode(blob)
        if dash == "\u2014" and signer == name and signature[:4].hex() == key_hash:
            timestamp = int.from_bytes(signature[4:12], "big")
            message = b"cosignature/v1\ntime %d\n" % timestamp + (text + "\n").encode()
            Ed25519PublicKey.from_public_bytes(raw[1:]).verify(signature[12:], message)
            return timestamp
    return None


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path, str, dict]]:
    home = tmp_path_factory.mktemp("witnessed")
    (home / "config.ini").write_text(CONFIG)
    assert ereceipt(home, "init", "--demo").returncode == 0
    done = ereceipt(home, "issue", str(REPO / "examples" / "payment.json"), "--json")
    assert done.returncode == 0, done.stderr
    port = free_port()
    env = {**os.environ, "ERECEIPT_CONFIG": str(home / "config.ini")}
    witness_log = (home / "witness.log").open("wb")
    witness = subprocess.Popen(
        [sys.executable, "-m", "ereceipt", "witness", "--port", str(port)],
        cwd=home,
        env=env,
        stdout=witness_log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), timeout=30, what="the witness")
        config = (
            f"{CONFIG}[scheduler]\n{JOBS_OFF}transparency_log = */1 * * * * *\n"
            f"[transparency]\nwitness_url = http://127.0.0.1:{port}\nwitness_vkey = var/keys/witness.vkey\n"
        )
        server = Server(home, config, workers=1, run_scheduler=True)
        try:
            yield server, home, (home / "var" / "keys" / "witness.vkey").read_text(), json.loads(done.stdout)
        finally:
            output = server.stop()
            assert b"Traceback" not in output, output.decode()
    finally:
        witness.terminate()
        witness.wait(timeout=30)
        witness_log.close()


def _answers(url: str) -> bool:
    try:
        return http(url)[0] == 200
    except OSError:
        return False


def test_the_served_checkpoint_carries_the_witness_cosignature_and_the_lookup_page_shows_it(site) -> None:
    server, home, vkey, issued = site

    def cosigned() -> bool:
        status, note, _ = http(server.base + "/log/checkpoint")
        return status == 200 and cosignature_time(note, vkey) is not None

    wait_for(cosigned, timeout=60, what=f"a cosigned checkpoint (log: {server.log})")
    _, note, _ = http(server.base + "/log/checkpoint")
    assert note.count("\u2014 localhost/ereceipt/DEVELOPMENT-witness ".encode()) == 1
    code = issued["lookup_code"] if "lookup_code" in issued else issued["receipt"]["lookup_code"]
    status, page, _ = http(f"{server.base}/tra-cuu?ma={code}")
    assert status == 200
    section = re.search(rb'<section id="log-status"[^>]*>', page).group(0)
    assert b'data-cosigned="yes"' in section and b'data-verified="yes"' in section
    assert b"DEVELOPMENT-witness" in page and b'id="log-witness"' in page

    # A second receipt: the next checkpoint is cosigned too, with a consistency proof from the first.
    size = int(note.split(b"\n")[1])
    payment = json.loads((REPO / "examples" / "payment.json").read_text())
    (home / "second.json").write_text(
        json.dumps({**payment, "reference": "PT-2026-WITNESS-2", "amount": 1000})
    )
    more = ereceipt(home, "issue", str(home / "second.json"), "--json")
    assert more.returncode == 0, more.stderr

    def grown_and_cosigned() -> bool:
        status, latest, _ = http(server.base + "/log/checkpoint")
        return (
            status == 200
            and int(latest.split(b"\n")[1]) > size
            and cosignature_time(latest, vkey) is not None
        )

    wait_for(grown_and_cosigned, timeout=60, what=f"the grown checkpoint cosigned (log: {server.log})")
    assert "refused" not in (home / "witness.log").read_text()
