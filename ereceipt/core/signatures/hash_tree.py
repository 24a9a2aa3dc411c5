"""Hash trees of evidence records (RFC 6283 section 3.2.1, after RFC 4998 section 4.2): one root over
many data objects, and for each object the reduced tree that leads from its hash to that root.

A group of hash values is reduced to one value by sorting them in binary ascending order,
concatenating them and hashing the result, except that a group of one value is that value itself.
A reduced tree is a list of groups (``Sequence`` elements): the first holds the object's own hash
and its siblings; every later one holds the siblings met on the way up, to which the value
computed so far is added before reducing. These are not the RFC 9162 rules of the transparency log
(no leaf or node prefixes, ordering by value instead of by position), so nothing is shared with
``core.transparency.merkle``.

The tree built here is binary: leaves sorted, neighbours paired level by level, an odd last node
carried up unchanged (it has no group at that level).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

ReducedTree = list[list[bytes]]


def reduce_group(values: Sequence[bytes], algorithm: str = "sha256") -> bytes:
    """One hash for a group: the value alone, or the hash of the values sorted and concatenated."""
    if not values:
        raise ValueError("a hash tree group holds at least one value")
    if len(values) == 1:
        return values[0]
    return hashlib.new(algorithm, b"".join(sorted(values))).digest()


def root_of(reduced: ReducedTree, algorithm: str = "sha256") -> bytes:
    """The root a reduced tree leads to (RFC 6283 section 4.3, steps 3 to 5)."""
    value: bytes | None = None
    for group in reduced:
        value = reduce_group([*group, *([value] if value is not None else [])], algorithm)
    if value is None:
        raise ValueError("a reduced hash tree holds at least one group")
    return value


@dataclass(frozen=True)
class HashTree:
    root: bytes
    reduced: dict[bytes, ReducedTree]  # each leaf's reduced tree, its own hash first in the first group


def build(leaves: Sequence[bytes], algorithm: str = "sha256") -> HashTree:
    """The tree over ``leaves`` (distinct hash values of one algorithm) with every leaf's reduced tree."""
    if not leaves or len(set(leaves)) != len(leaves):
        raise ValueError("a hash tree needs distinct leaves, at least one")
    level = sorted(leaves)
    reduced: dict[bytes, ReducedTree] = {leaf: [] for leaf in level}
    below: list[list[bytes]] = [[leaf] for leaf in level]  # the leaves under each node of ``level``
    first = True
    while len(level) > 1 or first:
        upper, under = [], []
        for start in range(0, len(level), 2):
            pair = level[start : start + 2]
            covered = [leaf for part in below[start : start + 2] for leaf in part]
            for side in range(len(pair)):
                siblings = pair[:side] + pair[side + 1 :]
                for leaf in below[start + side]:
                    if first:
                        reduced[leaf].append([leaf, *siblings])
                    elif siblings:
                        reduced[leaf].append(siblings)
            upper.append(reduce_group(pair, algorithm))
            under.append(covered)
        level, below, first = upper, under, False
    return HashTree(level[0], reduced)


def pack(reduced: ReducedTree) -> bytes:
    """A reduced tree as bytes for storage: per group, its count (one byte) and its values."""
    return b"".join(bytes([len(group)]) + b"".join(group) for group in reduced)


def unpack(data: bytes, size: int = 32) -> ReducedTree:
    """The reduced tree that ``pack`` stored, of ``size``-byte values."""
    reduced, at = [], 0
    while at < len(data):
        count = data[at]
        reduced.append([data[at + 1 + n * size : at + 1 + (n + 1) * size] for n in range(count)])
        at += 1 + count * size
    if at != len(data) or any(len(v) != size for group in reduced for v in group):
        raise ValueError("stored reduced hash tree is truncated")
    return reduced


def under_group(group: Sequence[bytes], reduced: ReducedTree, algorithm: str = "sha256") -> ReducedTree:
    """The reduced tree from the values of ``group`` to the root, given the ``reduced`` tree of the
    leaf they reduce to (``reduce_group``): the group first, then the leaf's path without the leaf,
    as a hash-tree renewal's first group holds a data object's hash and its chains' hash."""
    leaf = reduce_group(group, algorithm)
    first = [value for value in reduced[0] if value != leaf]
    return [list(group), *[later for later in (first, *reduced[1:]) if later]]
