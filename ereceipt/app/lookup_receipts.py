"""Receipts fetched from a site's public lookup service by their lookup codes, for `ereceipt audit
--receipts URL --codes FILE`: each code's signed XML from ``GET URL/tra-cuu/CODE.xml`` (the lookup
page's download link), several at a time over HTTP(S).

A code the service does not know (404) is a finding, not a failure to read: the payer holds a
receipt the site no longer shows. It comes back as a receipt without XML, which fails its checks.
Anything else that stops a fetch (no connection, a server error, the service's rate limit) means
the receipts could not be read.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PARALLEL = 8
TIMEOUT = 30


class LookupUnreadable(OSError):
    """The lookup service could not be asked, or did not answer a code with a receipt or a 404."""


def read_codes(path: str) -> list[str]:
    """Lookup codes, one a line (blank lines and ``#`` comments skipped)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    codes = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not codes:
        raise OSError(f"{path} holds no lookup code")
    return codes


def receipt_url(base: str, code: str) -> str:
    return f"{base.rstrip('/')}/tra-cuu/{urllib.parse.quote(code, safe='')}.xml"


def fetch_receipt(base: str, code: str) -> bytes | None:
    """The signed XML the lookup service serves for ``code``; None when it knows no such receipt."""
    url = receipt_url(base, code)
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as answer:  # noqa: S310 (http(s) only)
            return answer.read()
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise LookupUnreadable(f"could not fetch {url}: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, TimeoutError) as exc:
        raise LookupUnreadable(f"could not fetch {url}: {exc}") from exc


def fetch_receipts(
    base: str, codes: list[str], fetch: Callable[[str, str], bytes | None] = fetch_receipt
) -> list[tuple[str, bytes | None]]:
    """Each code with its receipt's signed XML (None: unknown to the service), fetched in parallel."""
    if not base.startswith(("http://", "https://")):
        raise LookupUnreadable(f"{base}: the lookup service's address must be an http(s) URL")
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return list(zip(codes, pool.map(lambda code: fetch(base, code), codes), strict=True))
