"""One settings class for the whole of Majlis, read from ``MAJLIS_*`` variables.

Built once at an entry point and passed down as a value; nothing below the entry
points reads the environment.
"""

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from workflows.charter.voting import MajorityBase

TELEGRAM_API_URL = "https://api.telegram.org"
#: Telegram's own shape of a bot token: the bot's id, a colon, 35 url-safe characters.
TOKEN_PATTERN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
#: Telegram accepts 1-256 of these characters in a webhook secret token.
WEBHOOK_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigurationError(Exception):
    """Start-up cannot go on; the message says, in one line, what to fix."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAJLIS_", extra="ignore")

    data_dir: Path = Path(".majlis")
    database_url: str | None = None
    redis_url: str | None = None
    log_level: str = "INFO"
    #: Prefix of every Redis key Majlis writes; lets deployments share one Redis.
    redis_namespace: str = "majlis"

    telegram_token: SecretStr | None = None
    telegram_api_url: str = TELEGRAM_API_URL
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0:8443"
    runtime: Literal["aiogram", "ptb"] = "aiogram"
    #: Seals secret ballots (``workflows.meetings.seals``); kept out of the database on
    #: purpose. None: a key made once in ``data_dir/ballot.key``.
    ballot_key: SecretStr | None = None

    sandbox_host: str = "127.0.0.1"
    sandbox_port: int = 8080
    #: Port of the embedded Valkey (no Redis URL); 0: a free port the system picks.
    valkey_port: int = Field(default=0, ge=0, le=65535)
    #: Multiplies the sandbox's flood-control rates; 0 turns flood control off.
    sandbox_rate_factor: float = 1.0

    worker_processes: int = Field(default=1, ge=1)
    worker_threads: int = Field(default=4, ge=1)
    #: Seconds between two scheduler ticks (due items, outbox sweep).
    tick_seconds: float = Field(default=1.0, gt=0)
    #: A notification handed to the queue but not delivered after this many
    #: seconds is handed over again by the sweep.
    outbox_resend_after: float = Field(default=30.0, gt=0)
    #: How long a worker holds a notification it is sending before another may.
    delivery_lease_seconds: float = Field(default=20.0, gt=0)

    #: Hours before the people asked to decide are reminded, and before the
    #: Secretary-General is sent the prompt left unanswered.
    prompt_remind_hours: float = Field(default=48.0, gt=0)
    prompt_escalate_hours: float = Field(default=120.0, gt=0)
    #: Days before an applicant who has not answered a question is reminded,
    #: and before the application lapses.
    question_remind_days: float = Field(default=7.0, gt=0)
    question_lapse_days: float = Field(default=30.0, gt=0)
    #: Largest signed letter accepted, in megabytes (Telegram bots may fetch up to 20).
    letter_max_mb: float = Field(default=10.0, gt=0, le=20)
    #: Art. 26 does not say of what "the votes" are a majority: the default base of
    #: a body that has not chosen one. ``yes_no`` (an abstention is not a vote for
    #: or against), ``yes_no_abstain``, or ``present`` (every voting member present).
    majority_base: MajorityBase = MajorityBase.YES_NO
    #: Art. 25: a member suspended for fees never votes; by default it is also left
    #: out of "the full Members" of the quorum (Art. 26) and of the two thirds
    #: (Art. 30). True counts it in both (its presence still not). Frozen per session.
    fee_suspended_in_quorum_base: bool = False
    #: Art. 25: whether an unpaid member's voting right is suspended automatically
    #: once a fee's grace period is over; False leaves every case to the Council,
    #: whose decision the Secretariat records by hand.
    fees_suspend_automatically: bool = True

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("MAJLIS_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @model_validator(mode="after")
    def _consistent(self) -> "Settings":
        if self.telegram_token is not None:
            token = self.telegram_token.get_secret_value()
            if not TOKEN_PATTERN.match(token):
                raise ValueError(
                    "MAJLIS_TELEGRAM_TOKEN is malformed: copy the whole token BotFather gave "
                    "you, like 123456789:AAH...; unset it to use the local sandbox"
                )
        if not self.telegram_api_url.startswith(("https://", "http://")):
            raise ValueError(
                "MAJLIS_TELEGRAM_API_URL must be an http(s) URL, such as https://api.telegram.org"
            )
        if self.webhook_url:
            if self.telegram_token is None:
                raise ValueError("MAJLIS_WEBHOOK_URL needs MAJLIS_TELEGRAM_TOKEN as well")
            if not self.webhook_url.startswith("https://") and not self.webhook_url.startswith(
                "http://"
            ):
                raise ValueError("MAJLIS_WEBHOOK_URL must be an http(s) URL")
            if self.webhook_secret is None:
                raise ValueError(
                    "MAJLIS_WEBHOOK_URL is set but MAJLIS_WEBHOOK_SECRET is not: set a secret "
                    "of 1-256 letters, digits, _ or -"
                )
        if self.webhook_secret is not None and not WEBHOOK_SECRET_PATTERN.match(
            self.webhook_secret.get_secret_value()
        ):
            raise ValueError("MAJLIS_WEBHOOK_SECRET may hold only 1-256 letters, digits, _ or -")
        if self.ballot_key is not None and len(self.ballot_key.get_secret_value()) < 32:
            raise ValueError(
                "MAJLIS_BALLOT_KEY must be at least 32 characters: make one with "
                "openssl rand -base64 32, and give the same to every majlis process"
            )
        if self.webhook_listen.rpartition(":")[2].isdigit() is False:
            raise ValueError("MAJLIS_WEBHOOK_LISTEN must be host:port, such as 0.0.0.0:8443")
        return self

    @property
    def sandboxed(self) -> bool:
        """No token: Majlis talks to its own local Bot API sandbox."""
        return self.telegram_token is None

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'majlis.db').resolve()}"


def load_settings(**overrides: object) -> Settings:
    """Read the environment, turning pydantic's report into one readable line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        if where:
            message = f"MAJLIS_{where.upper()}: {message}"
        raise ConfigurationError(message) from None
