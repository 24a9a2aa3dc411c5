"""The development time-stamping authority at /tsa (RFC 3161 section 3.4, HTTP transport).

Served only when the wiring hands over a development TSA (``[signature] tsa_url`` is this server's
own /tsa): a DER TimeStampReq in as application/timestamp-query, a DER TimeStampResp out as
application/timestamp-reply. Anything else is HTTP 415 or 404 with a plain message.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from ereceipt.core.signatures.timestamp import REPLY_TYPE, REQUEST_TYPE
from ereceipt.web.parts import parts

blueprint = Blueprint("time_stamping", __name__)
MAX_REQUEST_BYTES = 4096  # a TimeStampReq over a SHA-512 digest is about a hundred bytes


@blueprint.post("/tsa")
def time_stamp() -> Response:
    tsa = parts().development_tsa()
    if tsa is None:
        return Response("no time-stamping authority here\n", status=404, content_type="text/plain")
    if request.mimetype != REQUEST_TYPE:
        return Response(f"send {REQUEST_TYPE}\n", status=415, content_type="text/plain")
    if (request.content_length or 0) > MAX_REQUEST_BYTES:
        return Response("the request is too large\n", status=413, content_type="text/plain")
    return Response(tsa.reply(request.get_data()), content_type=REPLY_TYPE)
