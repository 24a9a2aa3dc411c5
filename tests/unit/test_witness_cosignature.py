"""C2SP tlog-cosignature (Ed25519, cosignature/v1) and the tlog-witness add-checkpoint rules, without I/O."""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ereceipt.core.transparency import merkle, signed_note
from ereceipt.core.transparency.checkpoint import Checkpoint, sign_checkpoint
from ereceipt.core.transparency.cosignature import CosignatureVerifier, Cosigner
from ereceipt.core.transparency.signed_note import NoteError, Signer
from ereceipt.core.transparency.witness import SIZE_TYPE, Witness, add_checkpoint_body

LOG = Signer("test.invalid/log", Ed25519PrivateKey.generate())
COSIGNER = Cosigner("test.invalid/witness", Ed25519PrivateKey.generate())
NOW = 1_700_000_000


class MemoryState:
    def __init__(self) -> None:
        self.kept: dict[str, tuple[int, bytes]] = {}

    def latest(self, origin: str):
        return self.kept.get(origin)

    def record(self, origin: str, size: int, root: bytes) -> None:
        self.kept[origin] = (size, root)


class Tree:
    """A log of ``size`` leaves: its stored nodes, signed checkpoints, consistency proofs."""

    def __init__(self, size: int, salt: bytes = b"") -> None:
        self.nodes: dict[merkle.Node, bytes] = {}
        self.frontiers: dict[int, bytes] = {0: merkle.EMPTY_ROOT}
        frontier = merkle.Frontier()
        for i in range(size):
            for node, digest in frontier.append(merkle.leaf_hash(b"entry %d" % i + salt)):
                self.nodes[node] = digest
            self.frontiers[frontier.size] = frontier.root()

    def note(self, size: int, signer: Signer = LOG) -> bytes:
        return sign_checkpoint(Checkpoint(signer.name, size, self.frontiers[size]), signer)

    def proof(self, old: int, new: int) -> list[bytes]:
        return merkle.consistency_proof(old, new, lambda nodes: [self.nodes[n] for n in nodes])

    def request(self, old: int, new: int, proof: list[bytes] | None = None) -> bytes:
        return add_checkpoint_body(old, self.proof(old, new) if proof is None else proof, self.note(new))


def witness() -> Witness:
    return Witness(COSIGNER, {LOG.name: LOG.verifier}, MemoryState(), clock=lambda: NOW)


def test_the_specs_example_cosignature_line_is_key_id_then_a_big_endian_timestamp_then_64_bytes() -> None:
    # From C2SP tlog-cosignature: its message's example shows "time 1679315147".
    line = (
        "\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWX"
        "EhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
    )
    raw = base64.b64decode(line.split(" ")[2])
    assert len(raw) == 4 + 8 + 64
    assert struct.unpack("!Q", raw[4:12]) == (1679315147,)


def test_a_cosignature_is_checked_from_the_spec_alone() -> None:
    note = Tree(5).note(5)
    text = signed_note.parse(note).text
    line = COSIGNER.cosignature_line(text, NOW)
    public = COSIGNER.verifier.public_key
    name, blob = line.removeprefix("\u2014 ").split(" ")
    raw = base64.b64decode(blob)
    assert name == COSIGNER.name
    assert raw[:4] == hashlib.sha256(name.encode() + b"\n\x04" + public).digest()[:4]
    assert raw[4:12] == NOW.to_bytes(8, "big")
    message = b"cosignature/v1\ntime %d\n" % NOW + text
    Ed25519PublicKey.from_public_bytes(public).verify(raw[12:], message)  # raises if not
    cosigned = signed_note.parse(note + line.encode())
    assert COSIGNER.verifier.cosigned_at(cosigned) == NOW
    assert CosignatureVerifier.parse(COSIGNER.verifier.vkey) == COSIGNER.verifier
    other = Cosigner(COSIGNER.name, Ed25519PrivateKey.generate()).verifier
    assert other.cosigned_at(cosigned) is None
    with pytest.raises(NoteError):  # a log's key (type 0x01) is not a cosigner's
        CosignatureVerifier.parse(LOG.verifier.vkey)


def test_a_witness_cosigns_a_growing_log_and_keeps_the_size_it_cosigned() -> None:
    tree, w = Tree(300), witness()
    first = w.add_checkpoint(tree.request(0, 10, []))
    assert first.status == 200
    assert COSIGNER.verifier.cosigned_at(signed_note.parse(tree.note(10) + first.body)) == NOW
    for old, new in [(10, 11), (11, 256), (256, 300), (300, 300)]:
        answer = w.add_checkpoint(tree.request(old, new))
        assert answer.status == 200, answer.body
    assert w.state.latest(LOG.name) == (300, tree.frontiers[300])


def test_a_witness_answers_409_with_its_size_when_the_old_size_is_not_its_own() -> None:
    tree, w = Tree(40), witness()
    assert w.add_checkpoint(tree.request(0, 20, [])).status == 200
    answer = w.add_checkpoint(tree.request(10, 30))
    assert (answer.status, answer.body, answer.content_type) == (409, b"20\n", SIZE_TYPE)
    assert w.add_checkpoint(tree.request(20, 30)).status == 200


def test_a_witness_refuses_a_fork_a_bad_proof_and_a_checkpoint_it_cannot_trust() -> None:
    tree, forked, w = Tree(40), Tree(40, salt=b"!"), witness()
    assert w.add_checkpoint(tree.request(0, 20, [])).status == 200
    assert (
        w.add_checkpoint(add_checkpoint_body(20, [], forked.note(20))).status == 409
    )  # same size, other root
    assert w.add_checkpoint(add_checkpoint_body(20, forked.proof(20, 30), forked.note(30))).status == 422
    assert w.add_checkpoint(tree.request(20, 30, [bytes(32)] * 3)).status == 422
    stranger = Signer("test.invalid/other-log", Ed25519PrivateKey.generate())
    assert w.add_checkpoint(add_checkpoint_body(0, [], tree.note(5, stranger))).status == 404
    impostor = Signer(LOG.name, Ed25519PrivateKey.generate())
    assert (
        w.add_checkpoint(add_checkpoint_body(20, tree.proof(20, 30), tree.note(30, impostor))).status == 403
    )
    assert w.add_checkpoint(tree.request(20, 10, [])).status == 400  # old size above the checkpoint's
    assert w.state.latest(LOG.name) == (20, tree.frontiers[20])  # nothing refused was recorded


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"old 01\n\n",
        b"new 1\n\n",
        b"old 1\nnot base64!\n\n",
        b"old 1\n" + base64.b64encode(b"short") + b"\n\n",
        b"old 0\n" + b"".join(base64.b64encode(bytes(32)) + b"\n" for _ in range(64)) + b"\n",
    ],
    ids=["empty", "leading-zero", "no-old-line", "not-base64", "short-hash", "64-proof-lines"],
)
def test_a_malformed_request_is_400(body: bytes) -> None:
    answer = witness().add_checkpoint(body + Tree(3).note(3))
    assert answer.status == 400


def test_a_proof_from_an_empty_tree_must_be_empty() -> None:
    tree = Tree(8)
    assert witness().add_checkpoint(add_checkpoint_body(0, [bytes(32)], tree.note(8))).status == 422
