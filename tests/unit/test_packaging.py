"""The distribution declared in setup.cfg holds every module and data file under ereceipt/.

setuptools warns ("Package 'ereceipt.migrations' is absent from the `packages` configuration") and a
built wheel lacks files when a directory is not a declared package or a data file matches no
``package_data`` pattern. These tests resolve the declaration the way setuptools does and compare
it with the files in the checkout.
"""

from __future__ import annotations

import configparser
from fnmatch import fnmatch
from pathlib import Path

from setuptools import find_namespace_packages, find_packages

ROOT = Path(__file__).resolve().parents[2]


def _setup_cfg() -> configparser.ConfigParser:
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    return config


def _lines(value: str) -> list[str]:
    return [item.strip() for line in value.splitlines() for item in line.split(",") if item.strip()]


def _declared_packages() -> set[str]:
    """What `packages = find:` or `find_namespace:` with [options.packages.find] resolves to."""
    config = _setup_cfg()
    how = config["options"]["packages"].strip()
    finder = {"find:": find_packages, "find_namespace:": find_namespace_packages}[how]
    found = config["options.packages.find"] if config.has_section("options.packages.find") else {}
    return set(
        finder(
            where=str(ROOT / found.get("where", ".")),
            include=_lines(found.get("include", "*")),
            exclude=_lines(found.get("exclude", "")),
        )
    )


def _source_files() -> list[Path]:
    return [
        path
        for path in sorted((ROOT / "ereceipt").rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    ]


def _package_of(path: Path) -> str:
    return ".".join(path.parent.relative_to(ROOT).parts)


def _matches(path: Path, package: str, pattern: str) -> bool:
    """Whether ``pattern`` of ``package_data`` for ``package`` takes ``path``, as a glob relative to
    the package's directory (``*`` stays within one directory)."""
    package_dir = ROOT.joinpath(*package.split("."))
    if package_dir not in path.parents:
        return False
    parts = path.relative_to(package_dir).parts
    wanted = pattern.split("/")
    return len(parts) == len(wanted) and all(fnmatch(p, w) for p, w in zip(parts, wanted, strict=True))


def test_every_directory_holding_files_under_ereceipt_is_a_declared_package() -> None:
    declared = _declared_packages()
    holding = {_package_of(path) for path in _source_files()}
    assert {"ereceipt.migrations", "ereceipt.migrations.versions", "ereceipt.wsdl"} <= holding
    assert sorted(holding - declared) == []


def test_every_data_file_under_ereceipt_matches_package_data_of_its_package() -> None:
    package_data = _setup_cfg()["options.package_data"]
    data_files = [path for path in _source_files() if path.suffix != ".py"]
    assert {path.suffix for path in data_files} >= {".xsd", ".wsdl", ".html", ".mako"}
    missing = [
        str(path.relative_to(ROOT))
        for path in data_files
        if not any(
            _matches(path, package, pattern)
            for package, value in package_data.items()
            for pattern in _lines(value)
        )
    ]
    assert missing == []


def test_package_data_names_only_declared_packages_and_patterns_that_match_a_file() -> None:
    """A stale entry (a directory since removed, a misspelt package) would hide a missing file."""
    declared = _declared_packages()
    package_data = _setup_cfg()["options.package_data"]
    files = _source_files()
    for package, value in package_data.items():
        assert package in declared, package
        for pattern in _lines(value):
            assert any(_matches(path, package, pattern) for path in files), (package, pattern)
