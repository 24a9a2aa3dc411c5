"""Payer notices by SMS through an HTTP gateway: JSON POST (RFC 8259) with HTTP Basic credentials (RFC 7617).

The request is ``POST [sms] url`` with ``{"to": "+849…", "from": SENDER, "text": TEXT}`` and,
when a user name is configured, ``Authorization: Basic``. Any 2xx answer means accepted.
429, 408, 5xx and refused credentials (401, 403), refused connections and time-outs are
transient: they are tried again. Any other 4xx answer (an invalid number, a text refused) is
permanent, recorded with the gateway's own words.
The text comes from ``[sms] template``, without diacritics when ``strip_diacritics`` is on,
and may not be longer than ``max_length`` characters.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request

from ereceipt.core.delivery.notice_text import check_sms_template, sms_text
from ereceipt.core.delivery.notices import Delivery, PermanentDeliveryFailure, TransientDeliveryFailure
from ereceipt.core.errors import outside_reason
from ereceipt.settings import SmsSettings

MAX_ANSWER = 2000  # bytes of a gateway's answer kept for the reason
# Refused credentials are this service's configuration, not the payer's number: tried again later.
TRANSIENT_STATUSES = {401, 403, 407, 408, 429}


class SmsChannel:
    def __init__(self, settings: SmsSettings) -> None:
        check_sms_template(settings.template)
        self.settings = settings

    def text(self, delivery: Delivery) -> str:
        settings = self.settings
        text = sms_text(
            settings.template, delivery.content, delivery.lookup_url, strip=settings.strip_diacritics
        )
        if len(text) > settings.max_length:
            raise PermanentDeliveryFailure(
                f"the SMS text is {len(text)} characters, over [sms] max_length {settings.max_length}; "
                "shorten [sms] template"
            )
        return text

    def send(self, delivery: Delivery) -> None:
        settings = self.settings
        body = json.dumps(
            {"to": delivery.recipient, "from": settings.sender, "text": self.text(delivery)},
            ensure_ascii=False,
        ).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
        if settings.username:
            token = base64.b64encode(f"{settings.username}:{settings.password}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {token}"
        # The URL is http(s) only: [sms] url is checked when the settings are read.
        request = urllib.request.Request(settings.url, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=settings.timeout_seconds) as answer:  # noqa: S310
                answer.read(MAX_ANSWER)
        except urllib.error.HTTPError as exc:
            said = exc.read(MAX_ANSWER).decode("utf-8", "replace").strip()
            reason = f"SMS gateway answered {exc.code}: {said or exc.reason}"
            if exc.code in TRANSIENT_STATUSES or exc.code >= 500:
                raise TransientDeliveryFailure(reason) from None
            raise PermanentDeliveryFailure(reason) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = outside_reason(exc)
            raise TransientDeliveryFailure(f"SMS gateway {settings.url} unreachable: {reason}") from None
