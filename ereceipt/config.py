"""Reading the settings: the only module that reads ``config.ini`` and the environment (ERECEIPT_*).

Every setting has a default that works on one machine. A value from the environment variable
``ERECEIPT_<SECTION>__<KEY>`` (upper case, e.g. ``ERECEIPT_DATABASE__URL``) overrides the file;
a variable of that form (with the double underscore) that names no setting is refused as a typo in
the file is. Other ``ERECEIPT_*`` names (``ERECEIPT_CONFIG``, the tests' addresses) are not settings.
The file is ``$ERECEIPT_CONFIG``, else ``config.ini`` in the working directory, else defaults only.
Relative paths are taken relative to the directory of the config file (the working directory
when there is none). A wrong value fails at start with a ``ConfigurationError`` naming the setting.
What is read fills the frozen dataclasses of ``ereceipt.settings``.
"""

from __future__ import annotations

import ast
import configparser
import contextlib
import difflib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import fields
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path

from ereceipt.core.errors import ConfigurationError
from ereceipt.settings import DEFAULT_ACCESS, SCHEDULED_JOBS, ClientAccess, Settings

_LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
# Sections that are lists of entries ([access], [banks], [signing_keys]): read from the file only.
LIST_SECTIONS = frozenset({"access", "banks", "signing_keys"})


def _as_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected true or false")


# Whole-number settings for which 0 means "off"; every other one is at least 1.
ZERO_SWITCHES_OFF = frozenset({("scheduler", "validation_data_per_run")})


def _as_whole_number(text: str, least: int = 1) -> int:
    number = int(text.strip())
    if number < least:
        raise ValueError(f"expected a whole number of at least {least}")
    return number


