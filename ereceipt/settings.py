"""The settings as frozen dataclasses, one per ``config.ini`` section, each default working on one machine.

``ereceipt.config.load_settings`` fills them from the file and the environment; everything else
only reads them. The names of the scheduled jobs are here too, since ``[scheduler]`` has a setting
for each.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = "sqlite:///var/ereceipt.sqlite3"
    pool_size: int = 18  # at least 2 x [server] threads + 2: see config.ini
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
    # The agencies' certificate policy OID (RFC 5280 4.2.1.4) a receipt's signing certificate must carry.
    certificate_policy: str = ""
    # The RFC 3161 time-stamping authority that takes receipts from level B to T (empty: none). When
    # it is this server's own /tsa, `ereceipt serve` answers there as the development TSA.
    tsa_url: str = "http://127.0.0.1:8080/tsa"
    tsa_timeout_seconds: int = 10
    # The TSA certificates trusted for time-stamps, pinned or their issuing CA (PEM).
    tsa_trust: Path = Path("var/keys/tsa.cert.pem")
    # The development TSA's key and certificate (made by `ereceipt keys init`), served at /tsa.
    development_tsa_key: Path = Path("var/keys/tsa.key.pem")
    development_tsa_certificate: Path = Path("var/keys/tsa.cert.pem")
    # Where revocation data for level LT is asked (RFC 5280 CRL over HTTP, RFC 6960 OCSP over HTTP
    # POST); empty: the URLs each certificate names (CRLDistributionPoints, AuthorityInfoAccess).
    crl_url: str = ""
    ocsp_url: str = ""
    revocation_timeout_seconds: int = 10


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 2
    threads: int = 8
    access_log: bool = False  # one line per request on standard output
    public_url: str = "http://127.0.0.1:8080"
    max_body_bytes: int = 2 * 1024 * 1024
    metrics_directory: Path = Path("var/metrics")
    metrics_allow: tuple[str, ...] = ("127.0.0.1", "::1")  # addresses and networks that may read /metrics
    session_secret_file: Path = Path("var/session-secret")
    run_worker: bool = True  # `ereceipt serve` also runs the bank worker (one-machine install)
    # Proxies (addresses or CIDR networks) whose X-Forwarded-For names the client; none by default.
    trusted_proxies: tuple[str, ...] = ()
    # Networks from which a log-in is not refused by a name's lock against distributed guessing.
    login_trusted_networks: tuple[str, ...] = ()

    run_scheduler: bool = True


@dataclass(frozen=True)
class SoapSettings:
    service_key: Path = Path("var/keys/soap-server.key.pem")
    service_certificate: Path = Path("var/keys/soap-server.cert.pem")
    timestamp_skew_seconds: int = 300
    xroad_instance: str = "VN"
    member_class: str = "GOV"
    member_code: str = "000000001"
    subsystem_code: str = "ERECEIPT"
    # Bytes of a request refused before its client is authenticated kept in the message log.
    refused_request_log_bytes: int = 4096
    # Exchanges that could not be logged while the database was unreachable wait here.
    journal: Path = Path("var/message-log-journal")
    # A changing exchange stored with its change is chained by the chainer after this long
    # when its request has not logged it (the process died); the chainer runs this often.
    chain_pending_after_seconds: int = 60
    chain_interval_seconds: int = 15
    # Tests only: "business-commit" ends the server right after a change commits (fault injection).
    test_crash_after: str = ""


@dataclass(frozen=True)
class ClientAccess:
    """One X-Road client allowed to call us: its pinned certificate and the operations it may call."""

    client: str  # INSTANCE/MEMBERCLASS/MEMBERCODE/SUBSYSTEM
    certificate: Path | None
    operations: tuple[str, ...]  # ("*",) means every operation
    signatures_required: bool = True

    def may_call(self, operation: str) -> bool:
        return "*" in self.operations or operation in self.operations


DEVELOPMENT_PORTAL = "VN/GOV/000000002/DVCQG"
DEFAULT_ACCESS = (ClientAccess(DEVELOPMENT_PORTAL, Path("var/keys/portal-client.cert.pem"), ("*",), True),)


@dataclass(frozen=True)
class QueueSettings:
    """RabbitMQ: where bank notifications arrive and where our events go."""

    url: str = "amqp://guest:guest@127.0.0.1:5672/%2F"
    payments_exchange: str = "bank.payments"
    payments_binding: str = "#"
    payments_queue: str = "ereceipt.bank.payments"
    dead_letter_exchange: str = "ereceipt.dlx"
    dead_letter_queue: str = "ereceipt.bank.payments.dead"
    events_exchange: str = "ereceipt.events"
    delivery_limit: int = 5
    prefetch: int = 200
    heartbeat_seconds: int = 30
    reconnect_max_seconds: int = 30
    batch_messages: int = 100  # messages in hand recorded together (a few database transactions)
    camt_schema_directory: str = ""  # empty: structural checks only; else validate against its XSDs


@dataclass(frozen=True)
class TreasurySettings:
    """The state treasury's collection service we call, and its development simulator."""

    url: str = "http://127.0.0.1:8090/soap"
    timeout_seconds: int = 10
    client_key: Path = Path("var/keys/soap-server.key.pem")
    client_certificate: Path = Path("var/keys/soap-server.cert.pem")
    treasury_certificate: Path = Path("var/keys/treasury-simulator.cert.pem")
    xroad_instance: str = "VN"
    member_class: str = "GOV"
    member_code: str = "000000003"
    subsystem_code: str = "KBNN"
    max_backoff_seconds: int = 3600
    failing_after_attempts: int = 3
    simulator_host: str = "127.0.0.1"
    simulator_port: int = 8090
    simulator_database: Path = Path("var/treasury-simulator.sqlite3")


