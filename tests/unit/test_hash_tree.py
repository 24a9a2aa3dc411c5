"""RFC 6283 hash trees: every leaf's reduced tree leads to the root that a plain level-by-level
recomputation gives, for batch sizes 1 to 100; a changed leaf or sibling leads elsewhere."""

from __future__ import annotations

import hashlib

import pytest

from ereceipt.core.signatures.hash_tree import build, pack, reduce_group, root_of, unpack


def leaves(count: int) -> list[bytes]:
    return [hashlib.sha256(f"receipt {n}".encode()).digest() for n in range(count)]


def plain_root(values: list[bytes]) -> bytes:
    """The root computed directly: sorted leaves, pairs hashed sorted and concatenated, an odd one
    carried up as it is."""
    level = sorted(values)
    while len(level) > 1:
        upper = []
        for start in range(0, len(level), 2):
            pair = level[start : start + 2]
            upper.append(hashlib.sha256(b"".join(sorted(pair))).digest() if len(pair) == 2 else pair[0])
        level = upper
    return level[0]


@pytest.mark.parametrize("count", range(1, 101))
def test_every_reduced_tree_leads_to_the_plain_root(count: int) -> None:
    values = leaves(count)
    tree = build(values)
    assert tree.root == plain_root(values)
    for leaf in values:
        reduced = tree.reduced[leaf]
        assert leaf in reduced[0]
        assert root_of(reduced) == tree.root
        assert len(reduced) <= max(1, (count - 1).bit_length())


def test_a_group_of_one_is_its_value_and_a_group_is_order_free() -> None:
    a, b, c = leaves(3)
    assert reduce_group([a]) == a
    assert (
        reduce_group([a, b, c])
        == reduce_group([c, a, b])
        == hashlib.sha256(b"".join(sorted([a, b, c]))).digest()
    )


def test_a_changed_leaf_or_sibling_leads_elsewhere() -> None:
    values = leaves(37)
    tree = build(values)
    reduced = tree.reduced[values[5]]
    other = hashlib.sha256(b"tampered").digest()
    forged_leaf = [[other if v == values[5] else v for v in reduced[0]], *reduced[1:]]
    assert root_of(forged_leaf) != tree.root
    forged_sibling = [*reduced[:-1], [other]]
    assert root_of(forged_sibling) != tree.root


def test_leaves_must_be_distinct_and_present() -> None:
    with pytest.raises(ValueError):
        build([])
    with pytest.raises(ValueError):
        build(leaves(2) * 2)


def test_a_reduced_tree_is_stored_and_read_back_as_it_was() -> None:
    tree = build(leaves(1000))
    for leaf in leaves(1000)[:50]:
        assert unpack(pack(tree.reduced[leaf])) == tree.reduced[leaf]
    with pytest.raises(ValueError):
        unpack(pack(tree.reduced[leaves(1)[0]])[:-1])
