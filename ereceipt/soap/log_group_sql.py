"""The message log's group write on PostgreSQL as one statement (data-modifying WITH queries, PostgreSQL 12).

The statement claims the group's X-Road ids for the replay guard, locks the chain's head, chains
the records (SHA-256 in the server, over the previous hash and the bytes ``message_log.chain_suffix``
gives, exactly as ``message_log.chain_hash``), inserts them in order and moves the head. Run
outside a transaction block, it commits as it ends: one round trip for the whole group, and the
head's lock is held for the statement alone, never while a Python thread waits for the GIL, which
under load would hold up every other process's writers.

The rows of ``message_log_pending`` that the chosen records replace are deleted by the same
statement (``GROUP_WRITE_UNPEND``, for the groups that hold such a record).

A record whose claim fails (a replay) is left out of the chain and said so in the result; the
caller logs its refusal with a second statement, in ``mode`` ``plain`` (no claim). Replays are rare,
so the common group makes the refusals of none of its requests.
"""

from __future__ import annotations

from ereceipt.core.storage.driver_sql import Statement
from ereceipt.core.storage.message_log_tables import MessageLogRecord

SHARED_FIELDS = (
    *("client", "service", "operation", "xroad_id", "user_id", "duration_ms", "request", "outcome"),
    *("http_status", "response", "request_size", "request_sha256"),
)
COLUMNS = ("n", "mode", "claim_client", "claim_id", "pending", *SHARED_FIELDS, "suffix")
# Each column's element type, as the statement casts it.
ELEMENT_TYPES = {
    **dict.fromkeys(COLUMNS, "text"),
    **dict.fromkeys(("n", "duration_ms", "http_status", "request_size"), "int4"),
    **dict.fromkeys(("request", "response", "suffix"), "bytea"),
}

_GROUP_WRITE = """
WITH RECURSIVE
input AS (
    SELECT * FROM unnest(
        :n ::int[], :mode ::text[], :claim_client ::text[], :claim_id ::text[], :pending ::text[],
        :client ::text[], :service ::text[], :operation ::text[], :xroad_id ::text[],
        :user_id ::text[], :duration_ms ::int[], :request ::bytea[], :outcome ::text[],
        :http_status ::int[], :response ::bytea[], :request_size ::int[], :request_sha256 ::text[],
        :suffix ::bytea[]
    ) AS t(n, mode, claim_client, claim_id, pending, client, service, operation, xroad_id,
           user_id, duration_ms, request, outcome, http_status, response, request_size,
           request_sha256, suffix)
),
claimed AS (
    INSERT INTO seen_message (client, xroad_id, seen_at)
    SELECT claim_client, claim_id, :at FROM input WHERE mode = 'claim'
    ON CONFLICT DO NOTHING
    RETURNING client, xroad_id
),
decided AS (
    SELECT i.*, i.mode = 'plain' OR c.client IS NOT NULL AS accepted
    FROM input i
    LEFT JOIN claimed c ON i.mode = 'claim' AND c.client = i.claim_client AND c.xroad_id = i.claim_id
),
-- The accepted records, numbered 1, 2, ... without gaps in the order given: the chain's order.
chosen AS (SELECT row_number() OVER (ORDER BY n) AS k, * FROM decided WHERE accepted),
-- FOR UPDATE waits for another process's group and then reads the head it left.
head AS (SELECT last_hash FROM message_log_head WHERE id = 1 FOR UPDATE),
chain (k, previous, hash) AS (
    SELECT 0::bigint, NULL::varchar, last_hash::varchar FROM head
    UNION ALL
    SELECT c.k, chain.hash,
        encode(sha256(convert_to(chain.hash, 'UTF8') || c.suffix), 'hex')::varchar
    FROM chain JOIN chosen c ON c.k = chain.k + 1
),
-- Rows are numbered (ids taken) in the order given, which is the chain's order.
inserted AS (
    INSERT INTO message_log (at, client, service, operation, xroad_id, user_id, outcome,
        http_status, duration_ms, request, response, previous_hash, hash, request_size,
        request_sha256)
    SELECT :at, c.client, c.service, c.operation, c.xroad_id, c.user_id, c.outcome, c.http_status,
        c.duration_ms, c.request, c.response, chain.previous, chain.hash, c.request_size,
        c.request_sha256
    FROM chosen c JOIN chain ON chain.k = c.k
    ORDER BY c.k
    RETURNING id
),
moved AS (
    UPDATE message_log_head SET last_hash = (SELECT hash FROM chain ORDER BY k DESC LIMIT 1)
    WHERE id = 1
)__UNPEND__
-- How many records went in, and how many should have: fewer only when the head row is missing.
SELECT n, accepted, (SELECT count(*) FROM inserted), (SELECT count(*) FROM chosen)
FROM decided ORDER BY n
"""
# The rows written with the business change of these exchanges: their records are in (log_pending).
_UNPEND = """,
unpended AS (
    DELETE FROM message_log_pending
    WHERE token IN (SELECT pending FROM chosen WHERE pending IS NOT NULL)
)"""


def _statement(sql: str) -> Statement:
    return Statement(
        sql,
        types={"at": MessageLogRecord.__table__.c.at.type},
        returns_rows=True,
        binary=True,  # the messages go as they are, not escaped byte by byte
    )


GROUP_WRITE = _statement(_GROUP_WRITE.replace("__UNPEND__", ""))
# For a group that holds the record of an exchange stored with its change (rare: most are reads).
GROUP_WRITE_UNPEND = _statement(_GROUP_WRITE.replace("__UNPEND__", _UNPEND))
