"""Our XSDs compiled once per process, never in two threads at once (libxml2 is not thread-safe there)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from importlib import resources

from lxml import etree

from ereceipt.core.xml_schemas import compile_schema, package_schema


def test_threads_asking_for_a_schema_at_once_all_get_the_one_compiled_schema() -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        schemas = list(pool.map(lambda _: package_schema("receipt-service-1.0.xsd"), range(32)))
    assert all(schema is schemas[0] for schema in schemas)
    assert isinstance(schemas[0], etree.XMLSchema)


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
