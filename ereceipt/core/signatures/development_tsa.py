"""The development time-stamping authority: RFC 3161 replies signed with the DEVELOPMENT TSA key.

For ``make run`` and the tests only: its certificate (made by ``ereceipt keys init``, marked
DEVELOPMENT) has extendedKeyUsage id-kp-timeStamping, critical, and no nonRepudiation, so it can
time-stamp but the signer binding refuses it as a receipt's signer. The token is a CMS SignedData
(RFC 5652) over a TSTInfo with the signed attributes RFC 3161 and RFC 5816 ask for: contentType,
messageDigest, signingTime and ESS signingCertificateV2 naming the TSA certificate. ASN.1 is built
with asn1crypto, the signature made with cryptography; ``clock`` lets tests freeze genTime.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from asn1crypto import cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from ereceipt.core.signatures.pki import PrivateKey
from ereceipt.core.signatures.timestamp import ASN1_ERRORS, TimeStampReply

# The development TSA's policy: an OID under a private enterprise arc, for development tokens only.
DEVELOPMENT_POLICY = "1.3.6.1.4.1.55555.1.3161"
HASHES = ("sha256", "sha384", "sha512")


class DevelopmentTSA:
    """Answers DER TimeStampReq with DER TimeStampResp (RFC 3161 section 2.4)."""

    def __init__(
        self,
        certificate: x509.Certificate,
        key: PrivateKey,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.certificate = certificate
        self.key = key
        self.clock = clock
        self._certificate = asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
        # The parts that are the same in every token, encoded once: asn1crypto re-encodes a value
        # built from Python data on every dump, but returns a loaded one's bytes as they are.
        self._certificates = _loaded(cms.CertificateSet([self._certificate]))
        self._sid = _loaded(
            cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": {
                        "issuer": self._certificate.issuer,
                        "serial_number": self._certificate.serial_number,
                    }
                }
            )
        )
        self._signing_certificate = _loaded(
            cms.CMSAttribute(
                {
                    "type": "signing_certificate_v2",
                    "values": [{"certs": [{"cert_hash": hashlib.sha256(self._certificate.dump()).digest()}]}],
                }
            )
        )

    def reply(self, request: bytes) -> bytes:
        try:
            asked = tsp.TimeStampReq.load(request)
            imprint = asked["message_imprint"]
            algorithm = imprint["hash_algorithm"]["algorithm"].native
            nonce = asked["nonce"].native
            digest = imprint["hashed_message"].native
        except ASN1_ERRORS:
            return _refusal("bad_data_format", "the request is not a TimeStampReq")
        if (
            algorithm not in ("sha256", "sha384", "sha512")
            or len(digest) != hashlib.new(algorithm).digest_size
        ):
            return _refusal("bad_alg", f"hash algorithm {algorithm} is not accepted")
        granted = {"status": {"status": "granted"}, "time_stamp_token": self.token(imprint, nonce)}
        return TimeStampReply(granted).dump()

    def token(self, imprint: tsp.MessageImprint, nonce: int | None) -> cms.ContentInfo:
        now = self.clock().astimezone(UTC).replace(microsecond=0)
        info = tsp.TSTInfo(
            {
                "version": "v1",
                "policy": DEVELOPMENT_POLICY,
                "message_imprint": imprint,
                "serial_number": secrets.randbits(63),
                "gen_time": now,
                "accuracy": {"seconds": 1},
                "nonce": nonce,
            }
        )
        info_der = info.dump()
        attributes = cms.CMSAttributes(
            [
                {"type": "content_type", "values": ["tst_info"]},
                {"type": "signing_time", "values": [cms.Time({"utc_time": now})]},
                {"type": "message_digest", "values": [hashlib.sha256(info_der).digest()]},
                self._signing_certificate,
            ]
        )
        signer = cms.SignerInfo(
            {
                "version": "v1",
                "sid": self._sid,
                "digest_algorithm": {"algorithm": "sha256"},
                "signed_attrs": attributes,
                "signature_algorithm": {"algorithm": self._signature_algorithm()},
                "signature": self._sign(attributes.dump()),
            }
        )
        return cms.ContentInfo(
            {
                "content_type": "signed_data",
                "content": cms.SignedData(
                    {
                        "version": "v3",
                        "digest_algorithms": [{"algorithm": "sha256"}],
                        "encap_content_info": {
                            "content_type": "tst_info",
                            "content": cms.ParsableOctetString(info_der),
                        },
                        "certificates": self._certificates,
                        "signer_infos": [signer],
                    }
                ),
            }
        )

    def _signature_algorithm(self) -> str:
        return "sha256_rsa" if isinstance(self.key, rsa.RSAPrivateKey) else "sha256_ecdsa"

    def _sign(self, data: bytes) -> bytes:
        if isinstance(self.key, rsa.RSAPrivateKey):
            return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return self.key.sign(data, ec.ECDSA(hashes.SHA256()))


def _loaded(value):
    """``value`` encoded and read back: dumped again, it gives the same bytes without re-encoding."""
    return type(value).load(value.dump())


def _refusal(failure: str, text: str) -> bytes:
    status = {"status": "rejection", "status_string": [text], "fail_info": tsp.PKIFailureInfo({failure})}
    return TimeStampReply({"status": status}).dump()
