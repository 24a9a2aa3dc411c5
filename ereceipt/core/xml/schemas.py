"""Our own XSDs (W3C XML Schema 1.0, package data) compiled once per thread, one compilation at a time.

libxml2's schema compiler is not safe to run in two threads at once: threads that compile an XSD
together can get "Document is not valid XML Schema", or take the process down
(SIGSEGV). Every XSD is therefore compiled under
one lock of the process (``compile_schema``).

A compiled schema is not shared between threads either: lxml keeps one error log per schema, and
threads validating with the same one at once read each other's errors in it, or none (the
SOAP endpoint would then send another request's reason, or fail). Compiling one of ours is
cheap, so each thread keeps copies of its own (``package_schema``).
"""

from __future__ import annotations

import threading
from importlib import resources

from lxml import etree

_LOCK = threading.Lock()
_per_thread = threading.local()  # each thread's compiled schemas, by file name


def compile_schema(document: etree._ElementTree | etree._Element) -> etree.XMLSchema:
    """Compile an XSD document; the only place in the project that does."""
    with _LOCK:
        return etree.XMLSchema(document)


def package_schema(file_name: str) -> etree.XMLSchema:
    """One of ``ereceipt/xml_schemas/``, compiled the first time the calling thread asks for it: keep
    it only in that thread, since its ``error_log`` tells of the last validation in any thread."""
    compiled = getattr(_per_thread, "compiled", None)
    if compiled is None:
        compiled = _per_thread.compiled = {}
    schema = compiled.get(file_name)
    if schema is None:
        path = resources.files("ereceipt").joinpath("xml_schemas", file_name)
        schema = compiled[file_name] = compile_schema(etree.parse(str(path)))
    return schema
