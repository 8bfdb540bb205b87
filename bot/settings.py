"""Typed settings, read once from the environment, failing loudly when one is missing."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Final

import holidays
from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from flows.hours import OfficeHours

TELEGRAM_API_URL: Final = "https://api.telegram.org"
REPO_ROOT: Final = Path(__file__).resolve().parent.parent
MIN_SECRET_LENGTH: Final = 32
HOLIDAY_YEARS: Final = 3


def _default_content_dir() -> Path:
    """The repository's content/ when run from a checkout, else ./content (deployments)."""
    beside_code = REPO_ROOT / "content"
    return beside_code if beside_code.is_dir() else Path.cwd() / "content"


class SettingsError(RuntimeError):
    """A setting is missing or wrong; the message names the environment variable."""


class Settings(BaseSettings):
    """Everything a deployment configures. Field aliases are the environment variable names."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_url: str = Field(default=TELEGRAM_API_URL, alias="TELEGRAM_API_URL")
    data_dir: Path = Field(default=Path("data"), alias="SSPBOT_DATA_DIR")
    secret: SecretStr | None = Field(default=None, alias="SSPBOT_SECRET")
    staff_group_id: int | None = Field(default=None, alias="SSPBOT_STAFF_GROUP_ID")
    content_dir: Path = Field(default_factory=_default_content_dir, alias="SSPBOT_CONTENT_DIR")
    log_level: str = Field(default="INFO", alias="SSPBOT_LOG_LEVEL")
    session_days: int = Field(default=30, alias="SSPBOT_SESSION_DAYS", ge=1)
    report_text_days: int = Field(default=30, alias="SSPBOT_REPORT_TEXT_DAYS", ge=1)
    staff: str = Field(default="", alias="SSPBOT_STAFF")
    office_hours: str = Field(default="mon-thu 09:00-15:00, fri 09:00-13:00",
                              alias="SSPBOT_OFFICE_HOURS")
    closed_dates: str = Field(default="", alias="SSPBOT_CLOSED_DATES")
    public_holidays: bool = Field(default=True, alias="SSPBOT_PUBLIC_HOLIDAYS")
    timezone: str = Field(default="Europe/Copenhagen", alias="SSPBOT_TIMEZONE")
    remind_minutes: int = Field(default=10, alias="SSPBOT_REMIND_MINUTES", ge=1)
    require_approved: bool = Field(default=False, alias="SSPBOT_REQUIRE_APPROVED")
    send_rate: float = Field(default=30.0, alias="SSPBOT_SEND_RATE", gt=0)
    poll_timeout: int = Field(default=30, alias="SSPBOT_POLL_TIMEOUT", ge=0, le=50)
    # A call Telegram keeps refusing is tried this often, for this long, then set aside.
    send_attempts: int = Field(default=8, alias="SSPBOT_SEND_ATTEMPTS", ge=1)
    send_give_up_seconds: float = Field(default=300.0, alias="SSPBOT_SEND_GIVE_UP_SECONDS", gt=0)
    # Limits against floods, per person and hour.
    reports_per_hour: int = Field(default=3, alias="SSPBOT_REPORTS_PER_HOUR", ge=1)
    cases_per_hour: int = Field(default=3, alias="SSPBOT_CASES_PER_HOUR", ge=1)
    # A closed case's topic (the report, every relayed message) is deleted after this many days.
    topic_days: int = Field(default=30, alias="SSPBOT_TOPIC_DAYS", ge=1)
    urgent_remind_minutes: int = Field(default=10, alias="SSPBOT_URGENT_REMIND_MINUTES", ge=1)
    # The web chat and the health check, on one web server.
    web: bool = Field(default=True, alias="SSPBOT_WEB")
    web_host: str = Field(default="127.0.0.1", alias="SSPBOT_WEB_HOST")
    web_port: int = Field(default=8081, alias="SSPBOT_WEB_PORT", ge=0, le=65535)
    web_public_url: str = Field(default="", alias="SSPBOT_WEB_PUBLIC_URL")
    web_exit_url: str = Field(default="https://www.google.dk/", alias="SSPBOT_WEB_EXIT_URL")
    web_trust_proxy: bool = Field(default=False, alias="SSPBOT_WEB_TRUST_PROXY")
    # Limits against floods: per conversation, and per address (a school's network may carry a
    # whole class): so many actions at once, then so many a second.
    web_conversation_burst: int = Field(default=20, alias="SSPBOT_WEB_CONVERSATION_BURST", ge=1)
    web_conversation_rate: float = Field(default=1.0, alias="SSPBOT_WEB_CONVERSATION_RATE", gt=0)
    web_address_burst: int = Field(default=300, alias="SSPBOT_WEB_ADDRESS_BURST", ge=1)
    web_address_rate: float = Field(default=20.0, alias="SSPBOT_WEB_ADDRESS_RATE", gt=0)
    bot_username: str = Field(default="", alias="SSPBOT_BOT_USERNAME")
    # Webhook instead of polling: Telegram posts to this public https address, with this
    # secret in a header; the bot serves it on its web server at /telegram/webhook.
    webhook_url: str = Field(default="", alias="SSPBOT_WEBHOOK_URL")
    webhook_secret: SecretStr | None = Field(default=None, alias="SSPBOT_WEBHOOK_SECRET")
    # Seconds beyond the expected that a silence (no poll answered, a send stuck) may last
    # before the bot calls itself unhealthy (the health check, systemd's watchdog).
    health_grace: float = Field(default=60.0, alias="SSPBOT_HEALTH_GRACE", gt=0)

    @property
    def database_path(self) -> Path:
        return self.data_dir / "sspbot.sqlite3"

    @property
    def bot_base_url(self) -> str:
        return self.telegram_api_url.rstrip("/") + "/bot"

    @property
    def bot_file_url(self) -> str:
        return self.telegram_api_url.rstrip("/") + "/file/bot"

    def staff_names(self) -> dict[int, str]:
        """`2000001:Mette, 2000002:Jonas`: the consultants' Telegram ids and shown names."""
        names: dict[int, str] = {}
        for entry in filter(str.strip, self.staff.split(",")):
            user_id, _, name = entry.partition(":")
            if not user_id.strip().isdigit() or not name.strip():
                raise SettingsError(f"SSPBOT_STAFF: cannot read {entry.strip()!r}; "
                                    "write id:name, separated by commas")
            names[int(user_id)] = name.strip()
        return names

    def office(self, today: date | None = None) -> OfficeHours:
        """The weekly hours, closed on Danish public holidays (this year and the next two, from
        the `holidays` library) and on the extra dates of SSPBOT_CLOSED_DATES."""
        try:
            hours = OfficeHours.parse(self.office_hours, self.closed_dates)
        except ValueError as error:
            raise SettingsError(f"SSPBOT_OFFICE_HOURS or SSPBOT_CLOSED_DATES: {error}") from error
        if not self.public_holidays:
            return hours
        year = (today or date.today()).year
        public = holidays.country_holidays("DK", years=range(year, year + HOLIDAY_YEARS))
        return replace(hours, closed=hours.closed | frozenset(public))

    def require_token(self) -> str:
        if self.telegram_bot_token is None or not self.telegram_bot_token.get_secret_value():
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is not set: put the token BotFather gave you in the "
                "environment (see deploy/.env.example), or run the demo with `make demo`."
            )
        return self.telegram_bot_token.get_secret_value()

    def require_webhook_secret(self) -> str:
        value = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
        if not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", value):
            raise SettingsError(
                "SSPBOT_WEBHOOK_SECRET must be set with SSPBOT_WEBHOOK_URL: 16-256 characters "
                "of A-Z, a-z, 0-9, _ and - (Telegram's rule for a webhook's secret token)")
        if not self.web:
            raise SettingsError("SSPBOT_WEBHOOK_URL needs the web server: set SSPBOT_WEB=true")
        return value

    def require_secret(self) -> bytes:
        value = self.secret.get_secret_value() if self.secret else ""
        if len(value) < MIN_SECRET_LENGTH:
            raise SettingsError(
                f"SSPBOT_SECRET must be set to at least {MIN_SECRET_LENGTH} random characters "
                "(for example the output of `openssl rand -base64 48`); it keys the hashes and "
                "the encryption that keep users anonymous."
            )
        return value.encode()


def load_settings(**overrides: object) -> Settings:
    """Read the environment once; wrap pydantic's errors in one that names the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        names = ", ".join(
            str(detail["loc"][0]) for detail in error.errors() if detail.get("loc")
        )
        raise SettingsError(f"invalid setting(s): {names}: {error}") from error
