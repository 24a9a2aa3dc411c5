"""Merkle tree hashing and proofs against RFC 9162's definitions and transparency-dev/merkle vectors."""

import base64
import functools

import pytest

from ereceipt.core.transparency import merkle
from ereceipt.core.transparency.merkle import Frontier, Node

# The RFC 6962 / transparency-dev test leaves and the roots of their first n leaves.
VECTOR_LEAVES = [
    bytes.fromhex(h) for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                "606162636465666768696a6b6c6d6e6f"]
]  # fmt: skip
VECTOR_ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}


def b64(text: str) -> bytes:
    return base64.b64decode(text)


class Store:
    """Every complete subtree of a tree grown leaf by leaf through a Frontier."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.nodes: dict[Node, bytes] = {}
        self.frontier = Frontier()
        self.roots = [merkle.EMPTY_ROOT]
        for leaf in leaves:
            self.nodes.update(self.frontier.append(leaf))
            self.roots.append(self.frontier.root())

    def read(self, nodes):
        return [self.nodes[node] for node in nodes]


def reference(leaves):
    """RFC 9162 §2.1 written out recursively, memoised over leaf ranges."""

    @functools.cache
    def mth(start, end):
        if end - start == 1:
            return leaves[start]
        k = merkle._split(end - start)
        return merkle.node_hash(mth(start, start + k), mth(start + k, end))

    def path(m, start, end):
        if end - start == 1:
            return []
        k = merkle._split(end - start)
        if m < k:
            return [*path(m, start, start + k), mth(start + k, end)]
        return [*path(m - k, start + k, end), mth(start, start + k)]

    def subproof(m, start, end, complete):
        n = end - start
        if m == n:
            return [] if complete else [mth(start, end)]
        k = merkle._split(n)
        if m <= k:
            return [*subproof(m, start, start + k, complete), mth(start + k, end)]
        return [*subproof(m - k, start + k, end, False), mth(start, start + k)]

    return mth, path, subproof


TEST_LEAVES = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(300)]


def test_roots_match_the_rfc_test_vectors():
    store = Store([merkle.leaf_hash(leaf) for leaf in VECTOR_LEAVES])
    for size, root in VECTOR_ROOTS.items():
        assert store.roots[size].hex() == root
        assert merkle.root_hash(size, store.read).hex() == root


def test_empty_tree_root_is_hash_of_nothing():
    assert merkle.EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle.root_hash(0, lambda nodes: []) == merkle.EMPTY_ROOT


def test_inclusion_proof_matches_transparency_dev_vector():
    store = Store([merkle.leaf_hash(leaf) for leaf in VECTOR_LEAVES])
    proof = merkle.inclusion_proof(0, 8, store.read)
    assert proof == [b64("lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c="),
                     b64("Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4="),
                     b64("a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ=")]  # fmt: skip
    assert merkle.inclusion_proof(2, 3, store.read) == [b64("+sVCA+fMaWzw38tCySodnbr3CtnmIfS9jZhmLwDjwSU=")]
    leaf = b64("ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c=")
    root = b64("rra8/idLcKFPsGel5VeCZNsPqbUa9eC6FZFY8yngbnc=")
    assert merkle.verify_inclusion(2, 3, leaf, merkle.inclusion_proof(2, 3, store.read), root)


@pytest.mark.parametrize(
    ("old", "new", "proof"),
    [
        (1, 8, ["lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=",
                "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
                "a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ="]),
        (6, 8, ["DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=",
                "yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=",
                "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc="]),
        (6, 7, ["DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=",
                "sIaT7C5yFZcTBkHoIR5+7cy0wmQTlj7ubB4u0W/7Gl8=",
                "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc="]),
    ],
)  # fmt: skip
def test_consistency_proofs_match_transparency_dev_vectors(old, new, proof):
    store = Store([merkle.leaf_hash(leaf) for leaf in VECTOR_LEAVES])
    expected = [b64(p) for p in proof]
    assert merkle.consistency_proof(old, new, store.read) == expected
    assert merkle.verify_consistency(old, new, store.roots[old], store.roots[new], expected)


def test_every_size_up_to_300_agrees_with_the_recursive_definition():
    store = Store(TEST_LEAVES)
    mth, path, subproof = reference(TEST_LEAVES)
    for size in range(1, 301):
        root = mth(0, size)
        assert store.roots[size] == root == merkle.root_hash(size, store.read)
        assert Frontier.load(size, store.read).root() == root
        for index in range(size):
            proof = merkle.inclusion_proof(index, size, store.read)
            assert proof == path(index, 0, size)
            assert merkle.verify_inclusion(index, size, TEST_LEAVES[index], proof, root)
        for old in range(1, size + 1):
            proof = merkle.consistency_proof(old, size, store.read)
            assert proof == subproof(old, 0, size, True)
            assert merkle.verify_consistency(old, size, mth(0, old), root, proof)


def test_tampered_inclusion_proofs_fail():
    store = Store(TEST_LEAVES[:37])
    root = store.roots[37]
    proof = merkle.inclusion_proof(21, 37, store.read)
    assert merkle.verify_inclusion(21, 37, TEST_LEAVES[21], proof, root)
    assert not merkle.verify_inclusion(22, 37, TEST_LEAVES[21], proof, root)
    assert not merkle.verify_inclusion(21, 22, TEST_LEAVES[21], proof, root)
    assert not merkle.verify_inclusion(21, 37, TEST_LEAVES[22], proof, root)
    assert not merkle.verify_inclusion(21, 37, TEST_LEAVES[21], proof[:-1], root)
    assert not merkle.verify_inclusion(21, 37, TEST_LEAVES[21], [*proof, root], root)
    assert not merkle.verify_inclusion(37, 37, TEST_LEAVES[21], proof, root)
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = bytes([bad[i][0] ^ 1]) + bad[i][1:]
        assert not merkle.verify_inclusion(21, 37, TEST_LEAVES[21], bad, root)


def test_tampered_consistency_proofs_fail():
    store = Store(TEST_LEAVES[:37])
    old_root, new_root = store.roots[13], store.roots[37]
    proof = merkle.consistency_proof(13, 37, store.read)
    assert merkle.verify_consistency(13, 37, old_root, new_root, proof)
    assert not merkle.verify_consistency(13, 37, new_root, old_root, proof)
    assert not merkle.verify_consistency(12, 37, old_root, new_root, proof)
    assert not merkle.verify_consistency(13, 16, old_root, new_root, proof)
    assert not merkle.verify_consistency(13, 37, old_root, new_root, proof[:-1])
    assert not merkle.verify_consistency(13, 37, old_root, new_root, [*proof, old_root])
    assert not merkle.verify_consistency(13, 37, old_root, new_root, [])
    assert not merkle.verify_consistency(37, 13, new_root, old_root, proof)
    assert not merkle.verify_consistency(13, 13, old_root, new_root, [])
    assert merkle.verify_consistency(13, 13, old_root, old_root, [])
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = bytes([bad[i][0] ^ 1]) + bad[i][1:]
        assert not merkle.verify_consistency(13, 37, old_root, new_root, bad)


def test_proofs_outside_the_tree_are_refused():
    store = Store(TEST_LEAVES[:5])
    with pytest.raises(merkle.ProofError):
        merkle.inclusion_proof(5, 5, store.read)
    with pytest.raises(merkle.ProofError):
        merkle.consistency_proof(6, 5, store.read)


def test_subtrees_cover_a_range_with_maximal_aligned_nodes():
    assert merkle.subtrees(0, 13) == [Node(3, 0), Node(2, 2), Node(0, 12)]
    assert merkle.subtrees(5, 16) == [Node(0, 5), Node(1, 3), Node(3, 1)]
    assert merkle.subtrees(256, 256 + 255) == [Node(7, 2), Node(6, 6), Node(5, 14), Node(4, 30), Node(3, 62),
                                               Node(2, 126), Node(1, 254), Node(0, 510)]  # fmt: skip
