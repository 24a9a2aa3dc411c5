"""The shell examples of README.md and docs/*.md leave nothing new in the checkout.

A reader follows them from the repository's root: every file a command writes (``-o``/``--output``,
``--csv``, ``--xml``, a ``>`` redirection) goes under ``var/``, which .gitignore keeps out of
``git status``, or under ``/tmp``.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
OUTPUT_OPTIONS = {"-o", "--output", "--csv", "--xml"}
SHELL_BLOCK = re.compile(r"^```(?:sh|bash|shell)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def shell_commands(document: Path) -> list[str]:
    """The command lines of the document's shell blocks, without comments and continuation lines joined."""
    text = document.read_text(encoding="utf-8")
    commands = []
    for block in SHELL_BLOCK.findall(text):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words:
                commands.append(" ".join(shlex.quote(word) for word in words))
    return commands


def written_files(command: str) -> list[str]:
    """The files a command line writes: arguments of output options and targets of ``>``/``>>``."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=">|&;")
    lexer.whitespace_split = True
    words = list(lexer)
    written = []
    for word, following in zip(words, [*words[1:], ""], strict=True):
        if word in OUTPUT_OPTIONS or word in {">", ">>"}:
            written.append(following)
        elif word.startswith("--output=") or word.startswith(("--csv=", "--xml=")):
            written.append(word.split("=", 1)[1])
    return written


def test_output_files_are_found_in_a_command_line() -> None:
    line = (
        "ereceipt export 1 -o var/r.xml && ereceipt soap sign x.xml > /tmp/q.xml; a --csv=d.csv --xml d.xml"
    )
    assert written_files(line) == ["var/r.xml", "/tmp/q.xml", "d.csv", "d.xml"]
    assert written_files("ereceipt verify receipt.xml 2>/dev/null") == ["/dev/null"]


@pytest.mark.parametrize("document", DOCS, ids=lambda path: path.name)
def test_every_file_an_example_writes_is_under_var_or_tmp(document: Path) -> None:
    outside = [
        (command, path)
        for command in shell_commands(document)
        for path in written_files(command)
        if not (path.startswith(("var/", "/tmp/")) or path == "/dev/null")
    ]
    assert outside == []


def test_var_is_ignored_by_git() -> None:
    assert "var/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
