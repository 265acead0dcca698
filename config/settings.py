"""Settings read once from the environment and validated at start."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIB = 1024 * 1024
DEFAULT_RETRY_SCHEDULE = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable."""


def _parse_int_list(value: Any) -> Any:
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",") if p.strip()]
        return [int(p) for p in parts]
    return value


class Settings(BaseSettings):
    """Every environment variable Relais reads (documented in README and .env.example)."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False, frozen=True)

    relais_env: Literal["production", "development"] = "production"
    port: int = Field(8000, ge=1, le=65535)
    host: str | None = Field(None, max_length=255)
    web_concurrency: int = Field(2, ge=1, le=64)
    web_threads: int = Field(8, ge=1, le=256)
    data_dir: Path = Path("./data")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    access_log: bool = True  # one JSON line per HTTP request (gunicorn's access log)

    redis_url: str | None = None
    redis_key_prefix: str = Field("relais:", min_length=1, max_length=64)
    redis_connect_timeout: float = Field(2.0, gt=0, le=60)
    redis_socket_timeout: float = Field(5.0, gt=0, le=120)

    process_api_token: SecretStr | None = None
    process_api_token_previous: SecretStr | None = None
    ingress_hmac_secret: SecretStr | None = None
    ingress_signing_secret: SecretStr | None = None  # Standard Webhooks (whsec_...)
    ingress_hmac_window_seconds: int = Field(300, ge=10, le=3600)
    metrics_token: SecretStr | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_secret_previous: SecretStr | None = None
    allow_private_targets: bool | None = None
    flask_secret_key: SecretStr | None = None
    dashboard_user: str = Field("admin", min_length=1, max_length=128)
    dashboard_password: SecretStr | None = None
    session_cookie_secure: bool | None = None
    session_idle_minutes: int = Field(120, ge=1, le=7 * 24 * 60)
    session_max_hours: int = Field(24, ge=1, le=90 * 24)
    trusted_proxies: int = Field(1, ge=0, le=10)
    login_limit_per_ip: int = Field(20, ge=1, le=10_000)
    login_limit_per_account: int = Field(10, ge=1, le=10_000)
    login_limit_window_seconds: int = Field(900, ge=10, le=86400)
    magic_link_ttl_minutes: int = Field(10, ge=1, le=15)

    ingress_max_bytes: int = Field(5 * MIB, ge=1024, le=64 * MIB)
    dedup_ttl_days: int = Field(30, ge=1, le=3650)
    retention_days: int = Field(14, ge=1, le=3650)
    allow_custom_webhook_without_links: bool = False
    # Defaults of what the dashboard stores, as the old router's environment gave them.
    webhook_sending_enabled: bool = True
    disable_email_id_dedup: bool = False
    webhooks_time_start: str | None = None
    webhooks_time_end: str | None = None
    gmail_sender_allowlist: Annotated[list[str], NoDecode] = Field(default_factory=list)
    timezone: str = "Europe/Paris"
    match_body_max_chars: int = Field(1024 * 1024, ge=1024, le=64 * MIB)

    worker_threads: int = Field(4, ge=0, le=64)
    worker_lease_seconds: float = Field(60.0, ge=1, le=3600)
    shutdown_grace_seconds: float = Field(20.0, ge=0, le=600)
    target_max_in_flight: int = Field(4, ge=0, le=1000)
    circuit_breaker_failures: int = Field(5, ge=1, le=1000)
    circuit_breaker_cooldown_seconds: int = Field(30, ge=1, le=86400)
    circuit_breaker_cooldown_max_seconds: int = Field(600, ge=1, le=86400)
    retry_schedule: Annotated[list[int], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_RETRY_SCHEDULE)
    )
    retry_jitter: float = Field(0.2, ge=0, le=1)
    retry_after_max_seconds: int = Field(86400, ge=1)
    webhook_connect_timeout: float = Field(5.0, gt=0, le=60)
    webhook_timeout: float = Field(15.0, gt=0, le=300)

    # R2 offload of file-transfer links (services/offload/service.py).
    r2_fetch_enabled: bool = False
    r2_mode: Literal["worker", "direct"] = "worker"
    r2_fetch_endpoint: str | None = None
    r2_fetch_token: SecretStr | None = None
    r2_bucket_name: str | None = Field(None, max_length=63)
    r2_public_base_url: str | None = None
    r2_endpoint_url: str | None = None
    r2_access_key_id: SecretStr | None = None
    r2_secret_access_key: SecretStr | None = None
    r2_max_file_mb: int = Field(512, ge=1, le=100 * 1024)
    r2_presign_expiry_seconds: int = Field(86400, ge=60, le=7 * 86400)
    r2_offload_timeout: float = Field(30.0, gt=0, le=600)
    r2_fetch_timeout: float = Field(15.0, gt=0, le=3600)
    r2_folder_fetch_timeout: float = Field(120.0, gt=0, le=3600)
    r2_retention_hours: int = Field(24, ge=1, le=24 * 365)
    r2_concurrency: int = Field(4, ge=1, le=32)
    r2_cleanup_interval_minutes: int = Field(60, ge=0, le=7 * 24 * 60)
    r2_insecure_test_sources: bool = False

    # Gmail API push (services/gmail/): a watch publishes mailbox changes to Pub/Sub, whose
    # push subscription posts them to /api/ingress/pubsub.
    gmail_client_id: str | None = None
    gmail_client_secret: SecretStr | None = None
    gmail_address: str | None = Field(None, max_length=320)
    gmail_refresh_token: SecretStr | None = None
    gmail_pubsub_topic: str | None = Field(
        None,
        pattern=r"^projects/[a-z][a-z0-9-]{4,61}[a-z0-9]/topics/[A-Za-z][A-Za-z0-9_.~+%-]{2,254}$",
    )
    gmail_watch_labels: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["INBOX"])
    gmail_poll_fallback_seconds: int = Field(300, ge=10, le=86400)
    gmail_label_processed: str | None = Field(None, max_length=225)
    pubsub_audience: str | None = None
    pubsub_service_account: str | None = None
    relais_encryption_key: SecretStr | None = None
    attachment_max_bytes: int = Field(25 * MIB, ge=0, le=512 * MIB)
    google_api_root: str = "https://gmail.googleapis.com"
    google_token_uri: str = "https://oauth2.googleapis.com/token"  # noqa: S105 (an address)
    google_auth_uri: str = "https://accounts.google.com/o/oauth2/v2/auth"
    google_oidc_certs_url: str = "https://www.googleapis.com/oauth2/v1/certs"

    @field_validator("gmail_watch_labels", mode="before")
    @classmethod
    def _split_labels(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()] or ["INBOX"]
        return value

    @field_validator(
        "google_api_root", "google_token_uri", "google_auth_uri", "google_oidc_certs_url"
    )
    @classmethod
    def _check_google_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an absolute http(s) URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _check_gmail(self) -> Settings:
        if bool(self.gmail_address) != bool(self.gmail_refresh_token):
            raise ValueError("GMAIL_ADDRESS and GMAIL_REFRESH_TOKEN go together")
        if self.gmail_refresh_token and not (self.gmail_client_id and self.gmail_client_secret):
            raise ValueError("GMAIL_REFRESH_TOKEN needs GMAIL_CLIENT_ID and GMAIL_CLIENT_SECRET")
        if self.pubsub_audience and not self.pubsub_service_account:
            raise ValueError("PUBSUB_AUDIENCE needs PUBSUB_SERVICE_ACCOUNT (the push's identity)")
        return self

    @property
    def gmail_oauth_configured(self) -> bool:
        """A Google OAuth client is set: mailboxes can be connected."""
        return bool(self.gmail_client_id and self.gmail_client_secret)

    @model_validator(mode="after")
    def _check_r2(self) -> Settings:
        from config.r2_settings import check_r2

        check_r2(self)
        return self

    @field_validator("gmail_sender_allowlist", mode="before")
    @classmethod
    def _split_allowlist(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip().lower() for part in value.split(",") if part.strip()]
        return value

    @field_validator("webhooks_time_start", "webhooks_time_end", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("retry_schedule", mode="before")
    @classmethod
    def _split_schedule(cls, value: Any) -> Any:
        return _parse_int_list(value)

    @field_validator("retry_schedule")
    @classmethod
    def _check_schedule(cls, value: list[int]) -> list[int]:
        if not value or len(value) > 50 or any(v < 0 for v in value):
            raise ValueError("a comma-separated list of 1 to 50 delays in seconds, each >= 0")
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be an absolute http(s) URL")
        return value

    @field_validator("webhook_secret", "webhook_secret_previous", "ingress_signing_secret")
    @classmethod
    def _check_webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            check_whsec(value.get_secret_value())
        return value

    @model_validator(mode="after")
    def _check_tokens(self) -> Settings:
        for name in ("process_api_token", "process_api_token_previous", "dashboard_password"):
            secret = getattr(self, name)
            if secret is not None and len(secret.get_secret_value()) < 8:
                raise ValueError(f"{name.upper()} must be at least 8 characters")
        return self

    @property
    def development(self) -> bool:
        return self.relais_env == "development"

    @property
    def bind_host(self) -> str:
        """HOST, else loopback in development (`make run` is not reachable from the network)
        and every interface in production (Render and containers route to it)."""
        if self.host:
            return self.host
        return "127.0.0.1" if self.development else "0.0.0.0"  # noqa: S104

    @property
    def secure_cookies(self) -> bool:
        """Session cookie `Secure`: explicit setting, else on except in development."""
        if self.session_cookie_secure is None:
            return not self.development
        return self.session_cookie_secure

    @property
    def private_targets_allowed(self) -> bool:
        """Loopback/private webhook targets: explicit setting, else only in development."""
        if self.allow_private_targets is None:
            return self.development
        return self.allow_private_targets


def check_timezone(value: str) -> str:
    """`value` when it names an IANA time zone; ValueError (not echoing it) otherwise."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("unknown IANA time zone (e.g. Europe/Paris)") from exc
    return value


