"""Run-time validation of camt messages against the official ISO 20022 XSDs of a configured directory.

``[queue] camt_schema_directory`` names a directory of XSDs (e.g. ``camt.054.001.08.xsd``); each is
indexed by its ``targetNamespace``, read through the hardened parser, and compiled once, on first
use. An incoming document is validated against the schema of its exact namespace; a namespace with
no schema there, or a violation, is a ``SchemaViolation`` (the message is dead-lettered with it).
"""

from __future__ import annotations

import threading
from pathlib import Path

from lxml import etree

from ereceipt.core.errors import ConfigurationError, SchemaViolation
from ereceipt.core.xml.parser import parse_xml
from ereceipt.core.xml.schemas import compile_schema

MAX_SCHEMA_BYTES = 4 * 1024 * 1024


class CamtSchemas:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._files: dict[str, Path] = {}
        self._compiled: dict[str, etree.XMLSchema] = {}
        self._lock = threading.Lock()  # lxml schemas are compiled once and used by one thread at a time
        try:
            files = sorted(directory.glob("*.xsd"))
        except OSError as exc:
            raise ConfigurationError(f"camt schema directory {directory}: {exc}") from None
        if not directory.is_dir() or not files:
            raise ConfigurationError(
                f"camt schema directory {directory} holds no .xsd file",
                setting="[queue] camt_schema_directory",
            )
        for file in files:
            namespace = self._read(file).get("targetNamespace")
            if namespace:
                self._files[namespace] = file

    @staticmethod
    def _read(file: Path) -> etree._Element:
        return parse_xml(file.read_bytes(), max_bytes=MAX_SCHEMA_BYTES)

    @property
    def namespaces(self) -> list[str]:
        return sorted(self._files)

    def validate(self, root: etree._Element) -> None:
        namespace = etree.QName(root).namespace or ""
        with self._lock:
            schema = self._compiled.get(namespace)
            if schema is None:
                file = self._files.get(namespace)
                if file is None:
                    raise SchemaViolation(f"no schema for namespace {namespace!r} in {self.directory}")
                schema = self._compiled[namespace] = compile_schema(self._read(file))
            if not schema.validate(root):
                error = schema.error_log.last_error
                raise SchemaViolation(f"{file_name(namespace)} line {error.line}: {error.message}"[:600])


def file_name(namespace: str) -> str:
    return namespace.rsplit(":", 1)[-1]
