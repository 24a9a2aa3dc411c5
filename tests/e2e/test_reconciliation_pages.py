"""A reconciliation run's discrepancies over real HTTP (`ereceipt serve`): page after page by key."""

from __future__ import annotations

import html
import http.cookiejar
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import date

import pytest
from admin_site import PASSWORD, build_site
from server_process import Server
from sqlalchemy import insert

from ereceipt.core.treasury.reconciliation import reconcile
from ereceipt.core.treasury.tables import ReconciliationDiscrepancy
from ereceipt.web.admin.reconciliation import DISCREPANCY_PAGE

ACCOUNT = "0011000000002"
COUNT = 2 * DISCREPANCY_PAGE + 17


@pytest.fixture(scope="module")
def served_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, int]]:
    """A site whose one run has COUNT discrepancies: three pages."""
    home = tmp_path_factory.mktemp("discrepancies")
    services, _ = build_site(home)
    run_id = reconcile(services.database, ACCOUNT, date(2026, 3, 2)).run_id
    with services.database.write() as session:
        session.execute(
            insert(ReconciliationDiscrepancy),
            [{"run_id": run_id, "kind": "duplicate", "reference": f"FT{n:06d}"} for n in range(COUNT)],
        )
    services.database.dispose()
    server = Server(home, "[database]\nurl = sqlite:///var/e.sqlite3\n")
    yield server, run_id
    output = server.stop()
    assert b"Traceback" not in output, output.decode()


def logged_in(base: str, name: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(base + "/admin/dang-nhap", timeout=30) as answer:
        token = re.search(r'name="csrf_token" value="([^"]+)"', answer.read().decode()).group(1)
    data = urllib.parse.urlencode({"username": name, "password": PASSWORD, "csrf_token": token}).encode()
    opener.open(base + "/admin/dang-nhap", data, timeout=30).close()
    return opener


def test_the_next_link_walks_every_discrepancy_once_in_order(served_run) -> None:
    server, run_id = served_run
    opener = logged_in(server.base, "auditor")
    path, pages, seen = f"/admin/doi-soat/{run_id}", [], []
    while path:
        with opener.open(server.base + path, timeout=30) as answer:
            assert answer.status == 200
            page = answer.read().decode()
        shown = re.findall(r"<td>(FT\d{6})</td>", page)
        pages.append(len(shown))
        seen += shown
        following = re.search(r'id="next-page" href="([^"]+)"', page)
        path = html.unescape(following.group(1)) if following else None
    assert pages == [DISCREPANCY_PAGE, DISCREPANCY_PAGE, 17]
    assert seen == [f"FT{n:06d}" for n in range(COUNT)]
    assert "Trang 3 (chênh lệch 201–217)" in page
