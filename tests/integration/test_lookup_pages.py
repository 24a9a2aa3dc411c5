"""Search pages, by number and by key, the capped total, numbers found with their year, and the
dashboard's few statements (both databases, on a seeded register)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from seeded_receipts import ISSUERS, seed
from sqlalchemy import event

from ereceipt.core.errors import BadInput
from ereceipt.core.receipts import lookup
from ereceipt.core.storage.database import Database
from ereceipt.core.users.accounts import CurrentUser
from ereceipt.web.admin import queries

PER_ISSUER = 240


@pytest.fixture
def register(database: Database) -> Database:
    seed(database, PER_ISSUER)
    return database


def search(database: Database, **filters) -> lookup.SearchPage:
    with database.read() as session:
        return lookup.search(session, issuer_code=ISSUERS[2], **filters)


def test_pages_by_key_are_the_pages_by_number(register) -> None:
    by_number = [search(register, page=page, page_size=25).rows for page in range(1, 11)]
    by_key, key = [], None
    while True:
        found = search(register, page_size=25, after=key)
        by_key.append(found.rows)
        if found.next_key is None:
            break
        key = found.next_key
    assert [len(rows) for rows in by_key] == [25] * 9 + [15]
    assert by_key == by_number
    times = [(row.issued_at, row.id) for rows in by_key for row in rows]
    assert times == sorted(times, reverse=True) and len(set(times)) == PER_ISSUER


def test_the_last_page_gives_no_next_key(register) -> None:
    found = search(register, page=3, page_size=80)
    assert (len(found.rows), found.next_key) == (80, None)


def test_the_total_is_exact_up_to_the_cap_and_then_says_more(register, monkeypatch) -> None:
    assert search(register).total == PER_ISSUER
    monkeypatch.setattr(lookup, "TOTAL_CAP", 100)
    found = search(register)
    assert (found.total, found.capped) == (100, True)
    assert (search(register, date_to=date(2025, 2, 1)).capped) is False


def test_a_page_deeper_than_the_bound_is_refused_and_a_key_goes_on(register, monkeypatch) -> None:
    monkeypatch.setattr(lookup, "DEEPEST_ROW", 100)
    with pytest.raises(BadInput, match="deeper than 100"):
        search(register, page=6, page_size=20)
    fifth = search(register, page=5, page_size=20)
    assert search(register, page_size=20, after=fifth.next_key).rows[0].id != fifth.rows[-1].id


@pytest.mark.parametrize("key", ["", "abc", "12-", "-5", "1" * 30 + "-1", "9" * 20 + "-1"])
def test_a_key_this_service_did_not_give_is_bad_input(register, key) -> None:
    if not key:  # an empty key is no key: the first page
        assert search(register, after=key).rows
        return
    with pytest.raises(BadInput, match="page key"):
        search(register, after=key)


def test_rows_of_a_list_carry_no_signed_xml(register) -> None:
    row = search(register, page_size=1).rows[0]
    assert "signed_xml" not in row._fields
    numbered_in_2026 = search(register, series_symbol="TH26E").total
    assert (row.issuer_code, row.series_symbol, row.number) == (ISSUERS[2], "TH26E", numbered_in_2026)


def test_a_number_is_found_in_each_year_of_its_issuer_or_in_the_series_named(register) -> None:
    with register.glance_connection() as connection:
        both = lookup.summaries_by_number(connection, 3, issuer_code=ISSUERS[0])
        named = lookup.summaries_by_number(connection, 3, issuer_code=ISSUERS[0], series_symbol="TH25E")
        everywhere = lookup.summaries_by_number(connection, 3)
        unknown = lookup.summaries_by_number(connection, 3, series_symbol="NOTASERIES")
    assert sorted(row.series_symbol for row in both) == ["TH25E", "TH26E"]
    assert [(row.issuer_code, row.series_symbol, row.number) for row in named] == [(ISSUERS[0], "TH25E", 3)]
    assert len(everywhere) == 6 and unknown == []
    with register.read() as session:
        found = lookup.by_number(session, 3, issuer_code=ISSUERS[1], series_symbol="TH26E")
    assert [(receipt.year, receipt.number) for receipt in found] == [(2026, 3)]


def test_the_dashboard_is_one_grouped_statement_and_the_held_count(register) -> None:
    statements: list[str] = []

    def capture(connection, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    national = CurrentUser(1, "auditor", "auditor", None, None)
    event.listen(register.engine, "before_cursor_execute", capture)
    try:
        with register.read() as session:
            figures = queries.figures(session, national, datetime(2026, 11, 20, 12, tzinfo=UTC))
    finally:
        event.remove(register.engine, "before_cursor_execute", capture)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2
    assert figures["held_payments"] == 3
    # the seed issues one receipt per issuer about every 2.9 days: compare with a count by day
    with register.read() as session:
        rows = lookup.search(session, date_from=date(2026, 10, 22), date_to=date(2026, 11, 20), page_size=100)
        month = lookup.search(session, date_from=date(2026, 11, 1)).total  # the month so far (and later)
    assert sum(day["count"] for day in figures["days"]) == rows.total
    assert sum(day["amount"] for day in figures["days"]) == sum(row.amount for row in rows.rows)
    assert sum(agency["count"] for agency in figures["month"]) == month > 0
