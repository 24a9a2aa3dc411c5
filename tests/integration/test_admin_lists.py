"""The admin page's audit trail pages by key: the next page goes on below the last event shown."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from admin_site import build_site
from test_admin_page import login

from ereceipt.core.storage import audit
from ereceipt.web.admin import views


@pytest.fixture
def app(tmp_path: Path):
    services, _ = build_site(tmp_path)
    with services.database.write() as session:
        for n in range(7):
            audit.record(session, "bd-officer", "draft.updated", "receipt_draft", n)
    application = services.web_application()
    application.config["TESTING"] = True
    return application


def event_ids(page: str) -> list[str]:
    return re.findall(r"receipt_draft (\d+)</td>", page)


def test_the_audit_trail_goes_on_below_the_last_event_shown(app, monkeypatch) -> None:
    monkeypatch.setattr(views, "AUDIT_PAGE", 3)
    client = login(app, "auditor")
    first = client.get("/admin/nhat-ky?nguoi=bd-officer").get_data(as_text=True)
    assert event_ids(first) == ["6", "5", "4"]
    following = re.search(r'<a href="([^"]+)">Trang sau</a>', first).group(1).replace("&amp;", "&")
    assert "truoc=" in following and "trang=2" in following
    second = client.get(following).get_data(as_text=True)
    assert event_ids(second) == ["3", "2", "1"]
    assert client.get("/admin/nhat-ky?trang=2&nguoi=bd-officer").get_data(as_text=True) == second
    assert client.get("/admin/nhat-ky?truoc=x1").status_code == 400
