"""Settings: the only module that reads ``config.ini`` and the environment (INI file + ERECEIPT_* variables).

Every setting has a default that works on one machine. A value from the environment variable
``ERECEIPT_<SECTION>__<KEY>`` (upper case, e.g. ``ERECEIPT_DATABASE__URL``) overrides the file.
The file is ``$ERECEIPT_CONFIG``, else ``config.ini`` in the working directory, else defaults only.
Relative paths are taken relative to the directory of the config file (the working directory
when there is none). A wrong value fails at start with a ``ConfigurationError`` naming the setting.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from ereceipt.core.errors import ConfigurationError


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = "sqlite:///var/ereceipt.sqlite3"
    pool_size: int = 5
    echo: bool = False


@dataclass(frozen=True)
class KeysSettings:
    directory: Path = Path("var/keys")
    signing_key: Path = Path("var/keys/issuer-signing.key.pem")
    signing_certificate: Path = Path("var/keys/issuer-signing.cert.pem")
    certificate_chain: Path = Path("var/keys/ca.cert.pem")
    key_password_env: str = "ERECEIPT_SIGNING_KEY_PASSWORD"  # noqa: S105 (the name of a variable)
    trust_anchors: Path = Path("var/keys/ca.cert.pem")


@dataclass(frozen=True)
class SignatureSettings:
    policy_identifier: str = ""
    policy_description: str = ""
    policy_digest_sha256: str = ""


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 2
    public_url: str = "http://127.0.0.1:8080"
    max_body_bytes: int = 2 * 1024 * 1024


@dataclass(frozen=True)
class LookupSettings:
    failed_lookups_per_minute: int = 10


@dataclass(frozen=True)
class LoggingSettings:
    level: str = "INFO"


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings = DatabaseSettings()
    keys: KeysSettings = KeysSettings()
    signature: SignatureSettings = SignatureSettings()
    server: ServerSettings = ServerSettings()
    lookup: LookupSettings = LookupSettings()
    logging: LoggingSettings = LoggingSettings()
    source: str = "defaults"


_LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}


def _as_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected true or false")


def _as_positive_int(text: str) -> int:
    number = int(text.strip())
    if number < 1:
        raise ValueError("expected a whole number of at least 1")
    return number


def _checks(section: str, key: str) -> Callable[[object], None] | None:
    """Checks beyond the type, for the settings that have them."""

    def level(value: object) -> None:
        if str(value).upper() not in _LOG_LEVELS:
            raise ValueError(f"expected one of {', '.join(sorted(_LOG_LEVELS))}")

    def url(value: object) -> None:
        if not str(value).startswith(("sqlite://", "postgresql://", "postgresql+psycopg://")):
            raise ValueError("expected a sqlite:// or postgresql+psycopg:// URL")

    def public_url(value: object) -> None:
        if not str(value).startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL")

    def port(value: object) -> None:
        if not 0 < int(str(value)) < 65536:
            raise ValueError("expected a port number from 1 to 65535")

    return {
        ("logging", "level"): level,
        ("database", "url"): url,
        ("server", "public_url"): public_url,
        ("server", "port"): port,
    }.get((section, key))


def _convert(raw: str, default: object, base: Path) -> object:
    if isinstance(default, bool):
        return _as_bool(raw)
    if isinstance(default, int):
        return _as_positive_int(raw)
    if isinstance(default, Path):
        path = Path(raw.strip()).expanduser()
        return path if path.is_absolute() else base / path
    return raw.strip()


def _absolute_sqlite(url: str, base: Path) -> str:
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        return prefix + str(base / url[len(prefix) :])
    return url


def load_settings(
    path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read the settings once; the result is frozen and passed to whoever needs it."""
    environ = os.environ if environ is None else environ
    chosen = (
        path or environ.get("ERECEIPT_CONFIG") or ("config.ini" if Path("config.ini").is_file() else None)
    )
    parser = configparser.ConfigParser(interpolation=None)
    base = Path.cwd()
    source = "defaults"
    if chosen:
        file = Path(chosen)
        if not file.is_file():
            raise ConfigurationError(f"config file {file} does not exist", setting="ERECEIPT_CONFIG")
        parser.read(file, encoding="utf-8")
        base = file.resolve().parent
        source = str(file)
    sections = {}
    for section_field in fields(Settings):
        if section_field.name == "source":
            continue
        section, defaults = section_field.name, section_field.default
        known = {f.name for f in fields(defaults)}
        if parser.has_section(section):
            unknown = set(parser.options(section)) - known
            if unknown:
                raise ConfigurationError(
                    f"unknown setting [{section}] {sorted(unknown)[0]} in {source}", setting=section
                )
        values = {}
        for setting in fields(defaults):
            key, default = setting.name, getattr(defaults, setting.name)
            env_name = f"ERECEIPT_{section.upper()}__{key.upper()}"
            raw = environ.get(env_name, parser.get(section, key, fallback=None))
            origin = env_name if env_name in environ else f"[{section}] {key}"
            try:
                value = default if raw is None else _convert(raw, default, base)
                if isinstance(default, Path) and raw is None:
                    value = default if default.is_absolute() else base / default
                check = _checks(section, key)
                if check:
                    check(value)
            except ValueError as exc:
                raise ConfigurationError(f"setting {origin} = {raw!r}: {exc}", setting=origin) from None
            values[key] = value
        if section == "database":
            values["url"] = _absolute_sqlite(values["url"], base)
        if section == "logging":
            values["level"] = values["level"].upper()
        sections[section] = type(defaults)(**values)
    unknown_sections = set(parser.sections()) - set(sections)
    if unknown_sections:
        raise ConfigurationError(
            f"unknown section [{sorted(unknown_sections)[0]}] in {source}", setting=source
        )
    return Settings(**sections, source=source)
