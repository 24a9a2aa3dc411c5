"""What a RabbitMQ client error (pika, AMQP 0-9-1) means, as one line a person reads.

pika wraps a refused socket three deep and shows each layer's repr; operators need the innermost
reason (``Connection refused``, ``access refused``, a broker's reply code and text).
"""

from __future__ import annotations

import pika.exceptions
from pika.adapters.utils.connection_workflow import AMQPConnectionWorkflowFailed, AMQPConnectorPhaseErrorBase

from ereceipt.core.errors import outside_reason

_NAMED = {
    pika.exceptions.ProbableAuthenticationError: "access refused: wrong user name or password",
    pika.exceptions.ProbableAccessDeniedError: "access to the virtual host refused",
    pika.exceptions.AuthenticationError: "no authentication mechanism in common with the broker",
    pika.exceptions.IncompatibleProtocolError: "the peer does not speak AMQP 0-9-1",
    pika.exceptions.AMQPHeartbeatTimeout: "the broker stopped answering (heartbeat timeout)",
    pika.exceptions.ConnectionBlockedTimeout: "the broker blocked the connection too long (resource alarm)",
    pika.exceptions.UnroutableError: "no queue took the message",
    pika.exceptions.NackError: "the broker refused the message",
}


def _innermost(error: BaseException) -> BaseException:
    for _ in range(8):  # pika's wrappers, each holding the next
        if isinstance(error, AMQPConnectorPhaseErrorBase):
            error = error.exception
        elif isinstance(error, AMQPConnectionWorkflowFailed) and error.exceptions:
            error = error.exceptions[-1]
        elif type(error) is pika.exceptions.AMQPConnectionError and error.args:
            if not isinstance(error.args[0], BaseException):
                break
            error = error.args[0]
        else:
            break
    return error


def broker_reason(error: BaseException) -> str:
    """``Connection refused``, ``access refused: …``, ``NOT_FOUND - no queue 'x' (404)``: never a repr."""
    error = _innermost(error)
    for kind, meaning in _NAMED.items():
        if isinstance(error, kind):
            return meaning
    if isinstance(error, pika.exceptions.ConnectionClosed | pika.exceptions.ChannelClosed):
        return f"{error.reply_text} ({error.reply_code})"
    if isinstance(error, pika.exceptions.StreamLostError) and error.args:
        return f"connection lost: {' '.join(str(error.args[0]).split())}"
    return outside_reason(error)
