"""Our XSDs compiled once per thread, never in two threads at once (libxml2 is not thread-safe there),
and validation errors read by the thread that validated."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from importlib import resources

from lxml import etree

from ereceipt.core.xml.schemas import compile_schema, package_schema

SERVICE = "urn:ereceipt:thads:service:1.0"


def test_each_thread_compiles_a_schema_once_and_keeps_its_own() -> None:
    barrier = threading.Barrier(8)

    def twice(_: int) -> tuple[etree.XMLSchema, etree.XMLSchema]:
        barrier.wait()  # all eight ask at once
        return package_schema("receipt-service-1.0.xsd"), package_schema("receipt-service-1.0.xsd")

    with ThreadPoolExecutor(max_workers=8) as pool:
        pairs = list(pool.map(twice, range(8)))
    assert all(first is second for first, second in pairs)
    assert len({id(first) for first, _ in pairs}) == 8
    assert all(isinstance(first, etree.XMLSchema) for first, _ in pairs)


def test_threads_validating_at_once_each_read_their_own_error() -> None:
    """With one schema shared, a validation may read another thread's error, or none."""
    wrong: list[tuple[int, str | None]] = []

    def validate(thread: int) -> None:
        request = etree.fromstring(
            f'<getReceipt xmlns="{SERVICE}"><Unknown{thread}>x</Unknown{thread}></getReceipt>'.encode()
        )
        for _ in range(400):
            schema = package_schema("receipt-service-1.0.xsd")
            valid = schema.validate(request)
            error = schema.error_log.last_error
            if valid or error is None or f"Unknown{thread}" not in error.message:
                wrong.append((thread, None if error is None else error.message))

    threads = [threading.Thread(target=validate, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []


def test_threads_compiling_at_once_each_get_a_working_schema() -> None:
    path = resources.files("ereceipt").joinpath("xml_schemas", "receipt-service-1.0.xsd")
    documents = [etree.parse(str(path)) for _ in range(16)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        schemas = list(pool.map(compile_schema, documents))
    request = etree.fromstring(
        b'<getReceipt xmlns="urn:ereceipt:thads:service:1.0"><LookupCode>ABCD-EFGH-2345-6789</LookupCode>'
        b"</getReceipt>"
    )
    assert all(schema.validate(request) for schema in schemas)
