"""SOAP machinery: envelopes, X-Road 4.0 headers, WS-Security, faults, the WSGI endpoint."""
