"""Values read from outside XML exactly as canonicalization sees them (W3C C14N 1.1, Exclusive C14N 1.0).

A signature covers the canonical form of what it signs, and canonicalization without comments
drops comments, so ``<Amount>2000<!---->000</Amount>`` digests like ``<Amount>2000000</Amount>``
while lxml's ``.text`` stops at the comment and reads ``2000``. Two rules close that class:

- ``refuse_hidden_nodes``: a message whose values the service acts on carries no comment, no
  processing instruction and no unexpanded entity reference anywhere (SOAP envelopes, treasury
  answers). C14N keeps processing instructions, so those would break a signature, but a reader
  that skips them would still see other text than a reader that does not.
- ``text_value``: a value is the whole text of an element that has no child node of any kind; an
  element that holds a comment, a processing instruction, an entity reference or an element
  beside its text (mixed content) is refused, never read in part. CDATA sections need nothing:
  the hardened parser merges them into the text, and C14N writes their characters as text too.

Everything else C14N normalises (line ends, attribute value whitespace, character references)
is already normalised by the parser, so a value read through these two is what was signed.
"""

from __future__ import annotations

from lxml import etree

from ereceipt.core.errors import XMLRejected

XML_SPACE = " \t\r\n"


def _kind(node: etree._Element) -> str:
    if isinstance(node, etree._Comment):
        return "a comment"
    if isinstance(node, etree._ProcessingInstruction):
        return "a processing instruction"
    if isinstance(node, etree._Entity):
        return "an entity reference"
    return f"the element {etree.QName(node).localname}"


def _name(element: etree._Element) -> str:
    return etree.QName(element).localname


def hidden_node(root: etree._Element) -> str | None:
    """Why the element ``root`` holds a node that canonicalization hides or a reader may skip, or None.

    Only ``root``'s subtree counts: a comment before or after the document element holds no value
    and is never part of a signed element (the examples carry one to explain themselves).
    """
    node = next(root.iter(etree.Comment, etree.ProcessingInstruction, etree.Entity), None)
    if node is None:
        return None
    return f"{_kind(node)} inside {_name(node.getparent())} is not allowed"


def refuse_hidden_nodes(root: etree._Element) -> None:
    """Raise ``XMLRejected`` when the document holds a comment, processing instruction or entity reference."""
    problem = hidden_node(root)
    if problem:
        raise XMLRejected(f"{problem}: values must be plain text", hidden=True)


def text_value(element: etree._Element) -> str:
    """The whole text of ``element`` ("" when empty), refusing an element with any child node."""
    if len(element):  # lxml counts comments, processing instructions and entity references as children
        raise XMLRejected(
            f"{_name(element)} must hold plain text, not {_kind(element[0])}", element=_name(element)
        )
    return element.text or ""


def stripped_value(element: etree._Element | None) -> str | None:
    """``text_value`` without the XML white space around it (space, tab, CR, LF: what XSD's
    ``collapse`` removes; never other Unicode spaces), None for a missing or empty element."""
    if element is None:
        return None
    return text_value(element).strip(XML_SPACE) or None


def child_value(parent: etree._Element, path: str, namespaces: dict[str, str] | None = None) -> str | None:
    """``stripped_value`` of the first element at ``path`` below ``parent`` (None when there is none)."""
    return stripped_value(parent.find(path, namespaces=namespaces))
