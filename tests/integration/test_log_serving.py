"""Serving the transparency log cheaply: full tiles from memory, getInclusionProof without receipt XML."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from admin_site import build_site, payment
from lxml import etree
from sqlalchemy import insert, update
from xmltree import assert_trees_equal

from ereceipt.adapters.portal import PortalOperations
from ereceipt.app.jobs import transparency_log
from ereceipt.core.receipts.tables import Issuer, Receipt
from ereceipt.core.storage import driver_sql
from ereceipt.core.transparency.store import LatestCheckpoint, LogStore
from ereceipt.core.transparency.tables import LogCheckpoint, LogNode
from ereceipt.core.transparency.tiles import WIDTH, Tile
from ereceipt.settings import DEVELOPMENT_PORTAL, ClientAccess

SERVICE_NS = "urn:ereceipt:thads:service:1.0"
TILE_BYTES = 32 * WIDTH
SIZE = 3 * WIDTH + 10  # three full level-0 tiles and a partial one of 10 hashes
CLIENT = ClientAccess(DEVELOPMENT_PORTAL, None, ("*",), signatures_required=False)


@pytest.fixture
def site(tmp_path: Path, database_url):
    # Room for two full hash tiles, not three.
    config = f"[transparency]\ntile_cache_bytes = {2 * TILE_BYTES + 100}\n"
    services, receipts = build_site(tmp_path, config, database_url=database_url.url)
    yield services, receipts
    services.database.dispose()


def synthetic_tree(services, size: int, start: int = 0) -> None:
    """Stored leaf hashes ``start`` to ``size - 1`` and a checkpoint of ``size``: what tiles are read from."""
    with services.database.write() as session:
        rows = [{"level": 0, "idx": i, "hash": os.urandom(32)} for i in range(start, size)]
        session.execute(insert(LogNode), rows)
        checkpoint = {"size": size, "root": bytes(32), "note": b"-", "signed_at": datetime.now(UTC)}
        session.execute(insert(LogCheckpoint), [checkpoint])


def stored_tile(services, tile: Tile) -> bytes:
    with services.database.read() as session:
        return LogStore(session).tile(tile)


def change_leaf_hash(services, idx: int) -> None:
    with services.database.write() as session:
        node = (LogNode.level == 0) & (LogNode.idx == idx)
        session.execute(update(LogNode).where(node).values(hash=os.urandom(32)))


def test_a_full_tile_comes_from_memory_byte_for_byte_and_a_partial_one_from_the_database(site) -> None:
    services, _ = site
    app = services.web_application()
    cache = app.extensions["ereceipt"].tile_cache
    synthetic_tree(services, SIZE)
    expected = stored_tile(services, Tile(0, 0))
    first = app.test_client().get("/log/tile/0/000")
    assert first.status_code == 200 and first.data == expected and len(expected) == TILE_BYTES
    assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    change_leaf_hash(services, 5)  # what only the database now says: the cache answers without it
    again = app.test_client().get("/log/tile/0/000")
    assert again.data == expected and again.headers == first.headers
    partial = app.test_client().get("/log/tile/0/003.p/10")
    assert partial.data == stored_tile(services, Tile(0, 3, 10))
    assert partial.headers["Cache-Control"] == "public, max-age=5"
    change_leaf_hash(services, 3 * WIDTH + 2)
    assert app.test_client().get("/log/tile/0/003.p/10").data == stored_tile(services, Tile(0, 3, 10))
    assert Tile(0, 3, 10) not in cache._tiles and len(cache) == 1
    synthetic_tree(services, 4 * WIDTH, start=SIZE)  # the partial tile fills: now full and kept
    full = app.test_client().get("/log/tile/0/003")
    assert full.data == stored_tile(services, Tile(0, 3))
    assert full.headers["Cache-Control"].endswith("immutable")
    assert app.test_client().get("/log/tile/0/004").status_code == 404


def test_the_tile_cache_holds_no_more_than_its_configured_bytes(site) -> None:
    services, _ = site
    app = services.web_application()
    cache = app.extensions["ereceipt"].tile_cache
    synthetic_tree(services, SIZE)
    bodies = {n: app.test_client().get(f"/log/tile/0/00{n}").data for n in range(3)}
    assert cache.max_bytes == 2 * TILE_BYTES + 100
    assert cache.bytes == 2 * TILE_BYTES and len(cache) == 2
    assert cache.get(Tile(0, 0)) is None  # the least recently used went first
    assert [cache.get(Tile(0, n)) for n in (1, 2)] == [bodies[1], bodies[2]]
    assert all(bodies[n] == stored_tile(services, Tile(0, n)) for n in range(3))


def _request(**values: str) -> etree._Element:
    request = etree.Element(f"{{{SERVICE_NS}}}getInclusionProof", nsmap={None: SERVICE_NS})
    for name, value in values.items():
        etree.SubElement(request, f"{{{SERVICE_NS}}}{name}").text = value
    return request


def _expected(services, receipt_id: int) -> etree._Element:
    """getInclusionProof's answer from the stored log read with the ORM (``LogStore``), written here."""
    with services.database.read() as session:
        store = LogStore(session)
        latest = store.latest_checkpoint()
        inclusions = store.inclusion_of_receipt(receipt_id, latest)
    q = f"{{{SERVICE_NS}}}"
    response = etree.Element(f"{q}getInclusionProofResponse", nsmap={None: SERVICE_NS})
    status = etree.SubElement(response, f"{q}Status")
    etree.SubElement(status, f"{q}Code").text = "OK"
    checkpoint = etree.SubElement(response, f"{q}Checkpoint")
    note = latest.note.decode()
    for name, text in [
        ("Origin", note.split("\n", 1)[0]),
        ("TreeSize", str(latest.size)),
        ("RootHash", base64.b64encode(latest.root).decode()),
        ("SignedNote", note),
    ]:
        etree.SubElement(checkpoint, f"{q}{name}").text = text
    for inclusion in inclusions:
        leaf = etree.SubElement(response, f"{q}Leaf")
        etree.SubElement(leaf, f"{q}Event").text = inclusion.event
        etree.SubElement(leaf, f"{q}LeafIndex").text = str(inclusion.index)
        etree.SubElement(leaf, f"{q}Entry").text = base64.b64encode(inclusion.entry).decode()
        for digest in inclusion.proof:
            etree.SubElement(leaf, f"{q}ProofHash").text = base64.b64encode(digest).decode()
    return response


