"""The message log's group statement (PostgreSQL): the arrays sent are of the types its SQL casts them to."""

from __future__ import annotations

import re

from ereceipt.soap import log_group_sql

# What PostgreSQL's binary array format calls the types the statement casts its parameters to.
ELEMENT_TYPE_OF_CAST = {"int": "int4", "text": "text", "bytea": "bytea"}


def test_every_column_is_sent_as_the_array_type_the_statement_casts_it_to() -> None:
    casts = dict(re.findall(r":(\w+) ::(\w+)\[\]", log_group_sql.GROUP_WRITE.statement))
    assert list(casts) == list(log_group_sql.COLUMNS)  # unnest's order is the columns' order
    assert {name: ELEMENT_TYPE_OF_CAST[cast] for name, cast in casts.items()} == log_group_sql.ELEMENT_TYPES


def test_the_unnested_columns_are_named_in_the_same_order() -> None:
    named = re.search(r"\) AS t\(([^)]*)\)", log_group_sql.GROUP_WRITE.statement).group(1)
    assert [name.strip() for name in named.split(",")] == list(log_group_sql.COLUMNS)
