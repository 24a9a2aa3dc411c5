"""Bank intake's receipting transactions: a few per batch, in issuer order, an issuer never split."""

from __future__ import annotations

from ereceipt.core.intake.bank import ISSUING_GROUPS, MIN_GROUP, issuer_groups


def test_a_big_batch_is_cut_into_a_few_groups_at_issuer_boundaries() -> None:
    planned = [(issuer, f"{issuer}-{n}") for issuer in range(1, 13) for n in range(40)]  # issuer order
    groups = issuer_groups(planned)
    assert 2 <= len(groups) <= ISSUING_GROUPS + 1
    assert [request for group in groups for request in group] == [request for _, request in planned]
    issuers = [{request.split("-")[0] for request in group} for group in groups]
    assert all(not (a & b) for i, a in enumerate(issuers) for b in issuers[i + 1 :])  # never split


def test_one_issuer_with_many_receipts_stays_in_one_group() -> None:
    planned = [(7, n) for n in range(200)]
    assert issuer_groups(planned) == [list(range(200))]


def test_a_small_batch_is_one_transaction() -> None:
    planned = sorted((issuer, n) for n, issuer in enumerate([1, 2, 3, 3, 5] * (MIN_GROUP // 5)))
    assert len(issuer_groups(planned)) == 1
    assert issuer_groups([]) == []
