"""Settings: defaults that work on one machine, overrides from the file and the environment, clear errors."""

from pathlib import Path

import pytest

from ereceipt.config import load_settings
from ereceipt.core.errors import ConfigurationError

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.ini"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_need_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ={})
    assert settings.database.url == f"sqlite:///{tmp_path}/var/ereceipt.sqlite3"
    assert settings.keys.directory == tmp_path / "var/keys"
    assert settings.server.port == 8080


def test_repository_config_ini_matches_the_defaults() -> None:
    from_file = load_settings(REPO / "config.ini", environ={})
    assert from_file.server == load_settings(REPO / "config.ini", environ={}).server
    assert from_file.database.url.endswith("/var/ereceipt.sqlite3")
    assert from_file.keys.trust_anchors == REPO / "var/keys/ca.cert.pem"
    assert from_file.signature.policy_identifier == ""


def test_relative_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[keys]\ndirectory = secrets\n")
    assert load_settings(path, environ={}).keys.directory == tmp_path / "secrets"


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[server]\nport = 9000\n")
    settings = load_settings(
        path, environ={"ERECEIPT_SERVER__PORT": "9100", "ERECEIPT_LOGGING__LEVEL": "debug"}
    )
    assert settings.server.port == 9100
    assert settings.logging.level == "DEBUG"


def test_config_file_can_come_from_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "[server]\nworkers = 7\n")
    assert load_settings(environ={"ERECEIPT_CONFIG": str(path)}).server.workers == 7


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[server]\nport = eighty\n", "[server] port"),
        ("[server]\nport = 70000\n", "[server] port"),
        ("[database]\nurl = mysql://x\n", "[database] url"),
        ("[database]\necho = maybe\n", "[database] echo"),
        ("[logging]\nlevel = LOUD\n", "[logging] level"),
        ("[server]\nprot = 1\n", "[server] prot"),
        ("[sever]\nport = 1\n", "[sever]"),
        ("[server]\ntrusted_proxies = nginx\n", "[server] trusted_proxies"),
        ("[server]\nlogin_trusted_networks = 10.0.0.0/33\n", "[server] login_trusted_networks"),
        ("[scheduler]\narchive_hash_algorithm = sha1\n", "[scheduler] archive_hash_algorithm"),
    ],
)
def test_wrong_value_fails_naming_the_setting(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(ConfigurationError, match=named.replace("[", r"\[").replace("]", r"\]")):
        load_settings(write(tmp_path, text), environ={})


def test_wrong_environment_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="ERECEIPT_SERVER__WORKERS"):
        load_settings(write(tmp_path, ""), environ={"ERECEIPT_SERVER__WORKERS": "0"})


def test_address_lists_take_addresses_and_networks_separated_by_commas_or_spaces(tmp_path: Path) -> None:
    path = write(tmp_path, "[server]\ntrusted_proxies = 127.0.0.1, 10.0.0.0/8 ::1\n")
    settings = load_settings(path, environ={})
    assert settings.server.trusted_proxies == ("127.0.0.1", "10.0.0.0/8", "::1")
    assert settings.server.login_trusted_networks == ()  # none unless configured


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_settings(tmp_path / "nope.ini", environ={})


def test_settings_are_frozen(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ""), environ={})
    with pytest.raises(AttributeError):
        settings.server.port = 1


def test_banks_pin_a_certificate_per_bic_relative_to_the_config_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[banks]\nBFTVVNVX = keys/vietcombank.pem\nICBVVNVX001 = /etc/bank.pem\n")
    assert load_settings(path, environ={}).banks == (
        ("BFTVVNVX", tmp_path / "keys/vietcombank.pem"),
        ("ICBVVNVX001", Path("/etc/bank.pem")),
    )


@pytest.mark.parametrize("line", ["bftvvnvx = bank.pem", "BFTVVNVX =", "BFT = bank.pem"])
def test_a_wrong_banks_line_names_the_setting(tmp_path: Path, line: str) -> None:
    with pytest.raises(ConfigurationError, match=r"\[banks\]"):
        load_settings(write(tmp_path, f"[banks]\n{line}\n"), environ={})


def test_signing_keys_name_each_issuers_key_and_certificate(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[signing_keys]\nCTHADS-HN = keys/hn.key.pem\nCCTHADS-BD = /etc/bd.p12\n"
        "CCTHADS-X = keys/x.pem keys/x.crt\n[signature]\ncertificate_policy = 1.2.3.4\n",
    )
    settings = load_settings(path, environ={})
    assert settings.signing_keys == (
        ("CTHADS-HN", tmp_path / "keys/hn.key.pem", tmp_path / "keys/hn.cert.pem"),
        ("CCTHADS-BD", Path("/etc/bd.p12"), None),
        ("CCTHADS-X", tmp_path / "keys/x.pem", tmp_path / "keys/x.crt"),
    )
    assert settings.signature.certificate_policy == "1.2.3.4"
    assert load_settings(write(tmp_path, ""), environ={}).signing_keys == ()


