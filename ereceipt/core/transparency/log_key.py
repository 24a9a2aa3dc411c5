"""The log's Ed25519 key (C2SP signed-note): a PKCS#8 PEM file and the ``.vkey`` file published beside it.

The key signs checkpoints under the log's origin. ``ereceipt keys init`` makes a DEVELOPMENT one
(its origin, and so its verifier key's name, says DEVELOPMENT); a real log's key is made once and
kept, since every checkpoint ever published names it.
"""

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ereceipt.core.errors import ConfigurationError
from ereceipt.core.transparency.signed_note import Signer

DEVELOPMENT_ORIGIN = "localhost/ereceipt/DEVELOPMENT-log"


def vkey_path(key_path: Path) -> Path:
    """``transparency-log.key.pem`` → ``transparency-log.vkey``."""
    return key_path.with_name(key_path.name.removesuffix(".pem").removesuffix(".key") + ".vkey")


def make_log_key(key_path: Path, origin: str, *, replace: bool = False) -> Signer:
    """Writes a new key (mode 0600) unless one is there, and (re)writes its ``.vkey`` for ``origin``."""
    key_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if replace or not key_path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        temporary = key_path.with_name(f".{key_path.name}.new")
        temporary.touch(mode=0o600)
        temporary.write_bytes(pem)
        temporary.replace(key_path)
    signer = load_log_key(key_path, origin)
    vkey_path(key_path).write_text(signer.verifier.vkey + "\n")
    return signer


def load_log_key(key_path: Path, origin: str) -> Signer:
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"log key {key_path}: {exc}", setting="[transparency] log_key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(
            f"log key {key_path} is not an Ed25519 key", setting="[transparency] log_key"
        )
    return Signer(origin, key)
