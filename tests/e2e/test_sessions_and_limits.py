"""`ereceipt serve` on PostgreSQL behind a listed proxy: log-out ends a session even for a copy of its
cookie, one address cannot lock a name out for others, parallel look-up guesses never pass the limit,
and X-Forwarded-For is believed only from a listed proxy (real HTTP, real server processes)."""

from __future__ import annotations

import http.client
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
import sqlalchemy
from database_urls import POSTGRES_URL, postgres_available_or_skip
from server_process import Server, ereceipt
from sqlalchemy import text

PASSWORD = "mat-khau-can-bo-thu"
LIMIT = 10
DRAFT = {
    "payer_name": "Đỗ Văn Em",
    "payer_id_number": "",
    "payer_address": "",
    "case_payment_code": "THA2501",
    "amount_vnd": "1.250.000",
    "purpose": "",
    "payment_method": "BANK_TRANSFER",
}


@dataclass
class Site:
    server: Server
    url: str
    admin_password: str

    def drafts(self) -> int:
        engine = sqlalchemy.create_engine(self.url)
        try:
            with engine.connect() as connection:
                return connection.execute(text("SELECT count(*) FROM receipt_draft")).scalar_one()
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    postgres_available_or_skip()
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}options=-csearch_path%3D{schema}"
    home = tmp_path_factory.mktemp("sessions-and-limits")
    config = f"[database]\nurl = {url}\n[lookup]\nfailed_lookups_per_minute = {LIMIT}\n"
    (home / "config.ini").write_text(config)
    init = ereceipt(home, "init", "--demo")
    assert init.returncode == 0, init.stderr
    admin_password = re.search(rb"user admin, password (\S+)", init.stdout).group(1).decode()
    officer = ereceipt(
        home, "users", "add", "bd-officer", "--role", "officer", "--agency", "CCTHADS-BD",
        "--password-stdin", stdin=PASSWORD.encode() + b"\n",
    )  # fmt: skip
    assert officer.returncode == 0, officer.stderr
    # The test talks to the server from 127.0.0.1 as "the proxy", and from 127.0.0.2 as a stranger.
    server = Server(home, config, server_options="trusted_proxies = 127.0.0.1\n")
    try:
        yield Site(server, url, admin_password)
    finally:
        output = server.stop()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        assert b"Traceback" not in output, output.decode()


