"""Settings of delivery ([email], [sms], [notices]): documented in config.ini, checked when read."""

from pathlib import Path

import pytest

from ereceipt.config import load_settings
from ereceipt.core.errors import ConfigurationError
from ereceipt.settings import EmailSettings, NoticesSettings, SmsSettings

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.ini"
    path.write_text(text, encoding="utf-8")
    return path


def test_config_ini_documents_delivery_with_the_defaults() -> None:
    settings = load_settings(REPO / "config.ini", environ={})
    assert settings.email == EmailSettings()
    assert settings.sms == SmsSettings()
    assert settings.notices == NoticesSettings()


def test_delivery_is_off_by_default() -> None:
    settings = load_settings(REPO / "config.ini", environ={})
    assert settings.email.host == "" and settings.sms.url == ""


def test_credentials_come_from_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "[email]\nhost = smtp.example.invalid\nusername = bienlai\n")
    settings = load_settings(
        path, environ={"ERECEIPT_EMAIL__PASSWORD": "s3cret", "ERECEIPT_SMS__PASSWORD": "token"}
    )
    assert (settings.email.username, settings.email.password) == ("bienlai", "s3cret")
    assert settings.sms.password == "token"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[email]\nsecurity = ssl\n", "[email] security"),
        ("[email]\nport = 0\n", "[email] port"),
        ("[email]\nstarttls = yes\n", "[email] starttls"),
        ("[sms]\nurl = ftp://gateway\n", "[sms] url"),
        ("[sms]\nstrip_diacritics = sometimes\n", "[sms] strip_diacritics"),
        ("[notices]\nmax_attempts = 0\n", "[notices] max_attempts"),
    ],
)
def test_wrong_delivery_setting_is_named(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(ConfigurationError, match=named.replace("[", r"\[").replace("]", r"\]")):
        load_settings(write(tmp_path, text), environ={})
