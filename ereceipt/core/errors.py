"""Typed errors of the receipt engine: bad input, failed verification, conflicts and transient outages.

Edges (CLI, web, SOAP, queue) map these to exit codes, HTTP statuses, faults and dead letters;
nothing inside the engine decides how an error is shown.
"""


class EReceiptError(Exception):
    """Base of every error the engine raises on purpose."""

    code = "ERROR"

    def __init__(self, message: str, **fields: object) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields


class BadInput(EReceiptError):
    """The caller sent something the engine will never accept as it is (permanent)."""

    code = "BAD_INPUT"


class InvalidAmount(BadInput):
    """An amount that is not a whole, non-negative number of đồng."""

    code = "INVALID_AMOUNT"


class XMLRejected(BadInput):
    """XML refused by the hardened parser: malformed, too large, a DTD or an entity."""

    code = "XML_REJECTED"


class SchemaViolation(BadInput):
    """XML that is well formed but does not follow its XSD."""

    code = "SCHEMA_VIOLATION"


class NotFound(EReceiptError):
    """The thing asked for does not exist."""

    code = "NOT_FOUND"


class Conflict(EReceiptError):
    """The request contradicts the stored state (cancelling a cancelled receipt, an inactive series)."""

    code = "CONFLICT"


class VerificationFailed(EReceiptError):
    """A signature, certificate or document failed verification."""

    code = "VERIFICATION_FAILED"


class ConfigurationError(EReceiptError):
    """A setting is missing or wrong; raised at start, naming the setting."""

    code = "CONFIGURATION"


class NotInitialised(ConfigurationError):
    """The database has no schema, another version's, or does not exist: ``ereceipt init`` is to run."""

    code = "NOT_INITIALISED"


class TransientOutage(EReceiptError):
    """A dependency (database, broker, peer) is unavailable for now; the same request may succeed later."""

    code = "TRANSIENT"


def outside_reason(error: BaseException) -> str:
    """Why something outside failed, as a person reads it: an OS error's words (``Connection
    refused``, ``timed out``), else the error's own text on one line, never a Python repr."""
    reason = getattr(error, "reason", None)  # urllib's URLError wraps the socket's error
    if isinstance(reason, BaseException):
        return outside_reason(reason)
    if isinstance(error, TimeoutError) and not error.strerror:
        return "timed out"
    text = error.strerror if isinstance(error, OSError) and error.strerror else str(reason or error)
    return " ".join(text.split()) or type(error).__name__
