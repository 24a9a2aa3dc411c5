"""C2SP signed-note and tlog-checkpoint, checked against golang.org/x/mod/sumdb/note's example."""

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ereceipt.core.transparency import signed_note
from ereceipt.core.transparency.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from ereceipt.core.transparency.signed_note import NoteError, Signer, Verifier

GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SEED = base64.b64decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")[1:]
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n\u2014 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def go_signer() -> Signer:
    return Signer("PeterNeumann", Ed25519PrivateKey.from_private_bytes(GO_SEED))


def test_signing_reproduces_the_go_example_byte_for_byte():
    assert go_signer().sign(GO_TEXT).decode() == GO_NOTE


def test_verifier_key_and_key_id_follow_the_spec():
    signer = go_signer()
    assert signer.verifier.vkey == GO_VKEY
    assert Verifier.parse(GO_VKEY) == signer.verifier
    assert signer.verifier.key_id.hex() == "c74f20a3"


def test_a_note_verifies_and_a_changed_one_does_not():
    verifier = Verifier.parse(GO_VKEY)
    assert signed_note.parse(GO_NOTE.encode()).verified_by(verifier)
    changed = GO_NOTE.replace("cryptography", "cryptographY").encode()
    assert not signed_note.parse(changed).verified_by(verifier)


def test_a_signature_under_another_name_or_id_does_not_count():
    other = Verifier("EnochRoot", Verifier.parse(GO_VKEY).public_key)
    assert not signed_note.parse(GO_NOTE.encode()).verified_by(other)


@pytest.mark.parametrize(
    "vkey",
    [
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+Apc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3",
    ],
)
def test_malformed_verifier_keys_are_refused(vkey):
    with pytest.raises(NoteError):
        Verifier.parse(vkey)


@pytest.mark.parametrize(
    "note",
    [
        GO_TEXT.encode(),
        GO_TEXT.encode() + b"\n",
        GO_TEXT.encode() + b"\nPeterNeumann abc=\n",
        GO_TEXT.encode() + "\n\u2014 PeterNeumann !!!\n".encode(),
        b"\xff\n\n" + "\u2014 a AAAAAAA=\n".encode(),
    ],
)
def test_malformed_notes_are_refused(note):
    with pytest.raises(NoteError):
        signed_note.parse(note)


def test_checkpoint_is_origin_size_and_base64_root_signed_by_the_origin_key():
    key = Ed25519PrivateKey.generate()
    signer = Signer("example.org/receipts", key)
    checkpoint = Checkpoint("example.org/receipts", 12, bytes(range(32)))
    signed = sign_checkpoint(checkpoint, signer)
    text, _, signature = signed.decode().partition("\n\n")
    assert text + "\n" == "example.org/receipts\n12\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
    assert signature.startswith("\u2014 example.org/receipts ")
    assert open_checkpoint(signed, signer.verifier).checkpoint == checkpoint


def test_a_checkpoint_of_another_key_or_origin_is_refused():
    signer = Signer("example.org/receipts", Ed25519PrivateKey.generate())
    impostor = Signer("example.org/receipts", Ed25519PrivateKey.generate())
    signed = sign_checkpoint(Checkpoint("example.org/receipts", 1, bytes(32)), impostor)
    with pytest.raises(NoteError, match="not signed"):
        open_checkpoint(signed, signer.verifier)
    with pytest.raises(NoteError, match="origin"):
        sign_checkpoint(Checkpoint("example.org/other", 1, bytes(32)), signer)
    forged = signed.replace(b"\n1\n", b"\n2\n")
    with pytest.raises(NoteError):
        open_checkpoint(forged, impostor.verifier)