def test_get_inclusion_proof_answers_as_the_stored_log_says_and_sees_a_new_leaf_at_once(site) -> None:
    services, receipts = site
    operations = PortalOperations(services.database, services.issuer(), services.verify_receipt)
    prove = operations.handlers["getInclusionProof"]
    transparency_log(services)
    for receipt_id in receipts.values():
        with services.database.read() as session:
            receipt = session.get(Receipt, receipt_id)
            code, number = receipt.lookup_code, str(receipt.number)
            named = {
                "IssuerCode": session.get(Issuer, receipt.issuer_id).code,
                "SeriesSymbol": receipt.series.series_symbol,
                "TemplateNumber": receipt.series.template_number,
            }
        by_code = prove(_request(LookupCode=code), CLIENT)
        assert_trees_equal(by_code, _expected(services, receipt_id))
        assert len(by_code.findall(f"{{{SERVICE_NS}}}Leaf")) >= 1
        by_number = prove(_request(**named, Number=number), CLIENT)
        assert_trees_equal(by_number, _expected(services, receipt_id))
    new = services.issuer().issue(payment("PT-LOG-NEW", "THA2501", 5_000, "Lê Văn Cường")).receipt_id
    with services.database.read() as session:
        code = session.get(Receipt, new).lookup_code
    before = prove(_request(LookupCode=code), CLIENT)  # the checkpoint is now cached for a second
    assert before.find(f"{{{SERVICE_NS}}}Leaf") is None
    transparency_log(services)
    after = prove(_request(LookupCode=code), CLIENT)  # its leaf is beyond the cached checkpoint
    assert_trees_equal(after, _expected(services, new))
    assert after.find(f"{{{SERVICE_NS}}}Leaf") is not None
    missing = prove(_request(LookupCode="ZZZZ-ZZZZ-ZZZZ"), CLIENT)
    assert missing.findtext(f"{{{SERVICE_NS}}}Status/{{{SERVICE_NS}}}Code") == "NOT_FOUND"


def test_the_latest_checkpoint_is_read_at_most_once_a_second_unless_asked_fresh(site) -> None:
    services, _ = site
    now = [100.0]
    latest = LatestCheckpoint(clock=lambda: now[0])
    with driver_sql.glance(services.database) as connection:
        assert latest(connection) is None  # no checkpoint yet
        synthetic_tree(services, 10)
        assert latest(connection) is None  # read 0 s ago
        now[0] += 1.0
        assert latest(connection).size == 10
        synthetic_tree(services, 20, start=10)
        now[0] += 0.9
        assert latest(connection).size == 10
        assert latest(connection, fresh=True).size == 20
