"""The time-stamping authority over HTTP (RFC 3161 section 3.4): the client core's TSA port needs.

A DER TimeStampReq is POSTed as application/timestamp-query; the reply must be
application/timestamp-reply with status 200. Anything else (no answer, a timeout, another status,
another body) is ``TimeStampUnavailable``: the receipt waits at level B for the next run.
"""

from __future__ import annotations

import threading

import requests

from ereceipt.core.errors import outside_reason
from ereceipt.core.signatures.timestamp import (
    REPLY_TYPE,
    REQUEST_TYPE,
    TimeStampAuthority,
    TimeStampUnavailable,
    request,
    token_from_reply,
)

MAX_REPLY_BYTES = 64 * 1024  # a token with its TSA certificate is a few kilobytes


class HttpTimeStampAuthority(TimeStampAuthority):
    def __init__(
        self, url: str, *, timeout_seconds: float = 10, session: requests.Session | None = None
    ) -> None:
        self.url = url
        self.timeout = timeout_seconds
        self.session = session or requests.Session()
        # The environment's proxies and CA bundle, read once: requests would read the whole
        # environment again on every request, which costs more than the rest of the request.
        self.environment = self.session.merge_environment_settings(url, {}, None, None, None)
        self.session.trust_env = False
        # Every request is the same but for its body: prepared once, and handed straight to the
        # transport (no cookies, hooks or redirects to follow: a redirect is not a reply).
        self._prepared = self.session.prepare_request(
            requests.Request("POST", url, headers={"Content-Type": REQUEST_TYPE})
        )
        self._transport = self.session.get_adapter(url)
        self.round_trips = 0  # for the benchmark: one per time-stamp asked
        self._counting = threading.Lock()  # runs ask from several threads at once

    def time_stamp(self, digest: bytes, algorithm: str = "sha256") -> bytes:
        query, nonce = request(digest, algorithm=algorithm)
        with self._counting:
            self.round_trips += 1
        prepared = self._prepared.copy()
        prepared.prepare_body(query, None)
        try:
            response = self._transport.send(
                prepared,
                timeout=self.timeout,
                proxies=self.environment["proxies"],
                verify=self.environment["verify"],
                cert=self.environment["cert"],
                stream=True,
            )
            body = response.raw.read(MAX_REPLY_BYTES + 1, decode_content=True)
        except (requests.RequestException, OSError) as exc:
            raise TimeStampUnavailable(f"{self.url}: {socket_reason(exc)}") from None
        kind = response.headers.get("Content-Type", "").split(";")[0].strip()
        if response.status_code != 200 or kind != REPLY_TYPE:
            raise TimeStampUnavailable(
                f"{self.url} answered HTTP {response.status_code} {kind or 'without a type'}"
            )
        if len(body) > MAX_REPLY_BYTES:
            raise TimeStampUnavailable(f"{self.url} answered more than {MAX_REPLY_BYTES} bytes")
        return token_from_reply(body, digest, nonce)


def socket_reason(error: BaseException) -> str:
    """The socket's words (``Connection refused``) under requests' and urllib3's wrappers."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror
        cause = cause.__cause__ or cause.__context__
    return outside_reason(error)
