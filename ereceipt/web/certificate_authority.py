"""The development CA's revocation service: its CRL at /ca/crl (RFC 5280 section 5, DER, as RFC 5280
4.2.1.13 fetches it over HTTP) and its OCSP responder at /ca/ocsp (RFC 6960, HTTP POST of
appendix A.1).

Served only when the wiring hands over a development CA (its key is in the keys directory). A CRL
goes out as application/pkix-crl; an OCSP request comes in as application/ocsp-request and its
answer goes out as application/ocsp-response. Anything else is HTTP 404, 413 or 415, plain text.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from ereceipt.core.signatures.development_ca import CRL_TYPE, OCSP_REQUEST_TYPE, OCSP_RESPONSE_TYPE
from ereceipt.web.parts import parts

blueprint = Blueprint("certificate_authority", __name__)
MAX_REQUEST_BYTES = 4096  # an OCSP request for one certificate is about a hundred bytes


def _absent() -> Response:
    return Response("no development CA here\n", status=404, content_type="text/plain")


@blueprint.get("/ca/crl")
def crl() -> Response:
    authority = parts().development_ca()
    if authority is None:
        return _absent()
    return Response(authority.crl(), content_type=CRL_TYPE, headers={"Cache-Control": "max-age=60"})


@blueprint.post("/ca/ocsp")
def ocsp() -> Response:
    authority = parts().development_ca()
    if authority is None:
        return _absent()
    if request.mimetype != OCSP_REQUEST_TYPE:
        return Response(f"send {OCSP_REQUEST_TYPE}\n", status=415, content_type="text/plain")
    if (request.content_length or 0) > MAX_REQUEST_BYTES:
        return Response("the request is too large\n", status=413, content_type="text/plain")
    return Response(authority.ocsp_reply(request.get_data()), content_type=OCSP_RESPONSE_TYPE)