@dataclass(frozen=True)
class SchedulerSettings:
    """Scheduled jobs (APScheduler): a cron expression per job, empty to switch the job off."""

    daily_reports: str = "30 0 * * *"
    statement_fetch: str = "0 2 * * *"
    reconciliation: str = "0 3 * * *"
    report_retries: str = "*/5 * * * *"
    message_log_archive: str = "0 4 * * *"
    transparency_log: str = "*/5 * * * * *"
    signature_time_stamps: str = "*/10 * * * * *"
    time_stamps_per_run: int = 200  # receipts one run of signature_time_stamps takes from B to T
    time_stamps_in_parallel: int = 8  # TSA requests in flight at once (a round trip is mostly waiting)
    validation_data_per_run: int = 200  # receipts the same job then takes from level T to LT
    archive_time_stamps: str = "*/10 * * * *"
    archive_batch_size: int = 10000  # receipts (or archive time-stamps renewed) under one TSA call
    archive_batches_per_run: int = 10  # TSA calls one run of archive_time_stamps makes at most
    archive_renew_before_days: int = 180  # renew an archive time-stamp this long before its TSA cert ends
    archive_hash_algorithm: str = "sha256"  # of new archive chains: sha256, sha384 or sha512; records
    # whose last chain is under another get a hash-tree renewal (RFC 6283 4.2.2) by the same job
    archive_after_days: int = 90
    claims_kept_days: int = 7  # each run's claim and outcome (scheduler_claim), then pruned
    misfire_grace_seconds: int = 3600
    timezone: str = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True)
class TransparencySettings:
    """The public transparency log: its name (origin), its Ed25519 key, how much one run appends,
    and the witness (C2SP tlog-witness) that cosigns its checkpoints, if any: its submission URL
    prefix and its verifier key file; how many bytes of full tiles each server process keeps."""

    origin: str = "localhost/ereceipt/DEVELOPMENT-log"
    log_key: Path = Path("var/keys/transparency-log.key.pem")
    batch_size: int = 10000
    batches_per_run: int = 10
    witness_url: str = ""
    witness_vkey: Path = Path("var/keys/witness.vkey")
    tile_cache_bytes: int = 64 * 1024 * 1024  # full tiles kept in memory per server process


@dataclass(frozen=True)
class LookupSettings:
    failed_lookups_per_minute: int = 10


@dataclass(frozen=True)
class OcrSettings:
    """Counter OCR: Tesseract 5 with the Vietnamese data, limits and preprocessing steps."""

    tesseract_command: str = "tesseract"
    language: str = "vie"
    max_bytes: int = 20 * 1024 * 1024
    max_pages: int = 10
    dpi: int = 300
    page_segmentation_mode: int = 4
    tesseract_threads: int = 1
    timeout_seconds: int = 60
    grayscale: bool = True
    deskew: bool = True
    binarise: bool = False
    rescale: bool = False
    denoise: bool = True
    workers: int = 1


@dataclass(frozen=True)
class LoggingSettings:
    level: str = "INFO"
    error_file: Path = Path("var/log/errors.log")  # an unexpected error's traceback, appended


@dataclass(frozen=True)
class EmailSettings:
    """SMTP for payer notices; no host means e-mail delivery is off and notices wait."""

    host: str = ""
    port: int = 25
    security: str = "starttls"  # starttls, tls (implicit, port 465) or none
    username: str = ""
    password: str = ""
    from_address: str = "bien-lai@localhost.localdomain"
    from_name: str = "Biên lai điện tử THADS"
    timeout_seconds: int = 30
    ca_file: str = ""  # PEM CAs for the server's certificate; empty: the system's


@dataclass(frozen=True)
class SmsSettings:
    """The SMS gateway (HTTP) for payer notices; no url means SMS delivery is off and notices wait."""

    url: str = ""
    username: str = ""
    password: str = ""
    sender: str = "THADS"
    template: str = "THADS: biên lai {series} số {number}, {amount} đồng. Mã tra cứu {code} tại {url}"
    strip_diacritics: bool = True
    max_length: int = 160
    timeout_seconds: int = 15


@dataclass(frozen=True)
class NoticesSettings:
    """How payer notices are retried (both channels)."""

    batch: int = 20
    idle_seconds: int = 5
    retry_base_seconds: int = 30
    retry_cap_seconds: int = 3600
    max_attempts: int = 20
    lease_seconds: int = 300


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings = DatabaseSettings()
    keys: KeysSettings = KeysSettings()
    signature: SignatureSettings = SignatureSettings()
    server: ServerSettings = ServerSettings()
    soap: SoapSettings = SoapSettings()
    queue: QueueSettings = QueueSettings()
    treasury: TreasurySettings = TreasurySettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    transparency: TransparencySettings = TransparencySettings()
    lookup: LookupSettings = LookupSettings()
    ocr: OcrSettings = OcrSettings()
    logging: LoggingSettings = LoggingSettings()
    email: EmailSettings = EmailSettings()
    sms: SmsSettings = SmsSettings()
    notices: NoticesSettings = NoticesSettings()
    access: tuple[ClientAccess, ...] = DEFAULT_ACCESS
    banks: tuple[tuple[str, Path], ...] = ()  # (BIC, pinned certificate) of the banks that sign
    # (issuer code, signing key, its certificate or None for a PKCS#12 bundle) of ``[signing_keys]``
    signing_keys: tuple[tuple[str, Path, Path | None], ...] = ()
    source: str = "defaults"


SCHEDULED_JOBS = (
    "daily_reports",
    "statement_fetch",
    "reconciliation",
    "report_retries",
    "message_log_archive",
    "transparency_log",
    "signature_time_stamps",
    "archive_time_stamps",
)