def ip_networks(items: tuple[str, ...]) -> tuple[IPv4Network | IPv6Network, ...]:
    """The networks of a setting's addresses and CIDR networks (``127.0.0.1``, ``10.20.0.0/16``,
    ``::1``); a lone address is a network of one. ``ValueError`` names a bad entry."""
    networks = []
    for item in items:
        try:
            networks.append(ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{item} is not an IP address or network such as 10.0.0.0/8") from None
    return tuple(networks)


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

    def cron(value: object) -> None:
        if str(value) and len(str(value).split()) not in (5, 6):
            raise ValueError("expected a cron expression of 5 fields (6 with seconds first), or empty")

    def timezone(value: object) -> None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("expected an IANA time zone such as Asia/Ho_Chi_Minh") from None

    def log_origin(value: object) -> None:
        text = str(value)
        if not text or any(c.isspace() or c == "+" for c in text) or not text.isprintable():
            raise ValueError("expected a name without spaces or '+', such as example.gov.vn/receipts-log")

    def choice(*allowed: str) -> Callable[[object], None]:
        def check(value: object) -> None:
            if str(value) not in allowed:
                raise ValueError(f"expected one of {', '.join(allowed)}")

        return check

    def optional_http_url(value: object) -> None:
        if value and not str(value).startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL, or nothing (SMS off)")

    return {
        ("server", "trusted_proxies"): ip_networks,
        ("server", "login_trusted_networks"): ip_networks,
        ("email", "port"): port,
        ("email", "security"): choice("starttls", "tls", "none"),
        ("sms", "url"): optional_http_url,
        ("logging", "level"): level,
        ("database", "url"): url,
        ("server", "public_url"): public_url,
        ("server", "port"): port,
        ("server", "metrics_allow"): ip_networks,
        ("treasury", "url"): public_url,
        ("treasury", "simulator_port"): port,
        **{("scheduler", job): cron for job in SCHEDULED_JOBS},
        ("scheduler", "timezone"): timezone,
        ("scheduler", "archive_hash_algorithm"): choice("sha256", "sha384", "sha512"),
        ("transparency", "origin"): log_origin,
        ("transparency", "witness_url"): optional_http_url,
    }.get((section, key))


def _convert(raw: str, default: object, base: Path, zero_allowed: bool = False) -> object:
    if isinstance(default, tuple):  # a list, separated by commas or spaces
        return tuple(part for part in re.split(r"[,\s]+", raw.strip()) if part)
    if isinstance(default, bool):
        return _as_bool(raw)
    if isinstance(default, int):
        return _as_whole_number(raw, 0 if zero_allowed else 1)
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
    parser.optionxform = str  # X-Road identifiers in [access] are case-sensitive
    base = Path.cwd()
    source = "defaults"
    if chosen:
        file = Path(chosen)
        if not file.is_file():
            raise ConfigurationError(f"config file {file} does not exist", setting="ERECEIPT_CONFIG")
        try:
            parser.read(file, encoding="utf-8")
        except configparser.Error as exc:
            raise ConfigurationError(f"config file {file}: {_ini_mistake(exc)}", setting=str(file)) from None
        except UnicodeDecodeError as exc:
            raise ConfigurationError(
                f"config file {file} is not UTF-8 text (byte {exc.start + 1})", setting=str(file)
            ) from None
        base = file.resolve().parent
        source = str(file)
    _refuse_unknown_overrides(environ)
    sections = {}
    for section_field in fields(Settings):
        if section_field.name in {"source", *LIST_SECTIONS}:
            continue
        section, defaults = section_field.name, section_field.default
        known = {f.name for f in fields(defaults)}
        if parser.has_section(section):
            unknown = set(parser.options(section)) - known
            if unknown:
                name = sorted(unknown)[0]
                raise ConfigurationError(
                    f"unknown setting [{section}] {name} in {source}{_nearest(name, known)}", setting=section
                )
        values = {}
        for setting in fields(defaults):
            key, default = setting.name, getattr(defaults, setting.name)
            env_name = f"ERECEIPT_{section.upper()}__{key.upper()}"
            raw = environ.get(env_name, parser.get(section, key, fallback=None))
            origin = env_name if env_name in environ else f"[{section}] {key}"
            try:
                zero = (section, key) in ZERO_SWITCHES_OFF
                value = default if raw is None else _convert(raw, default, base, zero)
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
        if section == "queue" and values["camt_schema_directory"]:
            values["camt_schema_directory"] = str(base / Path(values["camt_schema_directory"]).expanduser())
        sections[section] = type(defaults)(**values)
    access = (
        _load_access(parser, base) if parser.has_section("access") else _resolve_access(DEFAULT_ACCESS, base)
    )
    banks = _load_banks(parser, base) if parser.has_section("banks") else ()
    signing_keys = _load_signing_keys(parser, base) if parser.has_section("signing_keys") else ()
    unknown_sections = set(parser.sections()) - set(sections) - LIST_SECTIONS
    if unknown_sections:
        name = sorted(unknown_sections)[0]
        raise ConfigurationError(
            f"unknown section [{name}] in {source}{_nearest(name, [*sections, 'access', 'banks'])}",
            setting=source,
        )
    return Settings(**sections, access=access, banks=banks, signing_keys=signing_keys, source=source)


def _ini_mistake(error: configparser.Error) -> str:
    """What is wrong in an INI file, by line, without Python's reprs."""
    if isinstance(error, configparser.MissingSectionHeaderError):
        return f"line {error.lineno} ({error.line.strip()}) comes before any [section]"
    if isinstance(error, configparser.DuplicateOptionError):
        return f"line {error.lineno}: [{error.section}] {error.option} is set twice"
    if isinstance(error, configparser.DuplicateSectionError):
        return f"line {error.lineno}: section [{error.section}] appears twice"
    if isinstance(error, configparser.ParsingError):
        lineno, line = error.errors[0]  # configparser keeps the line as its repr
        with contextlib.suppress(ValueError, SyntaxError):
            line = ast.literal_eval(line)
        return f"line {lineno} ({str(line).strip()}) is not KEY = VALUE"
    return " ".join(error.message.split())


def _overridable() -> set[str]:
    """The name of every variable that overrides a setting, such as ``ERECEIPT_SERVER__PORT``."""
    return {
        f"ERECEIPT_{section_field.name.upper()}__{setting.name.upper()}"
        for section_field in fields(Settings)
        if section_field.name not in {"source", *LIST_SECTIONS}
        for setting in fields(section_field.default)
    }


def _refuse_unknown_overrides(environ: Mapping[str, str]) -> None:
    """An ``ERECEIPT_<SECTION>__<KEY>`` variable that names no setting is a typo, not something to ignore."""
    known = _overridable()
    overrides = sorted(name for name in environ if name.startswith("ERECEIPT_") and "__" in name)
    for name in overrides:
        if name not in known:
            raise ConfigurationError(
                f"unknown environment variable {name}: it overrides no setting{_nearest(name, known)}",
                setting=name,
            )


def _nearest(name: str, candidates) -> str:
    """`` (did you mean X?)`` when one valid name is close to a misspelled one, else nothing."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else ""


def _resolve_access(clients: tuple[ClientAccess, ...], base: Path) -> tuple[ClientAccess, ...]:
    return tuple(
        ClientAccess(
            c.client, base / c.certificate if c.certificate else None, c.operations, c.signatures_required
        )
        for c in clients
    )


def _load_access(parser: configparser.ConfigParser, base: Path) -> tuple[ClientAccess, ...]:
    """``[access]`` lines: ``CLIENT = CERTIFICATE | OPERATIONS | signed or unsigned``."""
    clients = []
    for client, value in parser.items("access"):
        origin = f"[access] {client}"
        parts = [part.strip() for part in value.split("|")]
        if len(client.split("/")) != 4 or len(parts) != 3:
            raise ConfigurationError(
                f"setting {origin}: expected INSTANCE/CLASS/CODE/SUBSYSTEM = certificate | operations | "
                "signed (or unsigned)",
                setting=origin,
            )
        certificate, operations, signing = parts
        if signing not in {"signed", "unsigned"}:
            raise ConfigurationError(
                f"setting {origin}: the last part must be signed or unsigned", setting=origin
            )
        if signing == "signed" and not certificate:
            raise ConfigurationError(
                f"setting {origin}: a signed client needs a pinned certificate", setting=origin
            )
        path = Path(certificate).expanduser() if certificate else None
        clients.append(
            ClientAccess(
                client=client,
                certificate=(path if path.is_absolute() else base / path) if path else None,
                operations=tuple(op.strip() for op in operations.split(",") if op.strip()) or ("*",),
                signatures_required=signing == "signed",
            )
        )
    return tuple(clients)


_BIC = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")


def _load_banks(parser: configparser.ConfigParser, base: Path) -> tuple[tuple[str, Path], ...]:
    """``[banks]`` lines: ``BIC = pinned certificate (PEM)`` of each bank that signs its messages."""
    banks = []
    for bic, value in parser.items("banks"):
        origin = f"[banks] {bic}"
        if not _BIC.match(bic) or not value.strip():
            raise ConfigurationError(
                f"setting {origin}: expected BIC = the bank's certificate (PEM), with an 8 or 11 "
                "character BIC in capitals",
                setting=origin,
            )
        path = Path(value.strip()).expanduser()
        banks.append((bic, path if path.is_absolute() else base / path))
    return tuple(banks)


def _load_signing_keys(
    parser: configparser.ConfigParser, base: Path
) -> tuple[tuple[str, Path, Path | None], ...]:
    """``[signing_keys]`` lines: ``ISSUER-CODE = key file [certificate file]``; the certificate defaults
    to the key's name with ``.cert.pem`` for ``.key.pem``, and is none for a PKCS#12 bundle."""
    keys = []
    for code, value in parser.items("signing_keys"):
        origin = f"[signing_keys] {code}"
        parts = value.split()
        if not 1 <= len(parts) <= 2:
            raise ConfigurationError(
                f"setting {origin}: expected ISSUER-CODE = key file, then optionally its certificate file",
                setting=origin,
            )
        paths = [Path(part).expanduser() for part in parts]
        paths = [path if path.is_absolute() else base / path for path in paths]
        key = paths[0]
        if len(paths) == 2:
            certificate = paths[1]
        elif key.suffix.lower() in {".p12", ".pfx"}:
            certificate = None
        elif key.name.endswith(".key.pem"):
            certificate = key.with_name(key.name[: -len(".key.pem")] + ".cert.pem")
        else:
            raise ConfigurationError(
                f"setting {origin}: name the certificate file after the key file", setting=origin
            )
        keys.append((code, key, certificate))
    return tuple(keys)