def call(
    site: Site,
    method: str,
    path: str,
    *,
    form: dict | None = None,
    cookie: str = "",
    forwarded_for: str = "",
    source: str = "127.0.0.1",
) -> tuple[int, dict[str, str], str]:
    """One HTTP request from ``source``, redirects not followed: status, headers (lower-case names), body."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", site.server.port, timeout=60, source_address=(source, 0)
    )
    headers = {}
    if cookie:
        headers["Cookie"] = cookie
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    body = None
    if form is not None:
        body = urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return (
            response.status,
            {name.lower(): value for name, value in response.getheaders()},
            response.read().decode(),
        )
    finally:
        connection.close()


def session_cookie(headers: dict[str, str], previous: str = "") -> str:
    cookie = headers.get("set-cookie", "")
    return cookie.split(";", 1)[0] if cookie.startswith("ereceipt_admin=") else previous


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def log_in(site: Site, name: str, password: str, forwarded_for: str = "") -> tuple[int, str]:
    """Log in through the form; the status of the answer and the session cookie after it."""
    _, headers, page = call(site, "GET", "/admin/dang-nhap", forwarded_for=forwarded_for)
    cookie = session_cookie(headers)
    status, headers, _ = call(
        site, "POST", "/admin/dang-nhap", cookie=cookie, forwarded_for=forwarded_for,
        form={"username": name, "password": password, "csrf_token": csrf(page)},
    )  # fmt: skip
    return status, session_cookie(headers, cookie)


def test_after_log_out_a_copy_of_the_session_cookie_reads_nothing_and_creates_no_draft(site: Site) -> None:
    status, cookie = log_in(site, "bd-officer", PASSWORD)
    assert status == 302
    copy = cookie
    status, _, page = call(site, "GET", "/admin/phe-duyet/moi", cookie=cookie)
    assert status == 200
    token = csrf(page)
    status, _, _ = call(
        site, "POST", "/admin/phe-duyet/moi", cookie=cookie, form={**DRAFT, "csrf_token": token}
    )
    assert status == 302  # the session works before log-out
    drafts = site.drafts()
    status, headers, _ = call(site, "POST", "/admin/dang-xuat", cookie=cookie, form={"csrf_token": token})
    assert status == 302

    for path in ("/admin/", "/admin/bien-lai", "/admin/phe-duyet"):
        status, headers, page = call(site, "GET", path, cookie=copy)
        assert status == 302, path
        assert headers["location"].startswith("/admin/dang-nhap")
    status, headers, _ = call(site, "GET", "/admin/so-lieu.json", cookie=copy)
    assert status == 401
    status, headers, _ = call(
        site, "POST", "/admin/phe-duyet/moi", cookie=copy, form={**DRAFT, "csrf_token": token}
    )
    assert status == 302  # to the log-in page, not to a new draft
    assert headers["location"].startswith("/admin/dang-nhap")
    assert site.drafts() == drafts


def test_log_out_on_one_device_leaves_the_users_other_sessions_open(site: Site) -> None:
    _, phone = log_in(site, "bd-officer", PASSWORD)
    _, desk = log_in(site, "bd-officer", PASSWORD)
    _, _, page = call(site, "GET", "/admin/", cookie=phone)
    assert call(site, "POST", "/admin/dang-xuat", cookie=phone, form={"csrf_token": csrf(page)})[0] == 302
    assert call(site, "GET", "/admin/", cookie=phone)[0] == 302
    assert call(site, "GET", "/admin/", cookie=desk)[0] == 200


def test_an_address_that_locks_admin_out_does_not_stop_admin_logging_in_from_another(site: Site) -> None:
    attacker, office = "203.0.113.66", "198.51.100.7"
    answers = set()
    for _ in range(8):
        status, _ = log_in(site, "admin", "doan-mat-khau", forwarded_for=attacker)
        assert status == 401
    # The attacker's address is locked for admin now, even with the right password...
    assert log_in(site, "admin", site.admin_password, forwarded_for=attacker)[0] == 401
    # ...and the answer is the same as for a name that does not exist.
    for name in ("admin", "nobody-at-all"):
        _, headers, page = call(site, "GET", "/admin/dang-nhap", forwarded_for=attacker)
        _, _, answer = call(
            site, "POST", "/admin/dang-nhap", cookie=session_cookie(headers), forwarded_for=attacker,
            form={"username": name, "password": "x", "csrf_token": csrf(page)},
        )  # fmt: skip
        answers.add(re.search(r'<p class="error" role="alert">(.*?)</p>', answer).group(1))
    assert len(answers) == 1
    status, cookie = log_in(site, "admin", site.admin_password, forwarded_for=office)
    assert status == 302
    assert call(site, "GET", "/admin/nguoi-dung", cookie=cookie)[0] == 200


def guess(site: Site, number: int, *, forwarded_for: str = "", source: str = "127.0.0.1") -> int:
    code = f"0000-0000-{number // 10000:04d}-{number % 10000:04d}"
    return call(site, "GET", f"/tra-cuu?ma={code}", forwarded_for=forwarded_for, source=source)[0]


def test_parallel_guesses_from_one_client_never_pass_the_limit(site: Site) -> None:
    with ThreadPoolExecutor(max_workers=40) as pool:
        statuses = list(pool.map(lambda n: guess(site, n, forwarded_for="192.0.2.50"), range(200)))
    assert statuses.count(404) == LIMIT
    assert statuses.count(429) == 200 - LIMIT


def test_forwarded_for_from_the_listed_proxy_names_the_client(site: Site) -> None:
    statuses = [guess(site, n, forwarded_for="192.0.2.51") for n in range(LIMIT + 1)]
    assert statuses == [404] * LIMIT + [429]
    # Another payer behind the same proxy is not blocked by that guesser; a chain of listed proxies is walked.
    assert guess(site, 1, forwarded_for="192.0.2.52") == 404
    assert guess(site, 2, forwarded_for="192.0.2.51, 127.0.0.1") == 429


def test_forwarded_for_from_an_unlisted_peer_is_ignored(site: Site) -> None:
    statuses = [guess(site, n, forwarded_for=f"198.51.100.{n}", source="127.0.0.2") for n in range(LIMIT + 1)]
    assert statuses == [404] * LIMIT + [429]  # every guess counted against the peer, 127.0.0.2
    assert guess(site, 1, forwarded_for="198.51.100.200", source="127.0.0.2") == 429