@pytest.mark.parametrize("line", ["CTHADS-HN =", "CTHADS-HN = a b c", "CTHADS-HN = key.pem"])
def test_a_wrong_signing_keys_line_names_the_setting(tmp_path: Path, line: str) -> None:
    with pytest.raises(ConfigurationError, match=r"\[signing_keys\] CTHADS-HN"):
        load_settings(write(tmp_path, f"[signing_keys]\n{line}\n"), environ={})


def test_camt_schema_directory_is_empty_by_default_and_relative_to_the_config_file(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path, ""), environ={}).queue.camt_schema_directory == ""
    path = write(tmp_path, "[queue]\ncamt_schema_directory = iso20022\n")
    assert load_settings(path, environ={}).queue.camt_schema_directory == str(tmp_path / "iso20022")


def test_serve_runs_the_bank_worker_unless_told_not_to(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path, ""), environ={}).server.run_worker is True
    assert (
        load_settings(write(tmp_path, "[server]\nrun_worker = no\n"), environ={}).server.run_worker is False
    )


@pytest.mark.parametrize(
    ("variable", "message"),
    [
        (
            "ERECEIPT_SERVER__PROT",
            "unknown environment variable ERECEIPT_SERVER__PROT: it overrides no setting "
            "(did you mean ERECEIPT_SERVER__PORT?)",
        ),
        (
            "ERECEIPT_SERVR__PORT",
            "unknown environment variable ERECEIPT_SERVR__PORT: it overrides no setting "
            "(did you mean ERECEIPT_SERVER__PORT?)",
        ),
        ("ERECEIPT_ACCESS__X", "unknown environment variable ERECEIPT_ACCESS__X: it overrides no setting"),
        ("ERECEIPT_NOTHING__LIKE_IT", "unknown environment variable ERECEIPT_NOTHING__LIKE_IT: it overrides"),
    ],
)
def test_an_unknown_environment_override_is_refused_naming_it(
    tmp_path: Path, variable: str, message: str
) -> None:
    with pytest.raises(ConfigurationError) as refused:
        load_settings(write(tmp_path, ""), environ={variable: "9000"})
    assert refused.value.message.startswith(message)
    assert refused.value.fields["setting"] == variable


def test_every_setting_has_its_environment_override_and_other_ereceipt_variables_are_left_alone(
    tmp_path: Path,
) -> None:
    environ = {
        "ERECEIPT_CONFIG": str(write(tmp_path, "")),
        "ERECEIPT_SIGNING_KEY_PASSWORD": "secret",
        "ERECEIPT_TEST_POSTGRES_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        "ERECEIPT_TEST_AMQP_URL": "amqp://guest:guest@127.0.0.1:5672/%2F",
        "ERECEIPT_SCREENSHOTS": "docs",
        "ereceipt_server__prot": "1",  # not ours: names are upper case
        "ERECEIPT_SERVER__PORT": "9000",
        "ERECEIPT_EMAIL__PASSWORD": "smtp",
    }
    settings = load_settings(environ=environ)
    assert (settings.server.port, settings.email.password) == (9000, "smtp")


def test_a_misspelled_setting_in_the_file_names_the_nearest_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as refused:
        load_settings(write(tmp_path, "[server]\nprot = 1\n"), environ={})
    assert (
        refused.value.message
        == f"unknown setting [server] prot in {tmp_path / 'config.ini'} (did you mean port?)"
    )
    with pytest.raises(ConfigurationError, match=r"unknown section \[servr\] .* \(did you mean server\?\)"):
        load_settings(write(tmp_path, "[servr]\nport = 1\n"), environ={})


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("port = 1\n", "line 1 (port = 1) comes before any [section]"),
        ("[server]\nport = 1\nport = 2\n", "line 3: [server] port is set twice"),
        ("[server]\n[server]\n", "line 2: section [server] appears twice"),
        ("[server]\nport = 1\n!!!\n", "line 3 (!!!) is not KEY = VALUE"),
    ],
)
def test_a_file_that_is_not_ini_is_one_line_naming_the_line(tmp_path: Path, text: str, said: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigurationError) as refused:
        load_settings(path, environ={})
    assert refused.value.message == f"config file {path}: {said}"


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.ini"
    path.write_bytes(b"[server]\nhost = \xff\n")
    with pytest.raises(ConfigurationError, match=r"is not UTF-8 text \(byte 17\)"):
        load_settings(path, environ={})


def test_the_error_file_is_relative_to_the_config_file(tmp_path: Path) -> None:
    assert (
        load_settings(write(tmp_path, ""), environ={}).logging.error_file == tmp_path / "var/log/errors.log"
    )


def test_zero_switches_level_lt_off_and_is_refused_elsewhere(tmp_path: Path) -> None:
    off = load_settings(write(tmp_path, "[scheduler]\nvalidation_data_per_run = 0\n"), environ={})
    assert off.scheduler.validation_data_per_run == 0
    with pytest.raises(ConfigurationError, match="at least 1"):
        load_settings(write(tmp_path, "[scheduler]\ntime_stamps_per_run = 0\n"), environ={})
    with pytest.raises(ConfigurationError, match="at least 0"):
        load_settings(write(tmp_path, "[scheduler]\nvalidation_data_per_run = -1\n"), environ={})
