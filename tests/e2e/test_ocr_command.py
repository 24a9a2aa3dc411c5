"""`ereceipt ocr FILE` as a real process: fields, confidences and time; a clear line when it cannot read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ocr_support import EXAMPLE_FIELDS, EXAMPLE_SCAN, tesseract_or_skip
from server_process import ereceipt

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tesseract_or_skip()
    home = tmp_path_factory.mktemp("ocr-home")
    (home / "config.ini").write_text("[ocr]\nmax_pages = 3\n")
    return home


def test_json_gives_fields_confidences_and_time(home: Path) -> None:
    result = ereceipt(home, "ocr", str(EXAMPLE_SCAN), "--json")
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["fields"] == EXAMPLE_FIELDS
    assert set(output["confidences"]) == set(EXAMPLE_FIELDS)
    assert output["warnings"] == [] and output["pages"] == 1 and 0 < output["seconds"] < 60


def test_text_output_names_each_field(home: Path) -> None:
    result = ereceipt(home, "ocr", str(EXAMPLE_SCAN))
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode()
    assert "payer_name           Võ Ngọc Quỳnh  (0." in text
    assert "amount_vnd           543.000 đồng  (" in text  # grouped as a person writes it
    assert "1 page(s) read in" in text


def test_a_file_of_another_kind_is_one_line_on_standard_error(home: Path) -> None:
    (home / "scan.png").write_bytes(b"<html>not a scan</html>")
    result = ereceipt(home, "ocr", str(home / "scan.png"))
    assert result.returncode == 1
    assert result.stderr.decode() == "ereceipt: the document is not a PNG, JPEG, TIFF or PDF file\n"


def test_without_tesseract_the_command_says_what_to_install(home: Path) -> None:
    (home / "missing.ini").write_text("[ocr]\ntesseract_command = /nonexistent/tesseract\n")
    result = ereceipt(home, "--config", str(home / "missing.ini"), "ocr", str(EXAMPLE_SCAN))
    assert result.returncode == 1
    message = result.stderr.decode()
    assert message.startswith("ereceipt: OCR is unavailable") and "tesseract-ocr-vie" in message
    assert "Traceback" not in message
