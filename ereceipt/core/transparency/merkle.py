"""Merkle tree hashes, inclusion and consistency proofs (RFC 9162 §2.1).

Leaves hash as SHA-256(0x00 || entry), interior nodes as SHA-256(0x01 || left || right). A tree's
nodes are named ``(level, index)``: the node at level ``l`` and index ``i`` is the hash of the
complete subtree over leaves ``[i·2^l, (i+1)·2^l)``. The log stores exactly those nodes (every
complete subtree), so any proof is a handful of stored hashes combined here; proofs are planned
first (which nodes they need), read in one batch through a :class:`HashReader`, then folded.
"""

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    """RFC 9162 §2.1.1: the hash of one leaf's entry."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1: the hash of an interior node from its two children."""
    return hashlib.sha256(b"\x01" + left + right).digest()


@dataclass(frozen=True, order=True)
class Node:
    """A complete subtree: ``2**level`` leaves starting at leaf ``index * 2**level``."""

    level: int
    index: int


HashReader = Callable[[Sequence[Node]], Sequence[bytes]]
"""Reads the stored hashes of complete subtrees, in the order asked; raises if one is missing."""


class ProofError(ValueError):
    """A proof was asked for sizes or indexes the tree does not have."""


def _split(size: int) -> int:
    """The largest power of two smaller than ``size`` (RFC 9162's ``k``); ``size`` > 1."""
    return 1 << ((size - 1).bit_length() - 1)


def subtrees(start: int, end: int) -> list[Node]:
    """The maximal complete subtrees covering leaves ``[start, end)``, left to right."""
    nodes: list[Node] = []
    while start < end:
        level = (start & -start).bit_length() - 1 if start else (end - start).bit_length() - 1
        while (1 << level) > end - start:
            level -= 1
        nodes.append(Node(level, start >> level))
        start += 1 << level
    return nodes


def fold_right(hashes: Sequence[bytes]) -> bytes:
    """The hash of a range from its subtrees' hashes (left to right); smaller ones join first."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def _range_hash(start: int, end: int, reader: HashReader) -> bytes:
    return fold_right(reader(subtrees(start, end)))


def root_hash(size: int, reader: HashReader) -> bytes:
    """MTH of the first ``size`` leaves."""
    return EMPTY_ROOT if size == 0 else _range_hash(0, size, reader)


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes form PATH(index, D[0:size]), leaf side first (RFC 9162 §2.1.3.1)."""
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    return list(reversed(ranges))


def _consistency_ranges(old: int, new: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes form PROOF(old, D[0:new]) (RFC 9162 §2.1.4.1)."""
    ranges: list[tuple[int, int]] = []
    start, end, complete = 0, new, True
    while True:
        if old - start == end - start:
            if not complete:
                ranges.append((start, end))
            break
        k = _split(end - start)
        if old - start <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
            complete = False
    return list(reversed(ranges))


def _ranges_hashes(ranges: list[tuple[int, int]], reader: HashReader) -> list[bytes]:
    plans = [subtrees(start, end) for start, end in ranges]
    wanted = sorted({node for plan in plans for node in plan})
    found = dict(zip(wanted, reader(wanted), strict=True))
    return [fold_right([found[node] for node in plan]) for plan in plans]


def inclusion_proof(index: int, size: int, reader: HashReader) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``size`` leaves."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    return _ranges_hashes(_inclusion_ranges(index, size), reader)


def consistency_proof(old: int, new: int, reader: HashReader) -> list[bytes]:
    """The proof that the tree of ``old`` leaves is a prefix of the tree of ``new`` leaves."""
    if not 0 <= old <= new:
        raise ProofError(f"no consistency proof from {old} to {new} leaves")
    if old == 0 or old == new:
        return []
    return _ranges_hashes(_consistency_ranges(old, new), reader)


def _shift_while_even(fn: int, sn: int) -> tuple[int, int]:
    while fn and not fn & 1:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` yields for ``leaf`` at ``index`` (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                fn, sn = _shift_while_even(fn, sn)
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    """Whether ``proof`` shows ``leaf`` at ``index`` in the tree of ``size`` leaves with ``root``."""
    try:
        return root_from_inclusion(index, size, leaf, proof) == root
    except ProofError:
        return False


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """Whether ``proof`` shows the ``old``-leaf tree is a prefix of the ``new``-leaf (RFC 9162 §2.1.4.2)."""
    if not 0 <= old <= new:
        return False
    if old == 0:
        return not proof
    if old == new:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old & (old - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                fn, sn = _shift_while_even(fn, sn)
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root


class Frontier:
    """The right edge of a growing tree: appends leaves and names the complete subtrees each one closes.

    Holds one hash per maximal complete subtree of the current tree (at most 64), so integration
    never reads back what it stored.
    """

    def __init__(self, size: int = 0, edge: Sequence[bytes] = ()) -> None:
        if len(edge) != size.bit_count():
            raise ProofError(f"a tree of {size} leaves has {size.bit_count()} edge subtrees, not {len(edge)}")
        self.size = size
        self._edge = list(edge)

    @classmethod
    def load(cls, size: int, reader: HashReader) -> "Frontier":
        """The frontier of the stored tree of ``size`` leaves."""
        return cls(size, reader(subtrees(0, size)) if size else ())

    @property
    def edge(self) -> list[bytes]:
        return list(self._edge)

    def append(self, leaf: bytes) -> list[tuple[Node, bytes]]:
        """Adds one leaf hash; returns the new complete subtrees (the leaf first) to store."""
        return [(Node(level, index), digest) for level, index, digest in self.extend([leaf])]

    def extend(self, leaves: Iterable[bytes]) -> list[tuple[int, int, bytes]]:
        """Adds leaf hashes in order; returns every complete subtree they close as ``(level, index,
        hash)``, each leaf first (plain tuples: a sequencer run appends tens of thousands)."""
        edge, index, closed = self._edge, self.size, []
        for leaf in leaves:
            level, current = 0, leaf
            closed.append((0, index, leaf))
            while (index >> level) & 1:
                current = node_hash(edge.pop(), current)
                level += 1
                closed.append((level, index >> level, current))
            edge.append(current)
            index += 1
        self.size = index
        return closed

    def root(self) -> bytes:
        return fold_right(self._edge) if self._edge else EMPTY_ROOT


def reference_root(leaves: Sequence[bytes]) -> bytes:
    """MTH computed straight from RFC 9162's recursive definition, over leaf hashes (for checks)."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))
