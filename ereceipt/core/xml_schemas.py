"""Our own XSDs (W3C XML Schema 1.0, package data) compiled once per process, one compilation at a time.

libxml2's schema compiler is not safe to run in two threads at once: when the first requests reached
a new server worker together, each thread compiled the message XSD, and one got "Document is not
valid XML Schema" while the worker beside it died of SIGSEGV. Every XSD is therefore compiled under
one lock of the process (``compile_schema``); the compiled schema is then shared.
"""

from __future__ import annotations

import threading
from importlib import resources

from lxml import etree

_LOCK = threading.Lock()
_COMPILED: dict[str, etree.XMLSchema] = {}


def compile_schema(document: etree._ElementTree | etree._Element) -> etree.XMLSchema:
    """Compile an XSD document; the only place in the project that does."""
    with _LOCK:
        return etree.XMLSchema(document)


def package_schema(file_name: str) -> etree.XMLSchema:
    """One of ``ereceipt/xml_schemas/``, compiled the first time it is asked for."""
    schema = _COMPILED.get(file_name)
    if schema is None:
        with _LOCK:
            schema = _COMPILED.get(file_name)
            if schema is None:
                path = resources.files("ereceipt").joinpath("xml_schemas", file_name)
                schema = _COMPILED[file_name] = etree.XMLSchema(etree.parse(str(path)))
    return schema
