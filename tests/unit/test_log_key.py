"""The transparency log's key files: a private PEM and the C2SP verifier key published beside it."""

import stat

from ereceipt.core.transparency.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from ereceipt.core.transparency.log_key import load_log_key, make_log_key, vkey_path
from ereceipt.core.transparency.signed_note import Verifier


def test_log_key_is_private_and_its_vkey_verifies_its_checkpoints(tmp_path):
    key = tmp_path / "keys" / "transparency-log.key.pem"
    signer = make_log_key(key, "example.gov.vn/DEVELOPMENT-log")
    assert stat.S_IMODE(key.stat().st_mode) & 0o077 == 0
    assert vkey_path(key) == tmp_path / "keys" / "transparency-log.vkey"
    verifier = Verifier.parse(vkey_path(key).read_text())
    assert verifier.name == "example.gov.vn/DEVELOPMENT-log"
    signed = sign_checkpoint(Checkpoint(verifier.name, 3, bytes(32)), load_log_key(key, verifier.name))
    assert open_checkpoint(signed, verifier).checkpoint.size == 3
    assert signer.verifier == verifier


def test_an_existing_log_key_is_kept_unless_replaced(tmp_path):
    key = tmp_path / "transparency-log.key.pem"
    first = make_log_key(key, "a.example/log").verifier
    assert make_log_key(key, "a.example/log").verifier == first
    assert make_log_key(key, "a.example/log", replace=True).verifier != first
