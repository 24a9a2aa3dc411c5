"""The security headers of every web response (W3C CSP Level 3, Fetch's nosniff, Referrer Policy, RFC 7034).

The public lookup page, the admin page, error pages and the files they load get the same headers:

- ``Content-Security-Policy``: scripts, styles, images and connections from this origin only, no
  inline script (so an injected ``<script>`` or ``onclick=`` does not run even if escaping were
  missed somewhere), no plugins, no ``<base>`` rewriting, forms posting only here, and no framing
  (``frame-ancestors 'none'``, against clickjacking). Inline ``style`` stays allowed: the pages
  carry their style sheet in the page, and a style cannot run code.
- ``X-Frame-Options: DENY`` for browsers that predate ``frame-ancestors``.
- ``X-Content-Type-Options: nosniff``: a downloaded receipt XML or PDF is never run as a script
  or page.
- ``Referrer-Policy: no-referrer``: the lookup code in a result page's address never leaves in a
  ``Referer`` header.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def add_security_headers(app: Flask) -> None:
    """Give every response of ``app`` the headers above."""

    @app.after_request
    def secure(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        return response
