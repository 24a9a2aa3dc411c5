"""XML namespaces and algorithm URIs of W3C XML Signature 1.1, Exclusive C14N 1.0, ETSI XAdES 1.3.2
and the evidence records of RFC 6283.

One home for each name, so that a signer and a verifier can never disagree on one.
"""

DS = "http://www.w3.org/2000/09/xmldsig#"  # XML Signature
XADES = "http://uri.etsi.org/01903/v1.3.2#"  # ETSI EN 319 132-1
XADES141 = "http://uri.etsi.org/01903/v1.4.1#"  # ETSI EN 319 132-1 clause 5.5 (validation data)
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"  # Exclusive XML Canonicalization, no comments
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
ERS = "urn:ietf:params:xml:ns:ers"  # RFC 6283 evidence records (XMLERS)

SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
SHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
RSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
