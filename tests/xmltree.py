"""XML comparison as trees (tag, attributes, text, children), never as strings."""

from lxml import etree


def assert_trees_equal(left: etree._Element, right: etree._Element, path: str = "") -> None:
    where = f"{path}/{etree.QName(left).localname}"
    assert left.tag == right.tag, f"{where}: tag {left.tag} != {right.tag}"
    assert dict(left.attrib) == dict(right.attrib), f"{where}: attributes differ"
    assert (left.text or "").strip() == (right.text or "").strip(), (
        f"{where}: text {left.text!r} != {right.text!r}"
    )
    assert len(left) == len(right), f"{where}: {len(left)} children != {len(right)}"
    for a, b in zip(left, right, strict=True):
        assert_trees_equal(a, b, where)
