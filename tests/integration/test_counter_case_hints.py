"""What the case says about a counter scan, on SQLite and PostgreSQL with the demo cases.

A reading that names a case payment code or a decision number gets the case's obligor, identity
number, address, amount owed and purpose as suggestions for the fields it did not read; nothing
read is replaced; a disagreement between the document and the case is a warning.
"""

from __future__ import annotations

from ereceipt.core.counter.case_hints import case_hints
from ereceipt.core.storage.database import Database


def hints(database: Database, fields: dict, agency: str = "CCTHADS-BD"):
    with database.read() as session:
        return case_hints(session, agency, fields)


def test_a_case_code_read_fills_the_rest_as_suggestions(demo_database: Database) -> None:
    found = hints(demo_database, {"case_payment_code": "THA2502", "payer_name": "Trần Thị Bình"})
    assert found.case_code == "THA2502"
    assert found.suggested == {
        "payer_id_number": "079190004321",
        "payer_address": "Hà Nội",
        "amount_vnd": 7_500_000,
        "purpose": "Thi hành án theo 45/2025/QĐ-THADS",
    }
    assert found.warnings == []


def test_a_decision_number_finds_its_case_when_no_code_was_read(demo_database: Database) -> None:
    found = hints(demo_database, {"decision_number": "123/QĐ-CCTHADS", "amount_vnd": 25_000_000})
    assert found.case_code == "THA2501"
    assert found.suggested["case_payment_code"] == "THA2501"
    assert found.suggested["payer_name"] == "Nguyễn Văn An"
    assert "amount_vnd" not in found.suggested
    assert found.warnings == []


def test_disagreements_with_the_case_are_warnings(demo_database: Database) -> None:
    found = hints(
        demo_database,
        {
            "case_payment_code": "tha2501",
            "decision_number": "45/2025/QĐ-THADS",
            "payer_name": "Lê Văn Bảy",
            "payer_id_number": "001085012345",
            "amount_vnd": 2_500_000,
        },
    )
    kinds = sorted(warning.split(":")[0] for warning in found.warnings)
    assert kinds == ["amount_differs_from_case", "decision_not_of_case", "payer_name_differs_from_case"]
    assert "payer_name" not in found.suggested and "amount_vnd" not in found.suggested


def test_a_code_no_case_of_the_agency_has_is_a_warning_and_suggests_nothing(demo_database: Database) -> None:
    other_agency = hints(demo_database, {"case_payment_code": "THA2503"})  # a case of CTHADS-HN
    unknown = hints(demo_database, {"case_payment_code": "THA9999"})
    for found in (other_agency, unknown):
        assert found.case_code is None and found.suggested == {}
        assert [w.split(":")[0] for w in found.warnings] == ["case_unknown"]


def test_nothing_named_nothing_suggested(demo_database: Database) -> None:
    found = hints(demo_database, {"payer_name": "Nguyễn Văn An", "decision_number": "999/QĐ-XYZ"})
    assert (found.case_code, found.suggested, found.warnings) == (None, {}, [])


def test_a_name_that_differs_only_in_its_marks_is_the_same_name(demo_database: Database) -> None:
    """OCR loses marks; "Nguyen Văn Ân" is the obligor Nguyễn Văn An read, not someone else."""
    found = hints(demo_database, {"case_payment_code": "THA2501", "payer_name": "Nguyen Văn Ân"})
    assert found.warnings == []