def check_whsec(secret: str) -> None:
    """Raise ValueError unless `secret` is a Standard Webhooks `whsec_` base64 secret."""
    import base64
    import binascii

    if not secret.startswith("whsec_"):
        raise ValueError("must start with whsec_ (a Standard Webhooks secret)")
    try:
        raw = base64.b64decode(secret[len("whsec_") :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("whsec_ secret must be base64") from exc
    if not 24 <= len(raw) <= 64:
        raise ValueError("whsec_ secret must decode to 24-64 bytes")


def load_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """Read the environment once; `overrides` (tests) win over it. The old router's
    variables fill in for their Relais names when those are unset (config/legacy_env.py)."""
    from config.legacy_env import aliased

    files = dotenv_values_for(os.environ)
    from_files = {k.lower(): v for k, v in files.items() if k not in os.environ}
    environ = {**files, **os.environ}
    values = {**from_files, **aliased(environ), **(overrides or {})}
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise SettingsError(describe_errors(exc)) from None


def dotenv_values_for(environ: Mapping[str, str]) -> dict[str, str]:
    """Variables from `./.env`, then `DATA_DIR/.env` (the first file wins; the environment
    wins over both). `RELAIS_DOTENV=0` reads neither (the test suite sets it)."""
    if environ.get("RELAIS_DOTENV", "1") == "0":
        return {}
    here = _read_dotenv(Path(".env"))
    data_dir = environ.get("DATA_DIR") or here.get("DATA_DIR") or "./data"
    return {**_read_dotenv(Path(data_dir) / ".env"), **here}


def _read_dotenv(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    values = dotenv_values(path)
    return {k.upper(): v for k, v in values.items() if v is not None}


def describe_errors(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors(include_input=False, include_url=False):
        name = ".".join(str(p) for p in err["loc"]).upper() or "SETTINGS"
        lines.append(f"{name}: {err['msg']}")
    return "invalid settings: " + "; ".join(lines)
