"""The admin page's receipts pager over real HTTP (`ereceipt serve`): crafted query parameters.

The pager's links repeat the search's filters. Only the search form's own fields may reach them:
a parameter that ``url_for`` reads for itself (``endpoint``, ``_external``, ``_scheme``, ``_anchor``,
``_method``) must neither break the page nor steer where its links point.
"""

from __future__ import annotations

import html
import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
from admin_site import PASSWORD, build_site, payment
from server_process import Server

CRAFTED = {
    "endpoint": "public.form",
    "_external": "1",
    "_scheme": "javascript",
    "_anchor": "x",
    "_method": "POST",
    "values": "1",
    "next": "https://attacker.example/",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A site with 28 receipts: two pages of 25 for an auditor, who sees every agency."""
    home = tmp_path_factory.mktemp("pager")
    services, _ = build_site(home)
    for number in range(25):
        services.issuer().issue(payment(f"PT-PAGE-{number}", "THA2501", 100_000 + number, "Lê Văn Cường"))
    services.database.dispose()
    server = Server(home, "[database]\nurl = sqlite:///var/e.sqlite3\n")
    yield server
    output = server.stop()
    assert b"Traceback" not in output, output.decode()


class Browser:
    """urllib with a cookie jar, logged in to the admin page as ``name``."""

    def __init__(self, base: str, name: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        form = self.get("/admin/dang-nhap")[1]
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        data = urllib.parse.urlencode({"username": name, "password": PASSWORD, "csrf_token": token}).encode()
        with self.opener.open(base + "/admin/dang-nhap", data, timeout=30) as answer:
            assert answer.url.rstrip("/").endswith("/admin"), answer.url  # logged in: on the dashboard

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=30) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def pager_links(page: str) -> dict[str, str]:
    """The pager's links by their text (Trang trước, Trang sau), unescaped."""
    return {
        text: html.unescape(href) for href, text in re.findall(r'<a href="([^"]*)">(Trang [^<]+)</a>', page)
    }


def assert_links_to(href: str, query: dict[str, list[str]], *, keyed: bool = False) -> None:
    """``href`` is a relative link to the receipts list with exactly ``query`` (and, ``keyed``, the
    key of the page's last receipt, ``sau``, that the next page starts after)."""
    link = urllib.parse.urlsplit(href)
    assert (link.scheme, link.netloc, link.path, link.fragment) == ("", "", "/admin/bien-lai", ""), href
    given = urllib.parse.parse_qs(link.query)
    if keyed:
        [key] = given.pop("sau")
        assert re.fullmatch(r"\d+-\d+", key), href
    assert given == query, href


def test_crafted_query_parameters_do_not_reach_the_pager_links(server: Server) -> None:
    browser = Browser(server.base, "auditor")
    query = urllib.parse.urlencode({**CRAFTED, "tu_ngay": "2000-01-01", "ho_so": ""})
    status, page = browser.get("/admin/bien-lai?" + query)
    assert status == 200, page
    assert 'id="total">Tìm thấy 28 biên lai.' in page
    # The filter that was given is kept, the empty one and every crafted parameter are not.
    following = pager_links(page)["Trang sau"]
    assert_links_to(following, {"trang": ["2"], "tu_ngay": ["2000-01-01"]}, keyed=True)

    status, second = browser.get(following)
    assert status == 200, second
    assert "Trang 2/2" in second
    assert_links_to(pager_links(second)["Trang trước"], {"trang": ["1"], "tu_ngay": ["2000-01-01"]})


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_each_crafted_parameter_alone_is_harmless(server: Server, name: str) -> None:
    status, page = Browser(server.base, "auditor").get(f"/admin/bien-lai?{name}={CRAFTED[name]}")
    assert status == 200, page
    assert_links_to(pager_links(page)["Trang sau"], {"trang": ["2"]}, keyed=True)


def test_next_pages_go_on_after_the_last_receipt_shown(server: Server) -> None:
    browser = Browser(server.base, "auditor")
    status, first = browser.get("/admin/bien-lai")
    status, second = browser.get(pager_links(first)["Trang sau"])
    assert status == 200, second
    shown = [re.findall(r'href="/admin/bien-lai/(\d+)"', page) for page in (first, second)]
    assert (len(shown[0]), len(shown[1])) == (25, 3)
    assert not set(shown[0]) & set(shown[1])
    assert "Trang sau" not in pager_links(second)


def test_a_page_number_beyond_the_bound_or_a_forged_key_is_refused(server: Server) -> None:
    browser = Browser(server.base, "auditor")
    status, page = browser.get("/admin/bien-lai?trang=401")
    assert status == 400 and "trang 400" in page
    status, page = browser.get("/admin/bien-lai?trang=2&sau=x-1")
    assert status == 400 and "Liên kết trang không hợp lệ" in page
