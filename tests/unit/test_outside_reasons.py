"""Why something outside failed, in the words a person reads: no Python reprs, pika's wrappers unwrapped."""

from __future__ import annotations

import socket
import urllib.error

import pika.exceptions
import pytest
from pika.adapters.utils.connection_workflow import AMQPConnectorSocketConnectError

from ereceipt.core.errors import outside_reason
from ereceipt.queue.broker_errors import broker_reason


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (ConnectionRefusedError(111, "Connection refused"), "Connection refused"),
        (urllib.error.URLError(ConnectionRefusedError(111, "Connection refused")), "Connection refused"),
        (urllib.error.URLError("no host given"), "no host given"),
        (TimeoutError(), "timed out"),
        (socket.gaierror(-2, "Name or service not known"), "Name or service not known"),
        (ValueError("two\n   lines"), "two lines"),
        (RuntimeError(), "RuntimeError"),
    ],
)
def test_an_outside_error_is_its_reason_in_words(error: BaseException, reason: str) -> None:
    assert outside_reason(error) == reason


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (
            pika.exceptions.AMQPConnectionError(
                AMQPConnectorSocketConnectError(ConnectionRefusedError(111, "Connection refused"))
            ),
            "Connection refused",
        ),
        (pika.exceptions.ProbableAuthenticationError("ConnectionClosedByBroker: (403) 'ACCESS_REFUSED'"),
         "access refused: wrong user name or password"),
        (pika.exceptions.ConnectionClosedByBroker(320, "CONNECTION_FORCED - broker shut down"),
         "CONNECTION_FORCED - broker shut down (320)"),
        (pika.exceptions.ChannelClosedByBroker(404, "NOT_FOUND - no queue 'x' in vhost '/'"),
         "NOT_FOUND - no queue 'x' in vhost '/' (404)"),
        (pika.exceptions.StreamLostError("Transport indicated EOF"),
         "connection lost: Transport indicated EOF"),
        (pika.exceptions.UnroutableError([]), "no queue took the message"),
    ],
)  # fmt: skip
def test_a_broker_error_is_its_innermost_reason(error: BaseException, reason: str) -> None:
    assert broker_reason(error) == reason
    assert "Error(" not in broker_reason(error)
